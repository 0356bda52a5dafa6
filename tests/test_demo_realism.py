"""The demo's realism pass: short legal statuses end in time across a run of placement moves
(DfE rules 362 and 364 count the whole run, not one episode)."""

from __future__ import annotations

import pandas as pd
from safeguarding.demo import realism

T = pd.Timestamp


def _episodes(rows: list[tuple]) -> pd.DataFrame:
    columns = ["child_id", "episode_start", "episode_end", "legal_status", "rne", "placement",
               "reason_end"]  # fmt: skip
    eps = pd.DataFrame(rows, columns=columns)
    eps["episode_start"] = pd.to_datetime(eps["episode_start"])
    eps["episode_end"] = pd.to_datetime(eps["episode_end"])
    return eps


def test_an_emergency_order_carried_through_moves_is_cut_at_its_limit():
    eps = _episodes([
        ("a", "2024-01-01", "2024-01-11", "L2", "S", "U1", "P1"),
        ("a", "2024-01-11", "2024-02-20", "V2", "P", "U2", "P1"),  # a move keeps L2
        ("a", "2024-02-20", None, "V2", "P", "U3", None),
    ])  # fmt: skip
    out = realism._short_runs(eps)
    # the run of L2 (1 to 21 January: 20 days) ends on its 21st day; the move's episode is split
    assert out["episode_start"].dt.strftime("%d/%m").tolist() == [
        "01/01", "11/01", "21/01", "20/02"]  # fmt: skip
    assert out["legal_status"].tolist() == ["L2", "L2", "V2", "V2"]
    assert out["rne"].tolist() == ["S", "P", "L", "P"]
    assert out.loc[1, "reason_end"] == "X1"
    assert out.loc[1, "episode_end"] == T("2024-01-21")


def test_a_move_on_the_day_the_status_runs_out_changes_both():
    eps = _episodes([
        ("a", "2024-01-01", "2024-01-03", "L1", "S", "U1", "P1"),  # police protection: 3 days
        ("a", "2024-01-03", None, "V2", "P", "P1", None),  # and home to parents
    ])  # fmt: skip
    out = realism._short_runs(eps)
    assert len(out) == 2
    # at home with parents: not section 20 (V2) but a care order; legal status and placement
    assert out["legal_status"].tolist() == ["L1", "C2"]
    assert out["rne"].tolist() == ["S", "B"]


def test_a_short_status_within_its_limit_or_still_running_at_the_extract_is_left():
    eps = _episodes([
        ("a", "2024-01-01", "2024-01-10", "L2", "S", "U1", "E11"),
        ("b", "2024-03-25", None, "L2", "S", "U1", None),
    ])  # fmt: skip
    out = realism._short_runs(eps.copy(), extract=T("2024-03-31"))
    pd.testing.assert_frame_equal(out, eps)
    # without an extract date the open order has run past its limit: cut
    assert len(realism._short_runs(eps.copy())) == 3


def test_freeing_orders_before_2005_and_placement_orders_after():
    eps = _episodes([
        ("a", "2004-05-01", "2006-03-01", "E1", "S", "U1", "P1"),  # a placement order in 2004
        ("a", "2006-03-01", None, "E1", "P", "U2", None),  # a move after the 2002 Act
    ])  # fmt: skip
    realism._freeing_orders(eps)
    # DfE rules 446 (no E1 before December 2005) and 445 (no D1 after it)
    assert eps["legal_status"].tolist() == ["D1", "E1"]
    assert eps["rne"].tolist() == ["S", "B"]  # the move changes the legal status too


def test_semi_independent_living_carried_past_its_end_is_supported_accommodation():
    eps = _episodes([
        ("a", "2023-01-01", "2023-06-01", "V2", "S", "P2", "X1"),
        ("a", "2023-06-01", None, "C2", "L", "P2", None),  # carried P2 past 28 October 2023
        ("b", "2023-01-01", "2023-10-28", "V2", "S", "P2", "E11"),  # ended on the day: P2
    ])  # fmt: skip
    realism._no_p2_after(eps)
    assert eps["placement"].tolist() == ["P2", "H5", "P2"]
    assert eps["rne"].tolist() == ["S", "B", "S"]


