"""The demo's Annex A workbooks: one per quarter of its last year and authority, loading
without errors and giving the same figures as the records they were written from."""

from __future__ import annotations

from pathlib import Path

from safeguarding.indicators import compute
from safeguarding.loaders import load_annex_a, read_data_dir
from safeguarding.loaders.in_year import read_authority
from safeguarding.params import AnnexAEntry

SAME = ["CPP_AT_END", "CLA_AT_END", "REFERRALS", "ASSESS_45WD", "ICPC_15WD", "REREFERRAL_12M",
        "CPP_2YRS_OPEN", "NI65"]  # fmt: skip


def test_a_workbook_per_quarter_of_the_last_year(small_demo: Path) -> None:
    for code in ("901", "902"):
        names = sorted(p.name for p in (small_demo / code / "annex_a").glob("*.xlsx"))
        assert names == [f"annex_a_{d}.xlsx" for d in
                         ("2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31")]  # fmt: skip


def test_annex_a_gives_the_records_figures(small_demo: Path) -> None:
    book = small_demo / "901" / "annex_a" / "annex_a_2024-09-30.xlsx"
    annex = load_annex_a(book, "901", "2024-09-30")
    assert not [i for i in annex.issues if i.severity == "error"]
    assert len(annex.table("contacts")) > len(annex.table("referrals")) > 100
    records = read_data_dir(small_demo, ["901"])
    a = compute(annex, ["2024-25 Q2"], SAME).set_index("indicator")["value"]
    r = compute(records, ["2024-25 Q2"], SAME).set_index("indicator")["value"]
    assert a.notna().all()
    assert a.to_dict() == r.to_dict()


def test_the_batch_reads_returns_and_annex_a_as_one_history(small_demo: Path) -> None:
    book = small_demo / "901" / "annex_a" / "annex_a_2024-09-30.xlsx"
    import datetime as dt

    entry = AnnexAEntry("901", book, dt.date(2024, 9, 30), 12)
    data = read_authority(small_demo, "901", [entry])
    out = compute(data, ["2021-22", "2024-25 Q2", "2024-25 Q3"], ["REFERRALS", "CONTACTS"])
    got = {(r.indicator, r.period): r.value for r in out.itertuples()}
    assert got[("REFERRALS", "2021-22")] > 0  # the returns' history
    assert got[("CONTACTS", "2024-25 Q2")] > 0  # only Annex A has contacts
    assert got[("CONTACTS", "2021-22")] != got[("CONTACTS", "2021-22")]  # not computable
    # the joined history keeps the records' figure for the quarter the extract also covers
    records = read_data_dir(small_demo, ["901"])
    alone = compute(records, ["2024-25 Q2"], ["REFERRALS"])["value"].iloc[0]
    assert got[("REFERRALS", "2024-25 Q2")] == alone


def test_earlier_referrals_count_the_same_childs_in_the_twelve_months_before() -> None:
    import pandas as pd
    from safeguarding.demo.annex_a import _earlier_referrals

    referrals = pd.DataFrame(
        {
            "child_id": ["A", "B", "A", "A", "A", "B", "A", "C"],
            "referral_date": pd.to_datetime(
                ["2024-03-01", "2024-03-01", "2023-03-01", "2024-03-01", "2023-02-28",
                 "2023-03-02", "2024-09-30", None]  # fmt: skip
            ),
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17],  # not in date order, as the caller may give
    )
    got = _earlier_referrals(referrals).to_dict()
    # A on 2024-03-01: 2023-03-01 is exactly twelve months before (counted), 2023-02-28 is
    # not, nor A's other referral that day; A on 2024-09-30: the two of 2024-03-01
    assert got == {10: 1, 11: 1, 12: 1, 13: 1, 14: 0, 15: 0, 16: 2, 17: 0}


def test_a_period_of_care_ends_with_its_last_episode_or_stays_open() -> None:
    import pandas as pd
    from safeguarding.demo.realism import _periods

    dates = pd.to_datetime
    episodes = pd.DataFrame({
        "child_id": ["A", "A", "A", "B", "B"],
        "episode_start": dates(["2023-01-01", "2023-02-01", "2023-06-01", "2023-01-01",
                                "2023-03-01"]),
        "episode_end": dates(["2023-02-01", "2023-03-01", None, "2023-03-01", "2023-04-01"]),
    })  # fmt: skip
    got = _periods(episodes)
    assert got["child_id"].tolist() == ["A", "A", "B"]
    assert got["start"].tolist() == list(dates(["2023-01-01", "2023-06-01", "2023-01-01"]))
    assert got["end"].isna().tolist() == [False, True, False]
    assert got["end"].iloc[[0, 2]].tolist() == list(dates(["2023-03-01", "2023-04-01"]))
