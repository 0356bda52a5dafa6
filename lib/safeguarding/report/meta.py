"""The report's metadata (title, committee, meeting, classification) and its front sheet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..markup import META_MIME, Block, DefList, Div, Fragment, Heading, ItemList, Para, esc
from ..periods import Period, parse_period

IMPLICATION_TITLES = {
    "financial": "Financial implications",
    "legal": "Legal implications",
    "equalities": "Equalities implications",
    "risk": "Risk management",
    "consultation": "Consultation",
}


@dataclass
class Contact:
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class ReportMeta:
    """Everything a front sheet and the renderer's running header need."""

    title: str
    authority: str
    authority_name: str
    quarter: str
    report: str
    committee: str  # the committee's name
    meeting_date: dt.date | None
    report_of: str
    contact: Contact
    classification: str
    audience: str = "public"
    wards_affected: str = "All wards"
    decision_type: str = "For information"
    purpose: str = ""
    recommendations: Sequence[str] = ()
    implications: dict[str, str] = field(default_factory=dict)
    run_time: str = ""

    @property
    def period(self) -> Period:
        return parse_period(self.quarter)

    @property
    def meeting_date_text(self) -> str:
        if not self.meeting_date:
            return "To be confirmed"
        return f"{self.meeting_date.day} {self.meeting_date:%B %Y}"

    @property
    def subtitle(self) -> str:
        p = self.period
        months = f"{p.start:%B} to {p.end:%B %Y}"
        return f"{self.authority_name}: quarter {p.quarter} {p.fy_label} ({months})"

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "authority": self.authority,
            "authority_name": self.authority_name,
            "quarter": self.period.label,
            "report": self.report,
            "committee": self.committee,
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else "",
            "meeting_date_text": self.meeting_date_text,
            "classification": self.classification,
            "audience": self.audience,
            "lang": "en-GB",
            "run_time": self.run_time,
        }


@dataclass
class MetaOutput:
    """The report's metadata, displayed once per notebook for the renderer.

    Readers see nothing of it: JupyterLab and nbconvert show the richest kind they know,
    which is the empty ``text/html`` (the front sheet below says it all in words); the
    renderer reads the metadata's own kind. Without an empty plain-text view IPython would
    add the object's repr, a stray monospace line above the front sheet.
    """

    meta: dict[str, Any]

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {META_MIME: self.meta, "text/html": "", "text/plain": ""}


def front_sheet(meta: ReportMeta) -> Fragment:
    """The committee front sheet: who, when, what for, and the standard implications."""
    c = meta.contact
    contact = ", ".join(esc(x) for x in (c.name, c.role) if x)
    if c.phone:
        contact += f"; telephone {esc(c.phone)}"
    if c.email:
        contact += f"; e-mail [{esc(c.email)}](mailto:{c.email})"
    classification = esc(meta.classification)
    if meta.audience == "restricted":
        classification += (
            " (restricted audience: every figure is shown, including counts of one to five "
            "children; not for publication)"
        )
    else:
        classification += " (published: counts of one to five children are shown as c)"
    details = DefList(
        [
            ("Report to", esc(meta.committee)),
            ("Meeting date", esc(meta.meeting_date_text)),
            ("Report of", esc(meta.report_of)),
            ("Contact officer", contact),
            ("Report title", esc(meta.title)),
            ("Authority", f"{esc(meta.authority_name)} ({esc(meta.authority)})"),
            ("Period", esc(meta.period.long_label)),
            ("Classification", classification),
            ("Wards affected", esc(meta.wards_affected or "N/A")),
            ("Decision type", esc(meta.decision_type or "N/A")),
        ]
    )
    blocks: list[Block] = [Div(("front-sheet",), [details], ident="front-sheet")]
    if meta.audience == "restricted":
        blocks.append(
            Para(
                "**Restricted.** This version shows every figure, including small numbers "
                "that could identify children. Do not publish it.",
                ("restricted-notice",),
            )
        )
    blocks += [
        Heading(2, "Purpose of the report", "purpose"),
        Para(esc(meta.purpose or "N/A")),
        Heading(2, "Recommendations", "recommendations"),
        ItemList([esc(r) for r in meta.recommendations] or ["N/A"], ordered=True),
        Heading(2, "Implications", "implications"),
        Div(
            ("implications",),
            [
                DefList(
                    [
                        (title, esc(meta.implications.get(key) or "N/A"))
                        for key, title in IMPLICATION_TITLES.items()
                    ]
                )
            ],
        ),
    ]
    return Fragment(blocks, part="front-sheet")
