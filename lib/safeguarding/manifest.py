"""The quarter's manifest (``outputs/<YYYY-YY-Qn>/manifest.json``): what each run read and made.

For every (authority × report) run it records the parameters, the checksums of the input
files (the authority's data, the shared data files and the params files it read), the
notebook's checksum, the library (version, git commit where there is one, and a hash of its
source, so an edited library reruns), package versions, timings and status. A run's
*fingerprint* hashes everything that can change its outputs except the run time; a run whose
fingerprint matches a published good run is skipped.

File checksums are cached by size and modification time, so an unchanged quarter is checked
without reading its data again.

Publishing a run is journalled here: :meth:`Manifest.begin` records the run about to be
published (``pending``) before any published file changes, :meth:`Manifest.commit` after the
last one has; a batch killed in between leaves the pending record, from which the next batch
finishes or undoes the publish (:func:`safeguarding.publish.recover`). Every write is atomic:
a uniquely named temporary file beside the manifest, flushed, then ``os.replace``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .dataset import sha256_file

MANIFEST_VERSION = 2  # 2: outputs under public/, restricted/ and notebooks/
PACKAGES = (
    "pandas", "numpy", "scipy", "matplotlib", "papermill", "nbclient", "nbformat", "ipykernel",
    "jupyter_client", "pypandoc_binary", "typst", "holidays", "PyYAML", "lxml", "pypdf",
)  # fmt: skip
_LIBRARY = Path(__file__).resolve().parent
_SOURCE_SUFFIXES = {
    ".py",
    ".yaml",
    ".yml",
    ".csv",
    ".json",
    ".css",
    ".typ",
    ".docx",
    ".html",
    ".lua",
    ".txt",
    ".md",
}


@lru_cache(maxsize=1)
def library_source_sha256() -> str:
    """One hash over the library's source and data files (paths and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(_LIBRARY.rglob("*")):
        if path.is_file() and path.suffix in _SOURCE_SUFFIXES and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_LIBRARY).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The checkout's commit (``+dirty`` when it has uncommitted changes), or None."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=_LIBRARY,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "."],
            cwd=_LIBRARY,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+dirty" if dirty else commit or None


def library_info() -> dict[str, Any]:
    return {
        "version": __version__,
        "git_commit": git_commit(),
        "source_sha256": library_source_sha256(),
    }


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


@dataclass
class FileHasher:
    """SHA-256 of files, reusing earlier checksums while size and mtime are unchanged."""

    cache: dict[str, list] = field(default_factory=dict)  # path -> [size, mtime_ns, sha256]
    # folder -> its resolved path: a quarter's runs name the same few folders thousands of
    # times, and resolving a path is a system call per part of it (0.3 s a national rerun)
    _folders: dict[Path, Path] = field(default_factory=dict, repr=False)

    def sha256(self, path: Path) -> str:
        stat = path.stat()
        key = str(path)
        known = self.cache.get(key)
        if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[2]
        digest = sha256_file(path)
        self.cache[key] = [stat.st_size, stat.st_mtime_ns, digest]
        return digest

    def checksums(self, paths: list[Path], root: Path) -> dict[str, str]:
        """``{path relative to root (or absolute outside it): sha256}``, sorted."""
        return {self._rel(p, root): self.sha256(p) for p in sorted(set(paths))}

    def resolve(self, path: Path) -> Path:
        """``path.resolve()``, its folder resolved once for this hasher."""
        if path.is_symlink():
            return path.resolve()
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = self._folders[path.parent] = path.parent.resolve()
        return folder / path.name

    def _rel(self, path: Path, root: Path) -> str:
        resolved = self.resolve(path)
        try:
            return resolved.relative_to(root).as_posix()
        except ValueError:
            return str(resolved)


def fingerprint(record: dict[str, Any]) -> str:
    """Hash of what determines a run's outputs: parameters without the run time, notebook,
    library source, inputs and params files, and the output formats."""
    keyed = {
        "parameters": {k: v for k, v in record["parameters"].items() if k != "run_time"},
        "notebook": record["notebook"]["sha256"],
        "library": record["library"]["source_sha256"],
        "inputs": record["inputs"],
        "params_files": record["params_files"],
        "formats": record.get("formats", []),
    }
    return hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()


def run_key(authority: str, report: str) -> str:
    return f"{authority}/{report}"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``path`` all at once: a reader sees the old file or the new one, never part of
    one. The temporary file has a unique name (two writers never share it) and is removed if
    the write fails (a full disk leaves the old file as it was)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass
class Manifest:
    """The manifest of one quarter's outputs."""

    path: Path
    quarter: str
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    file_cache: dict[str, list] = field(default_factory=dict)
    # runs being published: {key: {"entry": the record to commit, "staging": its folder}}
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, quarter: str) -> Manifest:
        if not path.is_file():
            return cls(path, quarter)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return cls(path, quarter)  # unreadable: everything reruns
        if data.get("manifest_version") != MANIFEST_VERSION:
            return cls(path, quarter)
        return cls(
            path,
            quarter,
            dict(data.get("runs", {})),
            dict(data.get("file_cache", {})),
            dict(data.get("pending", {})),
        )

    def published(self, key: str) -> dict[str, Any] | None:
        """The record of the good run whose outputs are published for ``key``, if any."""
        record = self.runs.get(key)
        if not record:
            return None
        if record.get("status") == "ok":
            return record
        return record.get("published")

    def published_outputs(self) -> dict[str, str]:
        """``{path relative to the quarter folder: sha256}`` of every published file."""
        files: dict[str, str] = {}
        for key in self.runs:
            record = self.published(key)
            if record:
                files.update(record.get("outputs") or {})
        return dict(sorted(files.items()))

    def begin(self, key: str, entry: dict[str, Any], staging: str) -> None:
        """Journal the publish of ``entry`` (staged in ``staging``) before any file moves."""
        self.pending[key] = {"entry": entry, "staging": staging}
        self.save()

    def commit(self, key: str) -> None:
        """The publish of ``key`` is complete: its entry becomes the run's record."""
        self.runs[key] = self.pending.pop(key)["entry"]
        self.save()

    def save(self) -> None:
        """Write atomically (see :func:`atomic_write_text`)."""
        data = {
            "manifest_version": MANIFEST_VERSION,
            "quarter": self.quarter,
            "runs": dict(sorted(self.runs.items())),
            "pending": dict(sorted(self.pending.items())),
            "file_cache": dict(sorted(self.file_cache.items())),
        }
        atomic_write_text(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")
