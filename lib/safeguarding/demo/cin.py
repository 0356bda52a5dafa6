"""Children in need: referrals and what follows them, simulated referral by referral.

A new child's first referral arrives by a seasonal Poisson process; after each episode closes
the child may be referred again (re-referrals), generation by generation, each generation
vectorised. Before 2014-15 an assessed referral has an initial assessment (and a core
assessment when it goes to a section 47 enquiry); from 2014-15 a single assessment. Enquiries
may lead to an initial conference and a child protection plan, reviewed at 3 months and then
6-monthly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..periods import bank_holidays
from .authorities import DemoAuthority
from .dates import (
    NAT,
    ONE_DAY,
    add_months,
    add_working_days,
    add_years,
    daily_events,
    financial_year,
    plus_days,
    review_dates,
    timely_working_days,
)
from .rates import children, choose, draw_ages, draw_ethnicity, make_ids, per_child, share

SINGLE_ASSESSMENT_FROM = np.datetime64("2014-04-01")
REFERRAL_SOURCES = {
    "1A": 3, "1B": 1, "1C": 1, "1D": 1, "2A": 18, "2B": 2, "3A": 3, "3B": 3, "3C": 1, "3D": 2,
    "3E": 4, "3F": 2, "4": 2, "5A": 4, "5B": 3, "5C": 2, "5D": 6, "6": 29, "7": 3, "8": 5,
    "9": 1, "10": 4,
}  # fmt: skip
CATEGORIES = {"NEG": 50, "EMO": 36, "PHY": 7, "SAB": 4, "MUL": 3}
# age at a first referral: (low, high) years and weight
REFERRAL_AGES = ((0.02, 1, 12), (1, 5, 20), (5, 10, 27), (10, 16, 33), (16, 17.8, 8))
NFA_SHARE = 0.07
SUPPORTED = 0.45  # assessed children supported as children in need after the assessment
SUPPORT_DAYS = (90, 560)  # for how long (uniform)
# share of re-referrals that fall within 12 months of the previous referral (measured)
WITHIN_12M = 0.48


@dataclass
class Referrals:
    """One generation of referrals and the work that followed each (arrays, one per referral,
    NaT where nothing happened)."""

    child: np.ndarray
    date: np.ndarray
    source: np.ndarray
    nfa: np.ndarray
    closure: np.ndarray
    ia_start: np.ndarray
    ia_end: np.ndarray
    core_start: np.ndarray
    core_end: np.ndarray
    sa_start: np.ndarray
    sa_end: np.ndarray
    s47_start: np.ndarray
    icpc_date: np.ndarray
    plan_start: np.ndarray
    plan_end: np.ndarray
    category: np.ndarray
    previous_plans: np.ndarray


def rereferral_continuation(auth: DemoAuthority, years: np.ndarray) -> np.ndarray:
    """Chance that a child is referred again after an episode closes."""
    return np.clip(share(auth, "REREFERRAL_12M", years) / WITHIN_12M, 0.05, 0.6)


def simulate(
    rng: np.random.Generator, auth: DemoAuthority, start: np.datetime64, extract: np.datetime64
) -> tuple[pd.DataFrame, list[Referrals]]:
    """Children (dob, sex) and every generation of referrals from ``start`` to ``extract``."""

    def new_per_year(years: np.ndarray) -> np.ndarray:
        total = per_child(auth, "REFERRALS_RATE", years) * children(auth, years)
        return total * (1 - rereferral_continuation(auth, years))

    first = daily_events(rng, start, extract, new_per_year)
    n = len(first)
    ages = draw_ages(rng, REFERRAL_AGES, n)
    dob = plus_days(first, -ages * 365.25)
    kids = pd.DataFrame({"dob": dob, "sex": np.where(rng.random(n) < 0.52, "1", "2")})
    eighteen = add_years(dob, 18)
    # plans before the records begin, recorded only as NumberOfPreviousCPP
    hidden = np.where(rng.random(n) < 0.5, 1, 2)
    has_hidden = np.zeros(n, dtype=bool)
    plans = np.zeros(n, dtype="int64")

    generations = []
    child, date = np.arange(n), first
    while len(child):
        gen = _pathway(rng, auth, start, child, date, dob[child], eighteen[child], plans,
                       hidden, has_hidden, extract)  # fmt: skip
        generations.append(gen)
        has_plan = ~np.isnat(gen.plan_start)
        np.add.at(plans, child[has_plan], 1)
        # the next referral, after this episode closes
        again = rng.random(len(child)) < rereferral_continuation(auth, financial_year(date))
        again &= rng.random(len(child)) < np.where(has_plan, 1.0, 0.92)
        gap = np.where(
            rng.random(len(child)) < 0.72,
            rng.exponential(80, len(child)) + 3,
            rng.uniform(365, 1800, len(child)),
        )
        following = plus_days(gen.closure, gap)
        ok = again & ~np.isnat(gen.closure) & (following <= extract)
        ok &= following < eighteen[child] - np.timedelta64(60, "D")
        child, date = child[ok], following[ok]
    return kids, generations


def _pathway(
    rng: np.random.Generator,
    auth: DemoAuthority,
    start: np.datetime64,
    child: np.ndarray,
    date: np.ndarray,
    dob: np.ndarray,
    eighteen: np.ndarray,
    plans: np.ndarray,
    hidden: np.ndarray,
    has_hidden: np.ndarray,
    extract: np.datetime64,
) -> Referrals:
    """What happened after each referral: assessments, enquiry, conference, plan, closure."""
    m = len(child)
    nfa = rng.random(m) < NFA_SHARE
    date = _nfa_on_working_day(date, nfa, extract)
    fy = financial_year(date)
    legacy = date < SINGLE_ASSESSMENT_FROM
    p_ia = np.clip(share(auth, "NI68", fy) / (1 - NFA_SHARE), 0.3, 0.98)
    assessed = ~nfa & (rng.random(m) < np.where(legacy, p_ia, 0.95))
    # enquiries grew from about 19 to 34 per 100 referrals between 2008 and 2024, and fewer
    # of them went to conference; children who had a plan before are more often at risk again
    p_s47 = np.clip(0.19 + 0.009 * (fy - 2008), 0.19, 0.34) * auth.factors["CPP_AT_END_RATE"]
    p_s47 = np.where(plans[child] > 0, 2 * p_s47, p_s47)
    p_assessed = np.where(legacy, p_ia, 0.95) * (1 - NFA_SHARE)
    s47 = assessed & (rng.random(m) < np.clip(p_s47 / p_assessed, 0, 0.9))

    def when(mask: np.ndarray, dates: np.ndarray) -> np.ndarray:
        return np.where(mask, dates, NAT)

    # initial assessments timed from the referral: 7 working days, 10 from 2010-11
    ia = assessed & legacy
    ia_days = timely_working_days(rng, np.where(fy < 2010, 7, 10), share(auth, "NI59", fy), m)
    ia_end = when(ia, add_working_days(date, ia_days))
    ia_start = when(ia, add_working_days(date, np.minimum(rng.integers(0, 2, m), ia_days)))
    # single assessments timed from their own start
    sa = assessed & ~legacy
    sa_start = when(sa, add_working_days(date, choose(rng, {0: 5, 1: 2.5, 2: 1.5, 3: 1}, m)))
    sa_end = when(sa, add_working_days(sa_start, timely_working_days(
        rng, 45, share(auth, "ASSESS_45WD", fy), m)))  # fmt: skip
    sa_end = _by_year_end(sa_start, sa_end, 45)

    s47_start = np.where(
        legacy,
        add_working_days(date, (rng.random(m) * (ia_days + 1)).astype("int64")),
        add_working_days(sa_start, rng.integers(0, 4, m)),
    )
    s47_start = when(s47, s47_start)
    # core assessments: every enquiry's, and some others after the initial assessment
    core = ia & (s47 | (rng.random(m) < 0.1))
    core_start = when(
        core, np.where(s47, s47_start, add_working_days(ia_end, rng.integers(0, 4, m)))
    )
    core_end = when(core, add_working_days(core_start, timely_working_days(
        rng, 35, share(auth, "NI60", fy), m)))  # fmt: skip

    p_icpc = np.clip(0.52 - 0.0125 * (fy - 2008), 0.32, 0.52)
    icpc = s47 & (rng.random(m) < p_icpc)
    icpc_date = when(icpc, add_working_days(s47_start, timely_working_days(
        rng, 15, share(auth, "ICPC_15WD", fy), m)))  # fmt: skip
    icpc_date = _by_year_end(s47_start, icpc_date, 15)
    plan = icpc & (rng.random(m) < 0.8)
    plan &= icpc_date < eighteen - np.timedelta64(60, "D")
    plan_start = when(plan, icpc_date)
    plan_end = when(plan, np.minimum(plus_days(plan_start, _plan_days(rng, m)), eighteen - ONE_DAY))

    # a child's first plan may follow plans before the records began
    first_plan = plan & (plans[child] == 0)
    # the longer the simulated history, the more earlier plans are in the data themselves
    in_data = np.minimum(0.16, 0.015 * (date - start).astype("float64") / 365.25)
    p_hidden = np.clip((share(auth, "NI65", fy) - in_data) / (1 - in_data), 0.02, 0.4)
    has_hidden[child[first_plan]] = rng.random(first_plan.sum()) < p_hidden[first_plan]
    previous = np.where(plan, plans[child] + np.where(has_hidden[child], hidden[child], 0), 0)

    last = _latest(ia_end, core_end, sa_end, icpc_date, date)
    # a child in need plan keeps the episode open for months: England's children in need at
    # 31 March (about 330 per 10,000, looked-after children included) need about half of
    # assessed children supported for three months to a year and a half
    support = rng.random(m) < SUPPORTED
    closure = np.where(
        plan,
        plus_days(
            plan_end,
            np.where(rng.random(m) < 0.5, rng.integers(0, 15, m), rng.integers(60, 240, m)),
        ),  # fmt: skip
        plus_days(last, np.where(support, rng.integers(*SUPPORT_DAYS, m), rng.integers(0, 15, m))),
    )
    # no further action is decided within days, in the referral's year (DfE rule 8569Q: a
    # referral from before the year is never an NFA case in its census)
    nfa_closure = np.minimum(plus_days(date, rng.integers(0, 3, m)), _year_end(date))
    closure = np.where(nfa, nfa_closure, closure)
    closure = np.where(~nfa & ~assessed, plus_days(date, rng.integers(1, 21, m)), closure)
    closure = np.maximum(np.minimum(closure, eighteen), last)
    return Referrals(
        child=child,
        date=date,
        source=choose(rng, REFERRAL_SOURCES, m),
        nfa=nfa,
        closure=closure,
        ia_start=ia_start,
        ia_end=ia_end,
        core_start=core_start,
        core_end=core_end,
        sa_start=sa_start,
        sa_end=sa_end,
        s47_start=s47_start,
        icpc_date=icpc_date,
        plan_start=plan_start,
        plan_end=plan_end,
        category=choose(rng, CATEGORIES, m),
        previous_plans=previous,
    )


def _nfa_on_working_day(date: np.ndarray, nfa: np.ndarray, extract: np.datetime64) -> np.ndarray:
    """A referral closed with no further action is dated the working day the front door
    logs it (one received at a weekend or on a bank holiday, the next working day; never
    after the extract). DfE query 8569Q counts a census year from its first working day (its
    check rolls 1 April forward to a working day), so an NFA referral received over the first
    weekend of April would be queried as one from before the year."""
    days = np.asarray(date, dtype="datetime64[D]")
    logged = np.busday_offset(days, 0, roll="forward", holidays=bank_holidays())
    logged = np.minimum(logged, np.datetime64(extract, "D"))
    return np.where(nfa, logged, days)


def _by_year_end(start: np.ndarray, end: np.ndarray, days: int) -> np.ndarray:
    """A late assessment or conference happens by the 31 March after it fell due (``days``
    working days after its start; DfE queries one still outstanding then, rules 8670Q and
    8675Q): still late, a week before the year ends at the latest."""
    year_end = _year_end(start)
    # a few days' margin: the validators count working days with their own holiday list
    due = add_working_days(start, np.full(len(start), days - 3))
    overdue = ~np.isnat(end) & (due < year_end) & (end > year_end)
    late = add_working_days(start, np.full(len(start), days + 1))
    capped = np.minimum(np.maximum(late, year_end - 7), year_end)
    # on a weekday (DfE rule 8875: no conference at a weekend): the Friday before
    known = ~np.isnat(capped)
    weekday = np.busday_offset(
        np.where(known, capped, np.datetime64("2000-04-03")).astype("datetime64[D]"), 0,
        roll="backward",
    )
    capped = np.where(known, weekday, capped)
    return np.where(overdue, np.minimum(end, capped), end)


def _year_end(dates: np.ndarray) -> np.ndarray:
    """The 31 March that ends each date's financial year."""
    year = financial_year(np.where(np.isnat(dates), np.datetime64("2000-04-01"), dates))
    march = (year + 1 - 1970).astype("datetime64[Y]").astype("datetime64[M]") + np.timedelta64(
        2, "M"
    )
    return march.astype("datetime64[D]") + np.timedelta64(30, "D")


