"""The National Framework measures, worked by hand at their edges (indicators/framework.py)."""

from __future__ import annotations

import pandas as pd
from _indicator_builders import LA, dataset, figure
from safeguarding.indicators import compute
from safeguarding.indicators.context import RuleContext
from safeguarding.indicators.framework import dolo_placements

Q2 = "2024-25 Q2"  # 1 July to 30 September 2024; year to date from 1 April 2024
END = "2024-09-30"


def episode(child: str, start: str, end: str | None = None, **kw) -> dict:
    return {"child_id": child, "episode_start": start, "episode_end": end, **kw}


# --- children in need ---------------------------------------------------------------------------


def test_children_in_need_open_referrals_and_looked_after_children_each_once() -> None:
    data = dataset(
        referrals=[
            {"child_id": "A", "referral_date": "2024-05-01"},  # open: in need
            {"child_id": "A", "referral_date": "2024-06-01"},  # a second open one: once
            {"child_id": "B", "referral_date": "2024-01-01", "closure_date": END},  # closed on it
            {"child_id": "C", "referral_date": "2024-01-01", "closure_date": "2024-10-01"},
            {"child_id": "D", "referral_date": "2024-09-30", "nfa": True},  # NFA: not in need
            {"child_id": "E", "referral_date": "2024-10-01"},  # after the date
            {"child_id": "F", "referral_date": "2024-02-01"},  # open and looked after: once
        ],
        la_episodes=[
            episode("F", "2024-03-01"),
            episode("G", "2024-03-01"),  # looked after without a CIN episode in the extract
            episode("H", "2024-03-01", legal_status="V3"),  # short breaks: not looked after
        ],
        population=[{"year": 2024, "population": 10_000}],
    )
    assert figure(data, "CIN_AT_END", Q2) == (4, 4, None)  # A, C, F, G
    assert figure(data, "CIN_AT_END_RATE", Q2) == (4.0, 4, 10_000)


def test_children_in_need_not_computable_without_referrals() -> None:
    data = dataset(la_episodes=[episode("G", "2024-03-01")])
    assert figure(data, "CIN_AT_END", Q2) == (None, None, None)


def test_referrals_with_no_further_action_year_to_date() -> None:
    data = dataset(
        referrals=[
            {"referral_date": "2024-04-01", "nfa": True},  # first day of the year: in
            {"referral_date": "2024-09-30", "nfa": False},
            {"referral_date": "2024-08-01"},  # NFA blank: not recorded as NFA
            {"referral_date": "2024-03-31", "nfa": True},  # last year
        ]
    )
    assert figure(data, "REFERRAL_NFA", Q2) == (33.3, 1, 3)


# --- family networks ----------------------------------------------------------------------------


def test_kinship_code_change_mid_placement_counts_from_the_new_episode() -> None:
    data = dataset(
        la_episodes=[
            # A: foster care with a stranger, then the carer is approved as kin on 30 September
            episode("A", "2024-01-01", END, placement="U4"),
            episode("A", END, rne="T", placement="U3"),
            # B: kinship until the day before, then a children's home
            episode("B", "2024-01-01", "2024-09-29", placement="U1"),
            episode("B", "2024-09-29", rne="P", placement="K2"),
            # C: kinship carer approved on 1 October: not yet
            episode("C", "2024-01-01", "2024-10-01", placement="U4"),
            episode("C", "2024-10-01", rne="T", placement="U1"),
            # D: short breaks with relatives are not looked after for this purpose
            episode("D", "2024-01-01", legal_status="V4", placement="U1"),
        ]
    )
    assert figure(data, "KINSHIP_AT_END", Q2) == (33.3, 1, 3)
    assert figure(data, "KINSHIP_AT_END", "2024-25 Q3") == (66.7, 2, 3)


