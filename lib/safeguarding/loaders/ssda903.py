"""The SSDA903 looked-after-children return -> canonical tables.

Either a folder of the return's CSV tables (``header.csv`` and ``episodes.csv`` required;
``reviews.csv``, ``oc3.csv``, ``sw_episodes.csv`` (2023-24 on) and ``DoLo.csv`` (2026-27 on)
read when present; the other tables are not needed by any indicator and are ignored) or the XML
export (``<EXPSSDA903>``, one ``<CHILD>`` per child, where ``CHILDID`` stands for ``CHILD``,
``PL`` for ``PLACE`` and reviews sit in ``HEADER/AREVIEW``). Dates are dd/mm/YYYY in both. Both
give the canonical tables ``children`` (with ``ETHNIC``), ``la_episodes`` (with ``HOME_POST``
and ``PL_POST``), ``la_reviews`` and ``care_leavers``; the CSV folder also ``sw_episodes`` and
``dolo``. Code lists are the collection year's (``codes.YEAR_CODES``: Sex M/F/U from 2024-25,
placements Z11-Z14 for Z1 from 2025-26).

A table that is not supplied (no ``reviews.csv``) is absent from the data set, so indicators
that need it are "not computable" rather than zero. In the XML every block is optional per
child, so its four tables are always supplied.

The return does not say which year it is for. ``collection_year`` (e.g. ``2017-18``) should be
given; when it is not, it is taken as the financial year of the latest episode start (no episode
can start after the year a return covers) and a warning says so.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from lxml import etree

from ..dataset import Coverage, DataSet, Source, sha256_file
from ..periods import Period, PeriodError, parse_period
from ..validation import InputError, Issue, IssueLog
from .checks import (
    ROW,
    RawTable,
    build_dataset,
    check_dates_after,
    file_date,
    files_by_name,
    missing_table,
    read_csv_checked,
    validate_relations,
    validate_table,
)

DATE_FORMAT = "%d/%m/%Y"
DATE_LABEL = "dd/mm/YYYY"

# canonical table -> (CSV file stem, required, {canonical column: CSV column})
CSV_TABLES: dict[str, tuple[str, bool, dict[str, str]]] = {
    "children": (
        "header",
        True,
        {"child_id": "CHILD", "dob": "DOB", "sex": "SEX", "upn": "UPN", "ethnicity": "ETHNIC"},
    ),
    "la_episodes": (
        "episodes",
        True,
        {
            "child_id": "CHILD",
            "episode_start": "DECOM",
            "episode_end": "DEC",
            "rne": "RNE",
            "legal_status": "LS",
            "placement": "PLACE",
            "reason_end": "REC",
            "placement_distance_miles": "PL_DISTANCE",
            "home_postcode": "HOME_POST",
            "placement_postcode": "PL_POST",
        },
    ),
    "la_reviews": (
        "reviews",
        False,
        {"child_id": "CHILD", "review_date": "REVIEW", "review_code": "REVIEW_CODE"},
    ),
    "care_leavers": (
        "oc3",
        False,
        {
            "child_id": "CHILD",
            "dob": "DOB",
            "in_touch": "IN_TOUCH",
            "activity": "ACTIV",
            "accommodation": "ACCOM",
        },
    ),
    # social worker episodes (2023-24 on) and Deprivation of Liberty Orders (2026-27 on)
    "sw_episodes": (
        "sw_episodes",
        False,
        {
            "child_id": "CHILD",
            "sw_id": "SW_ID",
            "start_date": "SW_DECOM",
            "end_date": "SW_DEC",
            "reason": "SW_REASON",
        },
    ),
    "dolo": (
        "dolo",
        False,
        {"child_id": "CHILD", "start_date": "DOLO_START", "end_date": "DOLO_END"},
    ),
}

# canonical table -> {canonical column: element path relative to the row's element}
XML_COLUMNS: dict[str, dict[str, str | None]] = {
    "children": {
        "child_id": "CHILDID",
        "dob": "DOB",
        "sex": "SEX",
        "upn": "UPN",
        "ethnicity": "ETHNIC",
    },
    "la_episodes": {
        "child_id": "../HEADER/CHILDID",
        "episode_start": "DECOM",
        "episode_end": "DEC",
        "rne": "RNE",
        "legal_status": "LS",
        "placement": "PL",
        "reason_end": "REC",
        "home_postcode": "HOME_POST",
        "placement_postcode": "PL_POST",
        # no PL_DISTANCE: the XML exports do not carry it (absent, so not read as blank)
    },
    "la_reviews": {"child_id": "../CHILDID", "review_date": "REVIEW", "review_code": "REVIEW_CODE"},
    "care_leavers": {
        "child_id": "CHILDID",
        "dob": "DOB",
        "in_touch": "IN_TOUCH",
        "activity": "ACTIV",
        "accommodation": "ACCOM",
        "collection_year": None,
    },
}
ORDER = ("children", "la_episodes", "la_reviews", "care_leavers", "sw_episodes", "dolo")
XML_ORDER = ORDER[:4]  # the XML export has no social worker episodes or DoLOs


def load_ssda903(path: str | Path, authority: str, collection_year: str | None = None) -> DataSet:
    """Read an SSDA903 return (a folder of CSV tables, or the XML file) for ``authority``.

    ``collection_year`` is the financial year the return covers (``2017-18``; any spelling
    :func:`~safeguarding.periods.parse_period` accepts). Raises :class:`InputError` with every
    fatal problem; warnings travel in the data set's ``issues``.
    """
    path = Path(path)
    authority = str(authority)
    year = _parse_year(collection_year, str(path), authority)
    if path.is_dir():
        return _load_csv(path, authority, year)
    if path.is_file() and path.suffix.lower() == ".xml":
        return _load_xml(path, authority, year)
    raise InputError(
        [
            Issue(
                "error",
                str(path),
                "missing_table",
                "an SSDA903 return is a folder of CSV tables (header.csv, episodes.csv, ...) "
                "or an .xml file; this is neither" + ("" if path.exists() else " (not found)"),
                authority=authority,
            )
        ]
    )


def _parse_year(text: str | None, file: str, authority: str) -> Period | None:
    if text is None:
        return None
    try:
        period = parse_period(text)
    except PeriodError as exc:
        raise InputError(
            [
                Issue(
                    "error",
                    file,
                    "invalid_value",
                    str(exc),
                    column="collection_year",
                    value=str(text),
                    authority=authority,
                )
            ]
        ) from None
    if period.kind != "year":
        raise InputError(
            [
                Issue(
                    "error",
                    file,
                    "invalid_value",
                    "collection_year must be a financial year such as 2017-18",
                    column="collection_year",
                    value=str(text),
                    authority=authority,
                )
            ]
        )
    return period


def _load_csv(folder: Path, authority: str, year: Period | None) -> DataSet:
    log = IssueLog()
    files = files_by_name(folder, ".csv", log, authority)
    sources: list[Source] = []
    raws: list[RawTable] = []
    for name in ORDER:
        stem, required, columns = CSV_TABLES[name]
        file = files.get(stem)
        if file is None:
            if required:
                missing_table(log, str(folder / f"{stem}.csv"), stem, authority)
            continue
        sources.append(Source(str(file), sha256_file(file), "ssda903", authority))
        text = read_csv_checked(file, log, authority)
        if text is None:
            continue
        frame = text.rename(columns={v: k for k, v in columns.items()})
        frame = frame[[c for c in columns if c in frame.columns]].copy()
        frame[ROW] = frame.index + 2  # line number: the header is line 1
        frame["authority"] = authority
        raws.append(
            RawTable(
                name,
                frame,
                str(file),
                authority,
                source_columns=dict(columns),
                date_format=DATE_FORMAT,
                date_label=DATE_LABEL,
                file_columns=list(text.columns),
            )
        )
    return _validate(raws, log, sources, authority, year)


def _text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    value = element.findtext(path)
    value = value.strip() if value else None
    return value or None


def _load_xml(path: Path, authority: str, year: Period | None) -> DataSet:
    file = str(path)
    try:
        root = etree.parse(file, etree.XMLParser(remove_comments=True, huge_tree=True)).getroot()
    except etree.XMLSyntaxError as exc:
        raise InputError(
            [
                Issue(
                    "error",
                    file,
                    "xml_syntax",
                    f"not a readable XML file: {exc}",
                    authority=authority,
                )
            ]
        ) from None
    if root.tag != "EXPSSDA903":
        raise InputError(
            [
                Issue(
                    "error",
                    file,
                    "not_ssda903",
                    f"not an SSDA903 XML export: the root element is <{root.tag}>, "
                    "expected <EXPSSDA903>",
                    row=f"/{root.tag}",
                    authority=authority,
                )
            ]
        )
    rows: dict[str, list[dict]] = {name: [] for name in XML_ORDER}
    # Loops over XML elements (not table rows): positions give the paths in messages.
    for ci, child in enumerate(root.iterfind("CHILD"), 1):
        cpath = f"/EXPSSDA903/CHILD[{ci}]"
        head = child.find("HEADER")
        hpath = f"{cpath}/HEADER"
        cid = _text(head, "CHILDID")
        dob = _text(head, "DOB")
        rows["children"].append(
            {
                ROW: hpath,
                "child_id": cid,
                "dob": dob,
                "sex": _text(head, "SEX"),
                "upn": _text(head, "UPN"),
                "ethnicity": _text(head, "ETHNIC"),
            }
        )
        for ei, episode in enumerate(child.iterfind("EPISODE"), 1):
            rows["la_episodes"].append(
                {
                    ROW: f"{cpath}/EPISODE[{ei}]",
                    "child_id": cid,
                    "episode_start": _text(episode, "DECOM"),
                    "episode_end": _text(episode, "DEC"),
                    "rne": _text(episode, "RNE"),
                    "legal_status": _text(episode, "LS"),
                    "placement": _text(episode, "PL"),
                    "reason_end": _text(episode, "REC"),
                    "home_postcode": _text(episode, "HOME_POST"),
                    "placement_postcode": _text(episode, "PL_POST"),
                }
            )
        if head is None:
            continue
        for ri, review in enumerate(head.iterfind("AREVIEW"), 1):
            rows["la_reviews"].append(
                {
                    ROW: f"{hpath}/AREVIEW[{ri}]",
                    "child_id": cid,
                    "review_date": _text(review, "REVIEW"),
                    "review_code": _text(review, "REVIEW_CODE"),
                }
            )
        oc3 = {
            col: _text(head, element) or _text(head, f"OC3/{element}")
            for col, element in (
                ("in_touch", "IN_TOUCH"),
                ("activity", "ACTIV"),
                ("accommodation", "ACCOM"),
            )
        }
        if any(oc3.values()):
            rows["care_leavers"].append({ROW: hpath, "child_id": cid, "dob": dob, **oc3})

    raws = []
    for name in XML_ORDER:
        columns = XML_COLUMNS[name]
        frame = pd.DataFrame.from_records(
            rows[name], columns=[ROW, *[c for c in columns if c != "collection_year"]]
        )
        frame["authority"] = authority
        raws.append(
            RawTable(
                name,
                frame,
                file,
                authority,
                source_columns={"authority": None, **columns},
                xml=True,
                date_format=DATE_FORMAT,
                date_label=DATE_LABEL,
            )
        )
    sources = [Source(file, sha256_file(path), "ssda903", authority)]
    return _validate(raws, IssueLog(), sources, authority, year)


def _validate(
    raws: list[RawTable],
    log: IssueLog,
    sources: list[Source],
    authority: str,
    year: Period | None,
) -> DataSet:
    by_name = {r.name: r for r in raws}
    for raw in raws:
        raw.year = year.year if year is not None else None  # that year's code lists
    for name in ("children", "la_episodes", "la_reviews", "sw_episodes", "dolo"):
        if name in by_name:
            validate_table(by_name[name], log)

    episodes = by_name.get("la_episodes")
    if year is None and episodes is not None and episodes.typed is not None:
        latest = episodes.typed["episode_start"].max()
        if pd.notna(latest):
            year = Period(latest.year if latest.month >= 4 else latest.year - 1)
            log.warning(
                episodes.file,
                "collection_year_inferred",
                f"collection year not given: taken as {year.label}, the financial year of the "
                "latest episode start; pass the collection year to state it",
                column=episodes.source_name("episode_start"),
                value=latest.strftime("%d/%m/%Y"),
                authority=authority,
            )

    leavers = by_name.get("care_leavers")
    if leavers is not None:
        if year is None and len(leavers.frame):
            log.error(
                leavers.file,
                "missing_value",
                "the collection year of the care-leaver (OC3) records is unknown: the return "
                "has no episode dates to infer it from; pass the collection year",
                column="collection_year",
                authority=authority,
            )
        leavers.frame["collection_year"] = year.label if year else None
        leavers.allow_missing = frozenset({"collection_year"})  # reported once, just above
        validate_table(leavers, log)

    validate_relations(raws, log)
    if year is not None:
        end = year.end
        check_dates_after(
            raws, end, "after_collection_year", f"the end of the collection year {year.label}", log
        )
    data = build_dataset(
        raws,
        log,
        [replace(s, extract_date=_extract(year) or file_date(Path(s.path))) for s in sources],
    )
    if year is not None:
        data.coverage.append(
            Coverage(
                authority,
                tuple(data.tables),
                year.start,
                year.end,
                sources[0].path if sources else "",
                f"SSDA903 {year.label}",
            )
        )
    return data


def _extract(year: Period | None) -> str | None:
    """The return's collection year: what an SSDA903 file says of when it was taken."""
    return f"collection year {year.label}" if year is not None else None
