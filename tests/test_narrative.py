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


def test_a_year_to_date_sentence_names_its_months():
    text = draft_commentary(row(numerator=77, denominator=83), NI59)
    # NI 59 is year to date: quarter 2's figure counts April to September, not July to September
    assert text.startswith(
        "In April to September 2008 (year to date) the figure was 92.7% (77 of 83)."
    )
    assert "That is an improvement on 89.4% in 2007-08, a change larger than chance" in text
    assert (
        "The figure is above the England (70.7%) and statistical-neighbour (71.2%) averages."
    ) in text
    assert "It still misses the 95% target, by 2.3 percentage points." in text


def test_a_snapshot_sentence_names_its_day():
    cla = catalogue()["CLA_AT_END"]
    text = draft_commentary(
        row(
            indicator="CLA_AT_END",
            period="2024-25 Q2",
            value=150,
            previous_year_end="2023-24",
            previous_year_end_value=148,
            vs_previous_year_end="within_normal_variation",
            vs_england="not_comparable",
            vs_neighbours="not_comparable",
            vs_target="no_target",
            target=None,
        ),
        cla,
    )
    assert text.startswith("At 30 September 2024 the figure was 150.")
    assert "It was 148 at 31 March 2024; the difference is no more than chance" in text
    assert "quarter 2" not in text


def test_a_part_year_rate_is_given_with_its_12_month_equivalent():
    rate = catalogue()["REFERRALS_RATE"]
    text = draft_commentary(
        row(
            indicator="REFERRALS_RATE",
            period="2024-25 Q2",
            value=175.4,
            annual_factor=4.0,
            value_annual=701.7,
            previous_year_end_value=None,
            vs_england="higher",
            england_value=546.8,
            vs_neighbours="not_available",
            neighbours_value=None,
            comparator_year="2023-24",
            vs_target="no_target",
            target=None,
        ),
        rate,
    )
    assert text.startswith(
        "In July to September 2024 the figure was 175.4 per 10,000, or 701.7 per 10,000 over "
        "a full year at that pace."
    )
    # the annual figure is what meets England's: above it, never "below"
    assert (
        "On that basis the figure is above the England average (546.8 per 10,000) for 2023-24."
    ) in text


def test_1683_to_1681_is_no_significant_change_in_words():
    cpp = catalogue()["CPP_AT_END"]
    text = draft_commentary(
        row(
            indicator="CPP_AT_END",
            period="2024-25 Q2",
            value=1681,
            previous_year_end="2023-24",
            previous_year_end_value=1683,
            vs_previous_year_end="within_normal_variation",
            vs_england="not_comparable",
            vs_neighbours="not_comparable",
            vs_target="no_target",
        ),
        cpp,
    )
    assert (
        "It was 1,683 at 31 March 2024; the difference is no more than chance would explain."
    ) in text
    assert "fell" not in text and "down" not in text
    assert text.count("1,681") == 1 and text.count("1,683") == 1  # no number twice


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
        "The figure is above the England average (70.7%) and below the North West regional average "
        "(95.0%) and in line with the statistical-neighbour average (92.5%) for 2007-08."
    ) in text


def test_rank_and_quartile_sentence():
    text = draft_commentary(row(rank=34, rank_of=152, quartile="B", quartile_year="2007-08"), NI59)
    assert "It would rank 34th of 152 authorities on their 2007-08 figures, in quartile band B" in (
        text
    )


def test_amber_names_the_margin_and_red_does_not_claim_it():
    near = draft_commentary(row(vs_target="near", target=94.0, tolerance=2.0), NI59)
    assert "It misses the 94% target by 1.3 percentage points, within the amber margin of 2" in (
        near
    )
    red = draft_commentary(row(vs_target="missed", target=95.0, tolerance=2.0), NI59)
    assert "amber" not in red and "tolerance" not in red


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
    # both within chance: said once, not twice
    assert (
        "It was 89.4% in 2007-08 and 90.0% last quarter: neither difference is more than "
        "chance would explain."
    ) in text
    assert text.count("chance") == 1
    assert "With 14 children in all" in text
    assert "improve" not in text


def test_polarity_sentence_only_when_asked():
    # the report's section gives it once; the draft does not repeat it
    assert NI59.polarity_sentence() not in draft_commentary(row(), NI59)
    assert draft_commentary(row(), NI59, polarity_sentence=True).endswith(
        NI59.polarity_sentence()
    )


def test_a_band_figure_moving_inside_its_band_is_not_called_unchanged():
    ni65 = catalogue()["NI65"]
    text = draft_commentary(
        row(
            indicator="NI65",
            value=14.0,
            previous_year_end_value=11.0,
            vs_previous_year_end="no_change",  # both inside the 10-15% band
            vs_target="within_band",
            band_low=10.0,
            band_high=15.0,
        ),
        ni65,
    )
    assert "It was 11.0% in 2007-08, also within the band." in text
    assert "unchanged" not in text


def test_missing_figure():
    text = draft_commentary(row(value=float("nan")), NI59)
    assert text == "No figure can be given for April to September 2008 (year to date)."


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
