"""A project folder (``params/``) for a demo data directory of any size, e.g. a synthetic England.

The repository's ``params/`` describes the demo's five authorities by hand; a national run needs
every authority of ``authorities.csv`` with committees, contact officers, targets and a run plan.
:func:`write_project` writes them from the data directory, reusing the template project's
settings (front sheets, classification) so that reports look the same. Paths in the written
``settings.yaml`` are absolute, so the folder can live anywhere (a temporary folder, a shared
filesystem for Dask workers).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import yaml

from ..params import quarter_slug
from ..periods import parse_period
from ..validation import safe_yaml

# the committees every authority gets: (id, name, days after the quarter's end)
COMMITTEES = (
    ("scrutiny", "Children's Services Scrutiny Committee", 36),
    ("corporate_parenting", "Corporate Parenting Board", 43),
    ("lscp", "Local Safeguarding Children Partnership", 63),
)
AUDIENCE = {"quarterly_scorecard": "public", "child_protection": "restricted",
            "looked_after": "public", "national_framework": "public"}  # fmt: skip


def write_project(
    folder: str | Path,
    data_dir: str | Path,
    template: str | Path,
    notebooks: str | Path,
    quarter: str = "2024-25 Q2",
    reports: Sequence[str] = ("quarterly_scorecard",),
) -> Path:
    """Write ``folder/params`` for every authority in ``data_dir/authorities.csv``.

    ``template`` is an existing ``params/`` folder whose ``settings.yaml`` (front sheets,
    classification) and ``indicators.yaml`` are reused; ``notebooks`` the report notebooks.
    Targets come from the data directory's ``targets.csv``; the run plan for ``quarter`` sends
    each of ``reports`` to its usual committee. Returns ``folder``.
    """
    folder, data_dir = Path(folder).resolve(), Path(data_dir).resolve()
    template = Path(template)
    params = folder / "params"
    (params / "runs").mkdir(parents=True, exist_ok=True)
    (params / "targets").mkdir(exist_ok=True)
    (params / "commentary").mkdir(exist_ok=True)

    settings = safe_yaml((template / "settings.yaml").read_text(encoding="utf-8"))
    settings.update(
        data=str(data_dir), notebooks=str(Path(notebooks).resolve()), targets="params/targets"
    )
    settings.pop("comparators", None)  # the data directory's own comparators.csv
    if (template / "indicators.yaml").is_file():
        shutil.copy(template / "indicators.yaml", params / "indicators.yaml")
        settings["indicators"] = "params/indicators.yaml"
    else:
        settings.pop("indicators", None)
    _yaml(settings, params / "settings.yaml")

    period = parse_period(quarter)
    codes = pd.read_csv(data_dir / "authorities.csv", dtype=str, keep_default_na=False)
    entries = [
        _authority(k, row.code, row.name, row.region, period.end)
        for k, row in enumerate(codes.itertuples())
    ]
    _yaml({"authorities": entries}, params / "authorities.yaml")

    targets = pd.read_csv(data_dir / "targets.csv", dtype=str, keep_default_na=False)
    for year, rows in targets.groupby("year", sort=True):
        rows.to_csv(params / "targets" / f"{year}.csv", index=False, lineterminator="\n")

    committee_of = {name: spec.get("committee") for name, spec in settings["reports"].items()}
    runs = [
        {
            "report": report,
            "committee": committee_of.get(report) or "scrutiny",
            "audience": AUDIENCE.get(report, "public"),
        }
        for report in reports
    ]
    plan = {"quarter": period.label, "runs": runs}
    _yaml(plan, params / "runs" / f"{quarter_slug(period)}.yaml")
    return folder


def _authority(k: int, code: str, name: str, region: str, quarter_end: dt.date) -> dict:
    """One ``authorities.yaml`` entry: the three committees with a fictional contact officer
    (Ofcom's drama range 01632 960xxx and example.org, as the demo's five use)."""
    contact = {
        "name": "Performance Lead",
        "role": "Head of Performance and Quality Assurance",
        "phone": f"01632 960{k % 1000:03d}",
        "email": f"performance@{name.lower().replace(' ', '')}.example.org",
    }
    committees = [
        {
            "id": cid,
            "name": title,
            # staggered so that meeting dates differ between authorities, as they do
            "meeting_date": quarter_end + dt.timedelta(days=days + k % 7),
            "report_of": "Director of Children's Services",
            "contact": contact,
        }
        for cid, title, days in COMMITTEES
    ]
    return {
        "code": code,
        "name": name,
        "region": region,
        "neighbours": "data",
        "committees": committees,
    }


def _yaml(data: object, path: Path) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
