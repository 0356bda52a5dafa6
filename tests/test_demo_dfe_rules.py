"""The demo's returns pass DfE's own validation rules (Data to Insight's validators, run in
their own environment) for every year the demo writes, but for the rules no fictional
authority can pass (``dfe_rules.FICTIONAL``, named with the reason)."""

from __future__ import annotations

from pathlib import Path

import pytest
from safeguarding import dfe_rules
from safeguarding.exceptions import ValidatorError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def validators() -> Path:
    try:
        return dfe_rules.ensure_environment(ROOT / dfe_rules.DEFAULT_ENV)
    except ValidatorError as exc:  # no PyPI (an offline clone): say so, do not pretend
        pytest.skip(f"the DfE validators could not be installed: {exc}")


def test_the_demo_returns_pass_every_years_rules(small_demo: Path, validators, tmp_path):
    out = tmp_path / "dfe_rules.csv"
    runs = dfe_rules.check_returns(
        small_demo, ["901", "902"], out, environment=validators.parent.parent
    )
    years = {(kind, year) for kind, _, year in runs}
    # the demo writes its last three years as returns: each is checked with its own rule set
    assert years == {(k, y) for k in ("cin", "903") for y in ("2022-23", "2023-24", "2024-25")}
    broken = [f"{r['return']} {r['year']} {r['authority']} rule {r['rule']}: {r['message']} "
              f"({r['records']})" for r in dfe_rules.unexpected(out)]  # fmt: skip
    assert broken == []
    # a rule that cannot run at all is the validator's fault, not the data's: 231 (2024-25)
    # reads a header column (UASC_STATUS) that the validator's own CSV reader never makes
    assert dfe_rules.not_run(out) == {("903", "2024-25", "231")}
    # the summary holds rules and counts only
    assert {tuple(r) for r in dfe_rules.read_summary(out)} <= {tuple(dfe_rules.COLUMNS)}


def test_fictional_rules_are_named_with_their_reason():
    for kind, rules in dfe_rules.FICTIONAL.items():
        assert kind in ("cin", "903")
        for rule, why in rules.items():
            assert rule and len(why) > 20


def test_a_summary_becomes_data_quality_warnings(tmp_path):
    path = tmp_path / "dfe_rules.csv"
    path.write_text(
        "return,authority,year,ruleset,rule,message,records\n"
        "cin,901,2024-25,cin2024_25,8696,Assessment end date must fall within the census "
        "year,3\n"
        "cin,901,2024-25,cin2024_25,1530,UPN invalid,700\n"
        "903,902,2024-25,lac2024_25,101,Sex not valid,2\n"
    )
    issues = dfe_rules.summary_issues(path, "901")
    assert [i.rule for i in issues] == ["dfe_rule_cin_8696", "dfe_rule_cin_1530"]
    assert all(i.severity == "warning" and i.authority == "901" for i in issues)
    assert "3 records" in issues[0].message and "fictional" in issues[1].message
    assert [r["rule"] for r in dfe_rules.unexpected(path)] == ["8696", "101"]
