"""Front door and assessment indicators, hand-worked at their edges.

Working days: the start day is day 0; weekends and England & Wales bank holidays (one-off
ones included) are skipped. Each test shows the count it relies on.
"""

from __future__ import annotations

from _indicator_builders import dataset, figure


def _assessment(kind: str, start: str, done: str | None, referral_id: str = "R0", **kw) -> dict:
    return {
        "assessment_type": kind,
        "start_date": start,
        "authorised_date": done,
        "referral_id": referral_id,
        **kw,
    }


# --- NI 59: initial assessments within 7 (to 2009-10) / 10 (from 2010-11) working days ------


def test_ni59_changes_from_7_to_10_working_days_in_2010_11() -> None:
    # 2009-10, referral Mon 1 Feb 2010: Tue 2(1) Wed 3(2) Thu 4(3) Fri 5(4) Mon 8(5) Tue 9(6)
    #   Wed 10 Feb = day 7 (on time under 7); Fri 12 Feb = day 9 (late under 7).
    # 2010-11, referral Mon 7 Feb 2011: Wed 16 Feb = day 7, Fri 18 Feb = day 9 (both on time
    #   under 10), Tue 22 Feb = day 11 (late).
    data = dataset(
        referrals=[
            {"referral_id": "R1", "referral_date": "2010-02-01"},
            {"referral_id": "R2", "referral_date": "2011-02-07"},
        ],
        assessments=[
            _assessment("initial", "2010-02-02", "2010-02-10", "R1"),
            _assessment("initial", "2010-02-02", "2010-02-12", "R1"),
            _assessment("initial", "2011-02-08", "2011-02-16", "R2"),
            _assessment("initial", "2011-02-08", "2011-02-18", "R2"),
            _assessment("initial", "2011-02-08", "2011-02-22", "R2"),
            # a core assessment is not an initial one: never in NI 59
            _assessment("core", "2010-02-02", "2010-02-03", "R1"),
        ],
    )
    assert figure(data, "NI59", "2009-10") == (50.0, 1, 2)
    assert figure(data, "NI59", "2010-11") == (66.7, 2, 3)  # 2/3 = 66.67 -> 66.7


def test_ni59_skips_the_royal_wedding_and_early_may_bank_holidays() -> None:
    # referral Tue 26 Apr 2011: Wed 27(1) Thu 28(2); Fri 29 Apr royal wedding and Mon 2 May
    # bank holiday skipped; Tue 3(3) Wed 4(4) Thu 5(5) Fri 6(6) Mon 9(7) Tue 10(8) Wed 11(9)
    # Thu 12 May = day 10 (on time), Fri 13 May = day 11 (late).
    data = dataset(
        referrals=[{"referral_id": "R1", "referral_date": "2011-04-26"}],
        assessments=[
            _assessment("initial", "2011-04-27", "2011-05-12", "R1"),
            _assessment("initial", "2011-04-27", "2011-05-13", "R1"),
        ],
    )
    assert figure(data, "NI59", "2011-12 Q1") == (50.0, 1, 2)


def test_ni59_counts_from_the_referral_and_keeps_unmatched_assessments_in_the_denominator() -> None:
    # the referral was Mon 3 Oct 2011; the assessment started Mon 17 Oct and was authorised
    # Tue 18 Oct: 1 working day from its own start but 11 from the referral -> late.
    # A second assessment names a referral that is not in the data: its clock start is
    # unknown, so it stays in the denominator and is not on time.
    data = dataset(
        referrals=[{"referral_id": "R1", "referral_date": "2011-10-03"}],
        assessments=[
            _assessment("initial", "2011-10-17", "2011-10-18", "R1"),
            _assessment("initial", "2011-10-17", "2011-10-18", "R-missing"),
        ],
    )
    assert figure(data, "NI59", "2011-12") == (0.0, 0, 2)


