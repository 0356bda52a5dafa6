"""Looked-after children and care leavers, hand-worked at their edges.

Looked after at a date: an episode that started on or before it and had not ceased by it
(no DEC, or DEC after the date). V3/V4 (agreed short breaks) episodes are left out of every
count. An episode starts a new placement unless its RNE is L (legal status change only).
"""

from __future__ import annotations

from _indicator_builders import dataset, figure


def _ep(
    child: str, start: str, end: str | None = None, rne: str = "P", ls: str = "C2", pl: str = "U1"
):
    return {
        "child_id": child,
        "episode_start": start,
        "episode_end": end,
        "rne": rne,
        "legal_status": ls,
        "placement": pl,
    }


# --- CLA_AT_END ------------------------------------------------------------------------------


def test_children_looked_after_at_period_end() -> None:
    # at 31 Mar 2012: 1 open since January (counts); 2 ceased 31 Mar (not: ceased by the
    # date); 3 ceases 1 Apr (counts); 4 started 31 Mar (counts); 5 is on V3 short breaks
    # (left out); 6 starts 1 Apr (not yet); 7 changed legal status on 1 Feb (two episodes,
    # one child: counts once). 4 children; 4 / 8,000 * 10,000 = 5 per 10,000.
    data = dataset(
        la_episodes=[
            _ep("1", "2012-01-01", rne="S"),
            _ep("2", "2011-05-01", "2012-03-31", rne="S"),
            _ep("3", "2011-05-01", "2012-04-01", rne="S"),
            _ep("4", "2012-03-31", rne="S"),
            _ep("5", "2012-03-01", ls="V3", rne="S"),
            _ep("6", "2012-04-01", rne="S"),
            _ep("7", "2011-10-01", "2012-02-01", rne="S"),
            _ep("7", "2012-02-01", rne="L"),
        ],
        population=[{"year": 2011, "population": 8_000}],
    )
    assert figure(data, "CLA_AT_END", "2011-12") == (4.0, 4, None)
    assert figure(data, "CLA_AT_END_RATE", "2011-12") == (5.0, 4, 8_000)
    # the rate has 0 decimals and rounds half away from zero: 5 / 8,000 * 10,000 = 6.25 -> 6
    data.set(
        "population", dataset(population=[{"year": 2011, "population": 6_400}]).table("population")
    )
    assert figure(data, "CLA_AT_END_RATE", "2011-12") == (6.0, 4, 6_400)  # 6.25 -> 6


def test_rate_rounds_half_away_from_zero() -> None:
    # 1 child / 20,000 * 10,000 = 0.5 -> 1 (not banker's 0)
    data = dataset(
        la_episodes=[_ep("1", "2012-01-01", rne="S")],
        population=[{"year": 2011, "population": 20_000}],
    )
    assert figure(data, "CLA_AT_END_RATE", "2011-12") == (1.0, 1, 20_000)


# --- NI 62: three or more placements in the 12 months to period end -----------------------


