"""Drafted commentary: honest words for in-line and chance-sized changes; analyst text."""

from __future__ import annotations

import pytest
from safeguarding.catalogue import catalogue
from safeguarding.narrative import combine_commentary, draft_commentary

NI59 = catalogue()["NI59"]


def row(**overrides):
    base = {
        "authority": "350",
        "indicator": "NI59",
        "period": "2008-09 Q2",
        "value": 92.7,
        "vs_previous_year_end": "improved",
        "previous_year_end_value": 89.4,
        "vs_previous_quarter": "not_comparable",
        "previous_quarter_value": None,
        "vs_england": "better",
        "england_value": 70.7,
        "vs_region": "not_available",
        "region_value": None,
        "vs_neighbours": "better",
        "neighbours_value": 71.2,
        "comparator_year": "",
        "vs_target": "missed",
        "target": 95.0,
        "small_numbers": False,
        "provisional": False,
    }
    base.update(overrides)
    return base


def test_the_issue_example_sentence():
    text = draft_commentary(row(), NI59)
    assert (
        "Performance improved from 89.4% at the last year end and is above the England (70.7%) "
        "and statistical-neighbour (71.2%) averages; it remains below the 95% target."
    ) in text
    assert text.startswith("In quarter 2 of 2008-09 (July to September 2008) the figure was 92.7%.")


def test_in_line_is_never_better_or_worse():
    text = draft_commentary(
        row(
            vs_england="in_line", vs_neighbours="in_line", england_value=92.6, neighbours_value=92.9
        ),
        NI59,
    )
    assert "in line with the England (92.6%) and statistical-neighbour (92.9%) averages" in text
    for word in ("better", "worse", " above the England", " below the England"):
        assert word not in text


def test_mixed_comparators_and_region():
    text = draft_commentary(
        row(
            vs_neighbours="in_line",
            neighbours_value=92.5,
            vs_region="worse",
            region_value=95.0,
            region="North West",
            comparator_year="2007-08",
        ),
        NI59,
    )
    assert (
        "is above the England average (70.7%) and below the North West regional average "
        "(95.0%) and in line with the statistical-neighbour average (92.5%) for 2007-08"
    ) in text


def test_within_normal_variation_and_small_numbers():
    text = draft_commentary(
        row(
            vs_previous_year_end="within_normal_variation",
            vs_previous_quarter="within_normal_variation",
            previous_quarter_value=90.0,
            small_numbers=True,
            numerator=13,
            denominator=14,
        ),
        NI59,
    )
    assert "The change from 89.4% at the last year end is within normal variation" in text
    assert "The change from 90.0% last quarter is within normal variation." in text
    assert "Numbers are small (14 in all)" in text
    assert "improved" not in text


def test_polarity_sentence_closes_and_can_be_left_out():
    assert draft_commentary(row(), NI59).endswith(NI59.polarity_sentence())
    assert NI59.polarity_sentence() not in draft_commentary(row(), NI59, polarity_sentence=False)


def test_missing_figure():
    text = draft_commentary(row(value=float("nan")), NI59)
    assert text.startswith("No figure is available for quarter 2 of 2008-09")


def test_combine_commentary_replace_and_follow():
    drafted = "Drafted paragraph."
    analyst = "Management attention is addressing this."
    assert combine_commentary(drafted, analyst) == analyst
    assert combine_commentary(drafted, analyst, "replace") == analyst
    assert combine_commentary(drafted, analyst, "follow") == f"{drafted}\n\n{analyst}"
    assert combine_commentary(drafted, "   ", "replace") == drafted
    assert combine_commentary(drafted, None, "follow") == drafted
    with pytest.raises(ValueError, match="replace, follow"):
        combine_commentary(drafted, analyst, "prepend")
