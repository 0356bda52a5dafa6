"""An attacker for published reports (used by tests/test_disclosure_attack.py).

It knows only what a reader of the published files knows: it reads every table of counts
(HTML; the DOCX's tables and the PDF's text must show the same cells), writes down every sum
the tables imply within and across tables, and bounds each hidden cell (``c``) by linear
programming, as anyone with ``scipy.optimize.linprog`` could:

* a caseload table: each row and column adds up to its total;
* "Cases per team": the teams add up to the total, and each team's count (and the total) is
  the caseload table's team total; a shown share bounds its count given the total;
* events by team: the teams add up to the total;
* a case type's total is the count the scorecard gives for the same children (children on a
  child protection plan, children looked after) and the denominator a key figure gives for
  them ("(9 of 261)"); the initial conferences by team add up to the conferences a key figure
  counts.

Zeros are shown, so every hidden cell is at least 1. A hidden cell leaks when its bounds
admit one whole number only, or only whole numbers from 1 to 5.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lxml import etree, html

HIDDEN = "c"
NUMBER = re.compile(r"\d{1,3}(?:,\d{3})*|\d+")
SHARE = re.compile(r"(\d+\.\d)%")
# The attacker's reading of the report's labels: which counts are the same children.
CASE_TYPE_COUNTS = {
    "Child Protection Plan": ("CPP_AT_END", ("CPP_2YRS_OPEN",)),
    "Looked After": ("CLA_AT_END", ("NI62",)),
}
EVENT_COUNTS = {"Initial child protection conferences": "ICPC_15WD"}


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]

    def cells(self) -> list[str]:
        return [c for row in self.rows for c in row[1:]]


def _text(node) -> str:
    return " ".join(node.text_content().split())


def html_tables(page: str) -> list[Table]:
    """Every table of a page: caption, header cells, body rows (cell text)."""
    tree = html.fromstring(page)
    out = []
    for table in tree.iter("table"):
        caption = table.find("caption")
        header = [_text(th) for th in table.iter("th")]
        rows = [[_text(td) for td in tr.findall("td")] for tr in table.iter("tr")]
        out.append(Table("" if caption is None else _text(caption), header, [r for r in rows if r]))
    return out


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_tables(path: Path) -> list[list[list[str]]]:
    """Every table of a Word file as rows of cell text (header row first)."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    out = []
    for tbl in root.iter(f"{W}tbl"):
        rows = []
        for tr in tbl.iter(f"{W}tr"):
            rows.append([" ".join("".join(tc.itertext()).split()) for tc in tr.iter(f"{W}tc")])
        out.append(rows)
    return out


OF = re.compile(r"\(([\d,]+) of ([\d,]+)\)")  # a key figure's "(9 of 261)"


def html_text(page: str) -> str:
    """The page's visible text (no styles)."""
    tree = html.fromstring(page)
    for style in tree.iter("style"):
        style.drop_tree()
    return tree.text_content()


def docx_text(path: Path) -> str:
    """The Word file's text, paragraph by paragraph."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    return "\n".join("".join(p.itertext()) for p in root.iter(f"{W}p"))


def pdf_text(path: Path) -> str:
    """The PDF's text in reading layout (pdftotext, else pypdf)."""
    if shutil.which("pdftotext"):
        run = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True)
        return run.stdout.decode("utf-8")
    from pypdf import PdfReader

    return "\n".join(p.extract_text(extraction_mode="layout") for p in PdfReader(path).pages)


TOKEN = re.compile(r"c|\d{1,3}(?:,\d{3})+|\d+(?:\.\d%)?")


def value_tokens(text: str) -> list[str]:
    """The counts, ``c`` and shares in a stretch of text, in order (words dropped)."""
    return [t for t in text.split() if TOKEN.fullmatch(t)]


