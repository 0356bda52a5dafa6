"""params/: the project's own example parameters load, and bad ones are named precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from safeguarding.params import REPORTS, find_root, load_project
from safeguarding.validation import InputError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's params/ in a project folder of its own."""
    shutil.copytree(ROOT / "params", tmp_path / "params")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return tmp_path


def _messages(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(i) for i in exc.value.issues]


def test_repository_params_load_and_check() -> None:
    project = load_project(ROOT)
    assert set(project.authorities) == {"901", "902", "903", "904", "905"}
    assert project.settings.data_dir == ROOT / "data" / "demo"
    assert project.settings.neighbour_average in ("mean", "median")
    assert set(project.settings.reports) >= set(REPORTS)
    assert project.check() == []
    sheet = project.front_sheet("looked_after")
    assert sheet.implications.equalities == "N/A"
    assert sheet.classification_for("public") == "Unrestricted"
    committee = project.authority("902").committee("corporate_parenting")
    assert committee.contact.email.endswith(".example.org")


def test_run_plan_from_file_and_default(project: Path) -> None:
    loaded = load_project(project)
    plan = loaded.run_plan("Q2 2024/25")
    assert plan.quarter == "2024-25 Q2" and plan.source is not None
    assert len(plan.entries) == 20  # 5 authorities x 4 reports
    cp = [e for e in plan.entries if e.report == "child_protection"]
    assert {e.audience for e in cp} == {"restricted"} and {e.committee for e in cp} == {"lscp"}
    default = loaded.run_plan("2023-24 Q4")
    assert default.source is None
    assert {(e.report, e.audience) for e in default.entries} == {(r, "public") for r in REPORTS}
    assert len(default.select(["901"], ["looked_after"]).entries) == 1


def test_commentary_front_matter(project: Path) -> None:
    loaded = load_project(project)
    text, mode = loaded.commentary("902", "2024-25 Q2", "NI65")
    assert mode == "follow" and text.startswith("The rise") and "---" not in text
    assert loaded.commentary("901", "2024-25 Q2", "NI65") == ("", "replace")
    bad = project / "params/commentary/2024-25-Q2/901/NI62.md"
    bad.parent.mkdir(parents=True)
    bad.write_text("---\nmode: instead\n---\nText\n")
    issues = [str(i) for i in loaded.check()]
    assert issues == [
        "error: params/commentary/2024-25-Q2/901/NI62.md, front matter.mode: value 'instead': "
        "mode is replace or follow [rule: commentary-mode]"
    ]


def test_bad_authorities_name_file_and_field(project: Path) -> None:
    path = project / "params/authorities.yaml"
    text = path.read_text()
    text = text.replace("meeting_date: 2024-11-05", "meeting_date: 5/11/2024", 1)
    text = text.replace('phone: "01632 960101"', "phone: 1632960101", 1)
    text = text.replace("email: performance@harrowdale.example.org", "email: nobody", 1)
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        load_project(project)
    messages = _messages(exc)
    assert any(
        m.startswith("error: params/authorities.yaml, authorities[0].committees[0].meeting_date")
        and "YYYY-MM-DD" in m
        for m in messages
    ), messages
    assert any("authorities[0].committees[0].contact.phone" in m and "quote" in m for m in messages)
    assert any("authorities[1].committees[0].contact.email" in m for m in messages)


def test_bad_settings_and_yaml_syntax(project: Path) -> None:
    path = project / "params/settings.yaml"
    text = path.read_text().replace("neighbour_average: mean", "neighbour_average: mode")
    text = text.replace("    equalities: N/A\n", "")
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        load_project(project)
    messages = _messages(exc)
    assert any("neighbour_average" in m and "mean or median" in m for m in messages)
    assert any("reports.looked_after.implications.equalities" in m and "N/A" in m for m in messages)
    path.write_text("reports: [unclosed\n")
    with pytest.raises(InputError) as exc:
        load_project(project)
    assert _messages(exc)[0].startswith("error: params/settings.yaml, line ")


