"""The analyst's review list: what to look at before a quarter's reports go to members.

Never part of a published report: the batch writes it beside its log
(``outputs/<quarter>/logs/review-<stamp>.csv``) and prints how many items it holds. Three
checks, each an item naming the authority, the indicator and what was found:

* ``contradiction``: the analyst's commentary uses direction words (rise, fall, increase,
  improved, worse ...) the figures do not bear out: the figure moved the other way, did not
  move, or moved by no more than chance (the assessment's judgements since last quarter and
  since the last year end);
* ``stale_commentary``: commentary written for an earlier quarter's figures: the same text as
  last quarter's file, or a figure quoted that is last quarter's and not this quarter's;
* ``status_changed``: an indicator whose status changed colour since last quarter (green,
  amber, red) with no commentary to explain it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalogue import Indicator
from .periods import Period, parse_period

COLUMNS = ("authority", "indicator", "check", "detail")

# direction words, by what they claim (whole words, any case)
RISE = ("rise", "rises", "rising", "rose", "risen", "increase", "increased", "increases",
        "increasing", "higher", "grew", "grown", "growth")  # fmt: skip
FALL = ("fall", "falls", "falling", "fell", "fallen", "decrease", "decreased", "decreases",
        "decreasing", "lower", "drop", "dropped", "reduced", "reduction")  # fmt: skip
BETTER = ("improved", "improvement", "improving", "improves", "better")
WORSE = ("worse", "worsened", "worsening", "deteriorated", "deterioration", "declined",
         "declining")  # fmt: skip
CHANCE = ("no_change", "within_normal_variation")


@dataclass(frozen=True)
class ReviewItem:
    """One thing for the analyst to look at."""

    authority: str
    indicator: str
    check: str  # contradiction, stale_commentary, status_changed
    detail: str

    def row(self) -> list[str]:
        return [self.authority, self.indicator, self.check, self.detail]


def _words(text: str, vocabulary: Iterable[str]) -> list[str]:
    found = []
    for word in vocabulary:
        if re.search(rf"\b{re.escape(word)}\b", text, flags=re.IGNORECASE):
            found.append(word)
    return found


def _known(value: Any) -> bool:
    return value is not None and value == value  # NaN is not equal to itself


def _comparisons(row: dict[str, Any]) -> list[tuple[str, float, str]]:
    """(judgement, earlier value, when) for last quarter and the last year end."""
    out = []
    for key, value, when in (
        ("vs_previous_quarter", "previous_quarter_value", "last quarter"),
        ("vs_previous_year_end", "previous_year_end_value", "at the last year end"),
    ):
        move, prev = str(row.get(key) or ""), row.get(value)
        if _known(prev) and move and move != "not_comparable":
            out.append((move, float(prev), when))
    return out


def _shown(row: dict[str, Any], indicator: Indicator, found: list) -> str:
    """What the figures show, e.g. "21.4%, no more than chance from 25.0% last quarter"."""
    words = {"no_change": "unchanged from", "within_normal_variation": "within chance of"}
    parts = []
    for move, prev, when in found:
        how = words.get(move) or ("up from" if row["value"] > prev else "down from")
        parts.append(f"{how} {indicator.format(prev)} {when}")
    return f"{indicator.format(row['value'])}, " + " and ".join(parts)


def contradictions(text: str, row: dict[str, Any] | None, indicator: Indicator) -> list[str]:
    """What in ``text`` the figures of ``row`` (an assessment row) contradict: a claimed
    rise, fall, improvement or worsening that no comparison shows beyond chance."""
    if not text.strip() or row is None or not _known(row.get("value")):
        return []
    found = _comparisons(row)
    if not found:
        return []
    value = float(row["value"])
    real = {
        "a rise": any(m not in CHANCE and value > p for m, p, _ in found),
        "a fall": any(m not in CHANCE and value < p for m, p, _ in found),
        "an improvement": any(m == "improved" for m, _, _ in found),
        "a worsening": any(m == "declined" for m, _, _ in found),
    }
    claims = {"a rise": RISE, "a fall": FALL, "an improvement": BETTER, "a worsening": WORSE}
    problems = []
    for claim, vocabulary in claims.items():
        said = _words(text, vocabulary)
        if said and not real[claim]:
            problems.append(
                f"the commentary speaks of {claim} ({', '.join(said)}) but the figure is "
                f"{_shown(row, indicator, found)}"
            )
    return problems


def stale(
    text: str, previous_text: str, row: dict[str, Any] | None, indicator: Indicator
) -> list[str]:
    """Signs that ``text`` was written for last quarter's figures."""
    if not text.strip():
        return []
    found = []
    if previous_text.strip() and " ".join(text.split()) == " ".join(previous_text.split()):
        found.append("the commentary is the same text as last quarter's")
    if row is not None:
        now = indicator.format(row.get("value"))
        prev = row.get("previous_quarter_value")
        if prev is not None and prev == prev:
            then = indicator.format(prev)
            if then != now and then in text and now not in text:
                found.append(f"the commentary quotes {then}, last quarter's figure, not {now}")
    return found


