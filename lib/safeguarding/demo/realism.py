"""The demo's records made to pass the DfE's own validation rules, and its newer tables.

The simulation (``cin``, ``looked_after``) draws the shapes that matter to the indicators;
this pass, run once per authority after it, makes the records keep the rules a real return
must keep (``safeguarding.dfe_rules`` checks them against Data to Insight's validators):

- short legal statuses end in time: police protection (L1) within 72 hours, an emergency
  protection order (L2) and PACE detention (J2) within 21 days; the child then stays under
  section 20 (V2) in the same placement, a legal-status-only change (``RNE`` L);
- no freeing order (D1, abolished in 2005): a placement order (E1) instead; nobody placed with
  parents (P1) under section 20; placements for adoption with the child's own foster carers
  (A3, A5, which must start a period or change the legal status too) are with other adopters
  (A4, A6); special guardianship or residence with former foster carers (E45, E46) only from
  foster care (else E41);
- an ``L`` episode changes the legal status and nothing else: one that would not (the same
  status as before) is merged into the episode before it;
- every episode has the child's home postcode and the placement's (fictional ones), the
  placement's carried through legal-status changes.

And the tables the later returns carry: CIN plans (``cin_plans``: assessed children kept
open for support), social worker episodes (``sw_episodes``), Deprivation of Liberty Orders
(``dolo``) and pre-proceedings with family group decision making (``pre_proceedings``), all
drawn from a stream of their own so that the simulation's own draws are unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dates import add_working_days

LIMITS = {"L1": 3, "L2": 21, "J2": 21}  # days a short legal status may last
P2_ENDS = pd.Timestamp("2023-10-28")
FREEING_ENDS = pd.Timestamp("2005-12-30")  # the Adoption and Children Act 2002 in force
AFTER_SHORT = "V2"
FOSTER = ("U1", "U2", "U3", "U4", "U5", "U6")
SW_REASONS = {"MANAGE": 20, "LEFTRL": 35, "ORGRST": 15, "ABSENC": 8, "CHCHAN": 7, "PCCHAN": 10,
              "OTHERS": 5}  # fmt: skip
# DoLOs: children's homes, secure and other residential placements, from the age of 11
DOLO_PLACEMENTS = ("K1", "K2", "S1", "Z1", "R1")
DOLO_MIN_AGE = 11
PP_OUTCOMES = {"A": 45, "B": 30, "C": 25}  # stepped down, care proceedings issued, other
# well-formed postcodes in areas that do not exist, so that none is anybody's address
_AREAS = np.array(["EG", "TT", "HB", "GR", "FF", "KK", "UU", "YY", "OO", "AA"])  # none real
_UNIT = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


def _hash(keys: pd.Series | np.ndarray, salt: str) -> np.ndarray:
    text = np.char.add(f"{salt}:", np.asarray(keys, dtype=str)).astype(object)
    return pd.util.hash_array(text, categorize=False)


def postcodes(keys: pd.Series | np.ndarray, salt: str, area: int) -> np.ndarray:
    """A fictional, well-formed postcode per key (``EG19 7TT``), stable for the key."""
    h = _hash(keys, salt)
    outward = np.char.add(_AREAS[(area + (h % 3).astype(int)) % len(_AREAS)],
                          ((h >> 8) % 40 + 1).astype(str))  # fmt: skip
    inward = np.char.add(
        ((h >> 16) % 10).astype(str),
        np.char.add(_UNIT[(h >> 20) % len(_UNIT)], _UNIT[(h >> 28) % len(_UNIT)]),
    )
    return np.char.add(np.char.add(outward, " "), inward).astype(object)


def tidy_episodes(
    eps: pd.DataFrame,
    area: int = 0,
    dob: pd.Series | None = None,
    extract: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """``la_episodes`` made to keep the SSDA903 rules (see the module docstring); ``dob``
    (by child) keeps youth-justice statuses for children of 10 and over; an episode open at
    ``extract`` whose short status has not yet run out is left open."""
    eps = eps.sort_values(["child_id", "episode_start"], kind="stable").reset_index(drop=True)
    eps = _short_statuses(eps, extract)
    ls = eps["legal_status"].astype(object)
    ls = ls.where(ls != "D1", "E1")
    if dob is not None:
        ten = eps["child_id"].map(dob) + pd.DateOffset(years=10)
        ls = ls.where(~(ls.isin(["J1", "J2", "J3"]) & (eps["episode_start"] <= ten)), "V2")
    eps["legal_status"] = ls
    eps["placement"] = eps["placement"].replace({"A3": "A4", "A5": "A6"})
    _no_p2_after(eps)
    former_carers = eps["reason_end"].isin(["E45", "E46"]) & ~eps["placement"].isin(FOSTER)
    eps.loc[former_carers, "reason_end"] = "E41"
    eps = _merge_repeats(eps)
    same_child = eps["child_id"].eq(eps["child_id"].shift())
    contiguous = same_child & eps["episode_start"].eq(eps["episode_end"].shift())
    legal_only = contiguous & eps["rne"].eq("L")
    for _ in range(3):
        # nobody is placed with parents (P1) under section 20: foster care instead
        at_parents = eps["legal_status"].eq("V2") & eps["placement"].eq("P1")
        eps.loc[at_parents, "placement"] = "U4"
        # a legal-status change keeps the placement (a chain of L episodes too), and its distance
        for column in ("placement", "placement_distance_miles"):
            if column in eps:
                eps[column] = eps[column].where(~legal_only, eps[column].shift())
    # still with parents under section 20 (an L change while at home): a care order instead
    _home_on_a_care_order(eps)
    eps = _merge_repeats(eps)
    # a placement change (P) keeps the legal status, which can carry a short status past its
    # limit through a run of moves: the runs are cut there too
    eps = _short_runs(eps, extract)
    # and can carry section 20 home to parents again
    _home_on_a_care_order(eps)
    eps = _merge_repeats(eps)  # a move that took the status before may make an L repeat it
    _freeing_orders(eps)
    _no_p2_after(eps)  # again: a legal-status change above may have carried P2 past its end
    same_child = eps["child_id"].eq(eps["child_id"].shift())
    contiguous = same_child & eps["episode_start"].eq(eps["episode_end"].shift())
    legal_only = contiguous & eps["rne"].eq("L")
    eps["home_postcode"] = postcodes(eps["child_id"], "home", area)
    # one postcode per placement: it changes with every episode that is not a legal change
    placement_no = (~legal_only).cumsum()
    eps["placement_postcode"] = postcodes(
        eps["child_id"] + "/" + placement_no.astype(str), "placement", area + 1
    )
    # agreed short breaks (V3/V4) record no postcodes
    breaks = eps["legal_status"].isin(["V3", "V4"])
    eps.loc[breaks, ["home_postcode", "placement_postcode"]] = None
    return eps


def _short_statuses(eps: pd.DataFrame, extract: pd.Timestamp | None = None) -> pd.DataFrame:
    """Split an episode that outlasts its short legal status; later episodes of the same
    period under that status take the status that follows."""
    limit = eps["legal_status"].map(LIMITS)
    cut = eps["episode_start"] + pd.to_timedelta(limit.fillna(0) - 1, unit="D")
    too_long = limit.notna() & (eps["episode_end"].isna() | (eps["episode_end"] > cut))
    if extract is not None:  # still within its limit at the extract: nothing to split yet
        too_long &= ~(eps["episode_end"].isna() & (cut >= extract))
    if not too_long.any():
        return eps
    out = _split_at(eps, too_long, cut, pd.Series(AFTER_SHORT, index=eps.index))
    # the status cannot return later in the same run of episodes: it follows on
    prev_ls = out.groupby("child_id")["legal_status"].shift()
    chained = out["legal_status"].isin(list(LIMITS)) & out["rne"].ne("S") & prev_ls.notna()
    out.loc[chained, "legal_status"] = AFTER_SHORT
    return out


def _no_p2_after(eps: pd.DataFrame) -> None:
    """Semi-independent living (P2) ended on 28 October 2023 (DfE rule 217t): an episode
    still open then is in supported accommodation (H5); a legal-status change (``RNE`` L)
    that moves from P2 to H5 so changes the placement too (``RNE`` B), or only the placement
    (``RNE`` P) where its legal status is the one before's (an L repeating it, not yet merged:
    DfE rule 436 reads a B keeping the legal status as a wrong reason)."""
    after = eps["episode_end"].isna() | (eps["episode_end"] > P2_ENDS)
    p2 = eps["placement"].eq("P2") & after
    if not p2.any():
        return
    eps.loc[p2, "placement"] = "H5"
    same_child = eps["child_id"].eq(eps["child_id"].shift())
    contiguous = same_child & eps["episode_start"].eq(eps["episode_end"].shift())
    moved = p2 & contiguous & eps["rne"].eq("L") & eps["placement"].shift().ne("H5")
    same_status = eps["legal_status"].eq(eps["legal_status"].shift())
    eps.loc[moved, "rne"] = np.where(same_status[moved], "P", "B")


def _freeing_orders(eps: pd.DataFrame) -> None:
    """A placement order (E1) before 30 December 2005 was a freeing order (D1), and none is
    made after (DfE rules 445 and 446): a move after that date under a freeing order takes
    the placement order, a change of legal status too (``RNE`` B)."""
    before = eps["episode_start"] < FREEING_ENDS
    eps.loc[eps["legal_status"].eq("E1") & before, "legal_status"] = "D1"
    later = eps["legal_status"].eq("D1") & ~before
    eps.loc[later, "legal_status"] = "E1"
    same_child = eps["child_id"].eq(eps["child_id"].shift())
    contiguous = same_child & eps["episode_start"].eq(eps["episode_end"].shift())
    status = eps["legal_status"]
    changed = contiguous & status.shift().eq("D1") & status.ne("D1") & eps["rne"].eq("P")
    eps.loc[changed, "rne"] = "B"


def _carry_status_through_moves(eps: pd.DataFrame) -> None:
    """A placement change (``RNE`` P) keeps the legal status of the episode before it, through
    a whole run of moves."""
    same_child = eps["child_id"].eq(eps["child_id"].shift())
    moved = same_child & eps["episode_start"].eq(eps["episode_end"].shift()) & eps["rne"].eq("P")
    while True:
        carried = eps["legal_status"].where(~moved, eps["legal_status"].shift())
        if carried.equals(eps["legal_status"]):
            return
        eps["legal_status"] = carried


def _home_on_a_care_order(eps: pd.DataFrame) -> None:
    """Nobody placed with parents (P1) is accommodated under section 20 (V2; DfE rule 378):
    such an episode is under a care order (C2). A move home under it changes the legal status
    too where the episode before had another (``RNE`` B: a P would carry that status), and the
    moves after it keep the care order."""
    at_parents = eps["legal_status"].eq("V2") & eps["placement"].eq("P1")
    if not at_parents.any():
        return
    eps.loc[at_parents, "legal_status"] = "C2"
    same_child = eps["child_id"].eq(eps["child_id"].shift())
    contiguous = same_child & eps["episode_start"].eq(eps["episode_end"].shift())
    changed = eps["legal_status"].ne(eps["legal_status"].shift())
    eps.loc[at_parents & contiguous & eps["rne"].eq("P") & changed, "rne"] = "B"
    _carry_status_through_moves(eps)


def _short_runs(eps: pd.DataFrame, extract: pd.Timestamp | None = None) -> pd.DataFrame:
    """No run of contiguous episodes under one short legal status outlasts its limit (DfE
    rules 362 and 364 count the whole run, moves included): the episode in which the run
    runs out is split there (or changes its status at its start, when it starts on that
    day), and the moves after it keep the status that follows."""
    eps = eps.reset_index(drop=True)
    for _ in range(len(LIMITS) * 4):
        _carry_status_through_moves(eps)
        same_child = eps["child_id"].eq(eps["child_id"].shift())
        contiguous = same_child & eps["episode_start"].eq(eps["episode_end"].shift())
        status = eps["legal_status"]
        in_run = contiguous & status.eq(status.shift())
        run_start = eps["episode_start"].groupby((~in_run).cumsum()).transform("first")
        limit = status.map(LIMITS)
        cut = run_start + pd.to_timedelta(limit.fillna(0) - 1, unit="D")
        over = limit.notna() & (eps["episode_end"].isna() | (eps["episode_end"] > cut))
        if extract is not None:  # still within its limit at the extract: nothing to cut yet
            over &= ~(eps["episode_end"].isna() & (cut >= extract))
        first = over & ~(in_run & over.shift(fill_value=False))
        if not first.any():
            return eps
        follows = eps["placement"].map(lambda p: "C2" if p == "P1" else AFTER_SHORT)
        on_cut = first & eps["episode_start"].ge(cut)
        eps.loc[on_cut, "legal_status"] = follows[on_cut]
        eps.loc[on_cut & eps["rne"].eq("P"), "rne"] = "B"
        eps = _split_at(eps, first & ~on_cut, cut, follows)
    return eps


def _split_at(
    eps: pd.DataFrame, split: pd.Series, cut: pd.Series, follows: pd.Series
) -> pd.DataFrame:
    """Each ``split`` episode ended at its ``cut`` (reason X1) and followed from there by a
    legal-status change (``RNE`` L) to ``follows`` in the same placement."""
    head = eps[split].copy()
    tail = head.copy()
    head["episode_end"] = cut[split]
    head["reason_end"] = "X1"
    tail["episode_start"] = cut[split]
    tail["rne"] = "L"
    tail["legal_status"] = follows[split]
    out = pd.concat([eps[~split], head, tail], ignore_index=True)
    return out.sort_values(["child_id", "episode_start"], kind="stable").reset_index(drop=True)


def _merge_repeats(eps: pd.DataFrame) -> pd.DataFrame:
    """An ``L`` episode with the legal status of the one before changes nothing: merge it."""
    for _ in range(4):
        same_child = eps["child_id"].eq(eps["child_id"].shift())
        contiguous = same_child & eps["episode_start"].eq(eps["episode_end"].shift())
        repeat = (
            contiguous & eps["rne"].eq("L") & eps["legal_status"].eq(eps["legal_status"].shift())
        )
        if not repeat.any():
            break
        first = repeat & ~repeat.shift(fill_value=False)  # merge one of a run per pass
        prev = np.flatnonzero(first.to_numpy()) - 1
        eps.loc[eps.index[prev], "episode_end"] = eps.loc[first, "episode_end"].to_numpy()
        eps.loc[eps.index[prev], "reason_end"] = eps.loc[first, "reason_end"].to_numpy()
        eps = eps[~first].reset_index(drop=True)
    return eps


# --- the newer tables ---------------------------------------------------------------------


def cin_plans(referrals: pd.DataFrame, assessments: pd.DataFrame, plans: pd.DataFrame,
              section47: pd.DataFrame) -> pd.DataFrame:  # fmt: skip
    """A CIN plan for each referral whose assessment found a child in need and kept the case
    open for support (a month or more after the assessment), without a child protection plan
    or enquiry in it: from a few working days after the assessment to the closure."""
    done = assessments.dropna(subset=["authorised_date"])
    done = done.groupby("referral_id")["authorised_date"].max()
    refs = referrals[~referrals["nfa"].fillna(False).astype(bool)].set_index("referral_id")
    refs = refs.join(done.rename("assessed"), how="inner")
    protected = set(section47["referral_id"]) | _plan_referrals(referrals, plans)
    refs = refs[~refs.index.isin(protected)]
    closed = refs["closure_date"]
    support = closed.isna() | (closed - refs["assessed"] >= pd.Timedelta(days=30))
    refs = refs[support]
    delay = (_hash(refs.index, "cin-plan") % 6).astype("int64")
    start = add_working_days(refs["assessed"].to_numpy("datetime64[D]"), delay)
    return pd.DataFrame({
        "child_id": refs["child_id"].to_numpy(), "referral_id": refs.index.to_numpy(),
        "start_date": start.astype("datetime64[ns]"),
        "end_date": refs["closure_date"].to_numpy("datetime64[ns]"),
    })  # fmt: skip


def _plan_referrals(referrals: pd.DataFrame, plans: pd.DataFrame) -> set[str]:
    """The referral (episode) each child protection plan started in."""
    if plans.empty:
        return set()
    refs = referrals[["child_id", "referral_id", "referral_date"]].sort_values("referral_date")
    found = pd.merge_asof(
        plans[["child_id", "start_date"]].sort_values("start_date"), refs,
        left_on="start_date", right_on="referral_date", by="child_id", direction="backward",
    )  # fmt: skip
    return set(found["referral_id"].dropna())


def sw_episodes(eps: pd.DataFrame, extract: pd.Timestamp) -> pd.DataFrame:
    """Social worker episodes of looked-after children: a worker from the start of each period
    of care, changing every 18 to 34 months, each with the reason it began (SW_REASON)."""
    periods = _periods(eps)
    rows = []
    for child, start, end in periods.itertuples(index=False):
        stop = end if pd.notna(end) else extract
        k = 0
        when = start
        while when <= stop:
            # every 18 to 34 months: about a third of children looked after have had a change
            # in the last 12 months (an assumption: DfE publishes no England figure yet)
            months = 18 + int(_hash(np.array([f"{child}{k}"]), "sw")[0] % 17)
            nxt = when + pd.DateOffset(months=months)
            closes = nxt if nxt <= stop else (end if pd.notna(end) else pd.NaT)
            if pd.notna(closes) and closes.month == 3 and closes.day >= 26 and closes == end:
                # a worker whose child leaves care in the year's last days has handed over a
                # few days before (DfE rule SW11b expects a next worker after one ending then)
                closes = pd.Timestamp(closes.year, 3, 25)
            if pd.notna(closes) and closes <= when:  # a worker for no day (DfE rule SW09STG2)
                break
            # the reason this worker took over (the first of a period: management's decision)
            reason = "MANAGE" if k == 0 else _pick(f"{child}{k}", SW_REASONS, "swr")
            rows.append((child, f"SW{_hash(np.array([f'{child}{k}w']), 'id')[0] % 997:03d}",
                         when, closes, reason))  # fmt: skip
            when, k = nxt, k + 1
    return pd.DataFrame(rows, columns=["child_id", "sw_id", "start_date", "end_date", "reason"])


def dolo(eps: pd.DataFrame, dob: pd.Series, extract: pd.Timestamp | None = None) -> pd.DataFrame:
    """Deprivation of Liberty Orders: for four in ten placements of children of 11 or over in
    children's homes, secure units and the like (about one child looked after in a hundred at
    any time), for three to nine months of the placement (none made after
    ``extract``; one ending after it still open)."""
    home = eps[eps["placement"].isin(DOLO_PLACEMENTS)].copy()
    born = home["child_id"].map(dob)
    home = home[(home["episode_start"] - born) >= pd.Timedelta(days=int(DOLO_MIN_AGE * 365.25))]
    chosen = _hash(home["child_id"] + home["episode_start"].astype(str), "dolo") % 10 < 4
    home = home[chosen]
    months = 3 + (_hash(home["child_id"], "dolo-m") % 7).astype(int)
    start = home["episode_start"] + pd.Timedelta(days=14)
    end = pd.Series([s + pd.DateOffset(months=int(m)) for s, m in zip(start, months,
                     strict=True)], index=home.index, dtype="datetime64[ns]")  # fmt: skip
    end = end.where(home["episode_end"].isna() | (end <= home["episode_end"]),
                    home["episode_end"])  # fmt: skip
    out = pd.DataFrame({"child_id": home["child_id"], "start_date": start, "end_date": end})
    if extract is not None:
        out = out[out["start_date"] <= extract]
        out = out.assign(end_date=out["end_date"].where(out["end_date"] <= extract))
    return out


def pre_proceedings(plans: pd.DataFrame, referrals: pd.DataFrame,
                    extract: pd.Timestamp) -> pd.DataFrame:  # fmt: skip
    """Pre-proceedings for about one plan in eight lasting six months or more: the letter
    before proceedings a week after the decision, an FGDM offered to most families and held
    for many, an initial meeting, reviews, then a step down or a care application."""
    long = plans["end_date"].fillna(extract) - plans["start_date"] >= pd.Timedelta(days=183)
    chosen = long & (_hash(plans["plan_id"], "pp") % 8 == 0)
    p = plans[chosen].copy()
    if p.empty:
        return pd.DataFrame(columns=["child_id", "pp_id", "referral_id", "start_date"])
    refs = referrals[["child_id", "referral_id", "referral_date"]].sort_values("referral_date")
    p = pd.merge_asof(p.sort_values("start_date"), refs, left_on="start_date",
                      right_on="referral_date", by="child_id", direction="backward")  # fmt: skip
    p = p.dropna(subset=["referral_id"])
    h = _hash(p["plan_id"], "pp-days")
    start = p["start_date"] + pd.to_timedelta(90 + (h % 60).astype(int), unit="D")
    lbp = start + pd.Timedelta(days=7)
    meeting = lbp + pd.to_timedelta(7 + (h >> 8) % 14, unit="D")
    decision = meeting + pd.to_timedelta(60 + (h >> 16) % 90, unit="D")
    outcome = np.array([_pick(k, PP_OUTCOMES, "pp-outcome") for k in p["plan_id"]], dtype=object)
    court = (decision + pd.to_timedelta(14 + (h >> 24) % 21, unit="D")).where(outcome == "B")
    frame = pd.DataFrame({
        "child_id": p["child_id"], "pp_id": p["referral_id"] + "/PP1",
        "referral_id": p["referral_id"], "start_date": start, "lbp_date": lbp,
        "fgdm_offered": (h >> 32) % 10 < 8, "fgdm_facilitated": (h >> 32) % 10 < 5,
        "initial_meeting_date": meeting, "review_meetings": ((h >> 40) % 4).astype(int),
        "decision_date": decision, "outcome": outcome, "court_application_date": court,
        "proceedings_letter_date": (court - pd.Timedelta(days=10)).where(outcome == "B"),
    })  # fmt: skip
    frame = frame.drop_duplicates("pp_id")
    frame = frame[frame["start_date"] <= extract]
    for col in ("lbp_date", "initial_meeting_date", "decision_date", "court_application_date",
                "proceedings_letter_date"):  # fmt: skip
        frame[col] = frame[col].where(frame[col] <= extract)
    frame.loc[frame["decision_date"].isna(), "outcome"] = None
    return frame.reset_index(drop=True)


def _periods(eps: pd.DataFrame) -> pd.DataFrame:
    """(child, start, end) of each period of care: episodes joined end to start."""
    e = eps.sort_values(["child_id", "episode_start"])
    prev_end = e.groupby("child_id")["episode_end"].shift()
    new = e["child_id"].ne(e["child_id"].shift()) | (e["episode_start"] > prev_end)
    group = new.cumsum()
    # a period still open (any episode without an end) has no end
    still_open = e["episode_end"].isna().groupby(group).any()
    last_end = e.groupby(group)["episode_end"].max().where(~still_open)
    return pd.DataFrame({
        "child_id": e.groupby(group)["child_id"].first(),
        "start": e.groupby(group)["episode_start"].min(),
        "end": last_end,
    }).reset_index(drop=True)  # fmt: skip


def _pick(key: str, choices: dict[str, float], salt: str) -> str:
    u = _hash(np.array([key]), salt)[0] / 2.0**64
    weights = np.cumsum(list(choices.values()))
    return list(choices)[int(np.searchsorted(weights / weights[-1], u, side="right"))]


# a care leaver's accommodation at 17 cannot be with former foster carers (DfE 3001: staying
# put starts at 18); the carers then host the young person as supported lodgings, suitable or not
AT_17_WITH_FORMER_CARERS = {"Z1": "E1", "Z2": "E2"}
# a period of care that ended in death (E2) or in a transfer to another authority (E3) leaves
# no care leaver of this authority to ask about (DfE 1000 and 1011)
NO_LEAVER_AFTER = ("E2", "E3")


def care_leavers(leavers: pd.DataFrame, eps: pd.DataFrame) -> pd.DataFrame:
    """``care_leavers`` made to keep the SSDA903 OC3 rules: none for a child whose care ended
    in death or a transfer to another authority, none with former foster carers at 17."""
    e = eps.sort_values(["child_id", "episode_start"], kind="stable")
    last = e.drop_duplicates("child_id", keep="last")
    gone = set(last.loc[last["reason_end"].isin(NO_LEAVER_AFTER), "child_id"])
    out = leavers[~leavers["child_id"].isin(gone)].reset_index(drop=True)
    year_start = pd.to_datetime(out["collection_year"].str[:4] + "-04-01")
    age17 = pd.to_datetime(out["dob"]) + pd.DateOffset(years=17)
    seventeen = (age17 >= year_start) & (age17 < year_start + pd.DateOffset(years=1))
    out["accommodation"] = out["accommodation"].where(
        ~seventeen, out["accommodation"].replace(AT_17_WITH_FORMER_CARERS)
    )
    return out