def test_ni62_placements_legal_status_changes_and_the_window_start() -> None:
    # 12 months to 31 Mar 2012 = 1 Apr 2011 - 31 Mar 2012.
    # A: in place since 1 Jan 2011 (counts: in place at the start), 1 Jun 2011 RNE L (same
    #    placement), 1 Sep 2011 RNE P (2nd), 1 Dec 2011 RNE T (3rd)            -> 3: yes
    # B: 1 Jan 2011, then RNE L on 1 Jun 2011 and 1 Sep 2011: legal status only -> 1: no
    #    (three episodes, but one placement)
    # C: a placement ceased 1 Apr 2011 (not in place on the first day), then P on 1 Apr 2011
    #    and P on 1 Aug 2011                                                    -> 2: no
    # D: a placement from 1 Mar 2011 in place on 1 Apr 2011 (ceased 2 Apr), P 2 Apr, P 1 Aug
    #                                                                          -> 3: yes
    # E: two V3 short-break episodes, then a full care episode from 1 Jul 2011 -> 1: no
    # F: on V4 short breaks at 31 Mar 2012: not in the denominator at all.
    # G: ceased 31 Mar 2012 after 3 placements: not looked after at period end.
    # 2 of 5 = 40.0%.
    data = dataset(
        la_episodes=[
            _ep("A", "2011-01-01", "2011-06-01", rne="S"),
            _ep("A", "2011-06-01", "2011-09-01", rne="L", ls="C1"),
            _ep("A", "2011-09-01", "2011-12-01", rne="P", ls="C1"),
            _ep("A", "2011-12-01", rne="T", ls="E1"),
            _ep("B", "2011-01-01", "2011-06-01", rne="S", ls="V2"),
            _ep("B", "2011-06-01", "2011-09-01", rne="L", ls="C1"),
            _ep("B", "2011-09-01", rne="L", ls="C2"),
            _ep("C", "2011-01-01", "2011-04-01", rne="S"),
            _ep("C", "2011-04-01", "2011-08-01", rne="P"),
            _ep("C", "2011-08-01", rne="P"),
            _ep("D", "2011-03-01", "2011-04-02", rne="S"),
            _ep("D", "2011-04-02", "2011-08-01", rne="P"),
            _ep("D", "2011-08-01", rne="P"),
            _ep("E", "2011-05-01", "2011-05-05", rne="S", ls="V3"),
            _ep("E", "2011-06-01", "2011-06-05", rne="S", ls="V3"),
            _ep("E", "2011-07-01", rne="S"),
            _ep("F", "2012-03-01", rne="S", ls="V4"),
            _ep("G", "2011-05-01", "2011-07-01", rne="S"),
            _ep("G", "2011-07-01", "2011-09-01", rne="P"),
            _ep("G", "2011-09-01", "2012-03-31", rne="P"),
        ]
    )
    assert figure(data, "NI62", "2011-12") == (40.0, 2, 5)


def test_ni62_quarter_is_a_snapshot_with_its_own_12_months() -> None:
    # at 30 Sep 2011 the 12 months run 1 Oct 2010 - 30 Sep 2011. A child placed 1 Nov 2010,
    # moved 1 May 2011 and 1 Sep 2011 has 3 placements then; at 31 Mar 2012 (1 Apr 2011 - 31
    # Mar 2012) the placement in place on 1 Apr 2011 counts, so still 3.
    # At 30 Sep 2012 (1 Oct 2011 - 30 Sep 2012) only the September 2011 one: 1.
    data = dataset(
        la_episodes=[
            _ep("A", "2010-11-01", "2011-05-01", rne="S"),
            _ep("A", "2011-05-01", "2011-09-01"),
            _ep("A", "2011-09-01"),
        ]
    )
    assert figure(data, "NI62", "2011-12 Q2") == (100.0, 1, 1)
    assert figure(data, "NI62", "2011-12") == (100.0, 1, 1)
    assert figure(data, "NI62", "2012-13 Q2") == (0.0, 0, 1)


# --- NI 63: long-term placement stability -------------------------------------------------


