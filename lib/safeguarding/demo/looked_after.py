"""Children looked after: periods of care, their episodes and reviews, and care leavers.

Entries arrive by a seasonal Poisson process from 18 years before the records begin, so that
the children in care at the start include long-term ones (NI 63). Each period of care is cut
into SSDA903 episodes by placement moves (``RNE`` P) and legal-status changes (``RNE`` L: the
placement stays the same). A few periods are agreed short breaks (``V3``/``V4``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .authorities import DemoAuthority
from .dates import (
    NAT,
    ONE_DAY,
    add_working_days,
    add_years,
    daily_events,
    financial_year,
    plus_days,
    review_dates,
)
from .rates import children, choose, draw_ages, draw_ethnicity, make_ids, per_child, share

ENTRY_AGES = ((0.0, 1, 20), (1, 5, 14), (5, 10, 18), (10, 16, 36), (16, 17.8, 12))
# entries per year for each child looked after at a year end (keeps the stock near the rate)
ENTRIES_PER_STOCK = 0.33
FIRST_STATUS = {"C2": 33, "V2": 32, "C1": 27, "L1": 2, "L2": 2, "J1": 1, "J2": 1, "D1": 2}
NEXT_STATUS = {"C1": "C2", "V2": "C2", "C2": "E1", "L1": "V2", "L2": "V2", "J1": "V2",
               "J2": "V2", "D1": "C2"}  # fmt: skip
ENDS = {"E4A": 45, "E13": 10, "E45": 10, "E46": 7, "E41": 6, "E47": 2, "E48": 3, "E3": 3,
        "E4B": 5, "E8": 6, "E9": 3, "E16": 1, "E2": 1, "E14": 3}  # fmt: skip
ENDS_AT_18 = {"E17": 30, "E6": 40, "E5": 15, "E8": 15}
REVIEW_CODES = {"PN1": 45, "PN2": 15, "PN3": 12, "PN4": 10, "PN5": 8, "PN6": 5, "PN7": 5}
IN_TOUCH = {"YES": 89, "NO": 4, "REFU": 2, "NREQ": 3, "RHOM": 2}
EET = {"F1": 7, "P1": 2, "F2": 18, "P2": 4, "F4": 14, "P4": 9, "F5": 4, "P5": 2}
NEET = {"G4": 12, "G5": 70, "G6": 18}
SUITABLE = {"B1": 10, "C1": 4, "D1": 8, "E1": 10, "K1": 3, "R1": 14, "T1": 6, "U1": 35, "Y1": 4,
            "Z1": 6}  # fmt: skip
UNSUITABLE = {"B2": 10, "S2": 15, "V2": 15, "W2": 20, "X2": 25, "Y2": 15}


# moves per unit of mobility in the first year of care and once settled: England's 10% with
# three or more placements in a year (NI 62) and 69% of long-stayers in one placement for two
# years (NI 63; DfE placement stability, 2024-25). Measured over 30 demo authorities: 10.5%
# and 68.5% (1.0 and 0.5 gave 10.4% but 59.5%: too many moves once settled)
FIRST_YEAR_MOVES = 2.3
SETTLED_MOVES = 0.3


def simulate(
    rng: np.random.Generator, auth: DemoAuthority, first_year: int, extract: np.datetime64
) -> pd.DataFrame:
    """One row per period of care: child's dob and sex, start, end (beyond the extract while
    it would still be running), reason, kind (``care``, ``adoption``, ``V3``, ``V4``)."""

    def entries_per_year(years: np.ndarray) -> np.ndarray:
        stock = per_child(auth, "CLA_AT_END_RATE", years) * children(auth, years)
        return stock * ENTRIES_PER_STOCK

    start = np.datetime64(f"{first_year - 18}-04-01")
    entry = daily_events(rng, start, extract, entries_per_year)
    n = len(entry)
    age = draw_ages(rng, ENTRY_AGES, n)
    dob = plus_days(entry, -age * 365.25)
    eighteen = add_years(dob, 18)
    u = rng.random(n)
    kind = np.where(u < 0.018, "V3", np.where(u < 0.03, "V4", "care")).astype(object)
    kind[(kind == "care") & (age < 5) & (rng.random(n) < 0.3)] = "adoption"
    v = rng.random(n)
    days = np.select(
        [kind == "V3", kind == "V4", kind == "adoption", v < 0.36, v < 0.68],
        [rng.uniform(1, 6, n), rng.uniform(180, 700, n), rng.uniform(450, 1100, n),
         rng.exponential(70, n) + 1, rng.uniform(180, 1400, n)],
        default=1e6,  # until adulthood
    )  # fmt: skip
    end = np.minimum(plus_days(entry, np.minimum(days, 40_000)), eighteen)
    at_18 = end == eighteen
    reason = np.where(at_18, choose(rng, ENDS_AT_18, n), choose(rng, ENDS, n)).astype(object)
    reason[kind == "adoption"] = np.where(rng.random((kind == "adoption").sum()) < 0.7,
                                          "E11", "E12")  # fmt: skip
    reason[(kind == "V3") | (kind == "V4")] = "E8"
    return pd.DataFrame({
        "dob": dob, "sex": np.where(rng.random(n) < 0.55, "1", "2"), "start": entry,
        "end": end, "reason": reason, "kind": kind, "age": age,
        "mobility": choose(rng, {0.25: 70, 1.6: 21, 4.5: 9}, n).astype(float)
        * max(0.3, 1 + auth.offsets["NI62"] / 10),
    })  # fmt: skip


def episodes(
    rng: np.random.Generator, spells: pd.DataFrame, extract: np.datetime64
) -> pd.DataFrame:
    """Cut each period of care into episodes (columns ``spell`` and the canonical ones)."""
    n = len(spells)
    start = spells["start"].to_numpy("datetime64[D]")
    end = spells["end"].to_numpy("datetime64[D]")
    kind = spells["kind"].to_numpy()
    length = (np.minimum(end, extract + ONE_DAY) - start).astype("float64")
    care = (kind == "care") | (kind == "adoption")
    # moves: more in the first year, far fewer once settled
    rate = spells["mobility"].to_numpy() * care * (kind != "adoption")
    first = np.minimum(length, 365.0)
    later = np.maximum(length - 365.0, 0)
    k1 = rng.poisson(rate * FIRST_YEAR_MOVES * first / 365)
    k2 = rng.poisson(rate * SETTLED_MOVES * later / 365)
    idx1 = np.repeat(np.arange(n), k1)
    idx2 = np.repeat(np.arange(n), k2)
    moves = np.concatenate([
        plus_days(start[idx1], 1 + rng.random(len(idx1)) * np.maximum(first[idx1] - 1, 0)),
        plus_days(start[idx2], 365 + rng.random(len(idx2)) * later[idx2]),
    ])  # fmt: skip
    move_spell = np.concatenate([idx1, idx2])
    # legal-status changes; children to be adopted get a placement order, then move in
    status = choose(rng, FIRST_STATUS, n).astype(object)
    status[kind == "adoption"] = "C1"
    status[kind == "V3"] = "V3"
    status[kind == "V4"] = "V4"
    changes = care & ((kind == "adoption") | (rng.random(n) < np.where(status == "C1", 0.8, 0.2)))
    full = (end - start).astype("float64")
    change_at = plus_days(start, np.where(kind == "adoption", 0.45, rng.uniform(0.05, 0.4, n))
                          * full)  # fmt: skip
    later_status = np.array([NEXT_STATUS.get(s, s) for s in status], dtype=object)
    later_status[kind == "adoption"] = "E1"
    adopt = np.flatnonzero(kind == "adoption")
    events = pd.DataFrame({
        "spell": np.concatenate([np.arange(n), move_spell, np.flatnonzero(changes), adopt]),
        "date": np.concatenate([start, moves, change_at[changes],
                                plus_days(start[adopt], 0.75 * full[adopt])]),
        "rne": np.concatenate([np.full(n, "S"), np.full(len(moves), "P"),
                               np.full(changes.sum(), "L"), np.full(len(adopt), "A")]),
    })  # fmt: skip
    spell = events["spell"].to_numpy()
    date = events["date"].to_numpy("datetime64[D]")
    inside = (events["rne"].to_numpy() == "S") | ((date > start[spell]) & (date < end[spell]))
    events = events[inside & (date <= extract)]
    events = events.sort_values(["spell", "date"], kind="stable")
    events = events.drop_duplicates(["spell", "date"], keep="first").reset_index(drop=True)

    spell = events["spell"].to_numpy()
    date = events["date"].to_numpy("datetime64[D]")
    last = np.r_[spell[1:] != spell[:-1], True]
    episode_end = np.where(last, end[spell], np.r_[date[1:], NAT])
    rne = events["rne"].to_numpy().astype(object)
    changed = changes[spell] & (date >= change_at[spell])
    legal = np.where(changed, later_status[spell], status[spell])
    age = (date - spells["dob"].to_numpy("datetime64[D]")[spell]).astype("float64") / 365.25
    placement = _placements(rng, age, kind[spell])
    placement[rne == "A"] = np.where(rng.random((rne == "A").sum()) < 0.7, "A5", "A6")
    rne[rne == "A"] = "P"
    distance = _distances(rng, placement)
    # a legal-status change keeps the placement: carry the previous episode's forward
    for _ in range(2):
        same = (rne == "L") & np.r_[False, spell[1:] == spell[:-1]]
        for column in (placement, distance):
            column[same] = np.r_[column[:1], column[:-1]][same]
    reason = np.where(last, spells["reason"].to_numpy()[spell], "X1").astype(object)
    open_now = episode_end > extract
    return pd.DataFrame({
        "spell": spell, "episode_start": date,
        "episode_end": np.where(open_now, NAT, episode_end), "rne": rne, "legal_status": legal,
        "placement": placement, "reason_end": np.where(open_now, None, reason),
        "placement_distance_miles": distance,
    })  # fmt: skip


# Miles from home: log-normal around a median by placement type (children's homes and
# secure units further away), so that about a fifth of children are placed more than 20
# miles away, as in England; placed with parents: at home. A few are not recorded.
DISTANCE_MEDIAN = {"K2": 16.0, "K1": 25.0, "S1": 10.0, "H5": 9.0, "R1": 8.0}
DISTANCE_NOT_RECORDED = 0.03


def _distances(rng: np.random.Generator, placement: np.ndarray) -> np.ndarray:
    median = np.array([DISTANCE_MEDIAN.get(p, 8.0) for p in placement], dtype="float64")
    miles = np.round(median * np.exp(rng.normal(0, 1.2, len(placement))), 1)
    miles = np.where(placement == "P1", np.round(rng.uniform(0, 1.5, len(placement)), 1), miles)
    return np.where(rng.random(len(placement)) < DISTANCE_NOT_RECORDED, np.nan, miles)


def _placements(rng: np.random.Generator, age: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Placement types by age: mostly foster care, children's homes for some teenagers,
    semi-independent living at 16-17, short breaks in children's homes."""
    n = len(age)
    # kinship foster care (U1-U3) about a sixth of children looked after, as in England
    foster = choose(rng, {"U1": 9, "U2": 2, "U3": 10, "U4": 42, "U5": 11, "U6": 26}, n)
    teen = choose(rng, {"K2": 45, "R1": 8, "P1": 20, "Z1": 5, "K1": 4, "R5": 3, "S1": 15}, n)
    older = choose(rng, {"H5": 60, "P2": 20, "K2": 20}, n)
    out = np.where(age >= 16, np.where(rng.random(n) < 0.45, older, foster),
                   np.where((age >= 11) & (rng.random(n) < 0.3), teen, foster))  # fmt: skip
    out = np.where((age < 11) & (rng.random(n) < 0.05), "P1", out)
    return np.where((kind == "V3") | (kind == "V4"), "K2", out).astype(object)


