"""The record-level rules behind the catalogue's ``rule:`` names.

Each rule is one small function ``rule(ctx, start, end, params) -> Tally`` working on whole
tables at once (every authority and child; no Python loop over records). ``start`` and
``end`` are the inclusive dates of the window the catalogue (or the caller) chose for the
period; snapshot rules read only ``end``. ``params`` are the definition version's parameters.
What does not depend on the period (record dates, working-day counts, anniversaries, review
due dates) is prepared once per data set and parameter set (``ctx.memo``) as numpy arrays,
so that each period costs a few array comparisons and a ``bincount``.

A :class:`Tally` holds, per authority (in ``ctx.authorities`` order), the numerator and,
for proportions, the denominator.

Readings of the definitions (the BRIEF's conventions, and where it is silent, ours):

- **Looked after at a date**: an episode with ``episode_start`` on or before the date and no
  ``episode_end``, or one after the date (an episode ending on the date has ceased by it).
  Episodes under legal status V3/V4 (agreed series of short breaks) are dropped before any
  looked-after rule runs: they are not counted as looked after, do not count as placements
  and do not join up periods of care.
- **Period of care**: a child's episodes joined end to start (the next ``episode_start`` on or
  before the previous ``episode_end``); a gap of a day or more starts a new period of care.
- **Placement**: a new one starts with every episode whose ``RNE`` is not ``L`` and with the
  first episode of a period of care; an ``L`` episode continues the placement before it.
- **Plans open at a date** follow the looked-after convention: started on or before the date
  and ending after it (or not ended).
- **Within 12 months**, **3 months** and the like are calendar months (``pd.DateOffset``: 31
  January + 1 month = 28/29 February); on or before the anniversary counts as within.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import MissingParam
from .context import Dated, RuleContext, param, rule
from .days import (
    Days,
    _anniversary,
    _between,
    _d,
    _days,
    _find,
    _group_day_order,
    _last_per_group,
    _open_at,
    _plus_months,
    _starts,
    _within_working_days,
    add_working_days_series,
)

SHORT_BREAKS = ("V3", "V4")
# A3-A6 are today's "placed for adoption" codes; A1/A2 are the pre-2013 ones.
ADOPTION_PLACEMENTS = ("A1", "A2", "A3", "A4", "A5", "A6")
# OC3 activity: F = full time, P = part time, 1-5 = the kind of education/training/employment.
EET_ACTIVITY = re.compile(r"^[FP][1-5]$")
KEY = ["authority", "child_id"]


# the optional episode columns every looked-after rule reads: without DEC every episode
# would look open, without LS short breaks would be counted as care
_EPISODE_COLUMNS = ("episode_end", "legal_status")


def _months_before(start: pd.Timestamp, end: pd.Timestamp, params: Mapping[str, Any]):
    """The ``months`` months to ``end`` a snapshot rule looks back over (NI 62)."""
    months = int(param(params, "months"))
    return end - pd.DateOffset(months=months) + pd.Timedelta(days=1), end


LA_CHILD = ("la_episodes", "la_reviews", "children")  # tables joined on the child
PLAN_IDS = ("cp_plans", "cp_reviews")
REFERRAL_IDS = ("referrals", "assessments")


# --- review chains (NI 66, NI 67) -------------------------------------------------------------


@dataclass(frozen=True)
class _Chain:
    """Reviews in date order within each group (period of care or plan), with due dates.

    The first review of a group is due by ``first_due``, the second ``second_months`` after
    the first, later ones ``later_months`` after the one before. Prepared once; a period then
    asks :meth:`all_on_time`.
    """

    group: np.ndarray  # per review, sorted by (group, date)
    date: Days
    late: np.ndarray  # held after its due date
    due: Days  # when it was due (from the review before it, or the clock)
    nth: np.ndarray  # 0 for a group's first review, 1 for its second, ...
    next_due: Days  # when the review after this one is due
    first_pos: np.ndarray  # per group: index of its first review (-1: none)
    first_due: Days  # per group

    @cached_property
    def late_rows(self) -> np.ndarray:
        """The reviews held late (prepared on first use; a period reads those held by its
        end)."""
        return np.flatnonzero(self.late)

    def all_on_time(
        self, groups: np.ndarray, window_start: np.datetime64, end: np.datetime64
    ) -> np.ndarray:
        """Per group in ``groups``: no review held in the window was late, and none had fallen
        due by ``end`` without being held (overdue). Reviews before the window only set the
        due dates of those after them."""
        n = len(self.first_due)
        held = np.bincount(self.group[self.date <= end], minlength=n)[groups]
        late_in_window = self.late & _between(self.date, window_start, end)
        late = np.bincount(self.group[late_in_window], minlength=n)[groups] > 0
        first_due = self.first_due[groups]
        if len(self.date) == 0:
            return ~late & ~(first_due <= end)
        last = np.where(held > 0, self.first_pos[groups] + held - 1, 0)
        next_due = np.where(held > 0, self.next_due[last], first_due)
        return ~late & ~(next_due <= end)

    def all_due_on_time(
        self,
        groups: np.ndarray,
        window_start: np.datetime64,
        end: np.datetime64,
        second_months: int,
        later_months: int,
    ) -> np.ndarray:
        """Per group in ``groups``: every review that fell due in the window was held by its
        due date (NI 66, "reviews due in the period").

        A review falls due on its due date; one not held by then leaves its successors
        falling due on the statutory cadence from that date (``second_months`` after a
        missed first review, ``later_months`` after any other) until a review is held. So a
        review due in March and held in April fails the year it was due in, not the next;
        one held a cycle and more late, or still not held, fails every window a missed due
        date falls in. Reviews held after ``end`` are not held by it."""
        n = len(self.first_due)
        first_due = self.first_due[groups]
        if len(self.date) == 0:
            missed = _missed_in(
                first_due, _never(len(groups)), second_months, later_months, window_start, end
            )
            return ~missed
        by_end = self.date <= end
        # held reviews: missed due dates from its due date up to the day it was held
        rows = self.late_rows[self.date[self.late_rows] <= end]
        first = self.nth[rows] == 0
        missed_rows = _missed_in(
            self.due[rows],
            self.date[rows],
            np.where(first, second_months, later_months),
            later_months,
            window_start,
            end,
        )
        failed = np.bincount(self.group[rows[missed_rows]], minlength=n)[groups] > 0
        # the review outstanding at ``end``: due after the last one held by then
        held = np.bincount(self.group[by_end], minlength=n)[groups]
        last = np.where(held > 0, self.first_pos[groups] + held - 1, 0)
        next_due = np.where(held > 0, self.next_due[last], first_due)
        step = np.where((held == 0), second_months, later_months)
        outstanding = _missed_in(
            next_due, _never(len(groups)), step, later_months, window_start, end
        )
        return ~failed & ~outstanding


def _never(n: int) -> Days:
    return np.full(n, np.datetime64("9999-12-31", "D"))


def _missed_in(
    due: Days,
    held: Days,
    first_step: np.ndarray | int,
    step: int,
    window_start: np.datetime64,
    end: np.datetime64,
) -> np.ndarray:
    """Per review: one of its missed due dates (``due``, then ``first_step`` months later,
    then every ``step`` months, each before ``held``) falls in ``window_start``..``end``."""
    due = due.copy()
    first_step = np.broadcast_to(np.asarray(first_step), due.shape)
    hit = np.zeros(len(due), dtype=bool)
    active = ~np.isnat(due)
    k = 0
    while active.any():
        here = active & (due >= window_start)
        hit |= here & (due <= end) & (due < held)
        active &= ~here & (due < held)
        if not active.any():
            break
        rows = np.flatnonzero(active)
        months = first_step[rows] if k == 0 else np.full(len(rows), step)
        for m in np.unique(months):  # one or two distinct steps
            pick = rows[months == m]
            due[pick] = _plus_months(due[pick], int(m))
        k += 1
    return hit


def _chain(
    group: np.ndarray,
    date: Days,
    base: Days,
    first_due: Days,
    second_months: int,
    later_months: int,
    first_late: Callable[[Days, Days], np.ndarray] | None = None,
) -> _Chain:
    """Build a :class:`_Chain` from reviews (``group``, ``date``) and per-group clocks."""
    keep = (group >= 0) & ~np.isnat(date)
    group, date = group[keep], date[keep]
    keep = date >= base[group]  # reviews before the clock started belong to nothing here
    group, date = group[keep], date[keep]
    order = _group_day_order(group, date)
    group, date = group[order], date[order]
    distinct = _starts(group) | _starts(date)
    group, date = group[distinct], date[distinct]
    new = _starts(group)
    starts = np.flatnonzero(new)
    nth = np.arange(len(group)) - np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    plus_second = _plus_months(date, second_months)
    plus_later = _plus_months(date, later_months)
    # the previous review's due-date offsets (rows with nth == 0 ignore the wrapped value)
    prev_second, prev_later = np.roll(plus_second, 1), np.roll(plus_later, 1)
    due = np.where(nth == 0, first_due[group], np.where(nth == 1, prev_second, prev_later))
    late = date > due
    if first_late is not None:
        first = np.flatnonzero(nth == 0)
        late[first] = first_late(base[group[first]], date[first])
    first_pos = np.full(len(base), -1, dtype=np.int64)
    first_pos[group[starts]] = starts
    return _Chain(
        group=group,
        date=date,
        late=late,
        due=due,
        nth=nth,
        next_due=np.where(nth == 0, plus_second, plus_later),
        first_pos=first_pos,
        first_due=first_due,
    )


# --- looked-after episodes ------------------------------------------------------------------


@dataclass(frozen=True)
class _Episodes:
    rows: np.ndarray  # per episode: its row of ``la_episodes``
    auth: np.ndarray
    child: np.ndarray  # child index (per authority and child_id)
    start: Days
    end: Days
    adoption: np.ndarray  # placed for adoption (A1-A6)
    care: np.ndarray  # period-of-care index
    placement: np.ndarray  # placement index
    care_start: Days  # per episode: its period of care's start
    placement_start: Days  # per episode: its placement's start
    child_keys: np.ndarray  # per child index: its key (ascending; see ``ctx.keys``)
    care_first: Days  # per period of care: its start
    care_child: np.ndarray  # per period of care: its child
    placement_child: np.ndarray  # per placement: its child
    previous_placement_start: Days  # per episode: the start of the placement before its own
    # in the same period of care (NaT: its placement is the first)


def episodes(ctx: RuleContext) -> _Episodes:
    """Episodes without short breaks, with periods of care and placements (prepared once)."""

    def build() -> _Episodes:
        all_keys = ctx.keys("child_id", "la_episodes", LA_CHILD)
        all_start = ctx.dates("la_episodes", "episode_start")
        rows = np.flatnonzero(
            ~ctx.flag("la_episodes", "legal_status", lambda c: c in SHORT_BREAKS)
            & ~np.isnat(all_start)
            & (all_keys >= 0)
        )
        rows = rows[_group_day_order(all_keys[rows], all_start[rows])]  # by child, then start
        keys = all_keys[rows]
        new_child = _starts(keys)
        start, end = all_start[rows], ctx.dates("la_episodes", "episode_end")[rows]
        prev_end = np.full(len(rows), np.datetime64("NaT", "D"))
        prev_end[1:] = end[:-1]
        # a gap after the previous episode's end starts a new period of care; an open previous
        # episode (a data error) is taken as continuous rather than inventing a gap
        gap = ~np.isnat(prev_end) & (start > prev_end)
        new_care = new_child | gap
        new_placement = new_care | ctx.flag("la_episodes", "rne", lambda c: c != "L")[rows]
        child = np.cumsum(new_child) - 1
        care = np.cumsum(new_care) - 1
        placement = np.cumsum(new_placement) - 1
        care_first = start[new_care]
        placement_first = start[new_placement]
        # the placement before each placement, when it is in the same period of care
        placement_care = care[new_placement]
        before = np.full(len(placement_first), np.datetime64("NaT", "D"))
        same_care = placement_care[1:] == placement_care[:-1]
        before[1:] = np.where(same_care, placement_first[:-1], np.datetime64("NaT", "D"))
        return _Episodes(
            rows=rows,
            auth=ctx.auth("la_episodes")[rows],
            child=child,
            start=start,
            end=end,
            adoption=ctx.flag("la_episodes", "placement", ADOPTION_PLACEMENTS.__contains__)[rows],
            care=care,
            placement=placement,
            care_start=care_first[care],
            placement_start=placement_first[placement],
            child_keys=keys[new_child],
            care_first=care_first,
            care_child=child[new_care],
            placement_child=child[new_placement],
            previous_placement_start=before[placement],
        )

    return ctx.memo("episodes", build)


def looked_after_at(eps: _Episodes, date: np.datetime64) -> np.ndarray:
    """Indices of the episode in force at ``date``, one per child looked after then."""
    # overlapping open episodes are a data error; the latest start is the one in force
    return _last_per_group(eps.child, np.flatnonzero(_open_at(eps.start, eps.end, date)))


def _looked_after_at(ctx: RuleContext, eps: _Episodes, date: np.datetime64) -> np.ndarray:
    """:func:`looked_after_at`, once per date for every rule that asks (read-only)."""
    return ctx.memo(("looked_after_at", date), lambda: looked_after_at(eps, date))


@rule("looked_after_at_end", tables=("la_episodes",), reads={"la_episodes": _EPISODE_COLUMNS})
def looked_after_at_end(ctx, start, end, params):
    """CLA_AT_END: children looked after on ``end`` (V3/V4 short breaks left out)."""
    eps = episodes(ctx)
    return ctx.count(eps.auth[_looked_after_at(ctx, eps, _d(end))])


@rule(
    "placement_moves",
    tables=("la_episodes",),
    reads={"la_episodes": (*_EPISODE_COLUMNS, "rne")},
    span=_months_before,
)
def placement_moves(ctx, start, end, params):
    """NI 62: of children looked after at ``end``, those with ``placements`` or more placements
    in the ``months`` months to ``end``.

    A placement counts when it was in place on the first day of those months (started on or
    before it, ended after it) or started within them; an ``L`` episode does not start one.
    """
    eps = episodes(ctx)
    e = _d(end)
    months = int(param(params, "months"))
    first_day = _d(pd.Timestamp(end) - pd.DateOffset(months=months) + pd.Timedelta(days=1))
    in_window = (eps.start <= e) & (np.isnat(eps.end) | (eps.end > first_day))
    counted = np.zeros(len(eps.placement_child), dtype=bool)
    counted[eps.placement[in_window]] = True  # each placement once, however many episodes
    per_child = np.bincount(eps.placement_child[counted], minlength=len(eps.child_keys))
    now = _looked_after_at(ctx, eps, e)
    hit = per_child[eps.child[now]] >= int(param(params, "placements"))
    return ctx.proportion(eps.auth[now], hit)


@rule(
    "long_term_stability",
    tables=("la_episodes", "children"),
    reads={"la_episodes": (*_EPISODE_COLUMNS, "rne", "placement"), "children": ("dob",)},
)
def long_term_stability(ctx, start, end, params):
    """NI 63: of children under ``max_age`` at ``end`` looked after continuously for
    ``looked_after_months`` or more, those in the same placement for ``placement_years`` or
    more (on or after the anniversary), or placed for adoption (A1-A6) where the adoptive
    placement and the placement before it together have lasted ``placement_years`` (DfE's
    definition: the anniversary of the previous placement's start is on or before ``end``).
    An adoptive placement that is the first of its period of care counts from its own start.

    Under 16 means the 16th birthday falls after ``end``; a child without a date of birth in
    ``children`` cannot be shown to be under 16 and is left out.
    """
    eps = episodes(ctx)
    max_age = int(param(params, "max_age"))
    months = int(param(params, "looked_after_months"))
    years = int(param(params, "placement_years"))

    def build() -> tuple[Days, Days, Days]:
        born = ctx.dates("children", "dob")
        child_keys = np.where(np.isnat(born), -1, ctx.keys("child_id", "children", LA_CHILD))
        where = _find(child_keys, eps.child_keys)
        dob = np.r_[born, np.datetime64("NaT", "D")][where]
        # placed for adoption: the adoptive placement and the one before it together
        together = np.where(
            eps.adoption & ~np.isnat(eps.previous_placement_start),
            eps.previous_placement_start,
            eps.placement_start,
        )
        return (
            _anniversary(dob, max_age),
            _plus_months(eps.care_start, months),
            _anniversary(eps.placement_start, years),
            _anniversary(together, years),
        )

    comes_of_age, long_enough_from, settled_from, adopted_from = ctx.memo(
        ("long_term_stability", max_age, months, years), build
    )
    e = _d(end)
    now = _looked_after_at(ctx, eps, e)
    cohort = now[(comes_of_age[eps.child[now]] > e) & (long_enough_from[now] <= e)]
    hit = (settled_from[cohort] <= e) | (eps.adoption[cohort] & (adopted_from[cohort] <= e))
    return ctx.proportion(eps.auth[cohort], hit)


@rule(
    "la_reviews_on_time",
    tables=("la_episodes", "la_reviews"),
    reads={"la_episodes": _EPISODE_COLUMNS},
)
def la_reviews_on_time(ctx, start, end, params):
    """NI 66: of children looked after at ``end`` continuously for ``qualifying_days`` or more
    (``end`` on or after the care start + that many days), those whose reviews were all on time.

    Clock: the start of the current period of care (an ``L`` episode does not restart it).
    First review within ``first_review_working_days`` working days of it (start = day 0),
    the second within ``second_review_months`` months of the first, later ones within
    ``later_review_months`` months of the one before. "All on time" over the window
    ``start``..``end``: no review held in the window was late, and no review had fallen due
    by ``end`` without being held. A review belongs to the child's latest period of care that
    started on or before it.
    """
    eps = episodes(ctx)
    first_days = int(param(params, "first_review_working_days"))
    second = int(param(params, "second_review_months"))
    later = int(param(params, "later_review_months"))
    qualifying = np.timedelta64(int(param(params, "qualifying_days")), "D")

    def build() -> _Chain:
        child = _find(eps.child_keys, ctx.keys("child_id", "la_reviews", LA_CHILD))
        date = ctx.dates("la_reviews", "review_date")
        known = (child >= 0) & ~np.isnat(date)
        child, date = child[known], date[known]
        # the latest period of care of the same child that started on or before the review
        stride = np.int64(1) << 32
        care_key = eps.care_child.astype(np.int64) * stride + eps.care_first.astype(np.int64)
        review_key = child.astype(np.int64) * stride + date.astype(np.int64)
        care = np.searchsorted(care_key, review_key, side="right") - 1
        care[(care < 0) | (eps.care_child[np.maximum(care, 0)] != child)] = -1
        base = eps.care_first
        first_due = add_working_days_series(pd.Series(base), first_days).to_numpy("datetime64[D]")

        def first_late(b: Days, held: Days) -> np.ndarray:
            return ~_within_working_days(b, held, first_days)

        return _chain(care, date, base, first_due, second, later, first_late)

    chain = ctx.memo(("la_reviews", first_days, second, later), build)
    e = _d(end)
    now = _looked_after_at(ctx, eps, e)
    cohort = now[eps.care_start[now] + qualifying <= e]
    ok = chain.all_due_on_time(eps.care[cohort], _d(start), e, second, later)
    return ctx.proportion(eps.auth[cohort], ok)


# --- child protection -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plans:
    auth: np.ndarray
    child: np.ndarray
    start: Days
    end: Days
    has_previous: np.ndarray
    plan_keys: np.ndarray


def _plans(ctx: RuleContext) -> _Plans:
    def build() -> _Plans:
        # every row is kept (aligned with the table); a blank start never matches a window
        plans = ctx.table("cp_plans")
        child = ctx.keys("child_id", "cp_plans", ("cp_plans",))
        start = ctx.dates("cp_plans", "start_date")
        # an earlier plan of the same child anywhere in the data (strictly earlier start)
        first = pd.Series(start).groupby(child).transform("min").to_numpy("datetime64[D]")
        recorded = pd.to_numeric(plans["previous_plans"], errors="coerce").fillna(0).to_numpy() > 0
        return _Plans(
            auth=ctx.auth("cp_plans"),
            child=child,
            start=start,
            end=ctx.dates("cp_plans", "end_date"),
            has_previous=(first < start) | recorded,
            plan_keys=ctx.keys("plan_id", "cp_plans", PLAN_IDS),
        )

    return ctx.memo("cp_plans", build)


def plans_open_at(ctx: RuleContext, end: pd.Timestamp) -> np.ndarray:
    """Per row of ``cp_plans``: open on ``end`` (once per date; read-only)."""
    plans = _plans(ctx)
    return ctx.memo(("plans_open", _d(end)), lambda: _open_at(plans.start, plans.end, _d(end)))


@rule("cp_plans_at_end", tables=("cp_plans",), reads={"cp_plans": ("end_date",)})
def cp_plans_at_end(ctx, start, end, params):
    """CPP_AT_END: children (not plans) with a plan open on ``end``."""
    plans = _plans(ctx)
    open_ = plans_open_at(ctx, end)
    return ctx.count_distinct(plans.child[open_], plans.auth[open_])


@rule("plans_ended_long", tables=("cp_plans",), reads={"cp_plans": ("end_date",)})
def plans_ended_long(ctx, start, end, params):
    """NI 64: of plans ending in the window, those that had lasted ``years`` years or more
    (end date on or after the anniversary of the start; 29 Feb starts count from 28 Feb)."""
    plans = _plans(ctx)
    years = int(param(params, "years"))

    def build() -> Dated:
        lasted = plans.end >= _anniversary(plans.start, years)
        return ctx.events("cp_plans", "end_date", plans.auth, lasted)

    return ctx.memo(("plans_ended", years), build).tally(ctx, start, end)


@rule("open_plans_long", tables=("cp_plans",), reads={"cp_plans": ("end_date",)})
def open_plans_long(ctx, start, end, params):
    """CPP_2YRS_OPEN: of plans open on ``end``, those that had lasted ``years`` years by it."""
    plans = _plans(ctx)
    years = int(param(params, "years"))
    due = ctx.memo(("plan_anniversary", years), lambda: _anniversary(plans.start, years))
    e = _d(end)
    open_ = plans_open_at(ctx, end)
    return ctx.proportion(plans.auth[open_], due[open_] <= e)


@rule("repeat_plans", tables=("cp_plans",), reads={"cp_plans": ("previous_plans",)})
def repeat_plans(ctx, start, end, params):
    """NI 65: of plans starting in the window, those for a child with a previous plan: an
    earlier-starting plan of the same child in the data, or ``previous_plans`` > 0."""
    plans = _plans(ctx)
    events = ctx.memo(
        "plans_started",
        lambda: ctx.events("cp_plans", "start_date", plans.auth, plans.has_previous),
    )
    return events.tally(ctx, start, end)


@rule("cp_reviews_on_time", tables=("cp_plans", "cp_reviews"), reads={"cp_plans": ("end_date",)})
def cp_reviews_on_time(ctx, start, end, params):
    """NI 67: of children on a plan open at ``end`` that had lasted ``qualifying_months`` or
    more, those whose plan reviews were all on time.

    Clock: the plan's start. First review within ``first_review_months`` months of it, later
    ones within ``later_review_months`` months of the one before; late and overdue as for
    NI 66. A child with two open plans counts once, on time only if both are.
    """
    plans = _plans(ctx)
    first = int(param(params, "first_review_months"))
    later = int(param(params, "later_review_months"))
    qualifying = int(param(params, "qualifying_months"))

    def build() -> tuple[_Chain, Days]:
        plan = _find(plans.plan_keys, ctx.keys("plan_id", "cp_reviews", PLAN_IDS))
        chain = _chain(
            plan,
            ctx.dates("cp_reviews", "review_date"),
            plans.start,
            _plus_months(plans.start, first),
            later,
            later,
        )
        return chain, _plus_months(plans.start, qualifying)

    chain, qualifies_from = ctx.memo(("cp_reviews", first, later, qualifying), build)
    e = _d(end)
    cohort = np.flatnonzero(plans_open_at(ctx, end) & (qualifies_from <= e))
    ok = chain.all_on_time(cohort, _d(start), e)
    children, first_row, inverse = np.unique(
        plans.child[cohort], return_index=True, return_inverse=True
    )
    failed = np.bincount(inverse, weights=~ok, minlength=len(children)) > 0
    return ctx.proportion(plans.auth[cohort[first_row]], ~failed)


@rule("icpc_timeliness", tables=("section47",), reads={"section47": ("icpc_date",)})
def icpc_timeliness(ctx, start, end, params):
    """ICPC_15WD: of initial conferences held in the window, those within ``working_days``
    working days of the section 47 enquiry's start (start = day 0, bank holidays excluded).

    A conference with no enquiry start date cannot be timed: it is left out of numerator and
    denominator alike (never counted as late); the loaders count such conferences in the
    data-quality note (``untimeable_conference``)."""
    days = int(param(params, "working_days"))

    def build() -> Dated:
        # a blank conference date is never in a window
        begin = ctx.dates("section47", "s47_start_date")
        on_time = _within_working_days(begin, ctx.dates("section47", "icpc_date"), days)
        timeable = ~np.isnat(begin)
        auth = np.where(timeable, ctx.auth("section47"), -1)
        return ctx.events("section47", "icpc_date", auth, on_time)

    return ctx.memo(("icpc", days), build).tally(ctx, start, end)


# --- referrals and assessments ---------------------------------------------------------------


def _assessment_tables(params: Mapping[str, Any]) -> tuple[str, ...]:
    if params.get("start") == "referral":
        return ("assessments", "referrals")
    return ("assessments",)


@rule(
    "assessment_timeliness",
    tables=_assessment_tables,
    reads={"assessments": ("authorised_date",)},
)
def assessment_timeliness(ctx, start, end, params):
    """NI 59, NI 60, ASSESS_45WD: of ``assessment_type`` assessments authorised (completed) in
    the window, those authorised within ``working_days`` working days of their clock start:
    the referral date (``start: referral``) or the assessment's own start (``start:
    assessment``). An assessment whose clock start is unknown (no such referral) stays in the
    denominator and is not on time: a missing date must not shrink the denominator."""
    kind = str(param(params, "assessment_type")).upper()
    clock = str(param(params, "start"))
    if clock not in ("referral", "assessment"):
        raise MissingParam("start (referral or assessment)")
    days = int(param(params, "working_days"))

    def build() -> Dated:
        done = ctx.dates("assessments", "authorised_date")
        rows = np.flatnonzero(
            ctx.flag("assessments", "assessment_type", lambda c: c == kind) & ~np.isnat(done)
        )
        if clock == "referral":
            where = _find(
                ctx.keys("referral_id", "referrals", REFERRAL_IDS),
                ctx.keys("referral_id", "assessments", REFERRAL_IDS)[rows],
            )
            begin = np.r_[ctx.dates("referrals", "referral_date"), np.datetime64("NaT", "D")][where]
        else:
            begin = ctx.dates("assessments", "start_date")[rows]
        on_time = _within_working_days(begin, done[rows], days)
        return ctx.dated(ctx.auth("assessments")[rows], done[rows], on_time)

    return ctx.memo(("assessments", kind, clock, days), build).tally(ctx, start, end)


@rule("referral_conversion", tables=("referrals", "assessments"))
def referral_conversion(ctx, start, end, params):
    """NI 68: of referrals in the window, those with an ``assessment_type`` assessment linked
    by ``referral_id`` (whenever it started: the figure can rise as later extracts arrive)."""
    kind = str(param(params, "assessment_type")).upper()

    def build() -> Dated:
        of_kind = ctx.flag("assessments", "assessment_type", lambda c: c == kind)
        linked = ctx.keys("referral_id", "assessments", REFERRAL_IDS)[of_kind]
        referral = ctx.keys("referral_id", "referrals", REFERRAL_IDS)
        assessed = np.isin(referral, linked[linked >= 0])
        return ctx.events("referrals", "referral_date", hit=assessed)

    return ctx.memo(("referral_conversion", kind), build).tally(ctx, start, end)


@rule("referrals_in_period", tables=("referrals",))
def referrals_in_period(ctx, start, end, params):
    """REFERRALS: referrals (not children) dated in the window."""
    events = ctx.memo(
        "referrals",
        lambda: ctx.events("referrals", "referral_date"),
    )
    return events.tally(ctx, start, end)


@rule("rereferrals", tables=("referrals",))
def rereferrals(ctx, start, end, params):
    """REREFERRAL_12M: of referrals in the window, those dated on or before the ``months``-month
    anniversary of the same child's previous referral (the latest strictly earlier one; two
    referrals on one day are one event, neither previous to the other), or whose
    ``referrals_12m`` (Annex A's count of the child's earlier referrals in the last 12 months)
    is 1 or more: an extract's lists are shorter than the year the definition looks back."""
    months = int(param(params, "months"))

    def build() -> Dated:
        child = ctx.keys("child_id", "referrals", ("referrals",))
        date = ctx.dates("referrals", "referral_date")
        rows = np.flatnonzero(~np.isnat(date) & (child >= 0))
        order = rows[_group_day_order(child[rows], date[rows])]
        c, d = child[order], date[order]
        same_child = ~_starts(c)
        new_day = _starts(d) | ~same_child
        # the previous distinct date of the same child: the date before each run of equal dates
        prev = np.full(len(d), np.datetime64("NaT", "D"))
        prev[1:] = d[:-1]
        prev = np.where(same_child & new_day, prev, np.datetime64("NaT", "D"))
        run = np.cumsum(new_day) - 1
        prev = prev[np.flatnonzero(new_day)][run]  # same-day rows share their run's first
        repeat = np.zeros(len(date), dtype=bool)
        repeat[order] = d <= _plus_months(prev, months)
        # an in-year extract's own count of earlier referrals (Annex A list 3) sees further
        # back than its lists do
        counted = pd.to_numeric(ctx.table("referrals")["referrals_12m"], errors="coerce")
        repeat |= counted.fillna(0).to_numpy() >= 1
        return ctx.events("referrals", "referral_date", hit=repeat)

    return ctx.memo(("rereferrals", months), build).tally(ctx, start, end)