def test_ni59_year_to_date_window_and_the_in_quarter_override() -> None:
    # one on-time assessment authorised in Q1 (May), one late in Q2 (August).
    # Q2 year to date = Apr-Sep: 1 of 2; Q2 in the quarter alone: 0 of 1.
    data = dataset(
        referrals=[
            {"referral_id": "R1", "referral_date": "2011-05-02"},
            {"referral_id": "R2", "referral_date": "2011-08-01"},
        ],
        assessments=[
            _assessment("initial", "2011-05-03", "2011-05-04", "R1"),
            _assessment("initial", "2011-08-02", "2011-08-31", "R2"),
        ],
    )
    assert figure(data, "NI59", "2011-12 Q1") == (100.0, 1, 1)
    assert figure(data, "NI59", "2011-12 Q2") == (50.0, 1, 2)
    assert figure(data, "NI59", "2011-12 Q2", window="in_period") == (0.0, 0, 1)
    # NI 59 ended in 2013-14: not computable after, even with records
    assert figure(data, "NI59", "2014-15") == (None, None, None)


# --- NI 60: core assessments within 35 working days of their start ------------------------


def test_ni60_core_assessments_within_35_working_days() -> None:
    # start Mon 3 Oct 2011; no bank holidays in Oct-Nov 2011, so 35 working days = 7 weeks:
    # day 35 = Mon 21 Nov (on time); Tue 22 Nov = day 36 (late). NI 60 ignores the referral.
    data = dataset(
        assessments=[
            _assessment("core", "2011-10-03", "2011-11-21"),
            _assessment("core", "2011-10-03", "2011-11-22"),
            _assessment("core", "2011-10-03", None),  # not yet authorised: not counted
        ]
    )
    assert figure(data, "NI60", "2011-12") == (50.0, 1, 2)


# --- ASSESS_45WD: single assessments within 45 working days (from 2014-15) ----------------


def test_assess_45wd_across_the_2022_state_funeral() -> None:
    # start Mon 1 Aug 2022: Aug 2-5 -> 4, 8-12 -> 9, 15-19 -> 14, 22-26 -> 19; Mon 29 Aug
    # bank holiday; Aug 30-Sep 2 -> 23; Sep 5-9 -> 28; 12-16 -> 33; Mon 19 Sep state funeral;
    # 20-23 -> 37; 26-30 -> 42; Mon 3 Oct 43, Tue 4 Oct 44, Wed 5 Oct = day 45.
    data = dataset(
        assessments=[
            _assessment("single", "2022-08-01", "2022-10-05"),
            _assessment("single", "2022-08-01", "2022-10-06"),
            _assessment("single", "2022-08-01", "2022-10-05"),
        ]
    )
    assert figure(data, "ASSESS_45WD", "2022-23") == (66.7, 2, 3)
    # the single assessment starts in 2014-15: no figure for 2013-14
    assert figure(data, "ASSESS_45WD", "2013-14") == (None, None, None)


# --- ICPC_15WD: initial conferences within 15 working days of the section 47 start --------


def test_icpc_15wd_across_the_coronation_and_spring_bank_holidays() -> None:
    # s47 start Fri 5 May 2023; Mon 8 May coronation; Tue 9(1) .. Fri 12(4); 15-19 -> 9;
    # 22-26 -> 14; Mon 29 May spring bank holiday; Tue 30 May = day 15 (on time);
    # Wed 31 May = day 16 (late). A conference not required is not a conference held.
    data = dataset(
        section47=[
            {"s47_start_date": "2023-05-05", "icpc_date": "2023-05-30"},
            {"s47_start_date": "2023-05-05", "icpc_date": "2023-05-31"},
            {"s47_start_date": "2023-05-05", "icpc_date": None, "icpc_not_required": "1"},
        ]
    )
    assert figure(data, "ICPC_15WD", "2023-24 Q1") == (50.0, 1, 2)


def test_icpc_from_a_weekend_start() -> None:
    # a section 47 recorded as starting Sat 6 May 2023: day 1 is Tue 9 May (Mon 8 is the
    # coronation), so day 15 is again Tue 30 May.
    data = dataset(section47=[{"s47_start_date": "2023-05-06", "icpc_date": "2023-05-30"}])
    assert figure(data, "ICPC_15WD", "2023-24") == (100.0, 1, 1)