def test_leaving_care_on_special_guardianship_and_child_arrangements_orders() -> None:
    data = dataset(
        la_episodes=[
            episode("A", "2023-01-01", "2024-04-01", reason_end="E45"),  # SGO, first day
            episode("B", "2023-01-01", "2024-06-01", reason_end="E48"),  # SGO
            episode("C", "2023-01-01", "2024-06-01", reason_end="E41"),  # CAO
            episode("D", "2023-01-01", "2024-07-01", reason_end="X1"),  # not leaving: moved
            episode("D", "2024-07-01", "2024-09-30", rne="P", reason_end="E11"),  # adopted
            episode("E", "2023-01-01", "2024-10-01", reason_end="E45"),  # next quarter
            episode("F", "2024-05-01", "2024-05-03", legal_status="V3", reason_end="E45"),
        ]
    )
    assert figure(data, "LEFT_CARE_SGO", Q2) == (50.0, 2, 4)
    assert figure(data, "LEFT_CARE_CAO", Q2) == (25.0, 1, 4)


# --- safe ------------------------------------------------------------------------------------


def test_plans_by_latest_category_else_initial_each_child_once() -> None:
    data = dataset(
        cp_plans=[
            # A: neglect at the start, now emotional abuse: counted as emotional
            {"child_id": "A", "start_date": "2024-01-01", "initial_category": "NEG",
             "latest_category": "EMO"},
            # B: no latest category recorded: the initial one
            {"child_id": "B", "start_date": "2024-01-01", "initial_category": "NEG"},
            # C: two open plans: the later one's category
            {"child_id": "C", "start_date": "2024-01-01", "initial_category": "PHY"},
            {"child_id": "C", "start_date": "2024-03-01", "initial_category": "NEG"},
            # D: ended on the date: not on a plan
            {"child_id": "D", "start_date": "2024-01-01", "end_date": END,
             "initial_category": "NEG"},
        ]
    )  # fmt: skip
    assert figure(data, "CPP_CAT_NEGLECT", Q2) == (66.7, 2, 3)
    assert figure(data, "CPP_CAT_EMOTIONAL", Q2) == (33.3, 1, 3)
    assert figure(data, "CPP_CAT_PHYSICAL", Q2) == (0.0, 0, 3)


# --- stable homes ------------------------------------------------------------------------------


def test_a_placement_exactly_20_miles_away_is_not_more_than_20() -> None:
    data = dataset(
        la_episodes=[
            episode("A", "2024-01-01", placement_distance_miles=20.0),  # exactly: not more
            episode("B", "2024-01-01", placement_distance_miles=20.01),
            episode("C", "2024-01-01", placement_distance_miles=3),
            episode("D", "2024-01-01"),  # not recorded: left out
            episode("E", "2024-01-01", "2024-09-30", placement_distance_miles=50),  # ceased
        ]
    )
    assert figure(data, "PLACED_20_MILES", Q2) == (33.3, 1, 3)


def test_distance_of_the_episode_in_force() -> None:
    data = dataset(
        la_episodes=[
            episode("A", "2024-01-01", "2024-09-01", placement_distance_miles=45),
            episode("A", "2024-09-01", rne="P", placement_distance_miles=4),
        ]
    )
    assert figure(data, "PLACED_20_MILES", Q2) == (0.0, 0, 1)


def test_a_social_worker_change_on_the_snapshot_date_counts() -> None:
    looked_after = [episode(c, "2023-01-01") for c in "ABCDE"]
    data = dataset(
        la_episodes=looked_after,
        sw_episodes=[
            # A: a new worker on 30 September: a change within the 12 months
            {"child_id": "A", "sw_id": "S1", "start_date": "2023-01-01", "end_date": END},
            {"child_id": "A", "sw_id": "S2", "start_date": END},
            # B: the change was on 30 September 2023: just outside (window from 1 Oct 2023)
            {"child_id": "B", "sw_id": "S1", "start_date": "2023-01-01",
             "end_date": "2023-09-30"},
            {"child_id": "B", "sw_id": "S3", "start_date": "2023-09-30"},
            # C: changed on 1 October 2023: the first day of the window
            {"child_id": "C", "sw_id": "S1", "start_date": "2023-01-01",
             "end_date": "2023-10-01"},
            {"child_id": "C", "sw_id": "S4", "start_date": "2023-10-01"},
            # D: one worker allocated in the year: a first allocation is not a change
            {"child_id": "D", "sw_id": "S5", "start_date": "2024-06-01"},
            # E: changed on 1 October 2024: after the date
            {"child_id": "E", "sw_id": "S1", "start_date": "2023-01-01",
             "end_date": "2024-10-01"},
            {"child_id": "E", "sw_id": "S6", "start_date": "2024-10-01"},
        ],
    )  # fmt: skip
    assert figure(data, "SW_CHANGE_12M", Q2) == (40.0, 2, 5)


