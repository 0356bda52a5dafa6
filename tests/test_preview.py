"""``safeguarding preview``: the batch's run, rebuilt on change, served on 127.0.0.1 only."""

from __future__ import annotations

import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from fixtures.mini_project import make_project
from safeguarding import cli, preview
from safeguarding.exceptions import UnknownName

QUARTER = "2024-25 Q2"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def _get(url: str) -> tuple[int, bytes, str]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback only
        return response.status, response.read(), response.headers.get("Content-Type", "")


def _rename(project: Path, code: str, name: str) -> None:
    path = project / "params" / "authorities.yaml"
    data = yaml.safe_load(path.read_text())
    for entry in data["authorities"]:
        if str(entry["code"]) == code:
            entry["name"] = name
    path.write_text(yaml.safe_dump(data))


def test_changed_files_are_found_by_stamp(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("one")
    before = preview.stamps([tmp_path])
    (tmp_path / "a.md").write_text("two words")
    (tmp_path / "b.md").write_text("new")
    assert preview.changed(before, preview.stamps([tmp_path])) == [
        str(tmp_path / "a.md"),
        str(tmp_path / "b.md"),
    ]
    assert preview.changed(before, before) == []


def test_the_served_page_allows_only_its_own_script() -> None:
    page = (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'\"><title>t</title></head><body><p>x</p></body></html>"
    )
    live = preview.live_page(page, "7", "banner")
    assert live.count("Content-Security-Policy") == 1
    nonce = live.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}">' in live and 'var seen = "7"' in live
    assert "connect-src 'self'" in live and "default-src 'none'" in live


def test_an_unknown_report_or_authority_is_one_clear_error(project: Path) -> None:
    with pytest.raises(UnknownName, match="not in the 2024-25 Q2 run plan"):
        preview.open_session("901", "no_such_report", QUARTER, project)
    with pytest.raises(UnknownName, match="authority '999'"):
        preview.open_session("999", "quarterly_scorecard", QUARTER, project)
    assert cli.main(["preview", "--authority", "999", "--report", "looked_after",
                     "--project", str(project), "--once"]) == 2  # fmt: skip


def test_preview_rebuilds_on_a_params_or_data_change_and_serves_it(project: Path) -> None:
    session = preview.open_session("901", "quarterly_scorecard", QUARTER, project)
    server = None
    try:
        first = session.build()
        assert first.ok, first.reason
        assert session.quarter == QUARTER and session.entry.audience == "public"
        server = preview.PreviewServer(session, 0)
        server.start()
        assert server.url.startswith("http://127.0.0.1:")
        status, body, ctype = _get(server.url)
        page = body.decode()
        assert status == 200 and ctype.startswith("text/html")
        assert "Preview of 901 quarterly_scorecard (public), 2024-25 Q2: not published" in page

        builds: list[tuple[preview.Build, list[str]]] = []
        stop = threading.Event()

        def on_build(build: preview.Build, touched: list[str]) -> None:
            builds.append((build, touched))
            server.bump()
            stop.set()

        _rename(project, "901", "Renamed Borough")
        preview.watch(session, on_build, stop, poll=0.05)
        build, touched = builds[0]
        assert build.ok and touched == [str(project / "params" / "authorities.yaml")]
        assert _get(server.url + "__version")[1] == b"1"
        assert "Renamed Borough" in _get(server.url)[1].decode()

        referrals = project / "data" / "mini" / "901" / "referrals.csv"
        rows = referrals.read_text().splitlines()
        referrals.write_text("\n".join(rows[:-5]) + "\n")  # five referrals fewer
        stop.clear()
        preview.watch(session, on_build, stop, poll=0.05)
        assert builds[1][1] == [str(referrals)]
        assert (
            f"{len(rows) - 6} referrals"
            in (session.good.folder / "quarterly_scorecard.ipynb").read_text()
        )

        status, pdf, ctype = _get(server.url + "report.pdf")
        assert status == 200 and pdf.startswith(b"%PDF") and ctype == "application/pdf"
        assert not (project / "outputs").exists()  # a preview publishes nothing
    finally:
        if server is not None:
            server.stop()
        session.close()


def test_the_preview_offers_only_the_formats_the_run_plan_publishes(project: Path) -> None:
    path = project / "params" / "runs" / "2024-25-Q2.yaml"
    plan = yaml.safe_load(path.read_text())
    for run in plan["runs"]:
        if run["report"] == "quarterly_scorecard":
            run["formats"] = ["html", "pdf"]
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    session = preview.open_session("901", "quarterly_scorecard", QUARTER, project)
    server = None
    try:
        assert session.entry.formats == ("html", "pdf")
        assert session.build().ok
        banner = preview.banner_text(session)
        assert 'href="/report.pdf">PDF</a>' in banner and "report.docx" not in banner
        server = preview.PreviewServer(session, 0)
        server.start()
        with pytest.raises(urllib.error.HTTPError) as refused:
            _get(server.url + "report.docx")
        assert refused.value.code == 404
        assert refused.value.read() == (
            b"this report's committee does not take Word (formats: in the run plan or "
            b"params/authorities.yaml), so it is not rendered"
        )
        assert _get(server.url + "report.pdf")[1].startswith(b"%PDF")
    finally:
        if server is not None:
            server.stop()
        session.close()