def review_report(
    report: Any, previous_commentary: Callable[[str], str] | None = None
) -> list[ReviewItem]:
    """The review items for one authority's report (a restricted
    :class:`~safeguarding.report.QuarterlyReport`: the figures before disclosure control)."""
    from .assessment import assess

    items: list[ReviewItem] = []
    authority = report.meta.authority
    commentary = report.inputs.commentary or (lambda _ind: ("", "replace"))
    before = _previous_rags(report, assess)
    for theme in report.themes:
        for ind in report.indicators_for(theme):
            text = commentary(ind.id)[0] or ""
            row = report.assessed(ind.id)
            for problem in contradictions(text, row, ind) if row else []:
                items.append(ReviewItem(authority, ind.id, "contradiction", problem))
            earlier = previous_commentary(ind.id) if previous_commentary else ""
            for problem in stale(text, earlier, row, ind):
                items.append(ReviewItem(authority, ind.id, "stale_commentary", problem))
            now = None if row is None else row.get("rag")
            then = before.get(ind.id)
            colours = ("green", "amber", "red")
            if now in colours and then in colours and now != then and not text.strip():
                items.append(
                    ReviewItem(
                        authority,
                        ind.id,
                        "status_changed",
                        f"status changed from {then} to {now} since last quarter and there "
                        "is no commentary",
                    )
                )
    return items


def _previous_rags(report: Any, assess: Callable[..., Any]) -> dict[str, str]:
    """Each indicator's status last quarter (against last quarter's year's target)."""
    previous = report.period.previous
    figures = report.figures.drop(columns=["hidden"])
    figures = figures[figures["value"].notna()]
    if not (figures["period"] == previous.label).any():
        return {}
    judged = assess(
        figures,
        previous,
        targets=report.inputs.targets,
        catalogue=report.catalogue,
        authorities=[report.meta.authority],
        narrative=False,
    )
    return dict(zip(judged["indicator"], judged["rag"], strict=True))


def review_quarter(
    project: Any,
    data_dir: Path,
    quarter: str | Period,
    authorities: Iterable[str] | Iterable[tuple[str, str]],
) -> tuple[list[ReviewItem], list[str]]:
    """Review items for every authority, and a note for each that could not be reviewed
    (its reports fail on their own with the reason). ``authorities``: codes, or (code,
    report) pairs from a run plan, whose scorecard (else first report) is reviewed."""
    from .exceptions import SafeguardingError
    from .report import QuarterlyReport

    period = parse_period(quarter)
    items: list[ReviewItem] = []
    notes: list[str] = []
    reports: dict[str, list[str]] = {}
    for entry in authorities:
        code, name = (entry, "quarterly_scorecard") if isinstance(entry, str) else entry
        reports.setdefault(str(code), []).append(name)
    for code, names in reports.items():
        chosen = "quarterly_scorecard" if "quarterly_scorecard" in names else names[0]
        try:
            report = QuarterlyReport.build(
                code,
                period.label,
                report=chosen,
                audience="restricted",
                project_dir=project.root,
                data_dir=data_dir,
            )
        except SafeguardingError as exc:
            notes.append(f"authority {code} not reviewed: {str(exc).splitlines()[0]}")
            continue
        # the checks read the figures' own movements and statuses, never the comparators:
        # judging without them costs a fraction (the batch reviews every authority)
        report.inputs.comparators = None

        def earlier(indicator: str, code: str = code) -> str:
            return project.commentary(code, period.previous, indicator)[0] or ""

        try:
            items.extend(review_report(report, earlier))
        except SafeguardingError as exc:  # commentary the batch refused: its runs failed
            notes.append(f"authority {code} not reviewed: {str(exc).splitlines()[0]}")
    return items, notes


def write_review(items: list[ReviewItem], path: Path) -> Path:
    """The review list as CSV (``authority, indicator, check, detail``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(item.row() for item in items)
    return path


def review_path(batch_log: Path) -> Path:
    """Beside the batch log: ``logs/batch-<stamp>.log`` -> ``logs/review-<stamp>.csv``."""
    return batch_log.with_name(batch_log.stem.replace("batch-", "review-", 1) + ".csv")


@dataclass(frozen=True)
class ReviewList:
    """The review list the batch wrote: where, how many items, and authorities not reviewed."""

    path: Path
    count: int
    notes: tuple[str, ...] = ()


REVIEW_CACHE = ".review-cache.json"  # in the quarter's logs: each authority's last review


def review_keys(
    project: Any, quarter: str | Period, fingerprints: dict[str, list[str]], hasher: Any
) -> dict[str, str]:
    """``{authority: digest}`` of what its review reads: its runs' fingerprints (data,
    params, library) and last quarter's commentary (the stale-commentary check);
    ``hasher``: the batch's :class:`~safeguarding.manifest.FileHasher`."""
    import hashlib
    import json

    previous = parse_period(quarter).previous
    keys = {}
    for code, prints in fingerprints.items():
        folder = project.commentary_dir(code, previous)
        earlier = sorted(folder.rglob("*.md")) if folder.is_dir() else []
        text = json.dumps([sorted(prints), hasher.checksums(earlier, project.root)])
        keys[code] = hashlib.sha256(text.encode()).hexdigest()
    return keys


