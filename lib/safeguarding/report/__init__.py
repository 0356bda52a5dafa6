"""What report notebooks display: front sheet, scorecards, indicator sections, activity tables,
data-quality note, conclusion and provenance.

A notebook stays thin::

    r = report.QuarterlyReport.build(authority, quarter, report="quarterly_scorecard",
                                     committee=committee, audience=audience, ...)
    r.metadata()                 # once: the renderer's title, header and document metadata
    r.front_sheet()
    r.scorecard("child_protection")
    r.indicator_section("NI65")

Every object has ``_repr_mimebundle_`` giving ``text/markdown`` (pandoc Markdown, what
:mod:`safeguarding.render` turns into HTML, PDF and Word) and ``text/html`` (what JupyterLab
shows). An indicator section displays several outputs in turn (text, chart, commentary) so
that its chart reaches the renderer as an SVG output with its alt text.

Disclosure control is one pass over every count the report publishes (``ledger``), solved
before anything is judged or drafted: for a ``public`` report a hidden count is absent from
tables, charts and drafted text alike, and cannot be worked out from the others.

The package reads one job per module: ``model`` (the figures, their assessment and the
report object), ``meta`` (metadata and front sheet), ``scorecard``, ``sections`` and
``trends`` (an indicator's section and charts), ``activity`` (tables by team), ``closing``
(data quality, conclusion, provenance), ``build`` (construction from the project) and
``text`` (shared formatting) and ``ledger`` (the counts it publishes and their disclosure).
"""

from .build import build_report, comparators_for, ensure_demo
from .closing import code_version, provenance_rows
from .meta import IMPLICATION_TITLES, META_MIME, Contact, MetaOutput, ReportMeta, front_sheet
from .model import (
    REPORT_THEMES,
    THEME_ORDER,
    Figure,
    QuarterlyReport,
    ReportInputs,
    mask_outturns,
)
from .sections import IndicatorSection, SectionGroup
from .text import (
    RAG_WORDS,
    VS_TARGET_WORDS,
    cell_value,
    indicator_code,
    indicator_name,
    rag_span,
    slug,
)

__all__ = [
    "IMPLICATION_TITLES",
    "META_MIME",
    "RAG_WORDS",
    "REPORT_THEMES",
    "THEME_ORDER",
    "VS_TARGET_WORDS",
    "Contact",
    "Figure",
    "IndicatorSection",
    "MetaOutput",
    "QuarterlyReport",
    "ReportInputs",
    "ReportMeta",
    "SectionGroup",
    "build_report",
    "cell_value",
    "code_version",
    "comparators_for",
    "ensure_demo",
    "front_sheet",
    "indicator_code",
    "indicator_name",
    "mask_outturns",
    "provenance_rows",
    "rag_span",
    "slug",
]
