"""The record-level rules behind the catalogue's ``rule:`` names.

Each rule is one small function ``rule(ctx, start, end, params) -> DataFrame`` that works on
whole tables at once (every authority, every child; no Python loop over records). ``start``
and ``end`` are the inclusive dates of the window the catalogue (or the caller) chose for the
period; snapshot rules read only ``end``. ``params`` are the definition version's parameters.

A rule returns a frame indexed by ``authority`` with an integer ``numerator`` and, for
proportions, an integer ``denominator``. Authorities with no qualifying records are simply
missing from it; the engine gives them 0 (and an empty value where the denominator is 0).

Readings of the definitions (the BRIEF's conventions, and where it is silent, ours):

- **Looked after at a date**: an episode with ``episode_start`` on or before the date and no
  ``episode_end``, or one after the date (an episode ending on the date has ceased by it).
  Episodes under legal status V3/V4 (agreed series of short breaks) are dropped before any
  looked-after rule runs: they are not counted as looked after, do not count as placements,
  and do not join up periods of care.
- **Period of care**: a child's episodes joined end to start (the next ``episode_start`` on or
  before the previous ``episode_end``); a gap of a day or more starts a new period of care.
- **Placement**: a new one starts with every episode whose ``RNE`` is not ``L`` and with the
  first episode of a period of care; an ``L`` episode continues the placement before it.
- **Plans open at a date** follow the looked-after convention: started on or before the date
  and ending after it (or not ended).
- **Within 12 months**, **3 months** and the like are calendar months (``pd.DateOffset``: 31
  January + 1 month = 28/29 February); **on or before** the anniversary counts as within.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..dataset import DataSet
from ..periods import add_years_series, bank_holidays, lasted_years, within_working_days

SHORT_BREAKS = ("V3", "V4")
# A3-A6 are today's "placed for adoption" codes; A1/A2 are the pre-2013 ones.
ADOPTION_PLACEMENTS = ("A1", "A2", "A3", "A4", "A5", "A6")
# OC3 activity: F = full time, P = part time, 1-5 = the kind of education/training/employment.
EET_ACTIVITY = re.compile(r"^[FP][1-5]$")
KEY = ["authority", "child_id"]


class MissingParam(KeyError):
    """A rule needed a definition parameter the catalogue entry does not give."""


class RuleContext:
    """The data a batch of rules reads, with a memo for work shared between periods."""

    def __init__(self, data: DataSet):
        self.data = data
        self._memo: dict[Any, Any] = {}

    def table(self, name: str) -> pd.DataFrame:
        return self.data.table(name)

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()`` once per key (e.g. per table and parameter set) and keep the result."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]


RuleFn = Callable[[RuleContext, pd.Timestamp, pd.Timestamp, Mapping[str, Any]], pd.DataFrame]


@dataclass(frozen=True)
class Rule:
    name: str
    func: RuleFn
    tables: Callable[[Mapping[str, Any]], tuple[str, ...]]  # tables read, given the params


RULES: dict[str, Rule] = {}


def rule(name: str, tables: tuple[str, ...] | Callable[[Mapping[str, Any]], tuple[str, ...]]):
    """Register a rule under the name the catalogue uses."""

    def register(func: RuleFn) -> RuleFn:
        needs = tables if callable(tables) else (lambda _params, t=tuple(tables): t)
        RULES[name] = Rule(name, func, needs)
        return func

    return register


def param(params: Mapping[str, Any], name: str) -> Any:
    try:
        return params[name]
    except KeyError:
        raise MissingParam(name) from None


# --- tallies --------------------------------------------------------------------------------


def _proportion(authority: pd.Series, hit: pd.Series) -> pd.DataFrame:
    """Numerator (hits) and denominator (rows) per authority."""
    frame = pd.DataFrame(
        {"authority": np.asarray(authority, dtype=object), "hit": np.asarray(hit, dtype=bool)}
    )
    out = frame.groupby("authority", sort=True).agg(
        numerator=("hit", "sum"), denominator=("hit", "size")
    )
    return out.astype("int64")


def _count(authority: pd.Series) -> pd.DataFrame:
    """Rows per authority as the numerator (a count has no denominator)."""
    counts = pd.Series(np.asarray(authority, dtype=object)).value_counts(sort=False)
    return pd.DataFrame({"numerator": counts.astype("int64")}).rename_axis("authority")


def _between(dates: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    return (dates >= start) & (dates <= end)


def _open_at(begin: pd.Series, finish: pd.Series, date: pd.Timestamp) -> pd.Series:
    """Started on or before ``date`` and not ended by it (no end, or an end after it)."""
    return (begin <= date) & (finish.isna() | (finish > date))


def _add_months(dates: pd.Series, months: int) -> pd.Series:
    return pd.to_datetime(dates) + pd.DateOffset(months=int(months))


def add_working_days_series(start: pd.Series, days: int) -> pd.Series:
    """Vectorised :func:`periods.add_working_days`: the ``days``-th working day after each start.

    Rolls a weekend/holiday start back first, so its next working day is day 1 — the same
    count :func:`periods.within_working_days` makes (tested to agree).
    """
    start = pd.to_datetime(pd.Series(start))
    out = pd.Series(pd.NaT, index=start.index, dtype="datetime64[us]")
    valid = start.notna()
    if valid.any():
        shifted = np.busday_offset(
            start[valid].to_numpy("datetime64[D]"),
            int(days),
            roll="backward",
            holidays=bank_holidays(),
        )
        out[valid] = shifted.astype("datetime64[us]")
    return out


def _text(series: pd.Series) -> pd.Series:
    """Codes as plain upper-case text with missing as ''."""
    return series.astype("string").fillna("").str.strip().str.upper()


# --- looked-after episodes ------------------------------------------------------------------


def episodes(ctx: RuleContext) -> pd.DataFrame:
    """Episodes without short breaks, with their period of care and placement (cached)."""

    def build() -> pd.DataFrame:
        eps = ctx.table("la_episodes")
        eps = eps[~_text(eps["legal_status"]).isin(SHORT_BREAKS)]
        eps = eps[eps["episode_start"].notna()]
        eps = eps.sort_values([*KEY, "episode_start"], kind="stable").reset_index(drop=True)
        same_child = (eps["authority"] == eps["authority"].shift()) & (
            eps["child_id"] == eps["child_id"].shift()
        )
        same_child = same_child.fillna(False).astype(bool)
        prev_end = eps["episode_end"].shift()
        # A gap after the previous episode's end starts a new period of care; an open previous
        # episode (a data error) is taken as continuous rather than inventing a gap.
        gap = prev_end.notna() & (eps["episode_start"] > prev_end)
        new_care = ~same_child | gap
        new_placement = new_care | (_text(eps["rne"]) != "L")
        out = pd.DataFrame(
            {
                "authority": eps["authority"].astype(str).to_numpy(),
                "child_id": eps["child_id"].astype(str).to_numpy(),
                "start": eps["episode_start"].to_numpy(),
                "end": eps["episode_end"].to_numpy(),
                "placement": _text(eps["placement"]).to_numpy(),
                "care_id": new_care.cumsum().to_numpy(),
                "placement_id": new_placement.cumsum().to_numpy(),
            }
        )
        out["care_start"] = out.groupby("care_id")["start"].transform("first")
        out["placement_start"] = out.groupby("placement_id")["start"].transform("first")
        return out

    return ctx.memo("episodes", build)


def looked_after_at(ctx: RuleContext, date: pd.Timestamp) -> pd.DataFrame:
    """One row per child looked after (not on short breaks) at ``date``: the episode in force."""
    eps = episodes(ctx)
    current = eps[_open_at(eps["start"], eps["end"], date)]
    # overlapping open episodes are a data error; the latest start is the one in force
    return current.drop_duplicates(KEY, keep="last")


@rule("looked_after_at_end", tables=("la_episodes",))
def looked_after_at_end(ctx, start, end, params):
    """CLA_AT_END: children looked after on ``end`` (V3/V4 short breaks left out)."""
    return _count(looked_after_at(ctx, end)["authority"])


@rule("placement_moves", tables=("la_episodes",))
def placement_moves(ctx, start, end, params):
    """NI 62: of children looked after at ``end``, those with ``placements`` or more placements
    in the ``months`` months to ``end``.

    A placement counts when it was in place on the first day of those months (started on or
    before it, ended after it) or started within them; an ``L`` episode does not start one.
    """
    eps = episodes(ctx)
    first_day = end - pd.DateOffset(months=int(param(params, "months"))) + pd.Timedelta(days=1)
    in_window = eps[(eps["start"] <= end) & (eps["end"].isna() | (eps["end"] > first_day))]
    counts = in_window.groupby(KEY)["placement_id"].nunique().rename("placements")
    cohort = looked_after_at(ctx, end)[KEY].merge(counts.reset_index(), on=KEY, how="left")
    hit = cohort["placements"].fillna(0) >= int(param(params, "placements"))
    return _proportion(cohort["authority"], hit)


@rule("long_term_stability", tables=("la_episodes", "children"))
def long_term_stability(ctx, start, end, params):
    """NI 63: of children under ``max_age`` at ``end`` looked after continuously for
    ``looked_after_months`` or more, those in the same placement for ``placement_years`` or
    more (on or after the anniversary) or placed for adoption (A1-A6).

    Under 16 means the 16th birthday falls after ``end``; a child without a date of birth in
    ``children`` cannot be shown to be under 16 and is left out.
    """
    current = looked_after_at(ctx, end)
    dob = ctx.table("children")[[*KEY, "dob"]].astype({"authority": str, "child_id": str})
    current = current.merge(dob.drop_duplicates(KEY), on=KEY, how="left")
    under_age = add_years_series(current["dob"], int(param(params, "max_age"))) > end
    long_enough = _add_months(current["care_start"], param(params, "looked_after_months")) <= end
    cohort = current[under_age.fillna(False) & long_enough]
    at = pd.Series(end, index=cohort.index)
    settled = lasted_years(cohort["placement_start"], at, int(param(params, "placement_years")))
    hit = settled | cohort["placement"].isin(ADOPTION_PLACEMENTS)
    return _proportion(cohort["authority"], hit)


def _review_chain(
    cohort: pd.DataFrame,
    reviews: pd.DataFrame,
    key: list[str],
    second_months: int,
    later_months: int,
    window_start: pd.Timestamp,
    end: pd.Timestamp,
    first_on_time: Callable[[pd.Series, pd.Series], pd.Series] | None = None,
) -> pd.Series:
    """True per ``cohort`` row when every review due or held in the window was on time.

    ``cohort`` has ``key``, ``base`` (when the clock starts) and ``first_due``. Reviews from
    ``base`` to ``end`` are taken in date order: the first is due by ``first_due``, the second
    ``second_months`` after the first, later ones ``later_months`` after the one before. A
    review held in the window after its due date is late; so is a review whose due date came
    on or before ``end`` without one being held (overdue). Reviews before the window only set
    the due dates of those after them.
    """
    r = reviews.merge(cohort[[*key, "base", "first_due"]], on=key, how="inner")
    r = r[(r["review_date"] >= r["base"]) & (r["review_date"] <= end)]
    r = r.sort_values([*key, "review_date"], kind="stable")
    group = r.groupby(key, sort=False)["review_date"]
    nth = group.cumcount()
    prev = group.shift()
    due = r["first_due"].where(
        nth == 0,
        _add_months(prev, second_months).where(nth == 1, _add_months(prev, later_months)),
    )
    late = r["review_date"] > due
    if first_on_time is not None:
        late = late.where(nth > 0, ~first_on_time(r["base"], r["review_date"]))
    late &= r["review_date"] >= window_start
    summary = (
        pd.DataFrame(
            {
                **{k: r[k] for k in key},
                "late": late,
                "review_date": r["review_date"],
            }
        )
        .groupby(key, sort=False)
        .agg(any_late=("late", "any"), last=("review_date", "max"), held=("review_date", "size"))
    )
    c = cohort.merge(summary.reset_index(), on=key, how="left")
    held = c["held"].fillna(0)
    next_due = c["first_due"].where(
        held == 0,
        _add_months(c["last"], second_months).where(
            held == 1, _add_months(c["last"], later_months)
        ),
    )
    overdue = next_due <= end
    ok = ~(c["any_late"].fillna(False).astype(bool) | overdue)
    return pd.Series(ok.to_numpy(), index=cohort.index)


@rule("la_reviews_on_time", tables=("la_episodes", "la_reviews"))
def la_reviews_on_time(ctx, start, end, params):
    """NI 66: of children looked after at ``end`` continuously for ``qualifying_days`` or more
    (``end`` on or after the care start + that many days), those whose reviews were all on time.

    Clock: the start of the current period of care. First review within
    ``first_review_working_days`` working days of it (start = day 0), the second within
    ``second_review_months`` months of the first, later ones within ``later_review_months``
    months of the one before. "All on time" over the window ``start``..``end``: no review held
    in the window was late, and no review had fallen due by ``end`` without being held.
    """
    current = looked_after_at(ctx, end)
    qualifying = current["care_start"] + pd.Timedelta(days=int(param(params, "qualifying_days")))
    cohort = current.loc[qualifying <= end, [*KEY, "care_start"]].rename(
        columns={"care_start": "base"}
    )
    first_days = int(param(params, "first_review_working_days"))
    cohort["first_due"] = add_working_days_series(cohort["base"], first_days)
    reviews = ctx.table("la_reviews")[[*KEY, "review_date"]].astype(
        {"authority": str, "child_id": str}
    )
    reviews = reviews[reviews["review_date"].notna()]
    ok = _review_chain(
        cohort,
        reviews,
        KEY,
        int(param(params, "second_review_months")),
        int(param(params, "later_review_months")),
        start,
        end,
        first_on_time=lambda base, held: within_working_days(base, held, first_days),
    )
    return _proportion(cohort["authority"], ok)


# --- child protection -------------------------------------------------------------------------


def _plans(ctx: RuleContext) -> pd.DataFrame:
    def build() -> pd.DataFrame:
        plans = ctx.table("cp_plans").astype({"authority": str, "child_id": str, "plan_id": str})
        plans = plans[plans["start_date"].notna()].reset_index(drop=True)
        # an earlier plan of the same child anywhere in the data (strictly earlier start)
        first = plans.groupby(KEY)["start_date"].transform("min")
        recorded = pd.to_numeric(plans["previous_plans"], errors="coerce").fillna(0) > 0
        plans["has_previous"] = (first < plans["start_date"]) | recorded
        return plans

    return ctx.memo("cp_plans", build)


@rule("cp_plans_at_end", tables=("cp_plans",))
def cp_plans_at_end(ctx, start, end, params):
    """CPP_AT_END: children (not plans) with a plan open on ``end``."""
    plans = _plans(ctx)
    open_ = plans[_open_at(plans["start_date"], plans["end_date"], end)]
    return _count(open_.drop_duplicates(KEY)["authority"])


@rule("plans_ended_long", tables=("cp_plans",))
def plans_ended_long(ctx, start, end, params):
    """NI 64: of plans ending in the window, those that had lasted ``years`` years or more
    (end date on or after the anniversary of the start; 29 Feb starts count from 28 Feb)."""
    plans = _plans(ctx)
    ended = plans[_between(plans["end_date"], start, end)]
    hit = lasted_years(ended["start_date"], ended["end_date"], int(param(params, "years")))
    return _proportion(ended["authority"], hit)


@rule("open_plans_long", tables=("cp_plans",))
def open_plans_long(ctx, start, end, params):
    """CPP_2YRS_OPEN: of plans open on ``end``, those that had lasted ``years`` years by it."""
    plans = _plans(ctx)
    open_ = plans[_open_at(plans["start_date"], plans["end_date"], end)]
    at = pd.Series(end, index=open_.index)
    hit = lasted_years(open_["start_date"], at, int(param(params, "years")))
    return _proportion(open_["authority"], hit)


@rule("repeat_plans", tables=("cp_plans",))
def repeat_plans(ctx, start, end, params):
    """NI 65: of plans starting in the window, those for a child with a previous plan: an
    earlier-starting plan of the same child in the data, or ``previous_plans`` > 0."""
    plans = _plans(ctx)
    starting = plans[_between(plans["start_date"], start, end)]
    return _proportion(starting["authority"], starting["has_previous"])


@rule("cp_reviews_on_time", tables=("cp_plans", "cp_reviews"))
def cp_reviews_on_time(ctx, start, end, params):
    """NI 67: of children on a plan open at ``end`` that had lasted ``qualifying_months`` or
    more, those whose plan reviews were all on time.

    Clock: the plan's start. First review within ``first_review_months`` months of it, later
    ones within ``later_review_months`` months of the one before; late and overdue as for
    NI 66. A child with two open plans counts once, on time only if both are.
    """
    plans = _plans(ctx)
    open_ = plans[_open_at(plans["start_date"], plans["end_date"], end)]
    qualifying = _add_months(open_["start_date"], param(params, "qualifying_months")) <= end
    cohort = open_.loc[qualifying, ["authority", "child_id", "plan_id", "start_date"]]
    cohort = cohort.rename(columns={"start_date": "base"})
    cohort["first_due"] = _add_months(cohort["base"], param(params, "first_review_months"))
    reviews = ctx.table("cp_reviews")[["authority", "plan_id", "review_date"]].astype(
        {"authority": str, "plan_id": str}
    )
    reviews = reviews[reviews["review_date"].notna()]
    later = int(param(params, "later_review_months"))
    ok = _review_chain(cohort, reviews, ["authority", "plan_id"], later, later, start, end)
    per_child = (
        pd.DataFrame({"authority": cohort["authority"], "child_id": cohort["child_id"], "ok": ok})
        .groupby(KEY, sort=False)["ok"]
        .all()
        .reset_index()
    )
    return _proportion(per_child["authority"], per_child["ok"])


@rule("icpc_timeliness", tables=("section47",))
def icpc_timeliness(ctx, start, end, params):
    """ICPC_15WD: of initial conferences held in the window, those within ``working_days``
    working days of the section 47 enquiry's start (start = day 0, bank holidays excluded)."""
    s47 = ctx.table("section47")
    held = s47[_between(s47["icpc_date"], start, end)]
    hit = within_working_days(
        held["s47_start_date"], held["icpc_date"], int(param(params, "working_days"))
    )
    return _proportion(held["authority"], hit)


