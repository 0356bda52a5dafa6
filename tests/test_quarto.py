"""Quarto, the analysts' renderer: the pre-render step stages executed copies of the real
notebooks (outputs/quarto/<quarter>/<authority>/), the committed notebooks stay untouched, and
Quarto's reports say what the batch's say.

The staging tests need no Quarto. The tests marked ``REAL_QUARTO`` run the ``quarto`` command
where it is on the PATH and skip with the reason where it is not (CI cannot install it).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from safeguarding import quarto
from safeguarding.batch import BatchOptions, run_batch
from safeguarding.exceptions import ParameterError, UnknownName
from safeguarding.params import load_project
from safeguarding.render import notebook_to_markdown

sys.path.insert(0, str(Path(__file__).parent))
import axe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUARTER = "2024-25 Q2"
RUN_TIME = "2024-10-15T09:00:00+00:00"
EPOCH = "1728982800"  # RUN_TIME as SOURCE_DATE_EPOCH
NO_QUARTO = None if shutil.which("quarto") else "quarto is not on the PATH (CI cannot install it)"
REAL_QUARTO = pytest.mark.skipif(NO_QUARTO is not None, reason=str(NO_QUARTO))


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory, small_demo: Path) -> Path:
    """The repository's params, notebooks, _quarto.yml and pre-render script, on the small
    demo data (authorities 901 and 902)."""
    root = tmp_path_factory.mktemp("quarto-project")
    for part in ("params", "notebooks"):
        shutil.copytree(ROOT / part, root / part)
    (root / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "quarto_pre_render.py", root / "scripts")
    shutil.copy(ROOT / "_quarto.yml", root)
    (root / "lib").symlink_to(ROOT / "lib")  # the templates _quarto.yml names
    (root / "data").mkdir()
    (root / "data" / "demo").symlink_to(small_demo)
    (root / "pyproject.toml").write_text("[project]\nname = 'quarto-test'\n")
    return root


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def _env(profile: str, render_all: bool = True) -> dict[str, str]:
    env = {"QUARTO_PROFILE": profile}
    if render_all:
        env["QUARTO_PROJECT_RENDER_ALL"] = "1"
    return env


def _body(markdown: str) -> str:
    """Markdown with chart paths and Quarto's extra fig-alt taken out, for comparing."""
    markdown = re.sub(r"\]\(figures/[a-z_]+/(figure-\d+\.svg)\)", r"](\1)", markdown)
    return re.sub(r' fig-alt="(?:[^"\\]|\\.)*"', "", markdown)


# --- which runs ---------------------------------------------------------------------------------
def test_profiles_name_authorities_reports_and_a_quarter():
    chosen = quarto.parse_profiles("902,looked_after,2024-25-Q2,draft")
    assert chosen == quarto.Selection("2024-25 Q2", ("902",), ("looked_after",))
    assert quarto.parse_profiles("la903") == quarto.Selection(None, ("903",), ())
    assert quarto.parse_profiles(None) == quarto.Selection()
    assert quarto.parse_profiles("") == quarto.Selection()
    with pytest.raises(ParameterError, match="two quarters"):
        quarto.parse_profiles("2024-25-Q2,2024-25-Q1")


def test_selection_follows_the_run_plan():
    project = load_project(ROOT)
    runs = quarto.select_runs(project, quarto.Selection())
    assert quarto.latest_quarter(project) == QUARTER
    assert len(runs) == 5 * 4  # the run plan: every authority x four reports
    (one,) = quarto.select_runs(project, quarto.parse_profiles("902,looked_after"))
    assert (one.entry.committee, one.entry.audience) == ("corporate_parenting", "public")
    assert one.source == ROOT / "outputs/quarto/2024-25-Q2/902/looked_after.qmd"
    assert one.executed == ROOT / "outputs/quarto/2024-25-Q2/902/looked_after.ipynb"
    (restricted,) = quarto.select_runs(project, quarto.parse_profiles("901,child_protection"))
    assert restricted.entry.audience == "restricted"  # as the run plan says, not the default
    with pytest.raises(UnknownName, match="'999' is not in params/authorities.yaml"):
        quarto.select_runs(project, quarto.parse_profiles("999"))
    # a quarter without a run file gets the default plan: every report, for the public
    default = quarto.select_runs(project, quarto.parse_profiles("2023-24-Q1,903"))
    assert len(default) == 4 and {r.entry.audience for r in default} == {"public"}
    assert default[0].folder == ROOT / "outputs/quarto/2023-24-Q1/903"


