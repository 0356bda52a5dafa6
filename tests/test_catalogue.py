"""The indicator catalogue as data, and councils' local indicator files."""

from __future__ import annotations

from pathlib import Path

import pytest
from safeguarding.catalogue import (
    Catalogue,
    catalogue,
    format_value,
    get_indicator,
    load_local_indicators,
    round_half_up,
)
from safeguarding.indicators import RULES
from safeguarding.periods import Period
from safeguarding.schema import TABLES
from safeguarding.validation import InputError

BRIEF = {
    # id: polarity, as the BRIEF's table gives them
    "NI59": "high",
    "NI60": "high",
    "NI62": "low",
    "NI63": "high",
    "NI64": "low",
    "NI65": "band",
    "NI66": "high",
    "NI67": "high",
    "NI68": "high",
    "NI147": "high",
    "NI148": "high",
    "CPP_AT_END": "none",
    "CLA_AT_END": "none",
    "REFERRALS": "none",
    "REREFERRAL_12M": "low",
    "ASSESS_45WD": "high",
    "ICPC_15WD": "high",
    "CPP_2YRS_OPEN": "low",
}


def test_every_brief_indicator_is_in_the_catalogue_with_its_polarity() -> None:
    cat = catalogue()
    for indicator_id, polarity in BRIEF.items():
        assert cat[indicator_id].polarity == polarity, indicator_id
    assert cat["NI65"].band == (10.0, 15.0)
    for rate in ("CPP_AT_END_RATE", "CLA_AT_END_RATE", "REFERRALS_RATE"):
        assert cat[rate].unit == "rate_per_10000"
        assert "population" in cat[rate].tables


def test_every_entry_is_complete_and_consistent() -> None:
    for ind in catalogue():
        assert ind.title and ind.numerator and ind.why, ind.id
        if ind.rule is None:
            # published only by DfE (the workforce census): a comparator, never computed
            assert ind.dfe and not ind.tables and not ind.versions, ind.id
            continue
        assert ind.rule in RULES, ind.id
        assert ind.versions, ind.id
        assert set(ind.tables) <= set(TABLES), ind.id
        # the tables the rule reads (for each version's params) are declared, so that an
        # absent one makes the indicator not computable rather than zero
        for version in ind.versions:
            assert set(RULES[ind.rule].tables(version.params)) <= set(ind.tables), ind.id
        if ind.unit == "percent":
            assert ind.denominator, ind.id


@pytest.mark.parametrize(
    ("indicator_id", "window"),
    [
        ("NI62", "snapshot"),
        ("NI63", "snapshot"),
        ("CPP_AT_END", "snapshot"),
        ("CLA_AT_END", "snapshot"),
        ("CPP_2YRS_OPEN", "snapshot"),
        ("REFERRALS", "in_period"),
        ("NI59", "year_to_date"),
        ("NI64", "year_to_date"),
    ],
)
def test_windows(indicator_id: str, window: str) -> None:
    assert catalogue()[indicator_id].window == window


def test_ni59_versions_7_then_10_working_days() -> None:
    ni59 = catalogue()["NI59"]
    assert ni59.version_for("2008-09").params["working_days"] == 7
    assert ni59.version_for("2009-10 Q4").params["working_days"] == 7
    assert ni59.version_for("2010-11 Q1").params["working_days"] == 10
    assert ni59.version_for("2007-08") is None
    # a report spanning the change gets a footnote; one that does not, none
    spanning = [Period(2009, 4), Period(2010, 1)]
    assert ni59.changed_definition_note(spanning) == (
        "10 working days from 2010-11. Previously 7 working days (until 2009-10)."
    )
    assert ni59.changed_definition_note([Period(2010, 1), Period(2010, 2)]) is None


def test_old_and_new_assessment_definitions_do_not_overlap() -> None:
    cat = catalogue()
    for old in ("NI59", "NI60", "NI68"):
        assert cat[old].applies_to("2013-14 Q4") and not cat[old].applies_to("2014-15")
        assert not cat[old].applies_to("2007-08")
    assert not cat["ASSESS_45WD"].applies_to("2013-14")
    assert cat["ASSESS_45WD"].applies_to("2014-15 Q1")


def test_rounding_and_formatting() -> None:
    assert round_half_up(66.65, 1) == 66.7  # half away from zero, not float noise
    assert round_half_up(0.5, 0) == 1.0 and round_half_up(2.5, 0) == 3.0
    assert round_half_up(-0.25, 1) == -0.3
    assert format_value(92.66, "percent", 1) == "92.7%"
    assert format_value(1616, "count", 0) == "1,616"
    assert format_value(43.21, "rate_per_10000", 1) == "43.2 per 10,000"
    assert format_value(None, "percent", 1) == "n/a"
    assert (
        catalogue()["NI65"]
        .polarity_sentence()
        .startswith("For this indicator performance is good within the band of 10.0% to 15.0%")
    )
    assert "low score" in catalogue()["NI62"].polarity_sentence()


def test_unknown_id_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="unknown indicator 'NI1'; known: NI59"):
        catalogue()["NI1"]