# --- care leavers -----------------------------------------------------------------------------


def _care_leavers(ctx: RuleContext, params: Mapping[str, Any]):
    """Per OC3 row: the birthday at one of ``ages`` that falls in the return's own collection
    year (so one young person is not counted from two returns); young people recorded as
    having died (``in_touch`` DIED) are left out."""
    ages = tuple(int(a) for a in param(params, "ages"))

    def build() -> tuple[Dated, Dated]:
        cl = ctx.table("care_leavers")
        years = cl["collection_year"].astype("string").str.extract(r"^\s*(\d{4})", expand=False)
        fy_start = _days(pd.to_datetime(years + "-04-01", errors="coerce"))
        fy_end = _plus_months(fy_start, 12) - np.timedelta64(1, "D")
        birthday = np.full(len(cl), np.datetime64("NaT", "D"))
        dob = ctx.dates("care_leavers", "dob")
        for age in ages:  # a handful of ages, not records
            day = _anniversary(dob, age)
            birthday = np.where(np.isnat(birthday) & _between(day, fy_start, fy_end), day, birthday)
        alive = ~ctx.flag("care_leavers", "in_touch", lambda c: c == "DIED")
        auth = np.where(alive, ctx.auth("care_leavers"), -1)
        suitable = ctx.flag("care_leavers", "accommodation", lambda c: c.endswith("1"))
        eet = ctx.flag("care_leavers", "activity", lambda c: bool(EET_ACTIVITY.match(c)))
        return ctx.dated(auth, birthday, suitable), ctx.dated(auth, birthday, eet)

    return ctx.memo(("care_leavers", ages), build)


@rule(
    "care_leaver_accommodation",
    tables=("care_leavers",),
    reads={"care_leavers": ("accommodation", "in_touch")},
)
def care_leaver_accommodation(ctx, start, end, params):
    """NI 147: of care leavers whose 19th-21st birthday fell in the window, those whose
    accommodation is suitable (an ACCOM code ending in 1; not in touch, 0 or blank, is not)."""
    return _care_leavers(ctx, params)[0].tally(ctx, start, end)


@rule(
    "care_leaver_activity",
    tables=("care_leavers",),
    reads={"care_leavers": ("activity", "in_touch")},
)
def care_leaver_activity(ctx, start, end, params):
    """NI 148: of care leavers whose 19th-21st birthday fell in the window, those in
    education, employment or training (ACTIV F1-F5 or P1-P5; G codes are NEET, 0 not in
    touch)."""
    return _care_leavers(ctx, params)[1].tally(ctx, start, end)