# --- referrals and assessments ---------------------------------------------------------------


def _assessment_tables(params: Mapping[str, Any]) -> tuple[str, ...]:
    if params.get("start") == "referral":
        return ("assessments", "referrals")
    return ("assessments",)


@rule("assessment_timeliness", tables=_assessment_tables)
def assessment_timeliness(ctx, start, end, params):
    """NI 59, NI 60, ASSESS_45WD: of ``assessment_type`` assessments authorised (completed) in
    the window, those authorised within ``working_days`` working days of their clock start:
    the referral date (``start: referral``) or the assessment's own start (``start:
    assessment``). An assessment whose clock start is unknown (no such referral) stays in the
    denominator and is not on time: a missing date must not shrink the denominator."""
    kind = str(param(params, "assessment_type")).lower()
    clock = str(param(params, "start"))
    if clock not in ("referral", "assessment"):
        raise MissingParam("start (referral or assessment)")
    days = int(param(params, "working_days"))

    def build() -> pd.DataFrame:
        a = ctx.table("assessments")
        a = a[_text(a["assessment_type"]) == kind.upper()]
        a = a[a["authorised_date"].notna()][
            ["authority", "referral_id", "start_date", "authorised_date"]
        ].astype({"authority": str, "referral_id": str})
        if clock == "referral":
            refs = ctx.table("referrals")[["authority", "referral_id", "referral_date"]]
            refs = refs.astype({"authority": str, "referral_id": str}).drop_duplicates(
                ["authority", "referral_id"]
            )
            a = a.merge(refs, on=["authority", "referral_id"], how="left")
            begin = a["referral_date"]
        else:
            begin = a["start_date"]
        a["on_time"] = within_working_days(begin, a["authorised_date"], days).to_numpy()
        return a.reset_index(drop=True)

    a = ctx.memo(("assessments", kind, clock, days), build)
    done = a[_between(a["authorised_date"], start, end)]
    return _proportion(done["authority"], done["on_time"])