# --- local indicators ------------------------------------------------------------------------

GOOD = """\
# local indicators for a council
- id: SCREENED_1WD
  title: Referrals screened within 1 working day
  unit: percent
  decimals: 1
  polarity: high
- id: CASELOAD
  title: Average social worker caseload
  unit: count
  decimals: 0
  polarity: band
  band: [15, 20]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "indicators.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _messages(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(i) for i in exc.value.issues]


def test_local_indicators_load(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    local = load_local_indicators(path)
    assert [i.id for i in local] == ["SCREENED_1WD", "CASELOAD"]
    assert all(i.local and i.theme == "local" and not i.computable for i in local)
    assert local[1].band == (15.0, 20.0)
    # the same under an `indicators:` key
    assert len(load_local_indicators(_write(tmp_path, "indicators:\n" + GOOD))) == 2
    cat = catalogue().with_local(path)
    assert isinstance(cat, Catalogue) and len(cat) == len(catalogue()) + 2
    assert cat["SCREENED_1WD"].polarity_sentence().startswith("For this indicator a high")
    assert get_indicator("CASELOAD", path).decimals == 0
    assert catalogue().with_local(None) is catalogue()
    assert load_local_indicators(_write(tmp_path, "# nothing yet\n")) == []


@pytest.mark.parametrize(
    ("entry", "column", "words"),
    [
        ("{id: X, unit: percent, decimals: 1, polarity: high}", "title", "is required"),
        ("{id: X, title: t, unit: percentage, decimals: 1, polarity: high}", "unit", "unit must"),
        ("{id: X, title: t, unit: percent, decimals: 1, polarity: good}", "polarity", "polarity"),
        ("{id: X, title: t, unit: percent, decimals: two, polarity: high}", "decimals", "0 to 4"),
        ("{id: X, title: t, unit: percent, decimals: 9, polarity: high}", "decimals", "0 to 4"),
        ("{id: X, title: t, unit: count, decimals: 0, polarity: band, band: [1]}", "band", "two"),
        (
            "{id: X, title: t, unit: count, decimals: 0, polarity: band, band: [ten, 15]}",
            "band",
            "two numbers",
        ),
        (
            "{id: X, title: t, unit: count, decimals: 0, polarity: high, window: weekly}",
            "window",
            "window must",
        ),
        (
            "{id: X, title: t, unit: count, decimals: 0, polarity: high, valid_from: 2011}",
            "valid_from",
            "Accepted forms",
        ),
        (
            "{id: X, title: t, unit: count, decimals: 0, polarity: high, tables: [plans]}",
            "tables",
            "unknown tables",
        ),
        (
            "{id: X, title: t, unit: count, decimals: 0, polarity: high, versions: [{params: {}}]}",
            "versions",
            "needs 'from'",
        ),
        (
            "{id: X, title: t, unit: count, decimals: 0, polarity: high, versions: [{from: 2011}]}",
            "versions",
            "Accepted forms",
        ),
    ],
)
def test_bad_local_entries_name_the_file_entry_and_key(
    tmp_path: Path, entry: str, column: str, words: str
) -> None:
    # the good entry first, so the bad one is entry 2
    path = _write(
        tmp_path,
        "- {id: OK, title: ok, unit: count, decimals: 0, polarity: low}\n- " + entry + "\n",
    )
    with pytest.raises(InputError) as exc:
        load_local_indicators(path)
    (message,) = _messages(exc)
    assert str(path) in message
    assert "entry 2" in message
    assert f"column {column}" in message
    assert words in message


def test_every_bad_entry_is_reported_at_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "- {id: A, title: a, unit: count, decimals: 0, polarity: low}\n"
        "- {id: A, title: again, unit: count, decimals: 0, polarity: low}\n"
        "- just text\n"
        "- {id: C, title: c, unit: weeks, decimals: 0, polarity: sideways}\n",
    )
    with pytest.raises(InputError) as exc:
        load_local_indicators(path)
    messages = _messages(exc)
    assert any("entry 2" in m and "column id" in m and "twice" in m for m in messages)
    assert any("entry 3" in m and "not a mapping" in m for m in messages)
    assert any("entry 4" in m and "column unit" in m for m in messages)
    assert any("entry 4" in m and "column polarity" in m for m in messages)


def test_a_local_id_may_not_replace_a_built_in_one(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "- {id: NI62, title: mine, unit: percent, decimals: 1, polarity: low}\n"
    )
    with pytest.raises(InputError) as exc:
        catalogue().with_local(path)
    (message,) = _messages(exc)
    assert str(path) in message and "column id" in message and "built-in" in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("- {id: [unclosed\n", "not valid YAML"),
        ("id: X\ntitle: t\n", "expected a list"),
    ],
)
def test_a_file_that_is_not_a_list_of_entries(tmp_path: Path, text: str, words: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=words) as exc:
        load_local_indicators(path)
    assert str(path) in _messages(exc)[0]


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_local_indicators(tmp_path / "absent.yaml")