# each authority's review: its items and its notes (why it could not be reviewed)
Reviewed = dict[str, tuple[list[ReviewItem], list[str]]]


def reviewed(
    project: Any,
    data_dir: Path,
    quarter: str | Period,
    authorities: Iterable[str] | Iterable[tuple[str, str]],
    keys: dict[str, str] | None = None,
    cache: Path | None = None,
    jobs: int = 1,
) -> Reviewed:
    """Every authority's review, its earlier one kept where its key is unchanged (see
    :func:`for_batch`, which writes them)."""
    by_code = _by_code(authorities)
    known = _read_cache(cache) if keys and cache is not None else {}
    keys = keys if cache is not None else None
    kept_items = {
        code: ([ReviewItem(*row) for row in known[code]["items"]], list(known[code]["notes"]))
        for code in by_code
        if keys and keys.get(code) and known.get(code, {}).get("key") == keys[code]
    }
    todo = {code: runs for code, runs in by_code.items() if code not in kept_items}
    return {**kept_items, **_review_each(project, data_dir, quarter, todo, jobs)}


def _by_code(authorities: Iterable[str] | Iterable[tuple[str, str]]) -> dict[str, list[Any]]:
    by_code: dict[str, list[Any]] = {}
    for entry in authorities:
        by_code.setdefault(str(entry if isinstance(entry, str) else entry[0]), []).append(entry)
    return by_code


def for_batch(
    project: Any,
    data_dir: Path,
    quarter: str | Period,
    authorities: Iterable[str] | Iterable[tuple[str, str]],
    log: Path,
    keys: dict[str, str] | None = None,
    cache: Path | None = None,
    jobs: int = 1,
    found: Reviewed | None = None,
) -> ReviewList:
    """Review every authority of a batch and write the list beside the batch's log.

    With ``keys`` (``{authority: a digest of everything its review reads}``) and ``cache``
    (a JSON file the batch keeps in its logs), an authority whose key is unchanged since the
    last batch keeps its earlier items rather than being built again: a rerun after one
    authority's data changed reviews that authority alone, not all 153. ``jobs``: worker
    processes for the authorities to review (each review builds the authority's report,
    about 0.3 s of CPU: a national first run's 153 were 42 s on one core). ``found``: the
    same authorities already reviewed by :func:`reviewed` with the same keys (the batch
    reviews a single run's authority while its kernel warms up)."""
    authorities = list(authorities)
    by_code = _by_code(authorities)
    if found is None or set(found) != set(by_code):
        found = reviewed(project, data_dir, quarter, authorities, keys, cache, jobs)
    keys = keys if cache is not None else None
    items, notes, kept = [], [], {}
    for code in by_code:
        items += found[code][0]
        notes += found[code][1]
        if keys and keys.get(code):
            kept[code] = {"key": keys[code], "items": [i.row() for i in found[code][0]],
                          "notes": found[code][1]}  # fmt: skip
    if keys and cache is not None:  # authorities outside this batch keep theirs
        _write_cache(cache, {**_read_cache(cache), **kept})
    return ReviewList(write_review(items, review_path(log)), len(items), tuple(notes))


# fewer authorities than this are reviewed here: a pool's start (its processes import the
# library, ~1.5 s of CPU each) would cost more than it saves
POOL_FROM = 8


def _review_each(
    project: Any,
    data_dir: Path,
    quarter: str | Period,
    runs_by_code: dict[str, list[Any]],
    jobs: int,
) -> dict[str, tuple[list[ReviewItem], list[str]]]:
    """``{code: (items, notes)}`` for each authority, in worker processes when there are
    many: each review is independent of the others (its own report, commentary and
    figures)."""
    if jobs > 1 and len(runs_by_code) >= POOL_FROM:
        import os
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        from .executors import mp_context, worker_start

        label = quarter.label if isinstance(quarter, Period) else str(quarter)
        args = [(str(project.root), str(data_dir), label, code, runs) for code, runs in
                runs_by_code.items()]  # fmt: skip
        try:
            with ProcessPoolExecutor(
                min(jobs, len(args)), mp_context=mp_context(), initializer=worker_start,
                initargs=(None, os.getpid()),
            ) as pool:  # fmt: skip
                found = pool.map(_review_one, args, chunksize=4)
                return dict(zip(runs_by_code, found, strict=True))
        except BrokenProcessPool:  # a worker died (out of memory): the list is made here
            pass
    return {
        code: review_quarter(project, data_dir, quarter, runs)
        for code, runs in runs_by_code.items()
    }


def _review_one(
    args: tuple[str, str, str, str, list[Any]],
) -> tuple[list[ReviewItem], list[str]]:
    """One authority's review in a worker process (the project read from its folder, as the
    batch's preparing workers read it)."""
    from .params import load_project

    root, data_dir, quarter, _code, runs = args
    return review_quarter(load_project(root), Path(data_dir), quarter, runs)


def _read_cache(path: Path) -> dict[str, Any]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: every authority is reviewed
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(path: Path, data: dict[str, Any]) -> None:
    import json
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)