# --- NI 68: referrals going on to an initial assessment -----------------------------------


def test_ni68_referrals_with_an_initial_assessment() -> None:
    # 2011-12 referrals: R1 led to an initial assessment, R2 only to a core one, R3 to none.
    # R4 (2010-11) is outside the year. 1 of 3 = 33.3%.
    data = dataset(
        referrals=[
            {"referral_id": "R1", "referral_date": "2011-06-01"},
            {"referral_id": "R2", "referral_date": "2011-07-01"},
            {"referral_id": "R3", "referral_date": "2012-03-31"},
            {"referral_id": "R4", "referral_date": "2011-03-31"},
        ],
        assessments=[
            _assessment("initial", "2011-06-02", "2011-06-05", "R1"),
            _assessment("core", "2011-07-02", None, "R2"),
            _assessment("initial", "2011-04-01", "2011-04-04", "R4"),
        ],
    )
    assert figure(data, "NI68", "2011-12") == (33.3, 1, 3)


# --- REFERRALS and the rate per 10,000 -----------------------------------------------------


def test_referrals_in_the_quarter_alone() -> None:
    # Q1 = 1 Apr - 30 Jun 2011. 31 Mar 2011 belongs to 2010-11, 1 Jul 2011 to Q2.
    data = dataset(
        referrals=[
            {"referral_date": "2011-03-31"},
            {"referral_date": "2011-04-01"},
            {"referral_date": "2011-06-30", "child_id": "C2"},
            {"referral_date": "2011-07-01"},
        ],
        population=[{"year": 2011, "population": 20_000}],
    )
    assert figure(data, "REFERRALS", "2011-12 Q1") == (2.0, 2, None)
    assert figure(data, "REFERRALS", "2011-12 Q2") == (1.0, 1, None)  # in_period window
    assert figure(data, "REFERRALS", "2011-12") == (3.0, 3, None)
    # 3 / 20,000 * 10,000 = 1.5 per 10,000 (population is the denominator)
    assert figure(data, "REFERRALS_RATE", "2011-12") == (1.5, 3, 20_000)


# --- REREFERRAL_12M -------------------------------------------------------------------------


def test_rereferrals_within_12_months() -> None:
    # X: 1 May 2010 then 1 May 2011 -> on the anniversary: a re-referral.
    # Y: 1 May 2010 then 2 May 2011 -> a day past it: not.
    # W: twice on 10 Jun 2011 and nothing before -> one event, neither is a re-referral.
    # V: 1 Jan 2011, then twice on 1 Jun 2011 -> both June referrals are re-referrals.
    # 2011-12: X(yes) Y(no) W(no, no) V(yes, yes) = 3 of 6 = 50.0%
    data = dataset(
        referrals=[
            {"child_id": "X", "referral_date": "2010-05-01"},
            {"child_id": "X", "referral_date": "2011-05-01"},
            {"child_id": "Y", "referral_date": "2010-05-01"},
            {"child_id": "Y", "referral_date": "2011-05-02"},
            {"child_id": "W", "referral_date": "2011-06-10"},
            {"child_id": "W", "referral_date": "2011-06-10"},
            {"child_id": "V", "referral_date": "2011-01-01"},
            {"child_id": "V", "referral_date": "2011-06-01"},
            {"child_id": "V", "referral_date": "2011-06-01"},
        ]
    )
    assert figure(data, "REREFERRAL_12M", "2011-12") == (50.0, 3, 6)


def test_rereferral_after_a_leap_day() -> None:
    # 29 Feb 2012 + 12 months = 28 Feb 2013: a referral that day is within; 1 Mar 2013 is not.
    data = dataset(
        referrals=[
            {"child_id": "L1", "referral_date": "2012-02-29"},
            {"child_id": "L1", "referral_date": "2013-02-28"},
            {"child_id": "L2", "referral_date": "2012-02-29"},
            {"child_id": "L2", "referral_date": "2013-03-01"},
        ]
    )
    assert figure(data, "REREFERRAL_12M", "2012-13") == (50.0, 1, 2)