def reviews(
    rng: np.random.Generator,
    auth: DemoAuthority,
    spells: pd.DataFrame,
    extract: np.datetime64,
) -> pd.DataFrame:
    """Looked-after reviews: within 20 working days, 3 months later, then 6-monthly."""
    care = spells["kind"].isin(["care", "adoption"]).to_numpy()
    s = spells[care]
    start = s["start"].to_numpy("datetime64[D]")
    end = np.minimum(s["end"].to_numpy("datetime64[D]"), extract + ONE_DAY)
    p_late = 1 - share(auth, "NI66", financial_year(start)) ** 0.4
    case, when = review_dates(rng, start, end, add_working_days(start, 20), 3, 6, p_late)
    age = (when - s["dob"].to_numpy("datetime64[D]")[case]).astype("float64") / 365.25
    code = np.where(age < 4, "PN0", choose(rng, REVIEW_CODES, len(case)))
    return pd.DataFrame({"spell": s.index.to_numpy()[case], "review_date": when,
                         "review_code": code})  # fmt: skip


def care_leavers(
    rng: np.random.Generator,
    auth: DemoAuthority,
    spells: pd.DataFrame,
    years: list[int],
    extract: np.datetime64,
) -> pd.DataFrame:
    """One OC3 row per care leaver per year in which their 17th to 21st birthday fell.

    A care leaver was looked after for 13 weeks or more after their 14th birthday and was in
    care at 16 or later, and had left care by the birthday.
    """
    s = spells[spells["kind"] == "care"]
    dob = s["dob"].to_numpy("datetime64[D]")
    start = s["start"].to_numpy("datetime64[D]")
    end = s["end"].to_numpy("datetime64[D]")
    eligible = (end > add_years(dob, 16)) & (
        (end - np.maximum(start, add_years(dob, 14))).astype("int64") >= 91
    )
    rows = []
    for age in range(17, 22):
        birthday = add_years(dob, age)
        ok = eligible & (end <= birthday) & (birthday <= extract)
        ok &= np.isin(financial_year(birthday), years)
        rows.append(pd.DataFrame({"spell": s.index.to_numpy()[ok],
                                  "birthday": birthday[ok]}))  # fmt: skip
    out = pd.concat(rows, ignore_index=True).sort_values(["birthday", "spell"], kind="stable")
    out = out.drop_duplicates(["spell", "birthday"]).reset_index(drop=True)
    n = len(out)
    fy = financial_year(out["birthday"].to_numpy("datetime64[D]"))
    in_touch = choose(rng, IN_TOUCH, n)
    known = np.isin(in_touch, ["YES", "NREQ"])
    p_known = IN_TOUCH["YES"] / 100 + IN_TOUCH["NREQ"] / 100
    suitable = rng.random(n) < np.clip(share(auth, "NI147", fy) / p_known, 0, 1)
    eet = rng.random(n) < np.clip(share(auth, "NI148", fy) / p_known, 0, 1)
    out["collection_year"] = [f"{y}-{(y + 1) % 100:02d}" for y in fy]
    out["in_touch"] = in_touch
    out["activity"] = np.where(known, np.where(eet, choose(rng, EET, n), choose(rng, NEET, n)),
                               "0")  # fmt: skip
    out["accommodation"] = np.where(
        known, np.where(suitable, choose(rng, SUITABLE, n), choose(rng, UNSUITABLE, n)), "0"
    )
    return out.drop(columns="birthday")