def test_ni63_long_term_stability() -> None:
    # snapshot 31 Mar 2012: under 16, looked after continuously 30 months or more (since
    # 30 Sep 2009 or earlier), in the same placement 2 years or more (since 31 Mar 2010 or
    # earlier) or placed for adoption.
    # A: care from 1 Jan 2009; placement from 31 Mar 2010 (exactly 2 years); an RNE L
    #    episode on 1 Oct 2011 keeps the placement                               -> yes
    # B: care from 1 Jan 2009; placement from 1 Apr 2010 (a day short)           -> no
    # C: care (and placement) from 30 Sep 2009: 30 months exactly on 31 Mar 2012 -> yes
    # D: care from 1 Oct 2009: 30 months only on 1 Apr 2012: not in the denominator
    # E: 16 on 31 Mar 2012 (born 31 Mar 1996): not under 16: not in the denominator
    # E2: born 1 Apr 1996, 16 the next day: under 16; placed since 2008            -> yes
    # F: care from 2008, placed for adoption (A4) on 1 Jan 2012                  -> yes
    # G: care from 2008, moved to another foster placement on 1 Jan 2012         -> no
    # H: care ceased 1 Jun 2010 and restarted 2 Jun 2010 (a gap): continuous care only
    #    from 2 Jun 2010, under 30 months: not in the denominator
    # 4 of 6 = 66.7%.
    born = "2000-01-01"
    data = dataset(
        la_episodes=[
            _ep("A", "2009-01-01", "2010-03-31", rne="S"),
            _ep("A", "2010-03-31", "2011-10-01"),
            _ep("A", "2011-10-01", rne="L", ls="C1"),
            _ep("B", "2009-01-01", "2010-04-01", rne="S"),
            _ep("B", "2010-04-01"),
            _ep("C", "2009-09-30", rne="S"),
            _ep("D", "2009-10-01", rne="S"),
            _ep("E", "2008-01-01", rne="S"),
            _ep("E2", "2008-01-01", rne="S"),
            _ep("F", "2008-01-01", "2012-01-01", rne="S"),
            _ep("F", "2012-01-01", pl="A4"),
            _ep("G", "2008-01-01", "2012-01-01", rne="S"),
            _ep("G", "2012-01-01", pl="U3"),
            _ep("H", "2008-01-01", "2010-06-01", rne="S"),
            _ep("H", "2010-06-02", rne="S"),
        ],
        children=[
            *[{"child_id": c, "dob": born} for c in ("A", "B", "C", "D", "F", "G", "H")],
            {"child_id": "E", "dob": "1996-03-31"},
            {"child_id": "E2", "dob": "1996-04-01"},
        ],
    )
    assert figure(data, "NI63", "2011-12") == (66.7, 4, 6)


# --- NI 66: looked-after reviews on time ------------------------------------------------------


def test_ni66_reviews_on_time_late_overdue_and_legal_status_changes() -> None:
    # Snapshot 31 Mar 2012, reviews of the year to date (1 Apr 2011 - 31 Mar 2012). Children
    # qualify when looked after continuously for 28 days or more by 31 Mar (care start on or
    # before 3 Mar 2012). First review within 20 working days of the care start (day 0),
    # second within 3 months of the first, later ones within 6 months of the one before.
    #
    # A: care from Thu 1 Dec 2011. Dec: Fri 2(1), 5-9(2-6), 12-16(7-11), 19-23(12-16);
    #    26, 27 bank holidays; 28(17) 29(18) 30(19); Mon 2 Jan holiday; Tue 3 Jan = day 20.
    #    Reviewed 3 Jan 2012: on time; next due 3 Apr 2012.                     -> on time
    # B: same start, reviewed 4 Jan 2012: one day late.                         -> late
    # C: care from Sun 4 Mar 2012: 28 days only on 1 Apr: not in the denominator.
    # D: care from Sat 3 Mar 2012 (a weekend start: Mon 5 = day 1): 5-9(1-5), 12-16(6-10),
    #    19-23(11-15), 26-30(16-20): day 20 = Fri 30 Mar; reviewed that day.     -> on time
    # E: care from 1 Jan 2010; reviews 20 Jan 2010, 20 Apr 2010, 20 Oct 2010, 20 Apr 2011 on
    #    time, then 21 Oct 2011: one day late (due 20 Oct 2011).                -> late
    # F: as E but 20 Oct 2011 (on time; next due 20 Apr 2012). F's legal status changed on
    #    1 Jun 2011 (RNE L): the same period of care, so the clock does not restart.
    #                                                                           -> on time
    # G: as F but the April 2010 review was a day late (21 Apr 2010, in 2010-11) and every
    #    later one 6 months after the one before: on time in 2011-12.          -> on time
    # H: on V3 short breaks: left out.
    # 4 of 6 = 66.7%.
    long_on_time = ["2010-01-20", "2010-04-20", "2010-10-20", "2011-04-20", "2011-10-20"]
    data = dataset(
        la_episodes=[
            _ep("A", "2011-12-01", rne="S"),
            _ep("B", "2011-12-01", rne="S"),
            _ep("C", "2012-03-04", rne="S"),
            _ep("D", "2012-03-03", rne="S"),
            _ep("E", "2010-01-01", rne="S"),
            _ep("F", "2010-01-01", "2011-06-01", rne="S"),
            _ep("F", "2011-06-01", rne="L", ls="C1"),
            _ep("G", "2010-01-01", rne="S"),
            _ep("H", "2011-01-01", rne="S", ls="V3"),
        ],
        la_reviews=[
            {"child_id": "A", "review_date": "2012-01-03"},
            {"child_id": "B", "review_date": "2012-01-04"},
            {"child_id": "D", "review_date": "2012-03-30"},
            *[{"child_id": "E", "review_date": d} for d in long_on_time[:4] + ["2011-10-21"]],
            *[{"child_id": "F", "review_date": d} for d in long_on_time],
            *[
                {"child_id": "G", "review_date": d}
                for d in ["2010-01-20", "2010-04-21", "2010-10-21", "2011-04-21", "2011-10-21"]
            ],
        ],
    )
    assert figure(data, "NI66", "2011-12") == (66.7, 4, 6)
    # 2010-11 (31 Mar 2011): E, F, G qualify (H is on short breaks); G's 21 Apr 2010 review
    # was a day late -> 2 of 3
    assert figure(data, "NI66", "2010-11") == (66.7, 2, 3)