def test_social_worker_changes_apply_from_2023_24_and_need_the_table() -> None:
    data = dataset(la_episodes=[episode("A", "2020-01-01")])
    assert figure(data, "SW_CHANGE_12M", Q2) == (None, None, None)  # no sw_episodes table
    data = dataset(
        la_episodes=[episode("A", "2020-01-01")],
        sw_episodes=[{"child_id": "A", "sw_id": "S1", "start_date": "2020-01-01"}],
    )
    assert figure(data, "SW_CHANGE_12M", "2022-23 Q2") == (None, None, None)
    assert figure(data, "SW_CHANGE_12M", Q2) == (0.0, 0, 1)


def test_dolo_at_end_and_their_placements() -> None:
    data = dataset(
        la_episodes=[
            episode("A", "2024-01-01", placement="K2"),
            episode("B", "2024-01-01", "2024-08-01", placement="U4"),
            episode("B", "2024-08-01", rne="P", placement="Z1"),
            episode("C", "2024-01-01", placement="K2"),
        ],
        dolo=[
            {"child_id": "A", "start_date": "2024-02-01"},
            {"child_id": "A", "start_date": "2024-05-01"},  # a second order: one child
            {"child_id": "B", "start_date": "2024-09-30"},  # made on the date: in force
            {"child_id": "C", "start_date": "2024-02-01", "end_date": END},  # ended on it
            {"child_id": "X", "start_date": "2024-02-01"},  # not looked after at the date
        ],
    )
    assert figure(data, "DOLO_AT_END", Q2) == (3, 3, None)
    table = dolo_placements(RuleContext(data, [LA]), pd.Timestamp(END))
    assert dict(zip(table["placement"], table["children"], strict=True)) == {
        "K2": 1,
        "Z1": 1,
        "not looked after": 1,
    }


def test_every_framework_indicator_computes_on_an_empty_quarter() -> None:
    data = dataset(
        referrals=[{"referral_date": "2020-01-01", "closure_date": "2020-02-01"}],
        la_episodes=[episode("A", "2020-01-01", "2020-02-01", reason_end="E11")],
        cp_plans=[{"start_date": "2020-01-01", "end_date": "2020-02-01"}],
        sw_episodes=[{"child_id": "A", "sw_id": "S1", "start_date": "2020-01-01"}],
        dolo=[{"child_id": "A", "start_date": "2020-01-01", "end_date": "2020-02-01"}],
    )
    ids = ["CIN_AT_END", "REFERRAL_NFA", "KINSHIP_AT_END", "LEFT_CARE_SGO", "CPP_CAT_NEGLECT",
           "PLACED_20_MILES", "SW_CHANGE_12M", "DOLO_AT_END"]  # fmt: skip
    out = compute(data, [Q2], ids).set_index("indicator")
    assert out.loc["CIN_AT_END", "value"] == 0 and out.loc["DOLO_AT_END", "value"] == 0
    # nothing to measure: an empty value with a zero denominator, never 0%
    for i in ("REFERRAL_NFA", "KINSHIP_AT_END", "LEFT_CARE_SGO", "CPP_CAT_NEGLECT"):
        assert pd.isna(out.loc[i, "value"]) and out.loc[i, "denominator"] == 0, i


def test_step_downs_to_early_help_leave_out_closures_without_a_reason() -> None:
    data = dataset(
        referrals=[
            {"referral_date": "2024-01-01", "closure_date": "2024-04-01", "closure_reason": "RC9"},
            {"referral_date": "2024-01-01", "closure_date": "2024-09-30", "closure_reason": "rc9 "},
            {"referral_date": "2024-01-01", "closure_date": "2024-06-01", "closure_reason": "RC8"},
            {"referral_date": "2024-01-01", "closure_date": "2024-06-01"},  # no reason: out
            {"referral_date": "2024-01-01", "closure_date": "2024-10-01", "closure_reason": "RC9"},
            {"referral_date": "2024-01-01", "closure_reason": "RC9"},  # open: not a closure
            # no further action: no episode of help to step down from
            {"referral_date": "2024-05-01", "closure_date": "2024-05-01", "closure_reason": "RC8",
             "nfa": True},
        ]
    )
    assert figure(data, "STEP_DOWN_EH", Q2) == (66.7, 2, 3)
    # data without reasons give no figure rather than 0%
    blank = dataset(referrals=[{"referral_date": "2024-01-01", "closure_date": "2024-06-01"}])
    assert figure(blank, "STEP_DOWN_EH", Q2) == (None, 0, 0)


