"""Child protection indicators, hand-worked at their edges.

"Lasted 2 years or more": the end (or period-end) date is on or after the second
anniversary of the start; a 29 February start's anniversary is 28 February in common years.
A plan is open at a date when it started on or before it and ended after it (or not at all).
"""

from __future__ import annotations

from _indicator_builders import dataset, figure


def _plan(child: str, start: str, end: str | None = None, previous: int | None = None, **kw):
    return {
        "child_id": child,
        "start_date": start,
        "end_date": end,
        "previous_plans": previous,
        **kw,
    }


# --- NI 64: plans ending that had lasted 2 years or more ----------------------------------


def test_ni64_exactly_two_years_and_a_day_short() -> None:
    # 2011-12 endings: P1 1 Apr 2009 -> 1 Apr 2011 is exactly two years (counts);
    # P2 10 May 2009 -> 9 May 2011 is a day short (does not). P3 ended in 2010-11 and P4 is
    # still open: neither is an ending in 2011-12. 1 of 2 = 50.0%.
    data = dataset(
        cp_plans=[
            _plan("A", "2009-04-01", "2011-04-01"),
            _plan("B", "2009-05-10", "2011-05-09"),
            _plan("C", "2008-01-01", "2011-03-31"),
            _plan("D", "2009-01-01"),
        ]
    )
    assert figure(data, "NI64", "2011-12") == (50.0, 1, 2)
    # year to date: both ended in Q1, so Q2's cumulative figure is the same ...
    assert figure(data, "NI64", "2011-12 Q2") == (50.0, 1, 2)
    # ... but in Q2 alone no plan ended: an empty value, never 0
    assert figure(data, "NI64", "2011-12 Q2", window="in_period") == (None, 0, 0)


def test_ni64_plan_starting_on_a_leap_day() -> None:
    # start 29 Feb 2020: the second anniversary is 28 Feb 2022 (2022 is a common year).
    # Ending 28 Feb 2022 counts; ending 27 Feb 2022 does not.
    data = dataset(
        cp_plans=[_plan("A", "2020-02-29", "2022-02-28"), _plan("B", "2020-02-29", "2022-02-27")]
    )
    assert figure(data, "NI64", "2021-22") == (50.0, 1, 2)


# --- NI 65: plans starting for a child with a previous plan -------------------------------


def test_ni65_previous_plans_in_the_data_or_in_the_census_count() -> None:
    # A: two plans in 2011-12 (May and December). The first has no earlier plan and
    #    NumberOfPreviousCPP 0 (not a repeat); the second follows the first (a repeat).
    # B: one plan, NumberOfPreviousCPP = 1 (the earlier plan predates the return): a repeat.
    # C: an earlier plan in the data (2009) and a new one in August 2011, count blank: repeat.
    # D: first plan, count 0: not a repeat.
    # 3 of 5 plans = 60.0% (the band is 10-15%: too high).
    data = dataset(
        cp_plans=[
            _plan("A", "2011-05-01", "2011-09-01", previous=0),
            _plan("A", "2011-12-01", previous=0),
            _plan("B", "2011-06-01", previous=1),
            _plan("C", "2009-07-01", "2010-07-01"),
            _plan("C", "2011-08-01"),
            _plan("D", "2011-09-01", previous=0),
        ]
    )
    assert figure(data, "NI65", "2011-12") == (60.0, 3, 5)
    # Q1 year to date holds A's first plan and B's: 1 of 2
    assert figure(data, "NI65", "2011-12 Q1") == (50.0, 1, 2)


# --- NI 67: CP plans with all reviews on time ---------------------------------------------