def test_bad_run_file(project: Path) -> None:
    path = project / "params/runs/2024-25-Q2.yaml"
    path.write_text(
        "quarter: 2024-25 Q3\nruns:\n"
        "  - report: quarterly_scorecard\n    committee: cabinet\n    authorities: ['901']\n"
        "  - report: annual_report\n"
        "  - report: looked_after\n    audience: members\n    authorities: ['999']\n"
    )
    with pytest.raises(InputError) as exc:
        load_project(project).run_plan("2024-25 Q2")
    text = "\n".join(_messages(exc))
    assert "params/runs/2024-25-Q2.yaml, quarter" in text
    assert "runs[0].committee: value 'cabinet'" in text
    assert "runs[1].report: value 'annual_report'" in text
    assert "runs[2].audience: value 'members'" in text
    assert "runs[2].authorities[0]: value '999'" in text


def test_run_plan_formats_per_committee(project: Path) -> None:
    path = project / "params/runs/2024-25-Q2.yaml"
    path.write_text(
        "runs:\n"
        "  - report: quarterly_scorecard\n    committee: scrutiny\n"
        "    formats: [pdf, html]\n"  # written in any order, rendered in the house order
        "  - report: looked_after\n    committee: corporate_parenting\n    formats: pdf\n"
        "  - report: child_protection\n    committee: lscp\n"
    )
    plan = load_project(project).run_plan("2024-25 Q2")
    formats = {e.report: e.formats for e in plan.entries}
    assert formats == {
        "quarterly_scorecard": ("html", "pdf"),
        "looked_after": ("pdf",),
        "child_protection": ("html", "pdf", "docx"),
    }


def test_bad_run_plan_formats_are_named(project: Path) -> None:
    path = project / "params/runs/2024-25-Q2.yaml"
    path.write_text(
        "runs:\n"
        "  - report: quarterly_scorecard\n    committee: scrutiny\n    formats: [html, word]\n"
        "  - report: looked_after\n    committee: corporate_parenting\n    formats: []\n"
        "  - report: child_protection\n    committee: lscp\n    formats: [pdf, pdf]\n"
    )
    with pytest.raises(InputError) as exc:
        load_project(project).run_plan("2024-25 Q2")
    assert _messages(exc) == [
        "error: params/runs/2024-25-Q2.yaml, runs[0].formats[1]: value 'word': unknown format; "
        "choose from html, pdf, docx [rule: known-format]",
        "error: params/runs/2024-25-Q2.yaml, runs[1].formats: value '[]': formats is a list of "
        "html, pdf, docx [rule: formats]",
        "error: params/runs/2024-25-Q2.yaml, runs[2].formats[1]: value 'pdf': this format is "
        "already listed [rule: unique-format]",
    ]


def _committee_formats(project: Path, code: str, committee: str, line: str) -> None:
    """Give one committee of authority ``code`` in authorities.yaml a ``formats:`` line."""
    import yaml

    path = project / "params/authorities.yaml"
    data = yaml.safe_load(path.read_text())
    entry = next(a for a in data["authorities"] if a["code"] == code)
    at = next(c for c in entry["committees"] if c["id"] == committee)
    at["formats"] = yaml.safe_load(line)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_committee_takes_its_formats_every_quarter(project: Path) -> None:
    """A committee's ``formats:`` in authorities.yaml holds for every quarter's runs to it,
    with a run file or without; a run plan's own ``formats:`` still decides its run."""
    _committee_formats(project, "902", "scrutiny", "[pdf, html]")
    # no run file for Q3: the default plan, one run per authority and report
    plan = load_project(project).run_plan("2024-25 Q3")
    formats = {(e.authority, e.report): e.formats for e in plan.entries}
    assert formats[("902", "quarterly_scorecard")] == ("html", "pdf")
    assert formats[("901", "quarterly_scorecard")] == ("html", "pdf", "docx")  # its own board
    assert formats[("902", "looked_after")] == ("html", "pdf", "docx")  # another committee
    # a run file: its run without formats takes the committee's; with them, its own
    (project / "params/runs/2024-25-Q2.yaml").write_text(
        "runs:\n"
        "  - report: quarterly_scorecard\n    committee: scrutiny\n    authorities: ['902']\n"
        "  - report: looked_after\n    committee: scrutiny\n    authorities: ['902']\n"
        "    formats: [docx]\n"
    )
    plan = load_project(project).run_plan("2024-25 Q2")
    assert {e.report: e.formats for e in plan.entries} == {
        "quarterly_scorecard": ("html", "pdf"),
        "looked_after": ("docx",),
    }


