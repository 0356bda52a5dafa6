"""Rules for the measures an in-year extract (Ofsted's Annex A) feeds and the returns do not:
contacts, adoption timeliness, child protection visits in timescale, and whether each plan's
review is up to date on a snapshot date (Annex A list 7 gives each plan's last statutory
visit and latest review conference as at the extract, so those two are computable only for
a snapshot on the extract's own date). Registered with the others (``context.RULES``) on
import."""

from __future__ import annotations

import numpy as np

from .context import (
    Tally,
    param,
    rule,
)
from .days import (
    _d,
    _find,
    _plus_months,
    _within_working_days,
)
from .rules import (
    PLAN_IDS,
    _plans,
    plans_open_at,
)


@rule("contacts_in_period", tables=("contacts",))
def contacts_in_period(ctx, start, end, params):
    """CONTACTS: contacts (not children) dated in the window."""
    events = ctx.memo(
        "contacts",
        lambda: ctx.events("contacts", "contact_date"),
    )
    return events.tally(ctx, start, end)


@rule("adoption_days", tables=("adoptions",))
def adoption_days(ctx, start, end, params):
    """ADOPT_A10, ADOPT_A2: of children whose ``event`` date (the adoption order) falls in the
    window, the mean days from their ``since`` date to their ``until`` date; a child missing
    either is left out (no duration to average)."""
    since, until, event = (str(param(params, k)) for k in ("since", "until", "event"))

    def build() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        begin = ctx.dates("adoptions", since)
        finish = ctx.dates("adoptions", until)
        when = ctx.dates("adoptions", event)
        known = ~np.isnat(begin) & ~np.isnat(finish) & ~np.isnat(when)
        days = np.where(known, (finish - begin).astype("int64"), 0)
        auth = np.where(known, ctx.auth("adoptions"), -1)
        return auth, when, days

    auth, when, days = ctx.memo(("adoption_days", since, until, event), build)
    lo, hi = np.datetime64(start.date(), "D"), np.datetime64(end.date(), "D")
    hit = (when >= lo) & (when <= hi) & (auth >= 0)
    n = len(ctx.authorities)
    total = np.bincount(auth[hit], weights=days[hit], minlength=n)
    return Tally(np.rint(total).astype(np.int64), np.bincount(auth[hit], minlength=n))


def _per_child(ctx, rows: np.ndarray, child: np.ndarray, auth: np.ndarray, ok: np.ndarray) -> Tally:
    """A child with several rows counts once, and is ``ok`` only if every row of theirs is."""
    children, first, inverse = np.unique(child[rows], return_index=True, return_inverse=True)
    failed = np.bincount(inverse, weights=~ok, minlength=len(children)) > 0
    return ctx.proportion(auth[rows[first]], ~failed)


@rule(
    "cp_visits_in_time",
    tables=("cp_plans",),
    reads={"cp_plans": ("end_date",)},
    as_at={"cp_plans": ("last_visit_date",)},
    as_at_only=True,
)
def cp_visits_in_time(ctx, start, end, params):
    """CP_VISITS_IN_TIME: of children on a plan open on ``end`` that had started more than
    ``working_days`` working days before it (a visit was due), those whose last statutory
    visit, as at ``end``, was ``working_days`` working days or fewer before it (the visit's
    day is day 0, as for the other working-day measures). A child with two open plans counts
    once, visited in time only on both."""
    plans = _plans(ctx)
    days = int(param(params, "working_days"))
    e = _d(end)
    visit = ctx.dates("cp_plans", "last_visit_date")
    rows = np.flatnonzero(plans_open_at(ctx, end))
    rows = rows[~_within_working_days(plans.start[rows], np.full(len(rows), e), days)]  # due
    seen = (visit[rows] <= e) & _within_working_days(visit[rows], np.full(len(rows), e), days)
    return _per_child(ctx, rows, plans.child, plans.auth, seen)


@rule(
    "cp_reviews_up_to_date",
    tables=("cp_plans", "cp_reviews"),
    reads={"cp_plans": ("end_date",)},
    as_at={"cp_reviews": ("review_date",)},
)
def cp_reviews_up_to_date(ctx, start, end, params):
    """CP_REVIEWS_UP_TO_DATE: of children on a plan open on ``end`` that had lasted
    ``first_review_months`` months or more (a review had fallen due), those whose next review
    was not overdue on ``end``: due ``first_review_months`` after the start while no review
    conference had been held, ``later_review_months`` after the latest one held on or before
    ``end`` otherwise; a review due on ``end`` itself is not yet overdue. Unlike NI 67 it reads
    only the latest review, so a plan reviewed late once and on time since counts as up to
    date. A child with two open plans counts once, up to date only on both."""
    plans = _plans(ctx)
    first = int(param(params, "first_review_months"))
    later = int(param(params, "later_review_months"))
    e = _d(end)

    def build() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        plan = _find(plans.plan_keys, ctx.keys("plan_id", "cp_reviews", PLAN_IDS))
        held = ctx.dates("cp_reviews", "review_date")
        keep = (plan >= 0) & ~np.isnat(held)
        return plan[keep], held[keep], _plus_months(plans.start, first)

    plan, held, first_due = ctx.memo(("cp_review_latest", first), build)
    # the latest review of each plan on or before the snapshot
    upto = held <= e
    latest = np.full(len(plans.start), np.iinfo(np.int64).min)  # NaT's own integer
    np.maximum.at(latest, plan[upto], held[upto].astype(np.int64))
    latest = latest.view("datetime64[D]")
    next_due = np.where(np.isnat(latest), first_due, _plus_months(latest, later))
    rows = np.flatnonzero(plans_open_at(ctx, end) & (first_due <= e))
    return _per_child(ctx, rows, plans.child, plans.auth, e <= next_due[rows])
