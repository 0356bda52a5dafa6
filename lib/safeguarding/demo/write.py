"""``write_demo``: the demo data directory (layout in ``docs/architecture.md``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..dataset import DataSet, write_canonical
from ..periods import Period
from . import aggregates, formats
from .authorities import make_authorities, neighbours
from .generate import DEFAULT_SEED, default_years, generate_for


def write_demo(
    out_dir: str | Path,
    n_authorities: int = 5,
    years: Sequence[Period] | None = None,
    seed: int = DEFAULT_SEED,
    sizes: Sequence[int] | None = None,
    real_formats: str = "recent",
) -> Path:
    """Generate the demo and write its data directory; returns the directory.

    Writes ``authorities.csv``, ``population.csv``, per authority the canonical tables
    (``<code>/<table>.csv``), the CIN census (``<code>/cin_census/cin_<YYYY>.xml``, YYYY the
    year of its 31 March reference date) and the SSDA903 return
    (``<code>/ssda903/<YYYY-YY>/{header,episodes,reviews,oc3}.csv``), and the synthetic
    ``comparators.csv``, ``neighbours.csv`` and ``targets.csv``.

    ``real_formats`` says for which years the statutory-format files are written beside the
    canonical tables: ``all``, ``recent`` (the last three years, as an analyst keeps them) or
    ``none``. The canonical tables always cover every year.
    """
    if real_formats not in REAL_FORMATS:
        raise ValueError(f"real_formats must be one of {', '.join(REAL_FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    years = sorted({Period(p.year) for p in (years or default_years())})
    england = make_authorities(n_authorities, seed, sizes)
    demo = england[:n_authorities]
    data = generate_for(demo, years, seed)
    lists = neighbours(england)
    codes = [a.code for a in demo]

    _csv(pd.DataFrame({"code": codes, "name": [a.name for a in demo],
                       "region": [a.region for a in demo]}), out / "authorities.csv")  # fmt: skip
    _csv(data.table("population"), out / "population.csv")
    for code in codes:
        own = data.for_authority(code)
        write_canonical(DataSet({n: f for n, f in own.tables.items() if n != "population"}),
                        out / code)  # fmt: skip
        for year in _real_format_years(years, real_formats):
            formats.write_cin_census(
                own, code, year, out / code / "cin_census" / f"cin_{year.year + 1}.xml"
            )
            formats.write_ssda903(own, code, year, out / code / "ssda903" / year.fy_label)
    _csv(aggregates.comparators(england, demo, lists, years, seed), out / "comparators.csv")
    _csv(aggregates.neighbours_table(lists, codes), out / "neighbours.csv")
    _csv(aggregates.targets(demo, years), out / "targets.csv")
    return out


REAL_FORMATS = ("all", "recent", "none")


def _real_format_years(years: list[Period], real_formats: str) -> list[Period]:
    if real_formats == "none":
        return []
    return years if real_formats == "all" else years[-3:]


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")