def test_a_failed_build_keeps_the_last_good_page(project: Path) -> None:
    session = preview.open_session("901", "quarterly_scorecard", QUARTER, project)
    try:
        good = session.build()
        assert good.ok
        (project / "data" / "mini" / "901" / "referrals.csv").write_text(
            "authority,child_id,referral_id,referral_date\n901,901K00001,R1,not a date\n"
        )
        bad = session.build()
        assert not bad.ok and "referral_date" in bad.reason
        assert session.good is good and session.document("html") is not None
        text = preview.banner_text(session)
        assert f"The latest build ({bad.number}) failed" in text
    finally:
        session.close()


def _svgs(page: str) -> list[str]:
    """The page's charts (images with their alt text and SVG data)."""
    import re

    return re.findall(r"<img role=\"img\"[^>]*>", page, flags=re.S)


@pytest.fixture
def real_project(tmp_path: Path, small_demo: Path) -> Path:
    """The project's own params and scorecard notebook on the small demo data."""
    import shutil

    from fixtures.mini_project import ROOT

    folder = tmp_path / "real"
    shutil.copytree(ROOT / "params", folder / "params")
    (folder / "pyproject.toml").write_text("[project]\nname = 'real'\n")
    settings = folder / "params" / "settings.yaml"
    data = yaml.safe_load(settings.read_text())
    data.update(data=str(small_demo), notebooks=str(ROOT / "notebooks"))
    settings.write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def test_a_commentary_edit_reaches_the_page_and_a_library_change_restarts_the_kernel(
    real_project: Path, tmp_path: Path
) -> None:
    from safeguarding import engines

    project = real_project
    session = preview.open_session("901", "quarterly_scorecard", QUARTER, project)
    try:
        first = session.build()
        assert first.ok, first.reason
        page = session.document("html").read_text(encoding="utf-8")
        note = project / "params" / "commentary" / "2024-25-Q2" / "901" / "NI65.md"
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text("Edited in the preview: repeat plans are being reviewed.\n")
        edited = session.build()
        assert edited.ok, edited.reason
        after = session.document("html").read_text(encoding="utf-8")
        assert "Edited in the preview: repeat plans are being reviewed." in after
        assert "Edited in the preview" not in page
        assert _svgs(after) == _svgs(page) and len(_svgs(page)) > 5  # from the chart cache

        # a changed library module: the kernel is started again (it imports the new code)
        fake = tmp_path / "library"
        fake.mkdir()
        (fake / "kernel_side.py").write_text("X = 1\n")
        session.library = fake
        session.seen = session.snapshot()
        kernels = set(map(id, engines._KERNELS.values()))
        (fake / "kernel_side.py").write_text("X = 2  # changed\n")
        rebuilt = session.build()
        assert rebuilt.ok, rebuilt.reason
        assert engines._KERNELS and not kernels & set(map(id, engines._KERNELS.values()))
        assert _svgs(session.document("html").read_text(encoding="utf-8")) == _svgs(after)

        # a module this process runs (the renderer, the scan) cannot be swapped: say so
        import importlib.util

        spec = importlib.util.spec_from_file_location("preview_side", fake / "preview_side.py")
        (fake / "preview_side.py").write_text("Y = 1\n")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["preview_side"] = module
        session.seen = session.snapshot()
        (fake / "preview_side.py").write_text("Y = 2  # changed\n")
        stale = session.build()
        assert not stale.ok and "preview_side.py changed" in stale.reason
        assert "restart safeguarding preview" in stale.reason and stale.restart
        assert not rebuilt.restart
        assert session.good is rebuilt  # the last good page stays
    finally:
        sys.modules.pop("preview_side", None)
        session.close()


def test_the_preview_reads_and_watches_what_settings_name_outside_the_data_folder(
    project: Path,
) -> None:
    """An Annex A workbook and the DfE summary kept elsewhere are the preview's data too: a
    change to either rebuilds from the data, and the workbook's children are known to the
    preview's scan."""
    from test_loaders_annex_a import child, d, write_workbook

    (project / "data" / "annex_a").mkdir()
    book = project / "data" / "annex_a" / "901_2024-09-30.xlsx"
    contact = {**child("WB7000001"), "Date of Contact": d("2024-09-02"),
               "Contact Source": "q) 6: Police"}  # fmt: skip
    write_workbook(book, {"List 1": [contact]})
    (project / "data" / "dfe_summary.csv").write_text(
        "return,authority,year,ruleset,rule,message,records\n"
    )
    settings = project / "params" / "settings.yaml"
    settings.write_text(
        settings.read_text() + '\nannex_a:\n  - authority: "901"\n'
        "    file: data/annex_a/901_2024-09-30.xlsx\n    extract_date: 2024-09-30\n"
        "dfe_rules: data/dfe_summary.csv\n"
    )
    session = preview.open_session("901", "looked_after", "2024-25 Q2", project)
    data = session.watched()["data"]
    assert book.resolve() in [p.resolve() for p in data]
    assert (project / "data" / "dfe_summary.csv").resolve() in [p.resolve() for p in data]
    assert "WB7000001" in session.identifiers().ids