def test_a_staged_file_names_its_run_and_other_paths_none():
    project = load_project(ROOT)
    run = quarto.staged_run_of("outputs/quarto/2024-25-Q2/903/looked_after.qmd", project)
    assert run is not None and (run.entry.authority, run.entry.report) == ("903", "looked_after")
    assert run.quarter == QUARTER
    assert quarto.staged_run_of("notebooks/looked_after.ipynb", project) is None
    assert quarto.staged_run_of("outputs/quarto/2024-25-Q2/903/x/looked_after.qmd", project) is None
    # rendering or previewing one staged file re-stages that run alone
    env = {"QUARTO_PROJECT_INPUT_FILES": "outputs/quarto/2024-25-Q2/903/looked_after.qmd"}
    runs, whole = quarto.runs_for_render(project, env)
    assert [(r.entry.authority, r.entry.report) for r in runs] == [("903", "looked_after")]
    assert whole is False
    runs, whole = quarto.runs_for_render(project, {**env, "QUARTO_PROJECT_RENDER_ALL": "1"})
    assert whole is True and len(runs) == 20
    # the index beside one report (a preview's inputs) stages that report alone
    both = {
        "QUARTO_PROJECT_INPUT_FILES": "outputs/quarto/index.qmd\n"
        + env["QUARTO_PROJECT_INPUT_FILES"]
    }
    runs, whole = quarto.runs_for_render(project, both)
    assert [r.entry.authority for r in runs] == ["903"] and whole is False
    # a quarto render without a profile: the whole plan
    runs, whole = quarto.runs_for_render(project, {"QUARTO_PROJECT_RENDER_ALL": "1"})
    assert whole is True and len(runs) == 20


def test_front_matter_comes_from_the_report_metadata():
    meta = {
        "title": "Children looked after",
        "authority_name": "Wexcombe",
        "committee": "Corporate Parenting Board",
        "meeting_date_text": "5 November 2024",
        "classification": "Unrestricted",
        "quarter": QUARTER,
        "run_time": RUN_TIME,
    }
    matter = quarto.front_matter(meta, ["../../../../notebooks/looked_after.ipynb"])
    assert matter["title"] == matter["pagetitle"] == "Children looked after"
    assert matter["subtitle"] == "Corporate Parenting Board, 5 November 2024"
    assert matter["author"] == matter["authority-name"] == "Wexcombe"
    assert matter["date"] == "2024-10-15" and matter["lang"] == "en-GB"
    assert matter["classification"] == "Unrestricted" and matter["quarter"] == QUARTER
    assert matter["execute"]["ipynb-filters"] == ["../../../../notebooks/looked_after.ipynb"]


def test_charts_keep_their_alt_text_for_quarto():
    markdown = '![Trend, Q1 to Q4](figure-01.svg){alt="Fell from \\"24%\\" to 19%"}\n'
    assert quarto.quarto_markdown(markdown, "figures/looked_after/") == (
        "![Trend, Q1 to Q4](figures/looked_after/figure-01.svg)"
        '{alt="Fell from \\"24%\\" to 19%" fig-alt="Fell from \\"24%\\" to 19%"}\n'
    )


