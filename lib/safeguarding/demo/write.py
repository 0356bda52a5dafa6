"""``write_demo``: the demo data directory (layout in ``docs/architecture.md``)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import DataSet, write_canonical
from ..periods import Period
from ..schema import TABLES
from . import aggregates, annex_a, formats
from .authorities import DemoAuthority, make_authorities, neighbours
from .generate import DEFAULT_SEED, authority_dataset, default_years, map_authorities


def write_demo(
    out_dir: str | Path,
    n_authorities: int = 5,
    years: Sequence[Period] | None = None,
    seed: int = DEFAULT_SEED,
    sizes: Sequence[int] | None = None,
    real_formats: str = "recent",
    jobs: int = 1,
) -> Path:
    """Generate the demo and write its data directory; returns the directory.

    Writes ``authorities.csv``, ``population.csv``, per authority the canonical tables
    (``<code>/<table>.csv``), the CIN census (``<code>/cin_census/cin_<YYYY>.xml``, YYYY the
    year of its 31 March reference date) and the SSDA903 return
    (``<code>/ssda903/<YYYY-YY>/{header,episodes,reviews,oc3,...}.csv``), Ofsted's Annex A
    workbook at the end of each quarter of the last year
    (``<code>/annex_a/annex_a_<YYYY-MM-DD>.xlsx``, 12 months to that date), and the synthetic
    ``comparators.csv``, ``neighbours.csv`` and ``targets.csv``.

    ``real_formats`` says for which years the statutory-format files are written beside the
    canonical tables: ``all``, ``recent`` (the last three years, as an analyst keeps them) or
    ``none``. The canonical tables always cover every year.

    ``jobs`` worker processes generate and write authorities side by side; the files are the
    same whatever ``jobs`` (each authority has its own random stream).
    """
    if real_formats not in REAL_FORMATS:
        raise ValueError(f"real_formats must be one of {', '.join(REAL_FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    years = sorted({Period(p.year) for p in (years or default_years())})
    england = make_authorities(n_authorities, seed, sizes)
    demo = england[:n_authorities]
    lists = neighbours(england)
    codes = [a.code for a in demo]

    _csv(pd.DataFrame({"code": codes, "name": [a.name for a in demo],
                       "region": [a.region for a in demo]}), out / "authorities.csv")  # fmt: skip
    # one authority at a time, never England in one frame: filtering a national frame per
    # authority cost more than generating it, and each worker's memory stays one authority's
    write = partial(_write_authority, years=years, seed=seed, out=out, real_formats=real_formats)
    populations = map_authorities(write, demo, jobs)
    _csv(pd.concat(populations, ignore_index=True), out / "population.csv")
    _csv(aggregates.comparators(england, demo, lists, years, seed), out / "comparators.csv")
    _csv(aggregates.neighbours_table(lists, codes), out / "neighbours.csv")
    _csv(aggregates.targets(demo, years), out / "targets.csv")
    return out


REAL_FORMATS = ("all", "recent", "none")


def _write_authority(
    auth: DemoAuthority, years: list[Period], seed: int, out: Path, real_formats: str
) -> pd.DataFrame:
    """Generate and write one authority's folder; returns its population rows."""
    own = authority_dataset(auth, years, seed)
    code = auth.code
    for name, frame in own.tables.items():
        if name != "population":
            write_table(frame, name, out / code / f"{name}.csv")
    for year in _real_format_years(years, real_formats):
        formats.write_cin_census(
            own, code, year, out / code / "cin_census" / f"cin_{year.year + 1}.xml"
        )
        formats.write_ssda903(own, code, year, out / code / "ssda903" / year.fy_label)
    if real_formats != "none":
        # the year in progress as a council has it in year: Annex A at each quarter's end
        for quarter in years[-1].quarters():
            extract = quarter.end
            annex_a.write_annex_a(
                own, code, extract, out / code / "annex_a" / f"annex_a_{extract:%Y-%m-%d}.xlsx"
            )
    return own.table("population")


def _real_format_years(years: list[Period], real_formats: str) -> list[Period]:
    if real_formats == "none":
        return []
    return years if real_formats == "all" else years[-3:]


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def write_table(frame: pd.DataFrame, name: str, path: Path) -> None:
    """Write one canonical table exactly as :func:`safeguarding.dataset.write_canonical` does
    (ISO dates, booleans as 1/0, blanks for missing), about twice as fast.

    ``to_csv`` runs every cell through the csv module; the demo's cells never need quoting,
    so each column becomes text in one vectorised step and rows are joined. A table with a
    cell that would need quoting goes to ``write_canonical`` instead (tests compare the two).
    """
    spec = TABLES[name]
    kinds = {c.name: c.dtype for c in spec.columns}
    columns = [_column_text(frame[col], kinds.get(col, "str")) for col in frame.columns]
    header = ",".join(map(str, frame.columns))
    body = "\n".join(map(",".join, zip(*columns, strict=True)))
    text = f"{header}\n{body}\n" if len(frame) else f"{header}\n"
    # a comma, quote or line break inside a cell shows as extra separators or quotes
    commas = header.count(",") * (len(frame) + 1)
    if (
        text.count(",") != commas
        or '"' in text
        or "\r" in text
        or text.count("\n") != len(frame) + 1
    ):
        write_canonical(DataSet({name: frame}), path.parent)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _column_text(values: pd.Series, kind: str) -> list[str]:
    """One column's cells as the CSV text ``write_canonical`` gives them."""
    missing = values.isna().to_numpy()
    if kind == "date":
        text = np.datetime_as_string(values.to_numpy("datetime64[D]"), unit="D")
    elif kind == "bool":
        text = np.where(values.fillna(False).to_numpy(bool), "1", "0")
    elif kind == "int":
        text = values.fillna(0).to_numpy("int64").astype(str)
    elif kind == "float":  # as to_csv writes them: the shortest repr (12.5, 20.0)
        text = values.astype("float64").fillna(0).astype(str).to_numpy()
    else:
        return values.to_numpy(dtype=object, na_value="").tolist()
    return np.where(missing, "", text).tolist()
