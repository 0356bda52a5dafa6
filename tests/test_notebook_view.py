"""The report as JupyterLab and nbconvert show it (the outputs' text/html), and the notebooks'
first cell: a bad parameter is one line, not a traceback; the kernel the notebooks name."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest
from fixtures import report_fixture as fx
from safeguarding.exceptions import ParameterError, SafeguardingError
from safeguarding.report import one_line_errors

ROOT = Path(__file__).resolve().parents[1]
MARKS = re.compile(r"\*\*|`|\^|\{\.|\]\(|\]\{|\\[^\s]")


@pytest.fixture(scope="module")
def outputs() -> list[dict]:
    nb = fx.notebook(fx.build("public"))
    return [o for c in nb["cells"] for o in c.get("outputs", [])]


def _visible(page: str) -> str:
    text = re.sub(r"<style.*?</style>|<svg.*?</svg>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def test_html_view_has_no_markdown_marks(outputs):
    pages = ["".join(o["data"]["text/html"]) for o in outputs if "text/html" in o["data"]]
    assert len(pages) > 20
    leftovers = [
        (m.group(), _visible(p)[max(0, m.start() - 30) : m.end() + 30])
        for p in pages
        for m in MARKS.finditer(_visible(p))
    ]
    assert leftovers == []
    together = "".join(pages)
    assert re.search(r"<code>[0-9a-f]{64}</code>", together)  # checksums as code, no backticks
    assert "<sup>p</sup>" in together and "<strong>" in together


def test_status_is_shown_in_colour_and_words_without_the_house_stylesheet(outputs):
    page = "".join("".join(o["data"].get("text/html", "")) for o in outputs)
    # every badge has its colour inline: none left unstyled (report.css's colours)
    assert len(re.findall(r'<span class="rag rag-\w+"', page)) == len(
        re.findall(r'<span class="rag rag-\w+" style=', page)
    )
    badges = re.findall(r'<span class="rag rag-(\w+)" style="([^"]+)">([^<]+)</span>', page)
    assert {"green", "red", "none", "suppressed"} <= {status for status, _, _ in badges}
    fill = {"green": "#1a7a3a", "amber": "#f2c230", "red": "#b3261e", "none": "#e4e6ea",
            "suppressed": "#d6e4f0", "unavailable": "#ece3f5"}  # fmt: skip
    words_of = {"green": "Green", "amber": "Amber", "red": "Red", "none": "No target",
                "suppressed": "Suppressed", "unavailable": "Not computable"}  # fmt: skip
    for status, style, words in badges:
        assert f"background:{fill[status]}" in style
        assert words.startswith(words_of[status])


def test_metadata_output_shows_nothing(outputs):
    meta = [o for o in outputs if "application/vnd.safeguarding.meta+json" in o["data"]]
    assert len(meta) == 1
    assert meta[0]["data"]["text/html"] == "" and meta[0]["data"]["text/plain"] == ""


def test_provenance_says_run_interactively_without_a_recorded_time():
    r = fx.build("public")
    assert "at 2024-10-20T09:30:00+00:00," in r.provenance().markdown
    r.meta.run_time = ""
    text = r.provenance().markdown
    assert "run interactively" in text and "not recorded" not in text


def test_one_line_errors_gives_ipython_one_line_and_still_fails():
    with pytest.raises(ParameterError) as caught, one_line_errors():
        raise ParameterError("audience 'everyone': choose public or restricted")
    assert caught.value._render_traceback_() == [
        "ParameterError: audience 'everyone': choose public or restricted"
    ]
    with pytest.raises(ZeroDivisionError) as bug, one_line_errors():
        1 / 0  # noqa: B018 - a bug keeps its traceback
    assert not hasattr(bug.value, "_render_traceback_")
    assert issubclass(ParameterError, SafeguardingError)


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"authority": "999"}, r"UnknownName: authority '999' is not in params/authorities.yaml"),
        ({"quarter": "2024-25 Q5"}, r"PeriodError: period '2024-25 Q5' is not recognised"),
    ],
)
def test_a_bad_parameter_is_one_line_in_the_executed_notebook(parameters, message, tmp_path):
    import papermill

    out = tmp_path / "bad.ipynb"
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(
            str(ROOT / "notebooks" / "child_protection.ipynb"),
            str(out),
            parameters=parameters,
            cwd=str(ROOT),
            progress_bar=False,
            kernel_name="python3",
        )
    import nbformat

    errors = [
        o
        for c in nbformat.read(out, as_version=4).cells
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]
    assert len(errors) == 1
    (line,) = errors[0]["traceback"]  # one line, no traceback
    assert re.match(message, line) and "Traceback" not in line


def test_the_kernel_the_notebooks_name_is_installed_for_this_environment():
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from safeguarding import engines

    try:
        spec = KernelSpecManager().get_kernel_spec(engines.PROJECT_KERNEL)
    except NoSuchKernel:
        pytest.skip("the safeguarding-reports kernel spec is not installed (run scripts/bootstrap)")
    assert Path(spec.argv[0]).parent == Path(sys.executable).parent
    assert engines.kernel_for(ROOT / "notebooks" / "looked_after.ipynb") == engines.PROJECT_KERNEL
