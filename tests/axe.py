"""Run axe-core over an HTML file in headless Chromium, with no network.

A copy of the page gets axe's source and a small script inlined; Chromium's ``--dump-dom``
(with a virtual-time budget so the asynchronous run finishes) prints the DOM, from which the
results are read back. Nothing is fetched: the page is self-contained and axe is inlined.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-extensions",
    "--virtual-time-budget=60000",
]

POLICY = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")')
NONCE = "axe-under-test"

RUNNER = """
<script>
axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]})
  .then(function (r) {
    var out = r.violations.map(function (v) {
      return {id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map(function (n) {
                return n.target.join(" ") + " :: " + n.failureSummary;
              })};
    });
    var pre = document.createElement("pre");
    pre.id = "axe-results";
    pre.textContent = JSON.stringify({ok: true, violations: out});
    document.body.appendChild(pre);
  })
  .catch(function (e) {
    var pre = document.createElement("pre");
    pre.id = "axe-results";
    pre.textContent = JSON.stringify({ok: false, error: String(e)});
    document.body.appendChild(pre);
  });
</script>
"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def available() -> str | None:
    """None when axe can run; otherwise the reason it cannot (for pytest.skip)."""
    if not chromium():
        return "chromium is not installed (apt-get install chromium)"
    if not AXE.is_file():
        return "axe-core is not installed (npm install, from the project's package.json)"
    return None


def run_axe(page: Path, timeout: float = 120) -> list[dict]:
    """axe's WCAG 2.2 A/AA violations for ``page`` (an empty list when there are none)."""
    source = page.read_text(encoding="utf-8")
    axe_js = AXE.read_text(encoding="utf-8").replace("</script", "<\\/script")
    # the page forbids scripts: its policy stays, and allows axe's two by their nonce alone
    source = POLICY.sub(lambda m: f"{m[1]}{m[2]}; script-src 'nonce-{NONCE}'{m[3]}", source)
    runner = (RUNNER % json.dumps(TAGS)).replace("<script>", f'<script nonce="{NONCE}">')
    injected = f'<script nonce="{NONCE}">{axe_js}</script>{runner}'
    if "</body>" not in source:
        raise ValueError(f"{page} has no </body>")
    source = source.replace("</body>", injected + "</body>", 1)
    with tempfile.TemporaryDirectory(prefix="axe-") as tmp:
        wrapped = Path(tmp) / page.name
        wrapped.write_text(source, encoding="utf-8")
        profile = Path(tmp) / "profile"
        result = subprocess.run(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--dump-dom",
                wrapped.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    found = re.search(r'<pre id="axe-results">(.*?)</pre>', result.stdout, re.S)
    if not found:
        raise RuntimeError(f"axe produced no results; chromium said: {result.stderr[-2000:]}")
    data = json.loads(html.unescape(found.group(1)))
    if not data["ok"]:
        raise RuntimeError(f"axe failed: {data['error']}")
    return data["violations"]