def test_a_status_change_that_repeats_the_status_is_a_move_when_p2_ends():
    # DfE 436: the L episode of 19 March 2023 repeats V2 (a short order before it ran out and
    # took V2); from semi-independent living (P2) to supported accommodation (H5) only the
    # placement changes: a move (P), never both (B)
    for status in ("V2", "L2", "L1"):
        eps = _episodes([
            ("a", "2021-07-10", "2022-05-19", "V2", "S", "K2", "X1"),
            ("a", "2022-05-19", "2023-03-19", "V2", "P", "P2", "X1"),
            ("a", "2023-03-19", None, status, "L", "P2", None),
        ])  # fmt: skip
        out = realism.tidy_episodes(eps, extract=T("2025-03-31"))
        both = out["rne"].eq("B") & out["legal_status"].eq(out["legal_status"].shift())
        assert not both.any(), status
        assert out["placement"].iloc[-1] == "H5" and out["rne"].iloc[-1] == "P", status
        assert out["legal_status"].tolist() == ["V2"] * len(out), status
    # a real change of status on that day is both (B)
    eps = _episodes([
        ("a", "2022-05-19", "2023-03-19", "V2", "S", "P2", "X1"),
        ("a", "2023-03-19", None, "C2", "L", "P2", None),
    ])  # fmt: skip
    out = realism.tidy_episodes(eps, extract=T("2025-03-31"))
    assert out["rne"].tolist() == ["S", "B"] and out["placement"].tolist() == ["P2", "H5"]


def test_a_move_home_to_parents_is_never_under_section_20():
    # DfE 378: a move home (P1) carries the legal status of the foster placement before it,
    # section 20 (V2), whatever the simulation drew for it
    eps = _episodes([
        ("a", "2023-01-01", "2023-05-01", "V2", "S", "U1", "P1"),
        ("a", "2023-05-01", "2023-09-01", "C2", "P", "P1", "P1"),
        ("a", "2023-09-01", None, "C2", "P", "U3", None),
    ])  # fmt: skip
    out = realism.tidy_episodes(eps, extract=T("2025-03-31"))
    assert not (out["legal_status"].eq("V2") & out["placement"].eq("P1")).any()
    # home under a care order, which the move after keeps: both changed, then a move
    assert out["legal_status"].tolist() == ["V2", "C2", "C2"]
    assert out["rne"].tolist() == ["S", "B", "P"]


def test_no_social_worker_episode_lasts_no_time():
    eps = _episodes([("a", "2022-01-01", "2023-07-01", "C2", "S", "U1", "E11")])
    eps["rne"] = "S"
    sw = realism.sw_episodes(eps, T("2025-03-31"))
    assert len(sw) and (sw["end_date"].isna() | (sw["end_date"] > sw["start_date"])).all()
    # back to back: each worker takes over the day the last one left
    assert (sw["start_date"].iloc[1:].to_numpy() == sw["end_date"].iloc[:-1].to_numpy()).all()


def _leavers(rows: list[tuple]) -> pd.DataFrame:
    columns = ["child_id", "dob", "collection_year", "in_touch", "activity", "accommodation"]
    out = pd.DataFrame(rows, columns=columns)
    out["dob"] = pd.to_datetime(out["dob"])
    return out


def test_no_care_leaver_record_after_death_or_a_transfer_to_another_authority():
    eps = _episodes([
        ("died", "2020-01-01", "2022-06-01", "C2", "S", "U1", "E2"),  # DfE 1000
        ("moved", "2020-01-01", "2021-03-01", "C2", "S", "U1", "P1"),
        ("moved", "2021-03-01", "2022-06-01", "C2", "P", "U2", "E3"),  # DfE 1011
        ("left", "2020-01-01", "2022-06-01", "V2", "S", "U1", "E3"),
        ("left", "2022-06-01", "2022-07-01", "V2", "S", "U1", "E4A"),  # E3 not the last
    ])  # fmt: skip
    leavers = _leavers([
        ("died", "2005-01-01", "2022-23", "YES", "F2", "U1"),
        ("moved", "2005-01-01", "2022-23", "YES", "F2", "U1"),
        ("left", "2005-01-01", "2022-23", "YES", "F2", "U1"),
    ])  # fmt: skip
    out = realism.care_leavers(leavers, eps)
    assert out["child_id"].tolist() == ["left"]


def test_a_care_leaver_at_17_is_not_with_former_foster_carers():
    eps = _episodes([("a", "2020-01-01", "2021-06-01", "C2", "S", "U1", "E8")])
    leavers = _leavers([
        ("a", "2005-03-31", "2022-23", "YES", "F2", "Z1"),  # 17 on 31 March 2022: 2021-22
        ("a", "2005-04-01", "2022-23", "YES", "F2", "Z1"),  # 17 on 1 April 2022 (DfE 3001)
        ("a", "2006-03-31", "2022-23", "YES", "F2", "Z1"),  # 17 on 31 March 2023 (DfE 3001)
        ("a", "2004-04-01", "2022-23", "NO", "0", "B2"),
    ])  # fmt: skip
    out = realism.care_leavers(leavers, eps)
    # supported lodgings with the same carers, as suitable as before
    assert out["accommodation"].tolist() == ["Z1", "E1", "E1", "B2"]