def test_pre_proceedings_and_family_group_decision_making_from_2026_27() -> None:
    data = dataset(
        pre_proceedings=[
            {"child_id": "A", "start_date": "2026-04-01", "fgdm_offered": True,
             "fgdm_facilitated": True},
            {"child_id": "B", "start_date": "2026-06-01", "fgdm_offered": True,
             "fgdm_facilitated": False},  # offered, declined
            {"child_id": "C", "start_date": "2026-07-01", "fgdm_offered": False},
            {"child_id": "D", "start_date": "2026-08-01", "fgdm_offered": True},  # not known
            {"child_id": "E", "start_date": "2026-09-01"},  # offer not recorded
            {"child_id": "F", "start_date": "2026-10-01", "fgdm_offered": True},  # Q3
        ],
        population=[{"year": 2026, "population": 20_000}],
    )  # fmt: skip
    q2 = "2026-27 Q2"
    assert figure(data, "PP_STARTED_RATE", q2) == (2.5, 5, 20_000)
    assert figure(data, "PP_FGDM_OFFERED", q2) == (75.0, 3, 4)  # E left out
    assert figure(data, "PP_FGDM_HELD", q2) == (50.0, 1, 2)  # D left out
    assert figure(data, "PP_FGDM_OFFERED", Q2) == (None, None, None)  # before the module


def test_children_looked_after_who_went_missing_in_the_year_to_date() -> None:
    data = dataset(
        la_episodes=[
            episode("A", "2023-01-01"),
            episode("B", "2023-01-01", "2024-04-01"),  # ceased on the first day: not in care
            episode("C", "2024-09-30"),  # came into care on the last day
            episode("D", "2023-01-01"),
            episode("E", "2024-05-01", legal_status="V3"),  # short breaks: left out
        ],
        missing_episodes=[
            {"child_id": "A", "start_date": "2024-04-01", "missing_type": "M"},
            {"child_id": "A", "start_date": "2024-05-01", "missing_type": "M"},  # once
            {"child_id": "B", "start_date": "2024-04-02", "missing_type": "M"},  # not in care
            {"child_id": "C", "start_date": "2024-09-30", "missing_type": "M"},
            {"child_id": "D", "start_date": "2024-06-01", "missing_type": "A"},  # away only
            {"child_id": "E", "start_date": "2024-06-01", "missing_type": "M"},
        ],
    )
    assert figure(data, "CLA_MISSING", Q2) == (66.7, 2, 3)  # A and C of A, C and D


def test_a_real_ssda903_return_has_postcodes_not_distances(shared_data) -> None:
    """SSDA903 returns carry HOME_POST and PL_POST, not PL_DISTANCE: placements over 20 miles
    are not computable from one (never 0%), and the reason names the missing distance."""
    from safeguarding.loaders import load_ssda903

    folder = shared_data / "formats" / "ssda903"
    header = (folder / "episodes.csv").read_text().splitlines()[0].split(",")
    assert {"HOME_POST", "PL_POST"} <= set(header) and "PL_DISTANCE" not in header
    data = load_ssda903(folder, "201", "2024-25")
    notes: list = []
    out = compute(data, ["2024-25"], ["PLACED_20_MILES", "KINSHIP_AT_END"], notes=notes)
    got = out.set_index("indicator")["value"]
    assert pd.isna(got["PLACED_20_MILES"]) and got["KINSHIP_AT_END"] > 0
    assert [n.indicator for n in notes] == ["PLACED_20_MILES"]
    assert "placement_distance_miles" in notes[0].reason
