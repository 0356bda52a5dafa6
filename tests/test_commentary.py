"""Analyst commentary cannot inject: hostile files are refused with one line naming the file,
line and construct; what is allowed is rendered safely, images from the project embedded."""

from __future__ import annotations

import html
import re
import struct
import zlib
from pathlib import Path

import pytest
from fixtures import report_fixture as fx
from safeguarding import render
from safeguarding.commentary import nodes, parse, sanitise
from safeguarding.exceptions import InputError
from safeguarding.params import read_commentary

REL = "params/commentary/2024-25-Q2/901/NI65.md"

# (name, commentary text, the construct named, its line in the text); None: accepted
HOSTILE = [
    ("script block", "Fine.\n\n<script>alert(1)</script>", "raw HTML (<script>", 3),
    ("script inline", "Fine <script>steal()</script> text", "raw HTML (<script>", 1),
    ("img onerror", "Look <img src=x onerror=alert(1)>", "raw HTML (<img src=x onerror", 1),
    ("svg onload", "<svg onload=alert(1)></svg>", "raw HTML (<svg onload", 1),
    ("iframe", "a\n\nb\n\n<iframe src=https://evil.example/></iframe>", "raw HTML (<iframe", 5),
    ("object", "<object data=https://evil.example/x.swf></object>", "raw HTML (<object", 1),
    ("style tag", "<style>body{background:url(https://evil.example/t)}</style>", "raw HTML", 1),
    ("link tag", '<link rel="stylesheet" href="https://evil.example/x.css">', "raw HTML", 1),
    ("meta refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example">', "raw", 1),
    ("form", '<form action="https://evil.example"><input name=p></form>', "raw HTML (<form", 1),
    ("html comment", "Text\n\n<!-- hidden -->", "raw HTML (<!-- hidden -->)", 3),
    ("raw html attribute", "```{=html}\n<b onclick=x>hi</b>\n```", "raw HTML (<b onclick", 2),
    ("raw html inline", "x `<i>y</i>`{=html} z", "raw HTML (<i>y</i>)", 1),
    ("raw typst block", 'Text\n\n```{=typst}\n#panic("x")\n```', 'raw Typst (#panic("x"))', 4),
    ("raw typst inline", 'x `#read("/etc/passwd")`{=typst}', "raw Typst (#read(", 1),
    ("raw openxml block", "```{=openxml}\n<w:p><w:r><w:t>x</w:t></w:r></w:p>\n```", "OpenXML", 2),
    ("raw openxml inline", "a `<w:br/>`{=openxml} b", "raw OpenXML (<w:br/>)", 1),
    ("raw latex", "\\begin{verbatim}x\\end{verbatim}", "raw LaTeX", 1),
    ("tex maths", "The rate is $x^2$ today", "TeX maths ($x^2$)", 1),
    ("javascript link", "See [the data](javascript:alert(1))", "a link to javascript:alert(1)", 1),
    ("JavaScript upper", "See [x](JAVASCRIPT:alert(1))", "a link to JAVASCRIPT:alert(1)", 1),
    ("vbscript link", "[x](vbscript:msgbox)", "a link to vbscript:msgbox", 1),
    ("data link", "[x](data:text/html;base64,PHNjcmlwdD4=)", "a link to data:text/html", 1),
    ("file link", "[x](file:///etc/passwd)", "a link to file:///etc/passwd", 1),
    ("relative link", "[x](../restricted/901/child_protection.html)", "a link to ../restricted", 1),
    ("protocol-relative link", "[x](//evil.example/a)", "a link to //evil.example/a", 1),
    ("reference javascript", "See [y].\n\n[y]: javascript:alert(1)", "a link to javascript:", 3),
    ("autolink ftp", "<ftp://evil.example/x>", "a link to ftp://evil.example/x", 1),
    ("remote image", "![chart](https://evil.example/pixel.png)", "an image from outside the", 1),
    ("remote image http", "Text\n\n![t](http://evil.example/t.gif)", "an image from outside", 3),
    ("data image", "![x](data:image/png;base64,iVBORw0KGgo=)", "an image from outside", 1),
    ("absolute image", "![x](/etc/hostname)", "an image by absolute path (/etc/hostname)", 1),
    ("escaping image", "![x](../../../../../../etc/hosts.png)", "outside the project folder", 1),
    ("missing image", "![x](nothing-here.png)", "an image that does not exist", 1),
    ("svg image", "![x](drawing.svg)", "an image of type .svg", 1),
    ("onclick span", "[click]{onclick=alert(1)}", "the attribute onclick", 1),
    ("style div", '::: {style="position:fixed;top:0"}\nCover\n:::', "the attribute style", 1),
    ("custom-style", '::: {custom-style="Heading 1"}\nFake heading\n:::', "custom-style", 1),
    ("image onerror attribute", "![x](chart.png){onerror=alert(1)}", "the attribute onerror", 1),
    ("link attribute", "[x](https://ok.example){target=_blank}", "the attribute target", 1),
    ("top heading", "Text\n\n# Not for publication", "a level-1 heading", 3),
    ("setext heading", "Text\n\nBig\n===", "a level-1 heading", 3),
]
ACCEPTED = [
    ("plain", "The rise is *small* and **explained** below."),
    ("lists and table", "1. one\n2. two\n\n| team | cases |\n|---|---|\n| North | 12 |"),
    ("links", "See [DfE](https://www.gov.uk/x), [us](http://example.org) or <a@b.org>."),
    ("mailto", "Contact [the service](mailto:cs@council.example)."),
    ("own image", "![Referrals by month](chart.png){width=50%}"),
    ("unclosed fence", "```\nan unclosed fence stays inside this file"),
    ("escaped markup", "A &lt;script&gt; written as text, and 5 < 6 > 4."),
    ("footnote", "Audited[^1].\n\n[^1]: By the partnership."),
    ("dollar amounts", "It cost $5 and then $10 more."),
    ("small heading", "#### What changed\n\nTwo families."),
]


def _png(width: int = 2, height: int = 2) -> bytes:
    """A tiny valid PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "params" / "commentary" / "2024-25-Q2" / "901"
    folder.mkdir(parents=True)
    (folder / "chart.png").write_bytes(_png())
    (folder / "drawing.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return tmp_path, folder


def test_there_are_at_least_thirty_hostile_files() -> None:
    assert len(HOSTILE) >= 30 and len({name for name, *_ in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize(
    ("name", "text", "construct", "line"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
def test_hostile_commentary_is_refused_naming_file_line_and_construct(
    project: tuple[Path, Path], name: str, text: str, construct: str, line: int
) -> None:
    root, folder = project
    with pytest.raises(InputError) as caught:
        sanitise(text, REL, folder, root)
    first = caught.value.lines()[0]
    assert first.startswith(f"error: {REL}, line {line}: "), first
    assert construct in first and "is not allowed in commentary" in first, first
    assert "\n" not in first


@pytest.mark.parametrize(("name", "text"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_ordinary_commentary_is_accepted_and_stays_inert(
    project: tuple[Path, Path], name: str, text: str
) -> None:
    root, folder = project
    safe = sanitise(text, REL, folder, root)
    # what the report embeds reads back with nothing raw, links and images only as allowed
    found = list(nodes(parse(safe)))
    assert found and not [n for n in found if n["t"] in ("RawBlock", "RawInline", "Math")]
    for node in found:
        if node["t"] == "Link":
            assert re.match(r"(https?://|mailto:)", node["c"][2][0]), node
        if node["t"] == "Image":
            assert node["c"][2][0].startswith("data:image/png;base64,"), node


def test_a_line_is_counted_in_the_file_after_its_front_matter(project: tuple[Path, Path]) -> None:
    root, folder = project
    path = folder / "NI65.md"
    path.write_text("---\nmode: follow\n---\n\nFirst paragraph.\n\n<script>x()</script>\n")
    with pytest.raises(InputError) as caught:
        read_commentary(path, REL, root)
    assert caught.value.lines()[0].startswith(f"error: {REL}, line 7: raw HTML (<script>")
    # without the check (the batch's first look at the parameters) the text reads as written
    assert "<script>" in read_commentary(path, REL, root, safe=False).text


def test_images_are_embedded_and_reports_stay_self_contained(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    root, folder = project
    safe = sanitise("Referrals rose.\n\n![Referrals by month](chart.png)", REL, folder, root)
    assert "data:image/png;base64," in safe and "chart.png" not in safe
    nb = fx.markdown_notebook(tmp_path / "commentary.ipynb", safe)
    out = render.render_notebook(nb, tmp_path / "out")
    page = out["html"].read_text(encoding="utf-8")
    assert "data:image/png;base64," in page
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy and html.unescape(policy.group(1)) == render.CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in render.CONTENT_SECURITY_POLICY
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert out["pdf"].read_bytes().startswith(b"%PDF")
    assert b"word/media/" in out["docx"].read_bytes()


def test_a_remote_image_reaching_the_renderer_is_one_line_not_a_typst_error(
    tmp_path: Path,
) -> None:
    """Defence in depth: a notebook that displays a remote image itself (not commentary)."""
    nb = fx.markdown_notebook(tmp_path / "remote.ipynb", "![x](https://evil.example/p.png)")
    with pytest.raises(render.RenderError) as caught:
        render.render_notebook(nb, tmp_path / "out")
    message = str(caught.value)
    assert "not one of the report's own files" in message and "\n" not in message
    assert "TypstError" not in message


def test_the_page_policy_stops_a_script_in_a_browser(tmp_path: Path) -> None:
    """Were a script ever to reach a page, Chromium would not run it: the same injected page
    runs it once its policy is taken out (the control)."""
    import subprocess

    import axe

    browser = axe.chromium()
    if not browser:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    nb = fx.markdown_notebook(tmp_path / "page.ipynb", "Ordinary commentary.")
    page = render.render_notebook(nb, tmp_path / "out", formats=("html",))["html"]
    attack = (
        "<script>document.body.setAttribute('data-ran', 'script')</script>"
        "<img src=x alt='' onerror=\"document.body.setAttribute('data-ran', 'onerror')\">"
    )
    injected = page.read_text(encoding="utf-8").replace("</body>", attack + "</body>")

    def dom(text: str, name: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        flags = [*axe.CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom"]
        done = subprocess.run(
            [browser, *flags, path.as_uri()], capture_output=True, text=True, timeout=120
        )
        assert "<body" in done.stdout, done.stderr[-500:]
        return done.stdout

    ran = re.compile(r"<body[^>]*\sdata-ran=")
    assert not ran.search(dom(injected, "with-policy.html"))
    without = re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", injected)
    assert ran.search(dom(without, "without-policy.html"))