# --- staging: the project side, without Quarto --------------------------------------------------
def test_pre_render_stages_an_executed_copy_and_leaves_the_notebooks_alone(project: Path):
    notebooks = _digests(project / "notebooks")
    lines: list[str] = []

    class Lines:
        def write(self, text: str) -> None:
            lines.append(text)

    code = quarto.pre_render(project, _env("902,quarterly_scorecard"), stream=Lines())
    assert code == 0, "".join(lines)
    folder = project / "outputs" / "quarto" / "2024-25-Q2" / "902"
    executed = nbformat.read(folder / "quarterly_scorecard.ipynb", as_version=4)
    tagged = {"parameters", "injected-parameters"}
    report_cells = [
        c
        for c in executed.cells
        if c.cell_type == "code" and not tagged & set(c.metadata.get("tags", []))
    ]
    assert len(report_cells) >= 10 and all(c.outputs for c in report_cells)  # every one ran
    params = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'authority = "902"' in params.source and 'audience = "public"' in params.source
    source = folder / "quarterly_scorecard.qmd"
    meta = quarto.staged_metadata(source)
    assert meta["title"] == "Children's safeguarding performance scorecard"
    assert meta["author"] == meta["authority-name"] == load_project(project).authority("902").name
    assert meta["date"] == "2024-10-15"
    # the very Markdown the batch's renderer makes from the executed copy
    (folder / "check").mkdir()
    expected = notebook_to_markdown(executed, folder / "check")
    assert _body(quarto.executed_markdown(source)) == expected.markdown
    figures = sorted((folder / "figures" / "quarterly_scorecard").glob("*.svg"))
    assert len(figures) == len(expected.figures) >= 10
    for figure in figures:
        assert f"](figures/quarterly_scorecard/{figure.name}){{alt=" in source.read_text()
    # watched for preview: the notebook, the run plan, the commentary of that authority
    watched = meta["execute"]["ipynb-filters"]
    assert "../../../../notebooks/quarterly_scorecard.ipynb" in watched
    assert "../../../../params/commentary/2024-25-Q2/902/NI65.md" in watched
    assert all((folder / w).is_file() for w in watched)
    # the committed notebooks: byte-identical, and nothing written beside them
    assert _digests(project / "notebooks") == notebooks
    assert "902/quarterly_scorecard (2024-25 Q2): executed" in "".join(lines)
    # the index links the staged report in its three formats, and only HTML is made of it
    index = (project / "outputs" / "quarto" / "index.qmd").read_text()
    assert "format: html" in index
    assert "[Performance scorecard](2024-25-Q2/902/quarterly_scorecard.html)" in index
    assert "[PDF](2024-25-Q2/902/quarterly_scorecard.pdf)" in index


def test_an_unchanged_run_is_not_executed_again_and_commentary_restages(project: Path):
    env = _env("902,quarterly_scorecard")
    assert quarto.pre_render(project, env) == 0
    folder = project / "outputs" / "quarto" / "2024-25-Q2" / "902"
    before = (folder / "quarterly_scorecard.ipynb").stat().st_mtime_ns
    source_before = (folder / "quarterly_scorecard.qmd").read_text()
    out: list[str] = []
    stream = type("S", (), {"write": lambda self, t: out.append(t)})()
    assert quarto.pre_render(project, env, stream=stream) == 0
    assert "unchanged" in "".join(out)
    assert (folder / "quarterly_scorecard.ipynb").stat().st_mtime_ns == before
    assert (folder / "quarterly_scorecard.qmd").read_text() == source_before
    commentary = project / "params" / "commentary" / "2024-25-Q2" / "902" / "NI65.md"
    original = commentary.read_text()
    try:
        commentary.write_text(original + "\nA sentence the analyst added for the preview.\n")
        out.clear()
        assert quarto.pre_render(project, env, stream=stream) == 0
        assert "executed" in "".join(out)
        assert (
            "A sentence the analyst added for the preview."
            in (folder / "quarterly_scorecard.qmd").read_text()
        )
    finally:
        commentary.write_text(original)