def pdf_table_tokens(text: str, tables: list[Table]) -> list[list[str]]:
    """For each table (in order), the first cells after its caption in the PDF's text, as
    many as the table has (page headers and footers dropped)."""
    lines = [ln for ln in text.splitlines() if " · " not in ln and "Page " not in ln]
    out, at = [], 0
    for t in tables:
        start = next(i for i in range(at, len(lines)) if t.caption[:40] in lines[i])
        tokens: list[str] = []
        for line in lines[start + 1 :]:
            tokens += value_tokens(line)
            if len(tokens) >= len(t.cells()):
                break
        out.append(tokens[: len(t.cells())])
        at = start + 1
    return out


def key_figures(page: str) -> dict[str, tuple[str, str]]:
    """Each indicator section's "(x of N)" for the quarter, by the section's heading."""
    tree = html.fromstring(page)
    out = {}
    for section in tree.iter("section"):
        heading = section.find("h3")
        box = section.find(".//div[@class='key-figures']")
        if heading is None or box is None:
            continue
        m = re.search(r"\(([\d,]+) of ([\d,]+)\)", _text(box))
        if m:
            out[_text(heading)] = (m.group(1), m.group(2))
    return out


def chart_counts(page: str, counts: set[str]) -> dict[str, dict[str, str]]:
    """The counts a count indicator's chart states in its alt text ("rose from 236 in
    Q3 22-23 to 261 in Q2 24-25"), by section heading and period."""
    tree = html.fromstring(page)
    out: dict[str, dict[str, str]] = {}
    for section in tree.iter("section"):
        heading = section.find("h3")
        if heading is None or _text(heading) not in counts:
            continue
        for img in section.iter("img"):
            said = re.findall(
                r"(?<!per )\b(\d[\d,]*) in (Q[1-4] \d\d-\d\d)", img.get("aria-label", "")
            )
            out.setdefault(_text(heading), {}).update({period: n for n, period in said})
    return out


def _count(text: str) -> int | None | str:
    """A cell as a count (int), hidden (None), or something else (the text)."""
    text = text.strip()
    if text == HIDDEN:
        return None
    return int(text.replace(",", "")) if re.fullmatch(NUMBER, text) else text


