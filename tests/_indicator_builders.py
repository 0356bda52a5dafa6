"""Small hand-made data sets for the indicator tests.

``dataset(cp_plans=[{...}, ...], ...)`` builds a :class:`DataSet` from row dictionaries,
filling in ``authority`` ("901") and ids the test does not care about.
"""

from __future__ import annotations

import math
from itertools import count

import pandas as pd
from safeguarding.dataset import DataSet
from safeguarding.indicators import compute

LA = "901"
_ids = count(1)

# columns filled in when a row leaves them out
_DEFAULTS = {
    "referrals": {"referral_id": lambda: f"R{next(_ids)}"},
    "assessments": {
        "assessment_id": lambda: f"A{next(_ids)}",
        "referral_id": lambda: f"R{next(_ids)}",
    },
    "section47": {"s47_id": lambda: f"S{next(_ids)}", "referral_id": lambda: f"R{next(_ids)}"},
    "cp_plans": {"plan_id": lambda: f"P{next(_ids)}"},
    "la_episodes": {"rne": lambda: "S", "legal_status": lambda: "C2", "placement": lambda: "U1"},
    "care_leavers": {"in_touch": lambda: "YES"},
}


def rows(table: str, records: list[dict]) -> pd.DataFrame:
    filled = []
    for record in records:
        row = {"authority": LA, **record}
        if table != "population":
            row.setdefault("child_id", "C1")
        for column, make in _DEFAULTS.get(table, {}).items():
            row.setdefault(column, make())
        filled.append(row)
    return pd.DataFrame(filled)


def dataset(**tables: list[dict]) -> DataSet:
    data = DataSet()
    for name, records in tables.items():
        data.set(name, rows(name, records))
    return data


def figure(data: DataSet, indicator: str, period: str, authority: str = LA, **kw):
    """(value, numerator, denominator) for one authority; None for empty cells."""
    out = compute(data, [period], [indicator], **kw)
    row = out[out["authority"] == authority].iloc[0]

    def clean(v):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return None
        return v

    return clean(row["value"]), clean(row["numerator"]), clean(row["denominator"])