def test_bad_committee_formats_are_named(project: Path) -> None:
    _committee_formats(project, "903", "lscp", "[html, word]")
    _committee_formats(project, "904", "scrutiny", "[]")
    with pytest.raises(InputError) as exc:
        load_project(project)
    assert _messages(exc) == [
        "error: params/authorities.yaml, authorities[2].committees[2].formats[1]: value 'word': "
        "unknown format; choose from html, pdf, docx [rule: known-format]",
        "error: params/authorities.yaml, authorities[3].committees[0].formats: value '[]': "
        "formats is a list of html, pdf, docx [rule: formats]",
    ]


def test_root_found_upward(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nested = project / "notebooks" / "drafts"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert find_root() == project.resolve()
    assert load_project().root == project.resolve()


def test_list_entries_that_are_not_mappings_are_named(project: Path) -> None:
    """A list entry written as plain text (an authority, a committee, a run) is an error naming
    its place; a field of the entries around it is still checked (``colour`` unknown)."""
    path = project / "params/authorities.yaml"
    text = path.read_text().replace("authorities:\n", "authorities:\n  - Wexcombe\n", 1)
    text = text.replace("    committees:\n", "    committees:\n      - scrutiny\n", 1)
    path.write_text(text.replace("    region: South West\n", "    colour: blue\n", 1))
    with pytest.raises(InputError) as exc:
        load_project(project)
    messages = _messages(exc)
    assert any("authorities[0]" in m and "each authority is a mapping" in m for m in messages)
    assert any(
        "authorities[1].committees[0]" in m and "each committee is a mapping" in m
        for m in messages
    ), messages
    assert any("authorities[1].colour" in m and "unknown field 'colour'" in m for m in messages)
    runs = project / "params/runs/2024-25-Q2.yaml"
    path.write_text(text.replace("  - Wexcombe\n", "").replace("      - scrutiny\n", ""))
    runs.write_text("runs:\n  - looked_after\n  - report: looked_after\n    size: big\n")
    with pytest.raises(InputError) as exc:
        load_project(project).run_plan("2024-25 Q2")
    messages = _messages(exc)
    assert any("runs[0]" in m and "each run is a mapping" in m for m in messages), messages
    assert any("runs[1].size" in m and "unknown field" in m for m in messages), messages


def test_authorities_are_parsed_again_when_the_text_changes_even_within_one_clock_tick(
    tmp_path: Path,
):
    """The parsed file is kept by its text (a preview re-reads the project at every edit):
    an edit of the same length at once after the last read is still seen."""
    from safeguarding.params.authorities import read_authorities

    path = tmp_path / "authorities.yaml"
    source = (ROOT / "params" / "authorities.yaml").read_text(encoding="utf-8")
    path.write_text(source, encoding="utf-8")
    first = read_authorities(path)
    name = first["901"].name
    path.write_text(source.replace(name, name[::-1], 1), encoding="utf-8")
    assert read_authorities(path)["901"].name == name[::-1]
    path.write_text(source, encoding="utf-8")
    again = read_authorities(path)
    assert again == first and again is not first
    again.pop("901")  # the caller's own dict: the kept one is untouched
    assert "901" in read_authorities(path)
