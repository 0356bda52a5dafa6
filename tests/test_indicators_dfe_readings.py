"""The rules that read DfE's definitions, hand-worked at their edges: NI 63 with adoption
(the adoptive placement and the one before it together), NI 66 counting the reviews due in
the period, ICPC_15WD leaving out conferences that cannot be timed."""

from __future__ import annotations

from _indicator_builders import dataset, figure
from test_indicators_la import _ep

BORN = "2000-01-01"


# --- NI 63: placed for adoption ----------------------------------------------------------


def test_ni63_adoption_counts_with_the_placement_before_it() -> None:
    # snapshot 31 Mar 2012; every child under 16, in care continuously since 1 Jan 2009
    # (over 30 months). DfE: placed for adoption counts only where the adoptive placement
    # and the placement before it together have lasted 2 years (on or after the anniversary).
    # P: foster from 31 Mar 2010, placed for adoption (A3) 1 Jan 2012: 31 Mar 2010 + 2 years
    #    = 31 Mar 2012, exactly                                                   -> yes
    # Q: foster from 1 Apr 2010, adoption 1 Jan 2012: a day short               -> no
    #    (every A-code placement counted before: the old reading said yes)
    # R: foster from 1 Jan 2009 to 1 Jan 2011, then foster again, then adoption 1 Jan 2012:
    #    the placement before the adoptive one began 1 Jan 2011                 -> no
    # S: as P but the foster placement's legal status changed 1 Jun 2011 (RNE L): one
    #    placement from 31 Mar 2010                                              -> yes
    # T: adoption placement (A5) since 1 Jan 2009, the first of its period of care: counts
    #    from its own start (over 3 years)                                      -> yes
    # 3 of 5 = 60.0%
    data = dataset(
        la_episodes=[
            _ep("P", "2009-01-01", "2010-03-31", rne="S"),
            _ep("P", "2010-03-31", "2012-01-01"),
            _ep("P", "2012-01-01", pl="A3"),
            _ep("Q", "2009-01-01", "2010-04-01", rne="S"),
            _ep("Q", "2010-04-01", "2012-01-01"),
            _ep("Q", "2012-01-01", pl="A3"),
            _ep("R", "2009-01-01", "2011-01-01", rne="S"),
            _ep("R", "2011-01-01", "2012-01-01", pl="U4"),
            _ep("R", "2012-01-01", pl="A4"),
            _ep("S", "2009-01-01", "2010-03-31", rne="S"),
            _ep("S", "2010-03-31", "2011-06-01"),
            _ep("S", "2011-06-01", "2012-01-01", rne="L", ls="C1"),
            _ep("S", "2012-01-01", pl="A6"),
            _ep("T", "2009-01-01", rne="S", pl="A5"),
        ],
        children=[{"child_id": c, "dob": BORN} for c in "PQRST"],
    )
    assert figure(data, "NI63", "2011-12") == (60.0, 3, 5)
    # a day earlier (Q3 snapshot 31 Dec 2011) none is placed for adoption yet: P, S in the
    # same placement since 31 Mar 2010 (1 year 9 months) -> no; Q no; R no; T yes: 1 of 5
    assert figure(data, "NI63", "2011-12 Q3") == (20.0, 1, 5)


# --- NI 66: the reviews due in the period ------------------------------------------------


def _reviews(child: str, *dates: str) -> list[dict]:
    return [{"child_id": child, "review_date": d} for d in dates]


def _ni66_data():
    # Every child in care since Fri 1 Jan 2010; first review 20 Jan 2010 (within 20 working
    # days), second 20 Apr 2010 (3 months), later ones due 6 months after the one before.
    # J: 25 Sep 2010 (next due 25 Mar 2011), held 5 Apr 2011: due in 2010-11, held late in
    #    2011-12; then 5 Oct 2011 on time (next due 5 Apr 2012, after the year).
    # K: no review after 20 Apr 2010: due 20 Oct 2010, and (missed) 20 Apr 2011, 20 Oct 2011.
    # L: on time to 20 Apr 2011; the next, due 20 Oct 2011, held only 20 Apr 2012.
    # M: 20 Sep 2010 (next due 20 Mar 2011), held 25 Sep 2011: a whole cycle late, so the
    #    missed 20 Sep 2011 falls in 2011-12; then 25 Mar 2012 on time.
    start = ("2010-01-20", "2010-04-20")
    return dataset(
        la_episodes=[_ep(c, "2010-01-01", rne="S") for c in "JKLM"],
        la_reviews=[
            *_reviews("J", *start, "2010-09-25", "2011-04-05", "2011-10-05"),
            *_reviews("K", *start),
            *_reviews("L", *start, "2010-10-20", "2011-04-20", "2012-04-20"),
            *_reviews("M", *start, "2010-09-20", "2011-09-25", "2012-03-25"),
        ],
    )


def test_ni66_a_late_review_counts_in_the_year_it_was_due() -> None:
    data = _ni66_data()
    # 2011-12: J on time (its late review was due in 2010-11); K fails (missed reviews keep
    # falling due: 20 Apr and 20 Oct 2011); L fails (due 20 Oct 2011, not held by 31 Mar
    # 2012); M fails (20 Sep 2011 missed). 1 of 4.
    assert figure(data, "NI66", "2011-12") == (25.0, 1, 4)
    # 2010-11: J fails (due 25 Mar 2011, not held by 31 Mar); K fails (20 Oct 2010); L on
    # time (next due 20 Apr 2011); M fails (due 20 Mar 2011). 1 of 4.
    assert figure(data, "NI66", "2010-11") == (25.0, 1, 4)


def test_ni66_year_to_date_quarters() -> None:
    data = _ni66_data()
    # 2011-12 Q1 (1 Apr - 30 Jun 2011): J's 5 Apr review was due 25 Mar (2010-11): on time;
    # K: missed 20 Apr 2011 -> fails; L: 20 Apr 2011 on time, next due 20 Oct -> on time;
    # M: its outstanding review (due 20 Mar 2011) is missed again only on 20 Sep 2011 ->
    # no due date in Q1 -> on time. 3 of 4.
    assert figure(data, "NI66", "2011-12 Q1") == (75.0, 3, 4)
    # Q2 (1 Apr - 30 Sep 2011): M's 20 Sep 2011 now falls in the window -> 2 of 4.
    assert figure(data, "NI66", "2011-12 Q2") == (50.0, 2, 4)


# --- ICPC_15WD: conferences that cannot be timed -----------------------------------------


def test_icpc_without_an_enquiry_start_is_left_out() -> None:
    # s47 started Mon 2 Jul 2012 (day 0): 3-6 Jul days 1-4, 9-13 5-9, 16-20 10-14, Mon 23 Jul
    # is day 15. A conference on 23 Jul is on time, on 24 Jul late; a conference with no
    # enquiry start cannot be timed: neither on time nor late. 1 of 2 = 50.0%.
    data = dataset(
        section47=[
            {"s47_start_date": "2012-07-02", "icpc_date": "2012-07-23"},
            {"s47_start_date": "2012-07-02", "icpc_date": "2012-07-24"},
            {"s47_start_date": None, "icpc_date": "2012-07-20"},
        ]
    )
    assert figure(data, "ICPC_15WD", "2012-13") == (50.0, 1, 2)
    only_untimed = dataset(section47=[{"s47_start_date": None, "icpc_date": "2012-07-20"}])
    assert figure(only_untimed, "ICPC_15WD", "2012-13") == (None, 0, 0)  # not 0.0%