@dataclass
class Attack:
    """What the attacker knows: cells (a count, or None when hidden), sums and bounds."""

    known: dict[tuple, int] = field(default_factory=dict)
    hidden: set[tuple] = field(default_factory=set)
    hidden_somewhere: set[tuple] = field(default_factory=set)  # c in one place
    sums: list[tuple[tuple, list[tuple]]] = field(default_factory=list)
    shares: list[tuple[tuple, tuple, float]] = field(default_factory=list)  # part, total, %

    def cell(self, key: tuple, text: str) -> None:
        value = _count(text)
        if value is None:
            self.hidden_somewhere.add(key)
            if key not in self.known:
                self.hidden.add(key)
        elif isinstance(value, int):
            previous = self.known.setdefault(key, value)
            assert previous == value, f"{key} is published as {previous} and as {value}"
            self.hidden.discard(key)  # shown anywhere: known everywhere

    def merge(self, other: Attack) -> None:
        """Add what another page publishes (a reader holds all of an authority's reports)."""
        for key, value in other.known.items():
            self.cell(key, str(value))
        for key in other.hidden_somewhere:
            self.cell(key, HIDDEN)
        self.sums += other.sums
        self.shares += other.shares

    def add_sum(self, total: tuple, parts: list[tuple]) -> None:
        self.sums.append((total, parts))

    def same(self, a: tuple, b: tuple) -> None:
        if a in self.known and b in self.known and self.known[a] != self.known[b]:
            return  # both shown and different: not the same children after all
        if (a in self.known or a in self.hidden) and (b in self.known or b in self.hidden):
            self.sums.append((a, [b]))

    def _system(self, col: dict[tuple, int]) -> tuple[list, list, list, list]:
        """The sums as equalities and the shares as inequalities over the hidden cells."""
        a_eq, b_eq = [], []
        for total, parts in self.sums:
            row, rhs = np.zeros(len(col)), 0.0
            for sign, key in [(1, total), *((-1, p) for p in parts)]:
                if key in col:
                    row[col[key]] += sign
                elif key in self.known:
                    rhs -= sign * self.known[key]
                else:
                    break  # a member not published: the sum says nothing
            else:
                if row.any():
                    a_eq.append(row)
                    b_eq.append(rhs)
                else:
                    assert abs(rhs) < 1e-9, f"published figures do not add up: {total}"
        a_ub, b_ub = [], []
        for part, total, pct in self.shares:  # 100 * part / total within pct +- 0.05
            if part not in col and total not in col:
                continue
            # sign -1: 100 part >= (pct - 0.05) total; sign +1: 100 part <= (pct + 0.05) total
            for edge, sign in ((pct - 0.05, -1), (pct + 0.05, 1)):
                row, rhs = np.zeros(len(col)), 0.0
                for key, coef in ((part, 100.0 * sign), (total, -edge * sign)):
                    if key in col:
                        row[col[key]] += coef
                    else:
                        rhs -= coef * self.known[key]
                a_ub.append(row)
                b_ub.append(rhs)
        return a_eq, b_eq, a_ub, b_ub

    def ranges(self, integer: bool = False) -> dict[tuple, tuple[float, float]]:
        """Least and greatest value of each hidden cell: linear programming, or with
        ``integer`` mixed-integer programming (whole numbers only: a stronger attacker)."""
        from scipy.optimize import Bounds, LinearConstraint, linprog, milp

        unknown = sorted(self.hidden, key=repr)
        col = {k: i for i, k in enumerate(unknown)}
        a_eq, b_eq, a_ub, b_ub = self._system(col)
        constraints = []
        if a_eq:
            constraints.append(LinearConstraint(np.array(a_eq), b_eq, b_eq))
        if a_ub:
            constraints.append(LinearConstraint(np.array(a_ub), -np.inf, b_ub))
        # an unbounded maximum stays unbounded over whole numbers (HiGHS cannot say which of
        # infeasible or unbounded a MIP is, so the linear answer decides)
        linear = self.ranges() if integer else {}
        out = {}
        for key, i in col.items():
            bounds = []
            for sign in (1, -1):
                c = np.zeros(len(unknown))
                c[i] = sign
                if integer and not (sign == -1 and math.isinf(linear[key][1])):
                    res = milp(
                        c,
                        constraints=constraints,
                        integrality=np.ones(len(unknown)),
                        bounds=Bounds(1, np.inf),
                    )
                else:
                    res = linprog(
                        c,
                        A_eq=np.array(a_eq) if a_eq else None,
                        b_eq=np.array(b_eq) if b_eq else None,
                        A_ub=np.array(a_ub) if a_ub else None,
                        b_ub=np.array(b_ub) if b_ub else None,
                        bounds=(1, None),
                        method="highs",
                    )
                assert res.status in (0, 3), f"the attacker's sums are inconsistent: {res.message}"
                bounds.append(math.inf if res.status == 3 else sign * res.fun)
            out[key] = (bounds[0], bounds[1])
        return out

    def leaks(self, integer: bool = False) -> dict[tuple, tuple[float, float]]:
        """Hidden cells pinned to one whole number or to whole numbers inside 1 to 5, and
        cells hidden in one place but shown in another."""
        out = {k: (self.known[k], self.known[k]) for k in self.hidden_somewhere & set(self.known)}
        for key, (low, high) in self.ranges(integer).items():
            if math.isinf(high):
                continue  # unbounded above: nothing learnt
            least, most = math.ceil(low - 1e-6), math.floor(high + 1e-6)
            if most <= 5 or most == least:
                out[key] = (low, high)
        return out


