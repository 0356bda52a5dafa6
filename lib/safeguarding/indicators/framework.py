"""Record-level rules for the Children's Social Care National Framework (2023) measures.

Registered in the same :data:`~safeguarding.indicators.context.RULES` registry as the 2009
national indicators (``@rule``), so the catalogue names them and the engine runs them alike.
Readings of the definitions (where DfE's wording is silent, ours):

- **Children in need at a date**: a referral (CIN episode) dated on or before the date, not
  ended by no further action and not closed by it (no closure date, or one after the date),
  and, with ``include_looked_after``, every child looked after at the date, each child once:
  looked-after children are children in need, and an extract may hold their CIN episodes
  separately or not at all.
- **The placement in force at a date** is that of the episode in force (the latest-starting
  episode open at the date; agreed short breaks V3/V4 left out), so a kinship code that
  changes with a new episode mid-placement counts from the new episode's start.
- **Leaving care**: an episode ending in the window with a reason other than ``X1`` (an
  episode closed because another follows); short breaks left out.
- **More than 20 miles**: strictly more; a placement exactly 20 miles away is not. A child
  whose distance is not recorded (no ``placement_distance_miles``) is left out of the
  denominator, since the canonical layout cannot work a distance out from postcodes.
- **A change of social worker**: a social-worker episode of the child starting in the
  ``months`` months to the date (the date included) that is not the child's first episode in
  the data: allocating a first worker is not a change.
- **A referral after early help**: the same child had an early help assessment that began
  before the referral's date (the same day is not before) and was not completed more than
  ``months`` months before it (completed on or after the date ``months`` months earlier, or
  not completed): early help the family had in the year before it was referred. Early help
  is not in the statutory returns: it comes from Ofsted's Annex A list 2 or a council's own
  ``early_help.csv``; the early help records must reach back ``months`` months before the
  period, or the figure is not computable.
- **Category of abuse**: the plan's latest category where recorded, else its initial one; a
  child with two open plans counts once, under the latest-starting plan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import DataSet
from ..exceptions import MissingParam
from .context import (
    Dated,
    RuleContext,
    param,
    rule,
)
from .days import (
    _between,
    _d,
    _find,
    _group_day_order,
    _last_per_group,
    _member,
    _open_at,
    _plus_months,
    _stable_argsort,
)
from .rules import (
    _EPISODE_COLUMNS,
    SHORT_BREAKS,
    _looked_after_at,
    episodes,
    plans_open_at,
)

__all__ = [
    "CAO_REASONS",
    "COHORTS",
    "KINSHIP_PLACEMENTS",
    "SGO_REASONS",
    "authority_tables",
    "cohort_children",
    "dolo_placements",
    "episodes_in_force",
]

# the optional episode columns every looked-after reading needs (as the rules' own)
EPISODE_COLUMNS = _EPISODE_COLUMNS
# the looked-after tables joined on the child (one key vocabulary)
LA_TABLES = ("la_episodes", "children", "sw_episodes", "dolo", "missing_episodes")
# SSDA903 PLACE: foster placements with a relative or friend (kinship foster care)
KINSHIP_PLACEMENTS = ("U1", "U2", "U3")
# SSDA903 REC: special guardianship orders (to former foster carers or others, relatives or not)
SGO_REASONS = ("E45", "E46", "E47", "E48")
# SSDA903 REC: child arrangements order (a residence order before 22 April 2014)
CAO_REASONS = ("E41",)


def authority_tables(data: DataSet, authority: str, names: tuple[str, ...]) -> DataSet:
    """One authority's rows of the tables ``names`` (those present), for per-authority
    aggregates read with ``RuleContext(data, [authority])``."""
    return DataSet(
        {
            n: (f := data.table(n))[f["authority"].astype(str) == authority]
            for n in names
            if data.has(n)
        }
    )


def _child_rows(ctx: RuleContext, table: str) -> np.ndarray:
    """Per row of ``table``: the child key shared with the looked-after tables (-1: blank)."""
    return ctx.keys("child_id", table, LA_TABLES)


def episodes_in_force(ctx: RuleContext, end: pd.Timestamp) -> np.ndarray:
    """Rows of ``la_episodes`` in force at ``end``: one per child looked after then (short
    breaks left out; the latest start where a child's open episodes overlap). The looked-after
    rules' own reading (``rules.looked_after_at``), once per date; read-only."""
    eps = episodes(ctx)
    return ctx.memo(
        ("episodes_in_force", _d(end)), lambda: eps.rows[_looked_after_at(ctx, eps, _d(end))]
    )


def _looked_after_auth(ctx: RuleContext, end: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """(rows in force, their authority positions) at ``end``."""
    now = episodes_in_force(ctx, end)
    return now, ctx.auth("la_episodes")[now]


# --- outcome 1: families stay together and get the help they need ----------------------------


def _cin_tables(params) -> tuple[str, ...]:
    return ("referrals", "la_episodes") if params.get("include_looked_after") else ("referrals",)


def _nfa_flags(ctx: RuleContext) -> np.ndarray:
    """Per referral: ended in no further action (a blank answer is not)."""
    return ctx.memo(
        "referral_nfa_flags",
        lambda: ctx.table("referrals")["nfa"].fillna(False).to_numpy(dtype=bool),
    )


def _open_referrals(ctx: RuleContext, end: pd.Timestamp) -> np.ndarray:
    """Rows of ``referrals`` open on ``end`` and not ended by no further action (once per
    date; read-only)."""

    def candidates() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The referrals not ended by no further action, with their dates as day numbers (no
        closure: never closed)."""
        begun = ctx.dates("referrals", "referral_date")
        rows = np.flatnonzero(~_nfa_flags(ctx) & ~np.isnat(begun))
        closed = ctx.dates("referrals", "closure_date")[rows]
        closed = np.where(np.isnat(closed), np.iinfo(np.int64).max, closed.view(np.int64))
        return rows, begun[rows].view(np.int64), closed

    def build() -> np.ndarray:
        rows, begun, closed = ctx.memo("referrals_not_nfa", candidates)
        day = int(_d(end).astype(np.int64))
        return rows[(begun <= day) & (closed > day)]  # ``_open_at`` on day numbers

    return ctx.memo(("open_referrals", _d(end)), build)


def _cin_parts(ctx: RuleContext, end: pd.Timestamp, with_looked_after: bool):
    """(table, rows) of the records that make children in need on ``end``: open referrals
    not ended by no further action, and (``with_looked_after``) the episodes in force."""
    parts = [("referrals", _open_referrals(ctx, end))]
    if with_looked_after:
        parts.append(("la_episodes", episodes_in_force(ctx, end)))
    return parts


@rule(
    "cin_at_end",
    tables=_cin_tables,
    reads={"referrals": ("nfa", "closure_date"), "la_episodes": EPISODE_COLUMNS},
)
def cin_at_end(ctx, start, end, params):
    """CIN_AT_END: children in need on ``end`` (see the module's reading), each once."""
    vocabulary = ("referrals", "la_episodes")
    keys, auths = [], []
    for table, rows in _cin_parts(ctx, end, bool(params.get("include_looked_after"))):
        keys.append(ctx.keys("child_id", table, vocabulary)[rows])
        auths.append(ctx.auth(table)[rows])
    return ctx.count_distinct(np.concatenate(keys), np.concatenate(auths))


def _open_plans(ctx: RuleContext, end: pd.Timestamp) -> np.ndarray:
    """Rows of ``cp_plans`` open on ``end``, one per child (its latest-starting plan; once per
    date, read-only)."""

    def build() -> np.ndarray:
        child = ctx.keys("child_id", "cp_plans", ("cp_plans",))
        plan_start = ctx.dates("cp_plans", "start_date")
        rows = np.flatnonzero(plans_open_at(ctx, end) & (child >= 0))
        rows = rows[_group_day_order(child[rows], plan_start[rows])]
        return _last_per_group(child, rows)

    return ctx.memo(("open_plans", _d(end)), build)


COHORTS = ("cin", "cp", "cla")


def cohort_children(ctx: RuleContext, cohort: str, end: pd.Timestamp) -> pd.DataFrame:
    """``authority, child_id`` of the children in a cohort on ``end``, each once: ``cin``
    (children in need, looked-after children included), ``cp`` (on a plan) or ``cla``
    (looked after), by the same readings as CIN_AT_END, CPP_AT_END and CLA_AT_END."""
    if cohort == "cin":
        parts = _cin_parts(ctx, end, ctx.data.has("la_episodes"))
    elif cohort == "cp":
        parts = [("cp_plans", _open_plans(ctx, end))]
    elif cohort == "cla":
        parts = [("la_episodes", episodes_in_force(ctx, end))]
    else:
        raise ValueError(f"unknown cohort {cohort!r}; expected one of {', '.join(COHORTS)}")
    names = np.asarray(ctx.authorities, dtype=object)
    frames = []
    for table, rows in parts:
        auth = ctx.auth(table)[rows]
        rows, auth = rows[auth >= 0], auth[auth >= 0]
        ids = ctx.table(table)["child_id"].astype("string").to_numpy(dtype=object)[rows]
        frames.append(pd.DataFrame({"authority": names[auth], "child_id": ids}))
    out = pd.concat(frames, ignore_index=True).dropna()
    return out.drop_duplicates().reset_index(drop=True)


@rule("referral_nfa", tables=("referrals",), reads={"referrals": ("nfa",)})
def referral_nfa(ctx, start, end, params):
    """REFERRAL_NFA: of referrals in the window, those ending in no further action."""

    def build() -> Dated:
        nfa = _nfa_flags(ctx)
        return ctx.events("referrals", "referral_date", hit=nfa)

    return ctx.memo("referral_nfa", build).tally(ctx, start, end)


def _looking_back(start: pd.Timestamp, end: pd.Timestamp, params) -> tuple:
    """The dates a referral rule looking ``months`` months back from each referral reads."""
    return start - pd.DateOffset(months=int(param(params, "months"))), end


def _pairs(
    left_key: np.ndarray, left: np.ndarray, right_key: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every (left row, right row) with equal keys: an inner join of the rows ``left`` and
    ``right`` on ``left_key``/``right_key`` (keys from ``ctx.keys``: small non-negative
    integers), in no particular order. The right rows are sorted by key once; each key's run
    of them is found by look-up."""
    order = right[_stable_argsort(right_key[right])]
    wanted = left_key[left]
    if not len(order) or not len(wanted):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    size = max(int(right_key[order[-1]]), int(wanted.max())) + 1
    per_key = np.bincount(right_key[right], minlength=size)
    lo, count = (np.cumsum(per_key) - per_key)[wanted], per_key[wanted]
    first = np.cumsum(count) - count  # where each left row's matches begin among the pairs
    within = np.arange(int(count.sum())) - np.repeat(first, count)
    return np.repeat(left, count), order[np.repeat(lo, count) + within]


@rule(
    "referrals_after_early_help",
    tables=("referrals", "early_help"),
    reads={"early_help": ("end_date",)},
    span=_looking_back,
)
def referrals_after_early_help(ctx, start, end, params):
    """REFERRALS_AFTER_EH: of referrals in the window, those of a child who had early help in
    the ``months`` months before the referral (see the module's reading)."""
    months = int(param(params, "months"))

    def build() -> Dated:
        vocabulary = ("referrals", "early_help")
        r_child = ctx.keys("child_id", "referrals", vocabulary)
        r_date = ctx.dates("referrals", "referral_date")
        e_child = ctx.keys("child_id", "early_help", vocabulary)
        e_start = ctx.dates("early_help", "start_date")
        e_end = ctx.dates("early_help", "end_date")
        refs = np.flatnonzero((r_child >= 0) & ~np.isnat(r_date))
        helped = np.flatnonzero((e_child >= 0) & ~np.isnat(e_start))
        row, eh = _pairs(r_child, refs, e_child, helped)
        since = _plus_months(r_date[row], -months)
        before = e_start[eh] < r_date[row]
        recent = np.isnat(e_end[eh]) | (e_end[eh] >= since)
        hit = np.zeros(len(r_date), dtype=bool)
        hit[row[before & recent]] = True
        return ctx.events("referrals", "referral_date", hit=hit)

    return ctx.memo(("referrals_after_early_help", months), build).tally(ctx, start, end)


@rule(
    "closed_for_reason",
    tables=("referrals",),
    reads={"referrals": ("closure_date", "closure_reason")},
)
def closed_for_reason(ctx, start, end, params):
    """STEP_DOWN_EH: of children-in-need episodes closed in the window with a reason
    recorded, those closed for one of ``reasons`` (RC9: after assessment, referred to early
    help). Closures without a reason are left out, so data without reasons give no figure;
    so are referrals ending in no further action (never an episode of help to step down
    from; Annex A's list 6 of children in need does not hold them either)."""
    codes = tuple(str(c).upper() for c in param(params, "reasons"))

    def build() -> Dated:
        recorded = ~ctx.flag("referrals", "closure_reason", lambda c: c == "")
        recorded &= ~_nfa_flags(ctx)
        auth = np.where(recorded, ctx.auth("referrals"), -1)
        hit = ctx.flag("referrals", "closure_reason", codes.__contains__)
        return ctx.events("referrals", "closure_date", auth, hit)

    return ctx.memo(("closed_for_reason", codes), build).tally(ctx, start, end)


@rule("pre_proceedings_started", tables=("pre_proceedings",))
def pre_proceedings_started(ctx, start, end, params):
    """PP_STARTED: pre-proceedings started in the window (PPStartDate), each start counted."""
    events = ctx.memo(
        "pre_proceedings",
        lambda: ctx.events("pre_proceedings", "start_date"),
    )
    return events.tally(ctx, start, end)


# the answer each ``which`` reads: FGDMMeetingOffer, FGDMMeetingFac (held: "facilitated")
FGDM_COLUMNS = {"offered": "fgdm_offered", "held": "fgdm_facilitated"}


@rule(
    "fgdm",
    tables=("pre_proceedings",),
    reads={"pre_proceedings": tuple(FGDM_COLUMNS.values())},
)
def fgdm(ctx, start, end, params):
    """PP_FGDM_OFFERED, PP_FGDM_HELD: of pre-proceedings started in the window (``of:
    started``; or ``of: offered``, those whose family was offered a meeting), those where a
    family group decision making meeting was ``offered`` or ``held`` (``which``). A blank
    answer is not recorded: left out of the denominator, never counted as no."""
    which, of = str(param(params, "which")), str(param(params, "of"))
    if which not in ("offered", "held") or of not in ("started", "offered"):
        raise MissingParam("which (offered or held) and of (started or offered)")

    def build() -> Dated:
        table = ctx.table("pre_proceedings")
        answer = table[FGDM_COLUMNS[which]]
        base = answer.notna()
        if of == "offered":
            base &= table["fgdm_offered"].fillna(False).astype(bool)
        auth = np.where(base.to_numpy(), ctx.auth("pre_proceedings"), -1)
        hit = answer.fillna(False).to_numpy(dtype=bool)
        return ctx.events("pre_proceedings", "start_date", auth, hit)

    return ctx.memo(("fgdm", which, of), build).tally(ctx, start, end)


# --- outcome 2: children are supported by their family network -------------------------------


@rule(
    "placement_type_at_end",
    tables=("la_episodes",),
    reads={"la_episodes": (*EPISODE_COLUMNS, "placement")},
)
def placement_type_at_end(ctx, start, end, params):
    """KINSHIP_AT_END: of children looked after on ``end``, those whose placement in force is
    one of ``placements`` (kinship: U1-U3)."""
    codes = tuple(str(c).upper() for c in param(params, "placements"))
    now, auth = _looked_after_auth(ctx, end)
    hit = ctx.flag("la_episodes", "placement", codes.__contains__)[now]
    return ctx.proportion(auth, hit)


@rule(
    "left_care_by",
    tables=("la_episodes",),
    reads={"la_episodes": (*EPISODE_COLUMNS, "reason_end")},
)
def left_care_by(ctx, start, end, params):
    """LEFT_CARE_SGO, LEFT_CARE_CAO: of episodes ending the child's care in the window
    (``reason_end`` not X1 or blank; short breaks left out), those ending for one of
    ``reasons``."""
    codes = tuple(str(c).upper() for c in param(params, "reasons"))

    def build() -> Dated:
        ceased = ~ctx.flag("la_episodes", "reason_end", lambda c: c in ("", "X1"))
        ceased &= ~ctx.flag("la_episodes", "legal_status", lambda c: c in SHORT_BREAKS)
        auth = np.where(ceased, ctx.auth("la_episodes"), -1)
        hit = ctx.flag("la_episodes", "reason_end", codes.__contains__)
        return ctx.events("la_episodes", "episode_end", auth, hit)

    return ctx.memo(("left_care_by", codes), build).tally(ctx, start, end)


# --- outcome 3: children are safe in and outside their homes -----------------------------------


@rule(
    "plans_by_category",
    tables=("cp_plans",),
    reads={"cp_plans": ("end_date", "initial_category")},
)
def plans_by_category(ctx, start, end, params):
    """CPP_CAT_*: of children on a plan on ``end``, those whose plan's latest category of
    abuse (else its initial one) is ``category``."""
    wanted = str(param(params, "category")).upper()

    def stripped(column: str) -> np.ndarray:
        """Per row: the code stripped and in upper case ('' when blank), each distinct code
        converted once."""
        codes, uniques = ctx.factorised("cp_plans", column)
        clean = pd.Series(uniques, dtype=object).astype("string").str.strip().str.upper()
        return np.append(clean.fillna("").to_numpy(dtype=object), "")[codes]

    def build() -> np.ndarray:
        latest = stripped("latest_category")
        return np.where(latest != "", latest, stripped("initial_category"))

    category = ctx.memo("plan_categories", build)
    rows = _open_plans(ctx, end)
    return ctx.proportion(ctx.auth("cp_plans")[rows], category[rows] == wanted)


@rule(
    "went_missing",
    tables=("la_episodes", "missing_episodes"),
    reads={"la_episodes": EPISODE_COLUMNS, "missing_episodes": ("missing_type",)},
)
def went_missing(ctx, start, end, params):
    """CLA_MISSING: of children looked after at any time in the window (an episode started
    by its end and not ceased before its start; short breaks left out), those with an episode
    of a ``missing_type`` in ``types`` (M missing, A away) starting in the window."""
    kinds = tuple(str(c).upper() for c in param(params, "types"))
    s, e = _d(start), _d(end)
    eps = episodes(ctx)
    during = np.flatnonzero((eps.start <= e) & (np.isnat(eps.end) | (eps.end > s)))
    during = _last_per_group(eps.child, during)  # one row per child
    m_child = _child_rows(ctx, "missing_episodes")
    went = ctx.flag("missing_episodes", "missing_type", kinds.__contains__)
    went &= (m_child >= 0) & _between(ctx.dates("missing_episodes", "start_date"), s, e)
    hit = _member(eps.child_keys[eps.child[during]], m_child[went])
    return ctx.proportion(eps.auth[during], hit)


# --- outcome 4: stable, loving homes ------------------------------------------------------------


@rule(
    "placed_over_miles",
    tables=("la_episodes",),
    reads={"la_episodes": (*EPISODE_COLUMNS, "placement_distance_miles")},
)
def placed_over_miles(ctx, start, end, params):
    """PLACED_20_MILES: of children looked after on ``end`` whose placement's distance from
    home is recorded, those placed more than ``miles`` miles away (exactly ``miles``: not)."""
    miles = float(param(params, "miles"))
    distance = ctx.memo(
        "placement_distance",
        lambda: pd.to_numeric(
            ctx.table("la_episodes")["placement_distance_miles"], errors="coerce"
        ).to_numpy(dtype="float64"),
    )
    now, auth = _looked_after_auth(ctx, end)
    known = ~np.isnan(distance[now])
    return ctx.proportion(auth[known], distance[now][known] > miles)


@rule(
    "social_worker_changes",
    tables=("la_episodes", "sw_episodes"),
    reads={"la_episodes": EPISODE_COLUMNS},
)
def social_worker_changes(ctx, start, end, params):
    """SW_CHANGE_12M: of children looked after on ``end``, those with ``changes`` or more
    changes of social worker in the ``months`` months to ``end`` (``end`` included)."""
    months = int(param(params, "months"))
    changes = int(param(params, "changes"))

    def build() -> tuple[np.ndarray, np.ndarray]:
        child = _child_rows(ctx, "sw_episodes")
        begun = ctx.dates("sw_episodes", "start_date")
        rows = np.flatnonzero((child >= 0) & ~np.isnat(begun))
        rows = rows[np.lexsort((begun[rows], child[rows]))]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = child[rows][1:] != child[rows][:-1]
        change = rows[~first]  # every episode after a child's first is a change
        return child[change], begun[change]

    child, when = ctx.memo("sw_changes", build)
    e = _d(end)
    first_day = _d(pd.Timestamp(end) - pd.DateOffset(months=months) + pd.Timedelta(days=1))
    in_window = (when >= first_day) & (when <= e)
    counted, per_child = np.unique(child[in_window], return_counts=True)
    now, auth = _looked_after_auth(ctx, end)
    pos = _find(counted, _child_rows(ctx, "la_episodes")[now])
    n_changes = np.where(pos >= 0, np.r_[per_child, 0][pos], 0)
    return ctx.proportion(auth, n_changes >= changes)


@rule("dolo_at_end", tables=("dolo",), reads={"dolo": ("end_date",)})
def dolo_at_end(ctx, start, end, params):
    """DOLO_AT_END: children subject to a deprivation of liberty order on ``end`` (started on
    or before it, not ended by it), each once."""
    child = _child_rows(ctx, "dolo")
    open_ = _open_at(ctx.dates("dolo", "start_date"), ctx.dates("dolo", "end_date"), _d(end))
    rows = np.flatnonzero(open_ & (child >= 0))
    _, first = np.unique(child[rows], return_index=True)
    return ctx.count(ctx.auth("dolo")[rows[first]])


def dolo_placements(ctx: RuleContext, end: pd.Timestamp) -> pd.DataFrame:
    """``authority, placement, children``: children subject to a DoLO on ``end`` by the type
    of the placement in force (``not looked after`` when none is)."""
    child = _child_rows(ctx, "dolo")
    open_ = _open_at(ctx.dates("dolo", "start_date"), ctx.dates("dolo", "end_date"), _d(end))
    rows = np.flatnonzero(open_ & (child >= 0))
    _, first = np.unique(child[rows], return_index=True)
    rows = rows[first]
    placement = np.full(len(rows), "not looked after", dtype=object)
    if ctx.data.has("la_episodes") and len(ctx.table("la_episodes")):
        now = episodes_in_force(ctx, end)
        pos = _find(_child_rows(ctx, "la_episodes")[now], child[rows])
        codes = ctx.table("la_episodes")["placement"].astype("string").str.strip()
        codes = codes.fillna("not recorded").to_numpy(dtype=object)
        placement = np.where(pos >= 0, codes[np.r_[now, 0][pos]], placement)
    names = np.asarray(ctx.authorities, dtype=object)
    out = pd.DataFrame({"authority": names[ctx.auth("dolo")[rows]], "placement": placement})
    return out.groupby(["authority", "placement"]).size().rename("children").reset_index()
