"""Ethnic disproportionality: how much more (or less) likely children of each ethnic group are
to be in need, on a child protection plan or looked after than White children.

For each cohort on a date (:data:`~safeguarding.indicators.framework.COHORTS`: ``cin``,
``cp``, ``cla``, read exactly as CIN_AT_END, CPP_AT_END and CLA_AT_END) the children are
counted by ONS's Census 2021 high-level ethnic groups (:data:`GROUPS`; the CIN census and
SSDA903 codes map to them as :data:`CODE_GROUPS`), and each group's rate per 10,000 children
of that group aged 0 to 17 (``population_ethnicity``) is divided by the White group's rate:
the **relative rate index** (RRI). Its 95% confidence interval is Katz's log method::

    ln(RRI) +/- 1.96 * sqrt(1/a - 1/n1 + 1/c - 1/n2)

(``a`` of ``n1`` children of the group, ``c`` of ``n2`` White children). Where the interval
excludes 1 the difference is larger than chance. A group with no children in the cohort, or a
White group with none, has no index (the log method cannot give one): said in words, never
shown as 0. Children whose ethnicity is not known or was refused are counted apart and are in
no group's rate.

Disclosure control for ``public`` reports follows :mod:`disclosure`: each cohort's counts
(groups, not known, total) are suppressed as a table row, and a group's rate and index are
hidden with its count; if the White count is hidden every index of that cohort is (each one
would give it away).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import disclosure
from .dataset import DataSet
from .indicators.context import RuleContext
from .indicators.framework import COHORTS, authority_tables, cohort_children
from .periods import Period, parse_period
from .significance import _z

REFERENCE = "White"
GROUPS = ("Asian", "Black", "Mixed", "White", "Other")
NOT_KNOWN = "Not known"
GROUP_NAMES = {
    "Asian": "Asian, Asian British or Asian Welsh",
    "Black": "Black, Black British, Black Welsh, Caribbean or African",
    "Mixed": "Mixed or Multiple ethnic groups",
    "White": "White",
    "Other": "Other ethnic group",
}
# how a sentence names the children of each group (mid-sentence; capitalised to start one)
CHILDREN_OF = {
    "Asian": "Asian children",
    "Black": "Black children",
    "Mixed": "children of mixed or multiple ethnicity",
    "White": "White children",
    "Other": "children of other ethnic groups",
}
# CIN census / SSDA903 ethnicity codes -> ONS 2021 high-level groups (Chinese is in the Asian
# group in the 2021 Census); REFU (refused) and NOBT (not obtained) are not known
CODE_GROUPS = {
    **dict.fromkeys(("WBRI", "WIRI", "WIRT", "WOTH", "WROM"), "White"),
    **dict.fromkeys(("MWBC", "MWBA", "MWAS", "MOTH"), "Mixed"),
    **dict.fromkeys(("AIND", "APKN", "ABAN", "AOTH", "CHNE"), "Asian"),
    **dict.fromkeys(("BCRB", "BAFR", "BOTH"), "Black"),
    "OOTH": "Other",
}
# cohort: (heading, "... as likely as White children to ...", "no ... children were ...")
COHORT_WORDS = {
    "cin": ("Children in need", "to be a child in need", "in need"),
    "cp": ("Children on a child protection plan", "to be on a child protection plan",
           "on a child protection plan"),
    "cla": ("Children looked after", "to be looked after", "looked after"),
}  # fmt: skip
COLUMNS = ("cohort", "group", "children", "population", "rate", "rri", "low", "high", "hidden")


def ethnic_group(codes: pd.Series) -> pd.Series:
    """The ONS group of each ethnicity code (stripped, upper case); ``Not known`` otherwise."""
    text = codes.astype("string").str.strip().str.upper()
    return text.map(CODE_GROUPS).fillna(NOT_KNOWN).astype(str)


def counts(data: DataSet, authority: str, date: pd.Timestamp) -> pd.DataFrame | None:
    """``cohort, group, children`` for one authority on ``date`` (every group and cohort,
    zeros included), or None when the children's ethnicity is not in the data."""
    if not data.has("children") or "ethnicity" not in data.table("children"):
        return None
    data = authority_tables(data, authority, ("children", "referrals", "cp_plans", "la_episodes"))
    kids = data.table("children")
    if kids["ethnicity"].isna().all():
        return None
    # each distinct code read once (a national authority's children hold a few dozen); the
    # last entry is a missing code's group, where factorize's -1 points
    codes, distinct = pd.factorize(kids["ethnicity"])
    read = ethnic_group(pd.Series([*distinct, None], dtype=object)).to_numpy()
    group = pd.Series(read[codes], index=kids["child_id"])
    group = group[~group.index.duplicated()]
    ctx = RuleContext(data, [authority])
    needs = {"cin": "referrals", "cp": "cp_plans", "cla": "la_episodes"}
    rows = []
    for cohort in COHORTS:
        if not data.has(needs[cohort]):
            continue
        who = cohort_children(ctx, cohort, pd.Timestamp(date))["child_id"]
        of = group.reindex(who).fillna(NOT_KNOWN)
        tally = of.value_counts()
        for name in (*GROUPS, NOT_KNOWN):
            rows.append((cohort, name, int(tally.get(name, 0))))
    return pd.DataFrame(rows, columns=["cohort", "group", "children"])