def test_ni66_first_review_missing_is_overdue() -> None:
    # care from Thu 1 Mar 2012: 28 days on 29 Mar, so it qualifies; first review due
    # Fri 2(1) .. Thu 29 Mar 2012 (day 20) and none held by 31 Mar: overdue.
    data = dataset(la_episodes=[_ep("A", "2012-03-01", rne="S")], la_reviews=[])
    assert figure(data, "NI66", "2011-12") == (0.0, 0, 1)


# --- NI 147 / NI 148: care leavers aged 19-21 -----------------------------------------------


def _leaver(child, dob, accommodation, activity, year="2011-12", in_touch="YES") -> dict:
    return {
        "child_id": child,
        "dob": dob,
        "collection_year": year,
        "in_touch": in_touch,
        "accommodation": accommodation,
        "activity": activity,
    }


def test_care_leavers_accommodation_and_activity() -> None:
    # 2011-12 return; 19th, 20th or 21st birthdays between 1 Apr 2011 and 31 Mar 2012:
    # Y1 born 10 May 1992 (19 on 10 May 2011): K1 suitable, F2 in education     -> both
    # Y2 born 1 Apr 1991 (20 on 1 Apr 2011, the first day): B2 unsuitable, F4 EET
    # Y3 born 31 Mar 1991 (21 on 31 Mar 2012, the last day): not in touch, 0/0    -> neither
    # Y4 born 15 Jun 1994 (17): not aged 19-21: left out
    # Y5 died: left out
    # Y6 born 5 May 1991 (20 on 5 May 2011): U1 suitable, P5 part-time EET       -> both
    # Y7 born 1 Feb 1993, 2012-13 return: its birthday in that year is the 20th (Feb
    #    2013); its 19th (Feb 2012) belongs to the 2011-12 return, so not counted here.
    # Y8 born 1 Jun 1991 (20 on 1 Jun 2011): G5 NEET, accommodation blank          -> neither
    # NI 147: 2 of 5 = 40.0%; NI 148: 3 of 5 = 60.0%.
    data = dataset(
        care_leavers=[
            _leaver("Y1", "1992-05-10", "K1", "F2"),
            _leaver("Y2", "1991-04-01", "B2", "F4"),
            _leaver("Y3", "1991-03-31", "0", "0", in_touch="NO"),
            _leaver("Y4", "1994-06-15", "K1", "F1"),
            _leaver("Y5", "1992-06-01", "0", "0", in_touch="DIED"),
            _leaver("Y6", "1991-05-05", "U1", "P5"),
            _leaver("Y7", "1993-02-01", "K1", "F1", year="2012-13"),
            _leaver("Y8", "1991-06-01", None, "G5"),
        ]
    )
    assert figure(data, "NI147", "2011-12") == (40.0, 2, 5)
    assert figure(data, "NI148", "2011-12") == (60.0, 3, 5)
    # Q1 year to date (Apr-Jun 2011): Y1, Y2, Y6, Y8 -> NI 147 2 of 4, NI 148 3 of 4
    assert figure(data, "NI147", "2011-12 Q1") == (50.0, 2, 4)
    assert figure(data, "NI148", "2011-12 Q1") == (75.0, 3, 4)