def test_a_failing_run_stages_nothing_and_stops_quarto(project: Path, monkeypatch):
    folder = project / "outputs" / "quarto" / "2024-25-Q2" / "901"
    folder.mkdir(parents=True, exist_ok=True)
    stale = folder / "looked_after.qmd"
    stale.write_text("---\ntitle: an old report\n---\n")
    bad = project / "notebooks" / "looked_after.ipynb"
    original = bad.read_bytes()
    nb = nbformat.reads(original.decode(), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise ValueError('broken on purpose')"))
    try:
        nbformat.write(nb, bad)
        out: list[str] = []
        stream = type("S", (), {"write": lambda self, t: out.append(t)})()
        assert quarto.pre_render(project, _env("901,looked_after"), stream=stream) == 1
    finally:
        bad.write_bytes(original)
    said = "".join(out)
    assert "901/looked_after (2024-25 Q2)" in said and "ValueError: broken on purpose" in said
    assert "Traceback" not in said
    assert not stale.exists()  # never render the last report as if it were this one


def test_the_hook_finds_the_projects_environment_from_any_python(project: Path):
    """Quarto runs the script with its own Python; without the library it re-runs itself
    with the project's .venv."""
    base = Path(sys.base_prefix) / "bin" / "python3"
    if not base.is_file():
        pytest.skip(f"no base interpreter at {base}")
    venv = project / ".venv"
    if not venv.exists():
        venv.symlink_to(Path(sys.prefix))
    env = {**os.environ, "QUARTO_PROFILE": "902,quarterly_scorecard"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [str(base), "scripts/quarto_pre_render.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "902/quarterly_scorecard (2024-25 Q2)" in result.stderr


def test_child_level_data_in_a_staged_report_stops_it(project: Path):
    children = (project / "data" / "demo" / "902" / "children.csv").read_text().splitlines()
    header = children[0].split(",")
    child_id = children[1].split(",")[header.index("child_id")]
    commentary = project / "params" / "commentary" / "2024-25-Q2" / "902" / "NI65.md"
    original = commentary.read_text()
    out: list[str] = []
    stream = type("S", (), {"write": lambda self, t: out.append(t)})()
    try:
        commentary.write_text(original + f"\nSee the case of {child_id}.\n")
        assert quarto.pre_render(project, _env("902,quarterly_scorecard"), stream=stream) == 1
    finally:
        commentary.write_text(original)
    said = "".join(out)
    assert "child-level data in the staged report" in said and child_id not in said
    folder = project / "outputs" / "quarto" / "2024-25-Q2" / "902"
    assert not (folder / "quarterly_scorecard.qmd").exists()
    assert not (folder / "quarterly_scorecard.ipynb").exists()


def test_a_whole_render_drops_sources_outside_its_selection(project: Path):
    old = project / "outputs" / "quarto" / "2023-24-Q4" / "901"
    old.mkdir(parents=True, exist_ok=True)
    (old / "looked_after.qmd").write_text("---\ntitle: old\n---\n")
    (old / "looked_after.html").write_text("<p>kept</p>")
    load = load_project(project)
    runs = quarto.select_runs(load, quarto.parse_profiles("902,quarterly_scorecard"))
    removed = quarto.remove_other_sources(load, runs)
    assert old / "looked_after.qmd" in removed
    assert (old / "looked_after.html").is_file()  # a rendered report is never deleted


def test_quarto_yml_renders_the_staged_sources_with_the_house_templates():
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["project"]["type"] == "default"
    assert "output-dir" not in config["project"]  # each report beside its staged source
    assert config["project"]["render"] == ["outputs/quarto/index.qmd", "outputs/quarto/*/*/*.qmd"]
    assert (ROOT / config["project"]["pre-render"]).is_file()
    assert not any(str(p).startswith("notebooks") for p in config["project"]["render"])
    assert set(config["format"]) == {"html", "typst", "docx"}
    assert config["filters"] == ["lib/safeguarding/templates/filters.lua"]
    assert config["format"]["html"]["embed-resources"] is True
    assert config["format"]["typst"]["template"] == "lib/safeguarding/templates/report.typ"
    for path in (
        config["format"]["html"]["css"],
        config["format"]["typst"]["template"],
        config["format"]["docx"]["reference-doc"],
        *config["filters"],
    ):
        assert (ROOT / path).is_file(), path


# --- real Quarto -----------------------------------------------------------------------------
def _quarto(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QUARTO_PYTHON": sys.executable, "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.run(
        ["quarto", *args], cwd=project, env=env, capture_output=True, text=True, timeout=600
    )


def _visible(path: Path, quarto_page: bool) -> str:
    """The text a reader sees in a report's body (not the title block or contents)."""
    from lxml import html as lxml_html

    doc = lxml_html.fromstring(path.read_text(encoding="utf-8"))
    for node in doc.xpath("//script|//style"):
        node.drop_tree()
    if quarto_page:
        for node in doc.xpath("//header[@id='title-block-header']|//nav[@id='TOC']"):
            node.drop_tree()
        body = doc.xpath("//body")[0]
    else:
        body = doc.xpath("//main")[0]
    return re.sub(r"\s+", " ", body.text_content()).strip()


@pytest.fixture(scope="module")
def rendered(project: Path) -> Path:
    if NO_QUARTO:
        pytest.skip(NO_QUARTO)
    notebooks = _digests(project / "notebooks")
    result = _quarto(project, "render", "--profile", "902,quarterly_scorecard")
    assert result.returncode == 0, result.stderr[-3000:]
    assert _digests(project / "notebooks") == notebooks
    return project / "outputs" / "quarto" / "2024-25-Q2" / "902"


@REAL_QUARTO
def test_quarto_render_writes_the_three_formats_into_the_runs_folder(project, rendered):
    for suffix in ("html", "pdf", "docx"):
        assert (rendered / f"quarterly_scorecard.{suffix}").is_file()
    assert not list((project / "notebooks").glob("*.html"))
    assert not (project / "notebooks" / "quarterly_scorecard_files").exists()
    page = (rendered / "quarterly_scorecard.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", page)  # self-contained
    assert not re.search(r"(src|href)=\"https?://", page)  # nothing fetched (no CDN)
    assert "<title>Children’s safeguarding performance scorecard</title>" in page
    assert len(re.findall(r'<li><a href="#', page)) >= 30  # the whole contents list
    assert page.count("<figcaption") >= 10
    assert not re.search(r"<img(?![^>]*\balt=\"[^\"]{10,})[^>]*>", page)  # every chart has alt
    assert re.search(r'class="rag rag-(red|amber|green)"', page)


@REAL_QUARTO
def test_quarto_and_the_batch_show_the_same_report(project, rendered):
    summary = run_batch(
        BatchOptions(
            quarter=QUARTER,
            root=project,
            authorities=["902"],
            reports=["quarterly_scorecard"],
            jobs=1,
            formats=("html",),
            progress=False,
            run_time=RUN_TIME,
        )
    )
    assert summary.exit_code == 0, summary.table()
    batch = project / "outputs/2024-25-Q2/public/902/quarterly_scorecard/quarterly_scorecard.html"
    ours, theirs = _visible(batch, False), _visible(rendered / "quarterly_scorecard.html", True)
    assert "Red: target missed" in ours or "Amber" in ours
    assert ours == theirs


@REAL_QUARTO
def test_quarto_pdf_uses_the_house_typst_template_and_word_the_rag_styles(rendered):
    import pypdf

    pdf = pypdf.PdfReader(rendered / "quarterly_scorecard.pdf")
    first = pdf.pages[0].extract_text()
    assert "Report to" in first and "Children's safeguarding" in first.replace("’", "'")
    assert "Page 1 of" in first  # the house running footer, not Quarto's template
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Contents" in text and re.search(r"Red: target\s+missed", text)
    assert pdf.metadata.title == "Children's safeguarding performance scorecard"
    import zipfile

    with zipfile.ZipFile(rendered / "quarterly_scorecard.docx") as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    assert re.search(r'w:rStyle w:val="RAG(Red|Amber|Green|None)"', xml)
    assert len(re.findall(r'descr="[^"]{10,}"', xml)) >= 10  # charts' alt text
    assert "ImageCaption" in xml and "TOC" in xml


@REAL_QUARTO
@pytest.mark.skipif(axe.available() is not None, reason=str(axe.available()))
def test_quarto_html_has_no_wcag_violations(rendered):
    assert axe.run_axe(rendered / "quarterly_scorecard.html") == []
