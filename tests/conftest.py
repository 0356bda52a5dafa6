"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (public reference files); tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent (a clone outside it)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    """A small demo data folder (authorities 901 and 902, 2021-22 to 2024-25) for the tests
    that execute the real report notebooks: enough years for a 2024-25 Q2 report's trends."""
    from safeguarding.demo import write_demo
    from safeguarding.periods import period_range

    folder = tmp_path_factory.mktemp("small-demo")
    return write_demo(folder, n_authorities=2, years=period_range("2021-22", "2024-25"))


@pytest.fixture(scope="session")
def demo_quarter(tmp_path_factory) -> Path:
    """The demo quarter's public reports in every format, as the batch publishes them
    (tests/published_demo.py: about a minute on two cores). The tests using it carry
    ``published_demo.GROUP``, so that one xdist worker builds it."""
    import published_demo

    return published_demo.build(tmp_path_factory.mktemp("demo-quarter"))