def population(data: DataSet, authority: str, year: int) -> pd.Series | None:
    """Children 0-17 by group for ``year`` (else the latest earlier year), or None."""
    if not data.has("population_ethnicity"):
        return None
    pop = data.table("population_ethnicity")
    pop = pop[(pop["authority"].astype(str) == authority) & (pop["year"] <= year)]
    pop = pop.dropna(subset=["population"])
    if pop.empty:
        return None
    latest = pop[pop["year"] == pop["year"].max()]
    named = latest.assign(group=latest["ethnicity"].astype(str).str.strip().str.capitalize())
    return named.groupby("group")["population"].sum().reindex(list(GROUPS)).astype("float64")


def katz_interval(
    a: float, n1: float, c: float, n2: float, confidence: float = 0.95
) -> tuple[float, float, float] | None:
    """(ratio, low, high) of the risk ratio ``(a/n1) / (c/n2)`` by Katz's log method; None
    when either count is 0 (no log interval exists) or a population is not above its count."""
    if min(a, c) <= 0 or n1 <= 0 or n2 <= 0 or a > n1 or c > n2:
        return None
    ratio = (a / n1) / (c / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    z = _z(confidence)
    return ratio, math.exp(math.log(ratio) - z * se), math.exp(math.log(ratio) + z * se)


def relative_rates(
    cohort_counts: pd.DataFrame,
    pop: pd.Series,
    audience: str = "restricted",
    hidden: Mapping[tuple[str, str], bool] | None = None,
) -> pd.DataFrame:
    """Per cohort and group: children, population, rate per 10,000, RRI against White with
    its interval, and ``hidden`` (a public report shows ``c``). ``Not known`` rows carry the
    count only.

    ``hidden`` gives which (cohort, group) counts are hidden, as a report's one disclosure
    pass decided; without it each cohort's counts are suppressed as a row with its total."""
    disclosure.check_audience(audience)
    out = []
    for cohort, rows in cohort_counts.groupby("cohort", sort=False):
        table = rows.set_index("group")["children"].astype("int64")
        if hidden is None:
            line = table.to_frame().T
            line[disclosure.TOTAL] = int(table.sum())
            hidden_now = disclosure.suppression_mask(line, audience).iloc[0]
        else:
            hidden_now = pd.Series({g: bool(hidden.get((cohort, g), False)) for g in table.index})
        c, n2 = float(table.get(REFERENCE, 0)), float(pop.get(REFERENCE, np.nan))
        for group, a in table.items():
            known = group in GROUPS
            n1 = float(pop.get(group, np.nan)) if known else np.nan
            rate = a / n1 * 10_000 if known and n1 > 0 else np.nan
            ratio = low = high = np.nan
            if known and group != REFERENCE and not (np.isnan(n1) or np.isnan(n2)):
                found = katz_interval(float(a), n1, c, n2)
                if found is not None:
                    ratio, low, high = found
            hide = bool(hidden_now[group]) or (known and bool(hidden_now.get(REFERENCE, False)))
            out.append((cohort, group, int(a), n1, rate, ratio, low, high, hide))
    return pd.DataFrame(out, columns=list(COLUMNS))


@dataclass(frozen=True)
class Finding:
    """One group's comparison with White children, in words."""

    cohort: str
    group: str
    sentence: str


def sentence(row: pd.Series, reference_children: int) -> str:
    """The plain-words reading of one group's row of :func:`relative_rates`."""
    who = CHILDREN_OF.get(row["group"], f"{row['group']} children")
    _, doing, state = COHORT_WORDS[row["cohort"]]
    if row["hidden"]:
        return f"The comparison for {who} is not published: it rests on very few children."
    if reference_children == 0:
        return f"No White children were {state}, so there is nothing to compare {who} with."
    if row["children"] == 0:
        return f"No {who} were {state}, so no index can be given."
    if pd.isna(row["rri"]):
        return f"No index can be given for {who}: the population of the group is not known."
    rri = float(row["rri"])
    shown = f"{rri:.1f}"
    if shown == "1.0":
        likely = "as likely as White children"
    else:
        likely = f"{shown} times as likely as White children"
    chance = (
        "the difference is larger than chance"
        if row["low"] > 1 or row["high"] < 1
        else "the difference is within what chance could explain"
    )
    return f"{who[:1].upper()}{who[1:]} are {likely} {doing}; {chance}."


def findings(rates: pd.DataFrame) -> list[Finding]:
    """A sentence for every group other than White (and not ``Not known``) in each cohort."""
    out = []
    for cohort, rows in rates.groupby("cohort", sort=False):
        white = rows[rows["group"] == REFERENCE]
        reference = int(white["children"].iloc[0]) if len(white) else 0
        for _, row in rows.iterrows():
            if row["group"] in GROUPS and row["group"] != REFERENCE:
                out.append(Finding(str(cohort), str(row["group"]), sentence(row, reference)))
    return out


def summary_frames(data: DataSet, authority: str, quarter: Period | str) -> dict[str, pd.DataFrame]:
    """What a report needs from the records for the disproportionality tables: counts by
    cohort and group at the quarter's end, and the population by group (aggregates only)."""
    period = parse_period(quarter)
    found = counts(data, authority, pd.Timestamp(period.end))
    pop = population(data, authority, period.year)
    if found is None or pop is None:
        return {}
    return {
        "ethnicity_counts": found,
        "ethnicity_population": pop.rename("population").rename_axis("group").reset_index(),
    }
