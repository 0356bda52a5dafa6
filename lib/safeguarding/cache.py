"""The project's derived-data cache (``<project>/.cache/``, git-ignored): pickled values, each
stored with the key it was built from and reused only while that key still matches.

A key names everything the value depends on (the library's source hash, input files by
path, size and modification time, settings); a stale or unreadable entry is simply rebuilt
and overwritten. Writes are atomic, so processes building the same entry at once never see
half a file. ``rm -rf .cache`` clears it; nothing is lost but time.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

CACHE_DIR = Path(".cache")
CHARTS_DIR = CACHE_DIR / "charts"  # charts' SVGs and Word's PNGs of them, by their inputs


def file_stamps(paths: Iterable[Path], base: Path) -> list[tuple[str, int, int]]:
    """``(path relative to base, size, mtime_ns)`` of each file: cheap to take, and any
    edit, copy or touch changes it."""
    return [
        (p.relative_to(base).as_posix(), s.st_size, s.st_mtime_ns)
        for p in paths
        for s in [p.stat()]
    ]


def library_key(indicators_file: Path | None) -> dict[str, Any]:
    """The code and definitions every cached value depends on: the library's source (which
    includes the built-in catalogue) and the project's local indicators."""
    from .dataset import sha256_file
    from .manifest import library_source_sha256

    return {
        "library": library_source_sha256(),
        "indicators": sha256_file(indicators_file) if indicators_file else None,
    }


def load(path: Path, key: Mapping[str, Any]) -> Any | None:
    """The value cached at ``path`` for ``key``, or None when absent, unreadable or stale."""
    try:
        with open(path, "rb") as handle:
            stored = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != dict(key):
        return None
    return stored.get("value")


def save(path: Path, key: Mapping[str, Any], value: Any) -> Path:
    """Write atomically: a concurrent reader sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, suffix=".tmp", delete=False) as tmp:
        pickle.dump({"key": dict(key), "value": value}, tmp, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp.name, path)
    return path


def store(path: Path, data: bytes) -> None:
    """Write ``data`` atomically, best effort: a cache that cannot be written is only slower
    (a concurrent reader sees the old file or the new, never half)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, suffix=".tmp", delete=False) as f:
            f.write(data)
        os.replace(f.name, path)
    except OSError:
        pass