def _latest(*dates: np.ndarray) -> np.ndarray:
    """Element-wise latest of several date arrays, ignoring NaT."""
    stacked = np.stack([np.where(np.isnat(d), np.datetime64("1900-01-01"), d) for d in dates])
    return stacked.max(axis=0)


# the spread of plan lengths (log scale): 0.56 puts about 2.3% of the plans open at 31 March at
# two years or more, England's share (DfE d5, 2024-25); 0.6 gave 3.1% over 30 demo authorities
PLAN_SPREAD = 0.56


def _plan_days(rng: np.random.Generator, m: int) -> np.ndarray:
    """Plan lengths: one in ten ends within 3 months; most last 3-18 months; a few 2+ years."""
    short = rng.uniform(20, 92, m)
    usual = rng.lognormal(np.log(270), PLAN_SPREAD, m)
    return np.where(rng.random(m) < 0.1, short, usual)


# CIN census reasons for closure: RC8 closed after assessment with no further action, RC9
# closed after assessment and referred to early help, RC7 services ceased (no longer in need),
# RC5 transferred to another authority; about a fifth of closures step down to early help
CLOSED_AFTER_PLAN = {"RC7": 80, "RC9": 15, "RC5": 5}
CLOSED_AFTER_ASSESSMENT = {"RC8": 56, "RC9": 22, "RC7": 19, "RC5": 3}