@rule("referral_conversion", tables=("referrals", "assessments"))
def referral_conversion(ctx, start, end, params):
    """NI 68: of referrals in the window, those with an ``assessment_type`` assessment linked
    by ``referral_id`` (whenever it started: the figure can rise as later extracts arrive)."""
    kind = str(param(params, "assessment_type")).upper()

    def build() -> pd.DataFrame:
        refs = ctx.table("referrals").astype({"authority": str, "referral_id": str})
        a = ctx.table("assessments")
        linked = a.loc[_text(a["assessment_type"]) == kind, ["authority", "referral_id"]]
        linked = linked.astype(str).drop_duplicates()
        linked["assessed"] = True
        refs = refs.merge(linked, on=["authority", "referral_id"], how="left")
        refs["assessed"] = refs["assessed"].fillna(False).astype(bool)
        return refs

    refs = ctx.memo(("referral_conversion", kind), build)
    window = refs[_between(refs["referral_date"], start, end)]
    return _proportion(window["authority"], window["assessed"])


@rule("referrals_in_period", tables=("referrals",))
def referrals_in_period(ctx, start, end, params):
    """REFERRALS: referrals (not children) dated in the window."""
    refs = ctx.table("referrals")
    return _count(refs.loc[_between(refs["referral_date"], start, end), "authority"])