def test_ni67_reviews_on_time_a_day_late_and_overdue() -> None:
    # Snapshot 31 Mar 2012; the reviews are those of the year to date (Apr 2011 - Mar 2012).
    # First review due 3 months after the plan starts, later ones 6 months after the last.
    # A: start 1 Oct 2011, review 1 Jan 2012 = exactly 3 months: on time; next due
    #    1 Jul 2012, after the period.                                        -> on time
    # B: start 1 Oct 2011, review 2 Jan 2012: one day late.                    -> late
    # C: start 15 Jan 2012: not yet 3 months old at 31 Mar (15 Apr): not in the denominator.
    # D: start 1 Jun 2011, review 1 Sep 2011 on time, next due 1 Mar 2012 but none held by
    #    31 Mar 2012: overdue.                                                 -> late
    # E: start 1 Mar 2010, reviews 1 Jun 2010, 1 Dec 2010, 1 Jun 2011, 1 Dec 2011: all on
    #    the due day.                                                          -> on time
    # G: start 1 Mar 2010, reviews 1 Jun 2010, 5 Dec 2010 (late, but in 2010-11), 5 Jun 2011
    #    and 5 Dec 2011 (each 6 months after the one before).                  -> on time
    # F: ended 31 Mar 2012, so not open at period end.
    # 3 of 5 = 60.0%.
    data = dataset(
        cp_plans=[
            _plan("A", "2011-10-01", plan_id="PA"),
            _plan("B", "2011-10-01", plan_id="PB"),
            _plan("C", "2012-01-15", plan_id="PC"),
            _plan("D", "2011-06-01", plan_id="PD"),
            _plan("E", "2010-03-01", plan_id="PE"),
            _plan("G", "2010-03-01", plan_id="PG"),
            _plan("F", "2011-01-01", "2012-03-31", plan_id="PF"),
        ],
        cp_reviews=[
            {"child_id": "A", "plan_id": "PA", "review_date": "2012-01-01"},
            {"child_id": "B", "plan_id": "PB", "review_date": "2012-01-02"},
            {"child_id": "D", "plan_id": "PD", "review_date": "2011-09-01"},
            *[
                {"child_id": "E", "plan_id": "PE", "review_date": d}
                for d in ("2010-06-01", "2010-12-01", "2011-06-01", "2011-12-01")
            ],
            *[
                {"child_id": "G", "plan_id": "PG", "review_date": d}
                for d in ("2010-06-01", "2010-12-05", "2011-06-05", "2011-12-05")
            ],
        ],
    )
    assert figure(data, "NI67", "2011-12") == (60.0, 3, 5)
    # in 2010-11 (snapshot 31 Mar 2011) only E and G qualify; G's 5 Dec 2010 review was
    # 4 days late (due 1 Dec 2010) -> 1 of 2
    assert figure(data, "NI67", "2010-11") == (50.0, 1, 2)


def test_ni67_a_plan_exactly_three_months_old_qualifies() -> None:
    # start 31 Dec 2011 + 3 months = 31 Mar 2012 (on or before the period end): qualifies,
    # and its first review is due that very day. Held 30 Mar: on time.
    data = dataset(
        cp_plans=[_plan("A", "2011-12-31", plan_id="P1")],
        cp_reviews=[{"child_id": "A", "plan_id": "P1", "review_date": "2012-03-30"}],
    )
    assert figure(data, "NI67", "2011-12") == (100.0, 1, 1)


# --- CPP_AT_END and CPP_2YRS_OPEN: snapshots at the period end ----------------------------


def test_children_on_a_plan_at_period_end() -> None:
    # at 31 Mar 2012: A ended that day (not open); B ends 1 Apr 2012 (open); C started that
    # day (open); D has two overlapping plans (counts once as a child); E starts 1 Apr 2012.
    # 3 children; the rate: 3 / 12,000 * 10,000 = 2.5 per 10,000.
    data = dataset(
        cp_plans=[
            _plan("A", "2011-01-01", "2012-03-31"),
            _plan("B", "2011-01-01", "2012-04-01"),
            _plan("C", "2012-03-31"),
            _plan("D", "2011-06-01"),
            _plan("D", "2011-09-01"),
            _plan("E", "2012-04-01"),
        ],
        population=[{"year": 2011, "population": 12_000}, {"year": 2013, "population": 15_000}],
    )
    assert figure(data, "CPP_AT_END", "2011-12") == (3.0, 3, None)
    assert figure(data, "CPP_AT_END", "2011-12 Q4") == (3.0, 3, None)
    # the estimate for the calendar year the financial year starts in: 2011 for 2011-12
    assert figure(data, "CPP_AT_END_RATE", "2011-12") == (2.5, 3, 12_000)
    # 2012-13: no 2012 estimate, so the latest earlier one (2011), never the later 2013.
    # At 31 Mar 2013: C, D and E are open (B ended 1 Apr 2012) -> 3 / 12,000 = 2.5
    assert figure(data, "CPP_AT_END_RATE", "2012-13") == (2.5, 3, 12_000)
    # 2010-11: no estimate for 2010 or before -> no rate, though the count stands
    # (at 31 Mar 2011: A and B) and the population is left empty
    assert figure(data, "CPP_AT_END_RATE", "2010-11") == (None, 2, None)


def test_open_plans_of_two_years_or_more() -> None:
    # at 31 Mar 2012: A from 31 Mar 2010 (exactly 2 years: counts); B from 1 Apr 2010 (a day
    # short); C ended 31 Mar 2012 (not open). 1 of 2.
    data = dataset(
        cp_plans=[
            _plan("A", "2010-03-31"),
            _plan("B", "2010-04-01"),
            _plan("C", "2009-01-01", "2012-03-31"),
        ]
    )
    assert figure(data, "CPP_2YRS_OPEN", "2011-12") == (50.0, 1, 2)


def test_open_plan_from_a_leap_day_at_a_month_end() -> None:
    # Feb 2022 (2021-22 M11) ends 28 Feb 2022, the second anniversary of 29 Feb 2020.
    # Jan 2022 ends 31 Jan 2022: not yet 2 years.
    data = dataset(cp_plans=[_plan("A", "2020-02-29")])
    assert figure(data, "CPP_2YRS_OPEN", "Feb 2022") == (100.0, 1, 1)
    assert figure(data, "CPP_2YRS_OPEN", "Jan 2022") == (0.0, 0, 1)
