"""How the batch's preparing pass splits authorities among its workers."""

from __future__ import annotations

from pathlib import Path

import pytest
from safeguarding.prepare import CHUNK, _chunks


def _folders(root: Path, sizes: dict[str, int]) -> list[str]:
    for code, size in sizes.items():
        (root / code).mkdir()
        (root / code / "referrals.csv").write_bytes(b"x" * size)
    return list(sizes)


@pytest.mark.parametrize(("count", "jobs"), [(40, 2), (17, 2), (153, 2), (153, 4), (9, 1), (3, 4)])
def test_chunks_fill_whole_rounds_of_the_workers(tmp_path: Path, count: int, jobs: int) -> None:
    # five chunks on two workers left one core idle for the whole of the last chunk: the
    # chunks are as many as whole rounds of the workers need, none over CHUNK authorities
    codes = _folders(tmp_path, {f"{900 + i}": 1000 + 37 * i for i in range(count)})
    chunks = _chunks(tmp_path, codes, jobs)
    assert sorted(c for chunk in chunks for c in chunk) == sorted(codes)
    assert max(len(chunk) for chunk in chunks) <= CHUNK
    if count >= jobs:
        assert len(chunks) % jobs == 0
    assert len(chunks) == min(count, -(-count // (CHUNK * jobs)) * jobs)


def test_chunks_balance_bytes_and_spread_empty_folders(tmp_path: Path) -> None:
    # one large authority and many small ones: the large one's chunk takes fewer of the rest
    sizes = {"901": 5000, **{f"{910 + i}": 1000 for i in range(11)}}
    chunks = _chunks(tmp_path, _folders(tmp_path, sizes), 2)
    assert sorted((sum(sizes[c] for c in chunk), len(chunk)) for chunk in chunks) == [
        (8000, 4),  # 901 and three small
        (8000, 8),  # eight small
    ]
    # folders of no bytes (or none at all) are spread by count, not piled into one chunk
    empty = [f"{800 + i}" for i in range(20)]
    assert sorted(len(c) for c in _chunks(tmp_path, empty, 2)) == [5, 5, 5, 5]
    assert _chunks(tmp_path, [], 2) == []