def tables(
    rng: np.random.Generator,
    auth: DemoAuthority,
    spells: pd.DataFrame,
    years: list[int],
    extract: np.datetime64,
    keep_from: np.datetime64,
    first_child: int,
) -> dict[str, pd.DataFrame]:
    """The canonical looked-after tables: periods of care running on or after ``keep_from``."""
    spells = spells[spells["end"].to_numpy("datetime64[D]") >= keep_from].reset_index(drop=True)
    child_ids = make_ids(auth.code, "C", len(spells), first_child)
    eps = episodes(rng, spells, extract)
    revs = reviews(rng, auth, spells, extract)
    leavers = care_leavers(rng, auth, spells, years, extract)
    # social worker episodes and DoLOs: realism.sw_episodes and realism.dolo, after tidying
    missing = missing_episodes(rng, spells, extract)
    for frame in (eps, revs, leavers, missing):
        frame.insert(0, "child_id", child_ids[frame.pop("spell").to_numpy()])
    kids = pd.DataFrame({"child_id": child_ids, "dob": spells["dob"], "sex": spells["sex"],
                         "ethnicity": draw_ethnicity(rng, auth, "cla", len(spells))})  # fmt: skip
    leavers.insert(1, "dob", kids.set_index("child_id").loc[leavers["child_id"], "dob"].to_numpy())
    return {"children": kids, "la_episodes": eps, "la_reviews": revs, "care_leavers": leavers,
            "missing_episodes": missing}  # fmt: skip