def closure_reasons(rng: np.random.Generator, g: dict, closure: np.ndarray) -> np.ndarray:
    """ReasonForClosure for each closed episode (blank while open)."""
    n = len(closure)
    assessed = ~np.isnat(g["ia_start"]) | ~np.isnat(g["sa_start"])
    reason = np.where(
        ~np.isnat(g["plan_start"]),
        choose(rng, CLOSED_AFTER_PLAN, n),
        np.where(assessed, choose(rng, CLOSED_AFTER_ASSESSMENT, n), "RC8"),
    ).astype(object)
    reason[g["nfa"]] = "RC8"
    reason[np.isnat(closure)] = None
    return reason


# the share of plans whose category changes at a review, and what it changes to
CATEGORY_CHANGES = 0.12
CHANGED_TO = {"NEG": 35, "EMO": 35, "PHY": 10, "SAB": 5, "MUL": 15}


def latest_category(rng: np.random.Generator, initial: np.ndarray) -> np.ndarray:
    """LatestCategoryOfAbuse: the initial category, changed at a review for a few plans."""
    changed = rng.random(len(initial)) < CATEGORY_CHANGES
    return np.where(changed, choose(rng, CHANGED_TO, len(initial)), initial).astype(object)


def tables(
    rng: np.random.Generator,
    auth: DemoAuthority,
    kids: pd.DataFrame,
    generations: list[Referrals],
    extract: np.datetime64,
    keep_from: np.datetime64,
    first_child: int,
) -> dict[str, pd.DataFrame]:
    """The canonical CIN tables as they stood at ``extract``, from ``keep_from`` on.

    Dates after the extract have not happened yet (blank); referrals closed before
    ``keep_from`` are left out, as a case-management extract for the period would.
    """
    g = {f: np.concatenate([getattr(x, f) for x in generations]) for f in Referrals.__annotations__}
    order = np.lexsort((g["child"], g["date"]))
    g = {f: v[order] for f, v in g.items()}
    keep = np.isnat(g["closure"]) | (g["closure"] >= keep_from)
    g = {f: v[keep] for f, v in g.items()}
    code = auth.code
    n = len(g["date"])
    ref_id = make_ids(code, "R", n)

    def future(d: np.ndarray) -> np.ndarray:
        return np.where(d > extract, NAT, d)

    child_ids = make_ids(code, "C", len(kids), first_child)
    cid = child_ids[g["child"]]
    closure = future(g["closure"])
    referrals = pd.DataFrame({
        "child_id": cid, "referral_id": ref_id, "referral_date": g["date"],
        "referral_source": g["source"], "nfa": g["nfa"], "closure_date": closure,
        "closure_reason": closure_reasons(rng, g, closure),
    })  # fmt: skip
    parts = []
    for kind, s, e in (("initial", "ia_start", "ia_end"), ("core", "core_start", "core_end"),
                       ("single", "sa_start", "sa_end")):  # fmt: skip
        has = ~np.isnat(g[s]) & (g[s] <= extract)
        parts.append(pd.DataFrame({
            "child_id": cid[has], "referral_id": ref_id[has], "assessment_type": kind,
            "start_date": g[s][has], "authorised_date": future(g[e][has]),
        }))  # fmt: skip
    assessments = pd.concat(parts, ignore_index=True).sort_values("start_date", kind="stable")
    assessments.insert(1, "assessment_id", make_ids(code, "A", len(assessments)))

    has = ~np.isnat(g["s47_start"]) & (g["s47_start"] <= extract)
    icpc = future(g["icpc_date"][has])
    # the decision that no conference is needed is on record three weeks into the enquiry
    # (or 14 working days, which a holiday can make longer: DfE query 8675Q expects one
    # after 15), or when the episode closes before then (DfE rule 8868: a closed episode's
    # enquiry has its conference date or the not-required flag)
    closed = g["closure"][has]
    begun = g["s47_start"][has]
    decided = (begun + np.timedelta64(21, "D") <= extract) | (
        add_working_days(begun, 14) <= extract
    ) | (~np.isnat(closed) & (closed <= extract))
    section47 = pd.DataFrame({
        "child_id": cid[has], "s47_id": make_ids(code, "S", int(has.sum())),
        "referral_id": ref_id[has],
        "s47_start_date": g["s47_start"][has], "icpc_date": icpc,
        "icpc_not_required": np.isnat(g["icpc_date"][has]) & decided,
    })  # fmt: skip

    has = ~np.isnat(g["plan_start"]) & (g["plan_start"] <= extract)
    plan_ids = make_ids(code, "P", int(has.sum()))
    plan_end = future(g["plan_end"][has])
    cp_plans = pd.DataFrame({
        "child_id": cid[has], "plan_id": plan_ids, "start_date": g["plan_start"][has],
        "end_date": plan_end, "initial_category": g["category"][has],
        "latest_category": latest_category(rng, g["category"][has]),
        "previous_plans": g["previous_plans"][has],
    })  # fmt: skip
    start = g["plan_start"][has]
    horizon = np.where(np.isnat(plan_end), extract + ONE_DAY, plan_end)
    p_late = 1 - share(auth, "NI67", financial_year(start)) ** 0.5
    case, when = review_dates(rng, start, horizon, add_months(start, 3), 6, 6, p_late)
    cp_reviews = pd.DataFrame({"child_id": cid[has][case], "plan_id": plan_ids[case],
                               "review_date": when})  # fmt: skip

    used = np.unique(g["child"])
    children_frame = pd.DataFrame({
        "child_id": child_ids[used], "dob": kids["dob"].to_numpy()[used],
        "sex": kids["sex"].to_numpy()[used],
        "ethnicity": draw_ethnicity(rng, auth, "cin", len(used)),
    })  # fmt: skip
    out = {
        "children": children_frame,
        "referrals": referrals,
        "assessments": assessments.reset_index(drop=True),
        "section47": section47,
        "cp_plans": cp_plans,
        "cp_reviews": cp_reviews.sort_values(["plan_id", "review_date"], kind="stable"),
    }
    return out
