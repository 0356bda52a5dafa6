"""Ofsted's Annex A workbook written from the demo's records, as a council's system would run
it on an extract date: lists 1-11 under Ofsted's headings, covering the 12 months to the
extract (later dates not yet known), coded answers as the template spells them
(``a) Male``, ``q) 6: Police`` style codes, ``a) Yes``).

The demo has no contacts of its own: list 1 holds a contact on the day of every referral and,
for some children, an earlier contact that was not referred. List 10's adoption dates are
placed before each adoptive placement at typical intervals.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import DataSet
from ..loaders.annex_a import LISTS
from .realism import _hash, _periods

CATEGORY_LABELS = {"PHY": "Physical abuse", "EMO": "Emotional abuse", "SAB": "Sexual abuse",
                   "NEG": "Neglect", "MUL": "Multiple"}  # fmt: skip
SEX_LABELS = {"1": "a) Male", "M": "a) Male", "2": "b) Female", "F": "b) Female"}
SUITABLE = {"1": "a) Suitable", "2": "b) Not suitable"}


def _headings(number: int) -> list[str]:
    return [h.heading for h in LISTS[number].headings]


def annex_a_lists(
    data: DataSet, authority: str, extract: dt.date, months: int = 12
) -> dict[str, pd.DataFrame]:
    """The lists (sheet name -> rows under Ofsted's headings) as they stood on ``extract``."""
    d = data.for_authority(authority)
    end = pd.Timestamp(extract)
    start = end - pd.DateOffset(months=months) + pd.Timedelta(days=1)
    kids = d.table("children").drop_duplicates("child_id").set_index("child_id")

    def person(ids: pd.Series) -> dict[str, object]:
        k = kids.reindex(ids.to_numpy())
        return {
            "Child Unique ID": ids.to_numpy(),
            "Gender": k["sex"].astype("string").map(SEX_LABELS).fillna("c) Not stated").to_numpy(),
            "Ethnicity": k["ethnicity"].fillna("NOBT").to_numpy(),
            "Date of Birth": k["dob"].to_numpy(),
        }

    def known(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
        out = frame.copy()
        for col in cols:
            out[col] = out[col].where(out[col] <= end)
        return out

    lists: dict[str, pd.DataFrame] = {}
    refs = d.table("referrals")
    window = refs[refs["referral_date"].between(start, end)]
    extra = window[_hash(window["referral_id"], "contact") % 5 < 3]
    contacts = pd.concat([
        pd.DataFrame({"id": window["child_id"], "date": window["referral_date"],
                      "source": window["referral_source"]}),
        pd.DataFrame({"id": extra["child_id"], "date": extra["referral_date"]
                      - pd.Timedelta(days=20), "source": extra["referral_source"]}),
    ]).query("date >= @start").sort_values("date")  # fmt: skip
    lists["List 1"] = pd.DataFrame({**person(contacts["id"]), "Date of Contact": contacts["date"],
                                    "Contact Source": contacts["source"].to_numpy()})  # fmt: skip
    helped = known(d.table("early_help"), "end_date")
    helped = helped[(helped["start_date"] <= end)
                    & (helped["end_date"].isna() | (helped["end_date"] >= start))]  # fmt: skip
    lists["List 2"] = pd.DataFrame({
        **person(helped["child_id"]), "Assessment start date": helped["start_date"].to_numpy(),
        "Assessment completion date": helped["end_date"].to_numpy(),
        "Organisation completing assessment": helped["organisation"].to_numpy(),
    }, columns=_headings(2))  # fmt: skip

    history = refs.sort_values("referral_date")
    earlier = _earlier_referrals(history)
    window = window.assign(previous=earlier.reindex(window.index).to_numpy())
    lists["List 3"] = pd.DataFrame({
        **person(window["child_id"]), "Date of Referral": window["referral_date"].to_numpy(),
        "Referral Source": window["referral_source"].to_numpy(),
        "Referral NFA?": np.where(window["nfa"].fillna(False), "a) Yes", "b) No"),
        "Number of Referrals in Last 12 Months": window["previous"].to_numpy(),
    })  # fmt: skip

    assess = known(d.table("assessments"), "authorised_date")
    assess = assess[
        (assess["assessment_type"] == "single")
        & (assess["start_date"] <= end)
        & (assess["authorised_date"].isna() | (assess["authorised_date"] >= start))
    ]
    lists["List 4"] = pd.DataFrame({
        **person(assess["child_id"]),
        "Continuous Assessment Start Date": assess["start_date"].to_numpy(),
        "Continuous Assessment Date of Authorisation": assess["authorised_date"].to_numpy(),
    })  # fmt: skip

    s47 = known(d.table("section47"), "icpc_date")
    s47 = s47[s47["s47_start_date"].between(start, end) | s47["icpc_date"].between(start, end)]
    lists["List 5"] = pd.DataFrame({
        **person(s47["child_id"]),
        "Strategy discussion initiating Section 47 Enquiry Start Date":
            s47["s47_start_date"].to_numpy(),
        "Was an Initial Child Protection Conference deemed unnecessary?":
            np.where(s47["icpc_not_required"].fillna(False), "a) Yes", "b) No"),
        "Date of Initial Child Protection Conference": s47["icpc_date"].to_numpy(),
    })  # fmt: skip

    cin = known(refs, "closure_date")
    cin = cin[~cin["nfa"].fillna(False) & (cin["referral_date"] <= end)
              & (cin["closure_date"].isna() | (cin["closure_date"] >= start))]  # fmt: skip
    lists["List 6"] = pd.DataFrame({
        **person(cin["child_id"]), "CIN Start Date": cin["referral_date"].to_numpy(),
        "CIN Closure Date": cin["closure_date"].to_numpy(),
        "Reason for Closure": cin["closure_reason"].where(cin["closure_date"] <= end).to_numpy(),
    })  # fmt: skip

    plans = known(d.table("cp_plans"), "end_date")
    plans = plans[(plans["start_date"] <= end)
                  & (plans["end_date"].isna() | (plans["end_date"] >= start))]  # fmt: skip
    reviews = d.table("cp_reviews")
    latest = reviews[reviews["review_date"] <= end].groupby("plan_id")["review_date"].max()
    last_day = plans["end_date"].fillna(end)
    # most children seen in the last 12 days; about one in eight not for 15 to 30 days
    spread = _hash(plans["plan_id"], "visit")
    gap = np.where(spread % 100 < 88, spread % 13, 15 + spread % 16)
    visit = last_day - pd.to_timedelta(gap, unit="D")
    lists["List 7"] = pd.DataFrame({
        **person(plans["child_id"]),
        "Child Protection Plan Start Date": plans["start_date"].to_numpy(),
        "Initial Category of Abuse": plans["initial_category"].map(CATEGORY_LABELS).to_numpy(),
        "Date of the Last Statutory Visit": visit.where(visit >= plans["start_date"]).to_numpy(),
        "Date of latest review conference": plans["plan_id"].map(latest).to_numpy(),
        "Child Protection Plan End Date": plans["end_date"].to_numpy(),
        "Number of Previous Child Protection Plans": plans["previous_plans"].fillna(0).to_numpy(),
    })  # fmt: skip

    lists["List 8"] = _looked_after(d, start, end, person)
    lists["List 9"] = _care_leavers(d, end, person)
    lists["List 10"] = _adoptions(d, start, end, person)
    lists["List 11"] = pd.DataFrame(columns=["Individual adopter identifier", "Family identifier"])
    return lists


def _earlier_referrals(referrals: pd.DataFrame) -> pd.Series:
    """Per referral: the same child's referrals in the 12 months before it (not those on its
    own day). All children at once: each referral's day is offset by its child's number, so
    that one sorted array holds every child's referrals apart and two binary searches count
    them (a loop over children cost a minute for the largest demo authority)."""
    dates = referrals["referral_date"]
    known = dates.notna().to_numpy()
    child = pd.factorize(referrals["child_id"])[0].astype("int64")
    day = dates.to_numpy("datetime64[D]").astype("int64")
    lower = (dates - pd.DateOffset(months=12)).to_numpy("datetime64[D]").astype("int64")
    out = np.zeros(len(referrals), dtype="int64")
    if known.any():
        child, day, lower = child[known], day[known], lower[known]
        origin = lower.min()
        width = int(day.max() - origin) + 1
        keys = child * width + (day - origin)
        ordered = np.sort(keys)
        first = np.searchsorted(ordered, child * width + (lower - origin), side="left")
        out[known] = np.searchsorted(ordered, keys, side="left") - first
    return pd.Series(out, index=referrals.index, dtype="int64")


def _looked_after(d: DataSet, start: pd.Timestamp, end: pd.Timestamp, person) -> pd.DataFrame:
    eps = d.table("la_episodes")
    eps = eps[eps["episode_start"] <= end].sort_values(["child_id", "episode_start"])
    periods = _periods(eps)
    periods = periods[periods["end"].isna() | (periods["end"] >= start)]
    periods = periods.assign(end=periods["end"].where(periods["end"] <= end))
    at = periods["end"].fillna(end)
    # the episode in force on the period's last known day
    merged = pd.merge_asof(
        pd.DataFrame({"child_id": periods["child_id"], "at": at}).sort_values("at"),
        eps.sort_values("episode_start"), left_on="at", right_on="episode_start",
        by="child_id", direction="backward",
    )  # fmt: skip
    merged = merged.set_index("child_id").reindex(periods["child_id"])
    return pd.DataFrame({
        **person(periods["child_id"]),
        "Date Started to be Looked After": periods["start"].to_numpy(),
        "Child's Legal Status": merged["legal_status"].to_numpy(),
        "Date Ceased to be Looked After": periods["end"].to_numpy(),
        "Reason Ceased to be Looked After": np.where(
            periods["end"].notna(), merged["reason_end"].to_numpy(), None),
        "Placement Type": merged["placement"].to_numpy(),
        "Placement postcode": merged["placement_postcode"].to_numpy(),
    })  # fmt: skip


def _care_leavers(d: DataSet, end: pd.Timestamp, person) -> pd.DataFrame:
    year = end.year if end.month >= 4 else end.year - 1
    leavers = d.table("care_leavers")
    leavers = leavers[leavers["collection_year"] == f"{year}-{str(year + 1)[2:]}"]
    accom = leavers["accommodation"].astype("string")
    return pd.DataFrame({
        **person(leavers["child_id"]),
        "LA in Touch": leavers["in_touch"].map({"YES": "a) Yes", "NO": "b) No"}).to_numpy(),
        "Type of Accommodation": accom.str[0].where(accom.str.len() == 2).to_numpy(),
        "Suitability of Accommodation": accom.str[1].map(SUITABLE).to_numpy(),
        "Activity Status": leavers["activity"].to_numpy(),
    })  # fmt: skip


def _adoptions(d: DataSet, start: pd.Timestamp, end: pd.Timestamp, person) -> pd.DataFrame:
    eps = d.table("la_episodes")
    placed = eps[eps["placement"].isin(["A3", "A4", "A5", "A6"]) & (eps["episode_start"] <= end)]
    placed = placed.sort_values("episode_start").drop_duplicates("child_id")
    periods = _periods(eps).sort_values("start")
    placed = pd.merge_asof(placed, periods.rename(columns={"end": "care_end"}),
                           left_on="episode_start", right_on="start", by="child_id",
                           direction="backward")  # fmt: skip
    at = placed["episode_start"]
    adopted = placed["episode_end"].where(placed["reason_end"].isin(["E11", "E12"]))
    adopted = adopted.where(adopted <= end)
    # the steps before the placement, each child's own: moved in 2 to 10 weeks after the
    # match, matched 2 to 10 months after the placement order (England's A2 averages about
    # 6 months), the order 1 to 5 months after the decision
    h = _hash(placed["child_id"], "adoption").astype(np.int64) & 0xFFFFFF
    days = lambda low, span, salt: pd.to_timedelta(low + (h // salt) % span, unit="D")  # noqa: E731
    matched = at - days(14, 57, 1)
    order = matched - days(60, 241, 97)
    decision = order - days(30, 121, 9973)
    # never before the child entered care, and each step on or after the one before
    decision = decision.where(decision >= placed["start"], placed["start"])
    order = order.where(order >= decision, decision)
    matched = matched.where(matched >= order, order)
    keep = (decision <= end) & (adopted.isna() | (adopted >= start))
    placed, at, adopted = placed[keep], at[keep], adopted[keep]
    decision, order, matched = decision[keep], order[keep], matched[keep]
    return pd.DataFrame({
        **person(placed["child_id"]),
        "Date the Child Entered Care": placed["start"].to_numpy(),
        "Date of Decision that Child Should be Placed for Adoption": decision.to_numpy(),
        "Date of Placement Order": order.to_numpy(),
        "Date of Matching Child and Prospective Adopters": matched.to_numpy(),
        "Date Placed for Adoption": at.to_numpy(),
        "Date of Adoption Order": adopted.to_numpy(),
    })  # fmt: skip


def write_annex_a(
    data: DataSet, authority: str, extract: dt.date, path: Path, months: int = 12
) -> Path:
    """Write the workbook (one sheet per list) to ``path``."""
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook(write_only=True)
    stamp = dt.datetime(extract.year, extract.month, extract.day)
    book.properties.created = book.properties.modified = stamp
    for sheet, frame in annex_a_lists(data, authority, extract, months).items():
        ws = book.create_sheet(sheet)
        columns = list(frame.columns)
        ws.append(columns)
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
    book.save(path)
    _fix_zip_times(path, stamp)
    return path


def _fix_zip_times(path: Path, stamp: dt.datetime) -> None:
    """The same workbook bytes for the same records: every zip entry dated ``stamp`` (a
    workbook is a zip, whose entries otherwise carry the time of writing)."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in entries:
            if name == "docProps/core.xml":  # openpyxl stamps the time of saving here
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.strftime(
                        "%Y-%m-%dT%H:%M:%SZ").encode(), content
                )  # fmt: skip
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)


def _cell(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    if isinstance(value, np.integer):
        return int(value)
    return value