@rule("rereferrals", tables=("referrals",))
def rereferrals(ctx, start, end, params):
    """REREFERRAL_12M: of referrals in the window, those dated on or before the ``months``-month
    anniversary of the same child's previous referral (the latest strictly earlier one; two
    referrals on one day are one event, neither previous to the other)."""
    months = int(param(params, "months"))

    def build() -> pd.DataFrame:
        refs = ctx.table("referrals")[[*KEY, "referral_date"]].astype(
            {"authority": str, "child_id": str}
        )
        refs = refs[refs["referral_date"].notna()].sort_values([*KEY, "referral_date"])
        prev = refs.groupby(KEY, sort=False)["referral_date"].shift()
        # a same-day duplicate takes the previous *distinct* date of its child
        tie = (prev == refs["referral_date"]).fillna(False).astype(bool)
        distinct_prev = prev.mask(tie)
        filled = distinct_prev.groupby([refs["authority"], refs["child_id"]], sort=False).ffill()
        distinct_prev = distinct_prev.where(~tie, filled)
        refs["repeat"] = (refs["referral_date"] <= _add_months(distinct_prev, months)).fillna(False)
        return refs

    refs = ctx.memo(("rereferrals", months), build)
    window = refs[_between(refs["referral_date"], start, end)]
    return _proportion(window["authority"], window["repeat"])