def attack_page(
    page: str,
    labels: dict[str, str] | None = None,
    counts: set[str] = frozenset(),
    this_year: str = "24-25",
) -> Attack:
    """Everything the attacker writes down from one HTML page. ``labels`` maps an
    indicator id to its published name (the scorecard's and the section heading's);
    ``counts`` names the indicators that are counts (their charts' alt text states counts);
    ``this_year`` is how the charts write the report's year."""
    labels = labels or {}
    attack = Attack()
    tables = html_tables(page)
    types: tuple[str, ...] = ()
    for t in tables:
        if t.caption.startswith("Children by case type and team"):
            types = _caseloads(attack, t)
    for t in tables:
        if t.caption.startswith("Cases per team"):  # the caseload table's team totals
            _shares(attack, t, lambda team: caseload_key("Total", team, types), "Cases")
        elif t.caption.endswith("by team"):
            title = t.caption.split(",")[0]
            _shares(attack, t, lambda team, title=title: ("events", title, team), "Number")
            figure = EVENT_COUNTS.get(title)
            if figure and figure in labels:
                attack.same(("events", title, "Total"), ("key", labels[figure], "of"))
        elif "scorecard for" in t.caption:
            _scorecard(attack, t)
        elif t.caption.startswith("Data-quality warnings"):
            for row in t.rows:
                attack.cell(("records", row[0]), row[1])
    for heading, said in chart_counts(page, counts).items():
        for period, text in said.items():
            quarter = re.fullmatch(rf"(Q[1-4]) {re.escape(this_year)}", period)
            attack.cell(
                ("score", heading, quarter.group(1)) if quarter else ("chart", heading, period),
                text,
            )
    for heading, (part, whole) in key_figures(page).items():
        attack.cell(("key", heading, "x"), part)
        attack.cell(("key", heading, "of"), whole)
    for kind, (score_id, key_ids) in CASE_TYPE_COUNTS.items():
        total = ("caseload", kind, "Total")
        if score_id in labels:
            attack.same(total, ("score", labels[score_id], "Q2"))
        for ind in key_ids:
            if ind in labels:
                attack.same(total, ("key", labels[ind], "of"))
    return attack


def caseload_key(kind: str, team: str, types: tuple[str, ...]) -> tuple:
    """A caseload count's key: a team's total (and the grand total) depends on which case
    types the table shows; a cell and a case type's total do not."""
    return ("caseload", "Total", team, types) if kind == "Total" else ("caseload", kind, team)


def _caseloads(attack: Attack, t: Table) -> tuple[str, ...]:
    """The caseload table's cells and its row and column sums; returns its case types."""
    by_team = t.header[0] == "Team"
    grid = {}
    for row in t.rows:
        for col, text in zip(t.header[1:], row[1:], strict=True):
            grid[(col, row[0]) if by_team else (row[0], col)] = text
    kinds = sorted({k for k, _ in grid if k != "Total"})
    teams = sorted({team for _, team in grid if team != "Total"})
    types = tuple(kinds)
    for (kind, team), text in grid.items():
        attack.cell(caseload_key(kind, team, types), text)
    for kind in [*kinds, "Total"]:
        parts = [caseload_key(kind, team, types) for team in teams]
        attack.add_sum(caseload_key(kind, "Total", types), parts)
    for team in [*teams, "Total"]:
        parts = [caseload_key(kind, team, types) for kind in kinds]
        attack.add_sum(caseload_key("Total", team, types), parts)
    return types


def _shares(attack: Attack, t: Table, key, column: str) -> None:
    """A count per team with its total and shares; ``key(team)`` names each count."""
    assert t.header == ["Team", column, "Share"], t.header
    teams = [r[0] for r in t.rows if r[0] != "Total"]
    for team, count, share in t.rows:
        attack.cell(key(team), count)
        m = SHARE.fullmatch(share)
        if m and team != "Total":
            attack.shares.append((key(team), key("Total"), float(m.group(1))))
    attack.add_sum(key("Total"), [key(team) for team in teams])


def _scorecard(attack: Attack, t: Table) -> None:
    for row in t.rows:
        label = row[0]
        for col, text in zip(t.header[1:], row[1:], strict=False):
            if col in ("Q1", "Q2", "Q3", "Q4") or col.startswith("Actual"):
                attack.cell(("score", label, col), text.rstrip("p"))
