"""A report built from the project: parameters, the authority's summary, comparators."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import cache, charts, disclosure
from ..catalogue import Catalogue
from ..exceptions import MissingInput
from ..periods import Period, parse_period
from .meta import IMPLICATION_TITLES, Contact, ReportMeta

if TYPE_CHECKING:
    from .model import QuarterlyReport


def _meta_from_project(
    project: Any,
    authority: str,
    quarter: Period,
    report: str,
    committee: str,
    audience: str,
    run_time: str,
) -> ReportMeta:
    auth = project.authority(authority)
    sheet = project.front_sheet(report)
    com = auth.committee(committee or sheet.committee)
    officer = com.contact
    implications = {k: getattr(sheet.implications, k) for k in IMPLICATION_TITLES}
    return ReportMeta(
        title=sheet.title,
        authority=authority,
        authority_name=auth.name,
        quarter=quarter.label,
        report=report,
        committee=com.name,
        meeting_date=com.meeting_date,
        report_of=com.report_of,
        contact=Contact(officer.name, officer.role, officer.phone, officer.email),
        classification=sheet.classification_for(audience),
        audience=audience,
        wards_affected=sheet.wards_affected,
        decision_type=sheet.decision_type,
        purpose=sheet.purpose,
        recommendations=list(sheet.recommendations),
        implications=implications,
        run_time=run_time,
    )


def build_report(
    cls: type[QuarterlyReport],
    authority: str,
    quarter: str,
    report: str,
    committee: str,
    audience: str,
    project_dir: str | Path,
    data_dir: str | Path,
    run_time: str,
) -> QuarterlyReport:
    """Read the project's parameters and the authority's summary (cached, else built from
    its records), and build."""
    from .. import params
    from ..dataset import sha256_file
    from ..summary import summary_for
    from .model import ReportInputs

    disclosure.check_audience(audience)
    authority = str(authority)
    period = parse_period(quarter)
    project = params.load_project(project_dir or None)
    # charts drawn once per set of inputs, shared by reruns, previews and the thematic reports
    charts.use_cache_dir(project.root / cache.CHARTS_DIR)
    meta = _meta_from_project(project, authority, period, report, committee, audience, run_time)
    folder = Path(data_dir) if data_dir else project.data_dir
    if not folder.is_absolute():
        folder = project.root / folder
    if not folder.is_dir():
        ensure_demo(folder)
    summary = summary_for(project, folder, authority, period)
    cat = project.catalogue()
    outturns = summary.report_outturns(report, cat)
    comp_file = Path(project.settings.comparators_file or folder / "comparators.csv")
    comparators = comparators_for(project, comp_file, cat) if comp_file.is_file() else None
    if comparators is not None:  # the region's figure needs each authority's region
        comparators.add_regions(folder / "authorities.csv")
    years = [period.financial_year, period.financial_year.shift(-1)]
    targets = project.targets(years)
    extra = [(project.rel(f), sha256_file(f)) for f in project.files_read(authority, period)]
    if comparators is not None:  # every input the report used is in its provenance
        extra.append((project.rel(comp_file), sha256_file(comp_file)))
    inputs = ReportInputs(
        outturns=outturns,
        targets=targets if len(targets) else None,
        comparators=comparators,
        catalogue=cat,
        commentary=lambda ind: project.commentary(authority, period, ind),
        data=summary,
        neighbour_average=project.settings.neighbour_average,
        extra_sources=extra,
    )
    return cls(meta, inputs)


def comparators_for(project: Any, path: Path, catalogue: Catalogue) -> Any:
    """The comparators file read and checked once, then from the project's cache while the
    file, the library, the local indicators and the neighbour average are unchanged (every
    report reads the same file; checking it costs about 0.3 s)."""
    from ..comparators import Comparators

    average = project.settings.neighbour_average
    key = {
        **cache.library_key(project.settings.indicators_file),
        "file": cache.file_stamps([path], path.parent),
        "path": str(path),
        "neighbour_average": average,
    }
    name = hashlib.sha256(f"{path.resolve()}\0{average}".encode()).hexdigest()[:16]
    # one instance per process while the key holds: its lookups are memoised, and a process
    # that builds many authorities' reports (the analyst's review list) reuses them
    memo = repr(sorted(key.items()))
    if _LOADED.get(name, (None, None))[0] == memo:
        return _LOADED[name][1]
    where = project.root / cache.CACHE_DIR / "comparators" / f"{name}.pickle"
    comparators = cache.load(where, key)
    if comparators is None:
        comparators = Comparators.from_csv(path, catalogue, neighbour_average=average)
        cache.save(where, key, comparators)
    _LOADED[name] = (memo, comparators)
    return comparators


_LOADED: dict[str, tuple[str, Any]] = {}


def ensure_demo(folder: Path) -> None:
    """Generate the bundled demo data where the settings expect it (first use only)."""
    try:
        from ..demo import write_demo
    except ImportError:
        raise MissingInput(
            f"the data folder {folder} does not exist (and the demo generator is not available)"
        ) from None
    write_demo(folder)