# Going missing: some children in care at 11 or older go missing again and again; about one
# child looked after in nine goes missing in a year, as in England (DfE, 2023-24: 11%)
MISSING_MIN_AGE = 11
MISSING_PRONE = 0.3  # share of those children who go missing at all
MISSING_PER_YEAR = 2.5  # episodes a year for them
AWAY_SHARE = 0.25  # of episodes: away from placement without authorisation (A), not missing


def missing_episodes(
    rng: np.random.Generator, spells: pd.DataFrame, extract: np.datetime64
) -> pd.DataFrame:
    """SSDA903 missing and away episodes, a day or a few days long, while in care from 11."""
    care = spells["kind"].isin(["care", "adoption"]).to_numpy()
    start = spells["start"].to_numpy("datetime64[D]")
    end = np.minimum(spells["end"].to_numpy("datetime64[D]"), extract)
    from_age = np.maximum(
        start, add_years(spells["dob"].to_numpy("datetime64[D]"), MISSING_MIN_AGE)
    )
    span = (end - from_age).astype("float64")
    prone = care & (span > 0) & (rng.random(len(spells)) < MISSING_PRONE)
    k = rng.poisson(MISSING_PER_YEAR * np.where(prone, span, 0) / 365.25)
    which = np.repeat(np.arange(len(spells)), k)
    begin = plus_days(from_age[which], rng.random(len(which)) * span[which])
    finish = plus_days(begin, rng.exponential(1.5, len(which)).round())
    frame = pd.DataFrame({
        "spell": which, "start_date": begin,
        "end_date": np.where(finish > extract, NAT, finish),
        "missing_type": np.where(rng.random(len(which)) < AWAY_SHARE, "A", "M"),
    })  # fmt: skip
    return frame.drop_duplicates(["spell", "start_date"]).reset_index(drop=True)
