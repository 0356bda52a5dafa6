"""Pandoc for a report: one process reads its Markdown once, lets the renderer check the
document, then writes every format (``templates/writers.lua``).

A command per format, each reading the document again, cost about twice the CPU (0.65-0.86
against 0.37-0.45 s for a scorecard, measured 4 December 2026): a third of a report's
rendering. The renderer's check (:func:`safeguarding.render.guard_document`) runs between
reading and writing, on pandoc's JSON of the document, so no writer ever sees a document it
has not passed: each image it would fetch is one of the report's own files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from .exceptions import RenderError

DRIVER = Path(__file__).with_name("templates") / "writers.lua"


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    """The pandoc binary bundled by pypandoc_binary (or one on PATH)."""
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        found = shutil.which("pandoc")
        if not found:
            raise RenderError("pandoc not found: install pypandoc_binary") from None
        return found


@dataclass(frozen=True)
class WriterJob:
    """One format, as its pandoc command would have said it: ``format`` (pandoc's name),
    ``output``, ``template`` (for a standalone document), ``variables`` (``-V``), ``meta``
    (``-M``, over the document's own), ``shift`` (``--shift-heading-level-by``) and
    ``options`` (pandoc's Lua ``WriterOptions`` fields, such as ``table_of_contents``)."""

    format: str
    output: Path
    template: Path | None = None
    variables: tuple[tuple[str, str], ...] = ()
    meta: tuple[tuple[str, str], ...] = ()
    shift: int = 0
    options: dict[str, Any] = field(default_factory=dict)

    def spec(self) -> dict[str, Any]:
        spec = {
            "format": self.format,
            "output": str(self.output),
            "variables": self.variables,  # pairs: JSON writes tuples as arrays
            "meta": self.meta,
            "shift": self.shift,
            "options": self.options,
        }
        if self.template is not None:
            spec["template"] = str(self.template)
        return spec


@dataclass(frozen=True)
class Reading:
    """How every job reads the document: the reader and its extensions, the column width
    (which sizes wide pipe tables when reading and wraps nothing when writing), the filter
    run for each format, and metadata common to all."""

    reader: str
    filter: Path
    columns: int = 40
    wrap: str = "wrap-none"
    meta: tuple[tuple[str, str], ...] = ()


def read_check_write(
    source: Path,
    reading: Reading,
    jobs: Iterable[WriterJob],
    check: Callable[[Path], bool],
    stamp: dt.datetime,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Read ``source`` once, call ``check`` on the document's JSON (``source`` with the
    suffix ``.json``; it returns whether it rewrote the file), then write each job. Dates in
    the outputs come from ``stamp`` (``SOURCE_DATE_EPOCH``). ``meanwhile`` is called in this
    process while pandoc reads. Any failure is a :class:`RenderError` with pandoc's message,
    and no job is written after ``check`` or ``meanwhile`` raised."""
    cwd = source.parent
    ast = source.with_suffix(".json")
    config = cwd / ".writers.json"
    config.write_text(
        json.dumps(
            {
                "input": source.name,
                "ast": ast.name,
                "reader": reading.reader,
                "filter": str(reading.filter),
                "columns": reading.columns,
                "wrap": reading.wrap,
                "meta": reading.meta,
                "jobs": [job.spec() for job in jobs],
            }
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(stamp.timestamp()))}
    # pandoc's messages go to a file, not a pipe: a pipe nobody reads could fill and stall it
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            [pandoc_path(), "lua", str(DRIVER), str(config)],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        try:
            _converse(proc, ast, check, meanwhile, errors)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None and not pipe.closed:
                    pipe.close()
            config.unlink(missing_ok=True)


def _converse(
    proc: subprocess.Popen[bytes],
    ast: Path,
    check: Callable[[Path], bool],
    meanwhile: Callable[[], None] | None,
    errors: IO[bytes],
) -> None:
    assert proc.stdin is not None and proc.stdout is not None
    if meanwhile is not None:
        meanwhile()
    if proc.stdout.readline().strip() != b"read":
        raise RenderError(_message(errors, "reading", proc.wait()))
    changed = check(ast)
    try:
        proc.stdin.write(b"write changed\n" if changed else b"write\n")
        proc.stdin.close()
    except BrokenPipeError:  # pandoc died after reading (killed, out of memory)
        raise RenderError(_message(errors, "writing", proc.wait())) from None
    proc.stdout.read()  # anything a filter printed, so that it never waits on a full pipe
    code = proc.wait()
    if code != 0:
        raise RenderError(_message(errors, "writing", code))


def _message(errors: IO[bytes], step: str, code: int) -> str:
    """pandoc's own words, a line per failed step, as ``pandoc (html5): ...``; if it said
    nothing of its own, what it did say and how it ended."""
    errors.seek(0)
    lines = errors.read().decode("utf-8", "replace").splitlines()
    found = [line[6:].partition(": ") for line in lines if line.startswith("error ")]
    if not found:  # pandoc itself stopped (a Lua error outside a step, a signal)
        said = " ".join(" ".join(lines).split())
        ended = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        return f"pandoc ({step}): {said + '; ' if said else ''}{ended}"
    return "\n".join(f"pandoc ({name}): {message}" for name, _, message in found)
