"""Preparing a batch's authorities before any notebook runs: each one's summary (records
read once, indicators computed in one vectorised pass per chunk of authorities; see
:mod:`safeguarding.summary`) and its identifiers for the privacy scan, packed. Chunks are
balanced by input size and run in parallel worker processes."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import privacy
from .executors import mp_context, worker_start
from .params import Project, load_project
from .runs import one_line

CHUNK = 8  # authorities per preparing task: bounds a worker's memory (its chunk's records are
# held while read: 16 made the prepare phase's peak 1.8 GiB PSS), keeps the pass vectorised


def prepare(
    project: Project,
    data_dir: Path,
    quarter: str,
    authorities: Sequence[str],
    jobs: int | None,
    notes: list[str],
) -> dict[str, privacy.PackedIdentifiers]:
    """Before any notebook runs: build the authorities' missing or stale summaries (read
    once, indicators computed in one vectorised pass per chunk; see
    :mod:`safeguarding.summary`) and collect each one's identifiers for the privacy scan.

    Chunks of authorities, balanced by input size, run in parallel worker processes. Nothing
    here fails a run: an authority whose records cannot be read gets no summary, so its
    notebooks raise the loaders' error themselves, and an authority whose identifiers could
    not be collected is left to its workers (which fail the run with the reason).
    """
    chunks = _chunks(data_dir, authorities, jobs or os.cpu_count() or 1)
    args = [(str(project.root), str(data_dir), quarter, chunk) for chunk in chunks]
    found: dict[str, privacy.PackedIdentifiers] = {}
    results: list[Any] = []
    if len(chunks) <= 1 or (jobs or os.cpu_count() or 1) <= 1:
        results = [_guarded_prepare(a) for a in args]
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(
            min(len(chunks), jobs or os.cpu_count() or 1),
            mp_context=mp_context(),
            initializer=worker_start,
            initargs=(None, os.getpid()),
        ) as pool:
            results = list(pool.map(_guarded_prepare, args))
    for result in results:
        if isinstance(result, str):
            notes.append(f"preparing the summaries failed ({result}); the reports built them")
        else:
            found.update(result[0])
            notes.extend(result[1])
    return found


def _chunks(data_dir: Path, authorities: Sequence[str], jobs: int) -> list[list[str]]:
    """Chunks of at most :data:`CHUNK` authorities, as many as a whole number of rounds of
    ``jobs`` workers needs, balanced by the bytes of their inputs (the largest first, each
    into the lightest chunk): five chunks on two workers left one core idle while the last
    chunk was read (10 s of a 40-authority batch's 121)."""

    def size(code: str) -> int:
        folder = data_dir / code
        return (
            sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            if folder.is_dir()
            else 0
        )

    if not authorities:
        return []
    sizes = {code: size(code) for code in authorities}
    rounds = -(-len(authorities) // (CHUNK * jobs))
    count = min(len(authorities), rounds * jobs)
    bins: list[list[str]] = [[] for _ in range(count)]
    loads = [0] * count
    for code in sorted(authorities, key=lambda c: -sizes[c]):
        # the lightest chunk with room; of equal loads the shorter (folders of no bytes)
        i = min(
            (i for i in range(count) if len(bins[i]) < CHUNK),
            key=lambda i: (loads[i], len(bins[i])),
        )
        bins[i].append(code)
        loads[i] += sizes[code]
    return [b for b in bins if b]


def _guarded_prepare(
    args: tuple[str, str, str, list[str]],
) -> tuple[dict[str, privacy.PackedIdentifiers], list[str]] | str:
    try:
        return _prepare_chunk(*args)
    except Exception as exc:  # noqa: BLE001 - the runs still work without the cache
        return one_line(f"{type(exc).__name__}: {exc}")


def _prepare_chunk(
    root: str, data_dir: str, quarter: str, authorities: list[str]
) -> tuple[dict[str, privacy.PackedIdentifiers], list[str]]:
    """The chunk's summaries built; each authority's identifiers packed, and a note for each
    input file the scan could not read."""
    from . import summary

    project = load_project(root)
    summary.ensure(project, Path(data_dir), authorities, quarter)
    found, notes = {}, []
    for code in authorities:
        with contextlib.suppress(Exception):  # the run's worker tries again and reports it
            identifiers = privacy.identifiers_for(project, code, data_dir)
            found[code] = identifiers.pack()
            for file, why in identifiers.unread:
                notes.append(unread_note(code, file, why, project.root))
            if identifiers.too_short:
                notes.append(too_short_note(code, identifiers.too_short))
    return found, notes


def too_short_note(authority: str, count: int) -> str:
    """The batch's note on the identifiers the scan cannot look for (see
    :mod:`safeguarding.privacy`: they would match page numbers, counts and years)."""
    return (
        f"{authority}: {count:,} child identifier(s) are too short to be told from ordinary "
        f"numbers (numbers under {privacy.MIN_NUMERIC_ID} digits, other values under "
        f"{privacy.MIN_ALNUM_ID} characters) and are not checked for in the outputs "
        "[rule: privacy-identifiers-scannable]"
    )


def unread_note(authority: str, file: str, why: str, root: Path) -> str:
    """The batch's note on an input file the privacy scan could not read."""
    with contextlib.suppress(ValueError):
        file = Path(file).relative_to(root).as_posix()
    return (
        f"{authority}: {file} could not be read for the privacy scan ({why}), so the children "
        "it holds are not checked for in the outputs: make it readable or take it out of the "
        "authority's inputs [rule: privacy-inputs-readable]"
    )