# --- care leavers -----------------------------------------------------------------------------


def _care_leavers_in_window(ctx, start, end, params) -> pd.DataFrame:
    """OC3 rows of young people whose birthday at one of ``ages`` fell in the window and in
    the return's own collection year (so one young person is not counted from two returns).
    Young people recorded as having died (``in_touch`` DIED) are left out."""
    cl = ctx.table("care_leavers")
    years = cl["collection_year"].astype("string").str.extract(r"^\s*(\d{4})", expand=False)
    fy_start = pd.to_datetime(years + "-04-01", errors="coerce")
    fy_end = fy_start + pd.DateOffset(years=1) - pd.Timedelta(days=1)
    eligible = pd.Series(False, index=cl.index)
    for age in param(params, "ages"):
        birthday = add_years_series(cl["dob"], int(age))
        eligible |= (_between(birthday, start, end) & _between(birthday, fy_start, fy_end)).fillna(
            False
        )
    alive = _text(cl["in_touch"]) != "DIED"
    return cl[eligible & alive]


@rule("care_leaver_accommodation", tables=("care_leavers",))
def care_leaver_accommodation(ctx, start, end, params):
    """NI 147: of those care leavers, the ones whose accommodation is suitable (an ACCOM code
    ending in 1; not in touch, code 0 or blank, is not suitable)."""
    cl = _care_leavers_in_window(ctx, start, end, params)
    hit = _text(cl["accommodation"]).str.endswith("1")
    return _proportion(cl["authority"], hit)


@rule("care_leaver_activity", tables=("care_leavers",))
def care_leaver_activity(ctx, start, end, params):
    """NI 148: of those care leavers, the ones in education, employment or training (ACTIV
    F1-F5 or P1-P5; G codes are NEET, 0 not in touch)."""
    cl = _care_leavers_in_window(ctx, start, end, params)
    hit = _text(cl["activity"]).str.fullmatch(EET_ACTIVITY.pattern)
    return _proportion(cl["authority"], hit)
