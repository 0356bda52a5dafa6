"""Rules for the measures only an in-year extract (Ofsted's Annex A) feeds: contacts and
adoption timeliness. Registered with the others (``rules.RULES``) on import."""

from __future__ import annotations

import numpy as np

from .rules import Tally, _Events, param, rule


@rule("contacts_in_period", tables=("contacts",))
def contacts_in_period(ctx, start, end, params):
    """CONTACTS: contacts (not children) dated in the window."""
    events = ctx.memo(
        "contacts",
        lambda: _Events.of(ctx.auth("contacts"), ctx.dates("contacts", "contact_date")),
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
