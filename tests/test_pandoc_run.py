"""One pandoc process reads a report once and writes every format (pandoc_run): each format
exactly as its own pandoc command would write it, the renderer's check between reading and
writing, and every failure a RenderError naming its step."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import psutil
import pytest
from safeguarding import pandoc_run, render
from safeguarding.exceptions import RenderError

STAMP = dt.datetime(2024, 10, 15, 9, tzinfo=dt.UTC)
META = {
    "title": "Children's safeguarding performance scorecard",
    "subtitle": "Testshire: quarter 2 2024-25",
    "authority_name": "Testshire",
    "committee": "Children's Services Scrutiny Committee",
    "meeting_date_text": "8 November 2024",
    "classification": "Unrestricted",
    "quarter": "2024-25 Q2",
}
# What the renderer's Markdown holds, and what a shift of heading levels treats specially: a
# level-1 heading first (the title in the PDF and Word) and another later (a paragraph there).
MARKDOWN = """# An opening heading

Text with a [red]{.rag-red} status, "quotes" -- and a [link](https://example.org).

::: {.contents-page}
:::

## Section one {#one}

::: {.commentary-label}
Commentary drafted from the figures
:::

### A subsection

![A chart of *referrals*](figure-01.svg){alt="Referrals by quarter"}

| Area | Value |
|:-----|------:|
| North | 12 |
| South | 7 |

: Referrals by area {.row-headers-1}

Financial implications
:   None arising.

# A second top-level heading

Closing words.
"""


@pytest.fixture()
def report(tmp_path: Path) -> tuple[Path, render.Document]:
    svg = tmp_path / "figure-01.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
        '<rect width="200" height="100" fill="#1d70b8"/></svg>',
        encoding="utf-8",
    )
    render.write_pngs([svg])
    source = tmp_path / "report.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    return source, render.Document(MARKDOWN, dict(META), [svg])


def command_for(job: pandoc_run.WriterJob, reading: pandoc_run.Reading, source: Path) -> list[str]:
    """The pandoc command line that says what ``job`` says."""
    args = [pandoc_run.pandoc_path(), f"--from={reading.reader}", f"--to={job.format}"]
    args += ["--wrap=none", f"--columns={reading.columns}", f"--lua-filter={reading.filter}"]
    for key, value in (*reading.meta, *job.meta):
        args += ["-M", f"{key}={value}"]
    if job.template is not None:
        args += ["--standalone", f"--template={job.template}"]
    for key, value in job.variables:
        args += ["-V", f"{key}={value}"]
    if job.shift:
        args.append(f"--shift-heading-level-by={job.shift}")
    for name, value in job.options.items():
        flag = {"table_of_contents": "--toc", "section_divs": "--section-divs"}.get(name)
        if flag:
            args += [flag] if value else []
        elif name in ("toc_depth", "reference_doc"):
            args.append(f"--{name.replace('_', '-')}={value}")
        else:
            raise AssertionError(f"no command-line flag for {name}")
    return [*args, "-o", str(job.output), str(source)]


def contents(path: Path) -> dict[str, bytes] | bytes:
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            return {name: z.read(name) for name in z.namelist()}
    return path.read_bytes()


def test_each_format_is_written_as_its_own_pandoc_command_writes_it(report):
    source, doc = report
    folder = source.parent
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(STAMP.timestamp()))}
    ours, theirs = {}, {}
    jobs = []
    for fmt, name in (("html", "report.html"), ("pdf", "report.typ"), ("docx", "report.docx")):
        theirs_job = render.writer_job(fmt, doc, STAMP, folder / f"command-{name}")
        subprocess.run(command_for(theirs_job, render.READING, source), cwd=folder, env=env,
                       check=True, capture_output=True)  # fmt: skip
        theirs[fmt] = contents(theirs_job.output)
        jobs.append(render.writer_job(fmt, doc, STAMP, folder / name))
    pandoc_run.read_check_write(source, render.READING, jobs, render.guard_document, STAMP)
    for job, fmt in zip(jobs, ("html", "pdf", "docx"), strict=True):
        ours[fmt] = contents(job.output)
    assert ours == theirs
    typst = theirs["pdf"].decode()
    # what the comparison stands on: the shift, the filter's work, the template's variables
    assert '#rag("red", "red")' in typst and "Closing words" in typst
    assert "An opening heading" not in typst.split("#contents-page()")[-1]
    assert "A second top-level heading" in typst and "= A second" not in typst
    assert "= Section one" in typst and "== A subsection" in typst
    assert b'scope="row"' in ours["html"] and b"Testshire" in ours["html"]
    assert b'w:rStyle w:val="RAGRed"' in theirs["docx"]["word/document.xml"]
    assert any(name.endswith(".png") for name in theirs["docx"])


def test_the_check_sees_the_document_before_any_writer_and_its_rewrite_is_written(report):
    source, doc = report
    out = source.parent / "report.html"
    seen = []

    def rewrite(ast: Path) -> bool:
        seen.append(out.exists())
        data = json.loads(ast.read_text(encoding="utf-8"))
        data["blocks"].append({"t": "Para", "c": [{"t": "Str", "c": "Added-by-the-check"}]})
        ast.write_text(json.dumps(data), encoding="utf-8")
        return True

    job = render.writer_job("html", doc, STAMP, out)
    pandoc_run.read_check_write(source, render.READING, [job], rewrite, STAMP)
    assert seen == [False]
    assert "Added-by-the-check" in out.read_text(encoding="utf-8")


def test_a_refused_document_is_never_written_and_pandoc_is_stopped(report):
    source, doc = report
    (source.parent / "figure-01.png").unlink()
    source.write_text(MARKDOWN + "\n![x](https://example.org/tracker.png)\n", encoding="utf-8")
    jobs = [render.writer_job(f, doc, STAMP, source.parent / f"out.{f}") for f in ("html", "docx")]
    with pytest.raises(RenderError, match="not one of the report's own files"):
        pandoc_run.read_check_write(source, render.READING, jobs, render.guard_document, STAMP)
    assert not list(source.parent.glob("out.*"))
    assert not [p for p in psutil.Process().children() if "pandoc" in p.name()]


def test_a_writer_that_fails_is_named_with_pandocs_words(report):
    source, doc = report
    broken = source.parent / "broken.html"
    broken.write_text("$if(title)$ never closed", encoding="utf-8")
    good = render.writer_job("pdf", doc, STAMP, source.parent / "report.typ")
    bad = pandoc_run.WriterJob("html5", source.parent / "report.html", template=broken)
    with pytest.raises(RenderError) as caught:
        pandoc_run.read_check_write(source, render.READING, [bad, good], lambda _: False, STAMP)
    message = str(caught.value)
    assert message.startswith("pandoc (html5): ") and "broken.html" in message
    assert "\n" not in message  # the Typst after it was written; only the failure is named
    assert (source.parent / "report.typ").is_file()


def test_a_reader_that_fails_is_named_and_nothing_is_checked(report):
    source, _ = report
    checked = []
    reading = pandoc_run.Reading(reader="nosuchformat", filter=render.READING.filter)
    with pytest.raises(RenderError, match=r"^pandoc \(reading\): .*nosuchformat"):
        pandoc_run.read_check_write(source, reading, [], checked.append, STAMP)
    assert checked == []


def test_a_filter_that_floods_stdout_and_stderr_cannot_stall_the_render(report, tmp_path):
    """Whatever a filter prints (a debugging ``print``, pandoc's warnings) is drained or
    kept in a file: neither pipe fills and stalls pandoc while the renderer waits."""
    source, doc = report
    noisy = tmp_path / "noisy.lua"
    noisy.write_text(
        'function Para(p) print(string.rep("x", 200000)); '
        'io.stderr:write(string.rep("y", 200000)); return p end\n',
        encoding="utf-8",
    )
    reading = pandoc_run.Reading(reader=render.READING.reader, filter=noisy)
    job = render.writer_job("html", doc, STAMP, source.parent / "report.html")
    done: list[bool] = []
    thread = threading.Thread(
        target=lambda: done.append(
            pandoc_run.read_check_write(source, reading, [job], lambda _: False, STAMP) is None
        ),
        daemon=True,
    )
    thread.start()
    thread.join(120)  # a deadlock, not a speed: the render takes well under a second
    assert done == [True]
    assert (source.parent / "report.html").is_file()


def test_a_pandoc_that_dies_after_reading_is_a_render_error(report):
    """Killed between reading and writing (out of memory, a signal): a RenderError saying
    so, not a broken pipe."""
    source, doc = report

    def kill_pandoc(_ast: Path) -> bool:
        for child in psutil.Process().children():
            if "pandoc" in child.name():
                child.kill()
                while child.status() != psutil.STATUS_ZOMBIE:  # dead, left for Popen to reap
                    time.sleep(0.01)
        return False

    job = render.writer_job("html", doc, STAMP, source.parent / "report.html")
    with pytest.raises(RenderError, match=r"^pandoc \(writing\): killed by signal 9$"):
        pandoc_run.read_check_write(source, render.READING, [job], kill_pandoc, STAMP)
    assert not (source.parent / "report.html").exists()
