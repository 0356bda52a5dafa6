"""The manifest's file checksums: each input named as ``Path.resolve`` names it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from safeguarding.manifest import FileHasher


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_checksums_name_each_file_by_its_resolved_path_relative_to_the_root(tmp_path):
    root = (tmp_path / "project").resolve()
    (root / "data" / "901").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "data" / "901" / "referrals.csv").write_text("a")
    (outside / "comparators.csv").write_text("b")
    (outside / "annex_a.xlsx").write_text("c")
    # a folder linked in from outside the project, a file linked to another inside it
    os.symlink(outside, root / "data" / "shared")
    os.symlink(root / "data" / "901" / "referrals.csv", root / "data" / "latest.csv")
    paths = [
        root / "data" / "901" / "referrals.csv",
        root / "data" / "shared" / "comparators.csv",
        root / "data" / "latest.csv",
        root / "data" / "901" / ".." / "shared" / "annex_a.xlsx",
    ]
    hasher = FileHasher()
    found = hasher.checksums(paths, root)
    assert found == {
        "data/901/referrals.csv": _sha("a"),
        str((outside / "comparators.csv").resolve()): _sha("b"),
        str((outside / "annex_a.xlsx").resolve()): _sha("c"),
    }
    # the folders are resolved once, and a file's later change of target is still seen
    os.remove(root / "data" / "latest.csv")
    os.symlink(outside / "comparators.csv", root / "data" / "latest.csv")
    again = hasher.checksums([root / "data" / "latest.csv"], root)
    assert again == {str((outside / "comparators.csv").resolve()): _sha("b")}
    for path in paths:
        assert hasher.resolve(path) == Path(path).resolve()
