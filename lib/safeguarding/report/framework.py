"""The National Framework report's parts: every measure regrouped under the Children's Social
Care National Framework's (2023) four outcomes and three enablers, the workforce comparators,
ethnic disproportionality and where children subject to DoLOs live.

A notebook calls these with the report object, as it calls the report's own methods::

    from safeguarding.report import framework as nf
    nf.overview(r)                  # the outcomes and enablers at a glance
    nf.scorecard(r, "family_networks")
    nf.sections(r, "family_networks")
    nf.disproportionality(r)
    nf.workforce(r)
    nf.dolo_placements(r)

Every built-in measure sits under exactly one theme (:data:`FRAMEWORK`; a test checks it), so
the report's RAG summary (its ``REPORT_THEMES`` entry: every theme) counts what it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from .model import QuarterlyReport

from .. import disclosure
from ..catalogue import THEMES, Indicator
from ..disproportionality import (
    COHORT_WORDS,
    GROUP_NAMES,
    GROUPS,
    NOT_KNOWN,
    findings,
    relative_rates,
)
from ..framework_comparators import WORKFORCE_INDICATORS
from ..markup import Block, Fragment, Heading, ItemList, Para, Table, esc
from ..periods import Period
from .ledger import TOTAL
from .scorecard import scorecard_table
from .sections import SectionGroup
from .text import RAG_WORDS, cell_value, slug

# outcome or enabler -> the measures shown under it (catalogue ids), in order
FRAMEWORK: dict[str, tuple[str, ...]] = {
    "families_together": ("CONTACTS", "CIN_AT_END", "CIN_AT_END_RATE", "REFERRALS",
                          "REFERRALS_RATE",
                          "REFERRAL_NFA", "REFERRALS_AFTER_EH", "REREFERRAL_12M", "NI68",
                          "STEP_DOWN_EH",
                          "PP_STARTED_RATE", "PP_FGDM_OFFERED", "PP_FGDM_HELD"),
    "family_networks": ("KINSHIP_AT_END", "LEFT_CARE_SGO", "LEFT_CARE_CAO"),
    "safe": ("CPP_AT_END", "CPP_AT_END_RATE", "CPP_CAT_NEGLECT", "CPP_CAT_EMOTIONAL",
             "CPP_CAT_PHYSICAL", "CPP_CAT_SEXUAL", "CPP_CAT_MULTIPLE", "NI65", "NI64",
             "CPP_2YRS_OPEN", "NI67", "CP_VISITS_IN_TIME", "CP_REVIEWS_UP_TO_DATE",
             "CLA_MISSING"),
    "stable_homes": ("CLA_AT_END", "CLA_AT_END_RATE", "NI62", "NI63", "PLACED_20_MILES",
                     "SW_CHANGE_12M", "DOLO_AT_END", "NI66", "NI147", "NI148", "ADOPT_A10",
                     "ADOPT_A2"),
    "multi_agency": ("ICPC_15WD", "ASSESS_45WD", "NI59", "NI60"),
    "leadership": (),
    "workforce": WORKFORCE_INDICATORS,
}  # fmt: skip
OUTCOMES = ("families_together", "family_networks", "safe", "stable_homes")
ENABLERS = ("multi_agency", "leadership", "workforce")
# what the records cannot give, said under the theme while none of the measures named is shown
NOT_MEASURED: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "families_together": (
        (("REFERRALS_AFTER_EH",), "Referrals after early help need the early help "
         "assessments for the period and the 12 months before it (Ofsted's Annex A list 2, or "
         "the council's own early help extract); the records supplied do not give them, and "
         "no statutory return holds early help."),
        (("PP_STARTED_RATE", "PP_FGDM_OFFERED", "PP_FGDM_HELD"),
         "Pre-proceedings and family group decision making are recorded from 2026-27, in the "
         "CIN census's new module; the records supplied have none for this period."),
        (("STEP_DOWN_EH",), "Step-downs to early help need the reason each episode closed, "
         "which the records supplied do not give."),
    ),
    "safe": (
        (("CLA_MISSING",), "No missing episodes were supplied (the SSDA903 missing table): "
         "children going missing from care cannot be shown."),
    ),
    "stable_homes": (
        (("PLACED_20_MILES",), "Placements more than 20 miles from home need each placement's "
         "distance from home, which the records supplied do not give: the SSDA903 return holds "
         "only the home and placement postcodes, from which DfE works the distance out with a "
         "postcode directory that this report does not use."),
    ),
    "leadership": (
        ((), "The National Framework's leadership enabler has no measure in the statutory "
         "returns; members may wish to read the workforce figures and Ofsted's judgements "
         "with it."),
    ),
}  # fmt: skip
# SSDA903 placement types, for the DoLO table
PLACEMENT_NAMES = {
    "K1": "Secure children's home",
    "K2": "Children's home",
    "R1": "Residential care home",
    "S1": "Other residential setting",
    "Z1": "Other placement",
    "H5": "Semi-independent living",
    "P1": "Placed with parents",
    "P2": "Independent living",
    "U1": "Kinship foster care",
    "U2": "Kinship foster care",
    "U3": "Kinship foster care",
    "U4": "Foster care",
    "U5": "Foster care",
    "U6": "Foster care",
    "not looked after": "Not looked after on the date",
}


def measures(r: QuarterlyReport, theme: str) -> list[Indicator]:
    """The theme's measures that apply this year and have a figure or a target (the report's
    own test, :meth:`QuarterlyReport.indicators_for`, on each measure's catalogue theme)."""
    ids = [i for i in FRAMEWORK[theme] if i in r.catalogue]
    shown = {ind.id for t in {r.catalogue[i].theme for i in ids} for ind in r.indicators_for(t)}
    return [r.catalogue[i] for i in ids if i in shown]


def overview(r: QuarterlyReport) -> Fragment:
    """The outcomes and enablers at a glance: how many measures each has, and their status."""
    rows = []
    for theme in (*OUTCOMES, *ENABLERS):
        shown = measures(r, theme) if theme != "workforce" else []
        rags = [(r.assessed(i.id) or {}).get("rag") for i in shown]
        counts = [sum(1 for g in rags if g == k) for k in ("green", "amber", "red")]
        label = f"Outcome: {THEMES[theme]}" if theme in OUTCOMES else THEMES[theme]
        if theme == "workforce":
            cells = [str(len(_published_workforce(r))), "", "", "", ""]
        else:
            judged = sum(counts)
            cells = [str(len(shown)), *map(str, counts), str(len(shown) - judged)]
        rows.append([esc(label), *cells])
    table = Table(
        f"The National Framework's outcomes and enablers: measures for {esc(r.period.label)}",
        [
            "Outcome or enabler",
            "Measures",
            RAG_WORDS["green"],
            RAG_WORDS["amber"],
            RAG_WORDS["red"],
            RAG_WORDS["none"],
        ],  # fmt: skip
        rows,
        align="lrrrrr",
        widths=(44, 10, 8, 8, 8, 10),
        notes=[
            "Green, amber and red count the measures with a target or band this year; "
            "measures of activity or context (how many children, which categories) have none. "
            "The workforce measures are DfE's published figures, set beside England's rather "
            "than judged against a target."
        ],
    )
    return Fragment([Heading(2, "The outcomes and enablers", "framework-overview"), table])


def scorecard(r: QuarterlyReport, theme: str, heading: bool = False) -> Fragment:
    """The theme's scorecard (the committee layout), its gaps said in words; the workforce
    enabler's figures are DfE's (:func:`workforce`)."""
    name = THEMES[theme]
    blocks: list[Block] = [Heading(2, esc(name), f"scorecard-{slug(theme)}")] if heading else []
    if theme == "workforce":
        return Fragment([*blocks, *workforce(r).blocks])
    shown = measures(r, theme)
    if shown:
        blocks.append(scorecard_table(r, theme, name, shown))
    elif theme != "leadership":
        blocks.append(Para("No figures are available for this theme this quarter."))
    ids = {i.id for i in shown}
    for needs, text in NOT_MEASURED.get(theme, ()):
        if not ids & set(needs):
            blocks.append(Para(f"*{esc(text)}*", ("not-measured",)))
    return Fragment(blocks)


def sections(r: QuarterlyReport, theme: str) -> SectionGroup:
    """Each measure's section (what it measures, why, chart, drafted commentary)."""
    if theme == "workforce":
        return SectionGroup([])
    return SectionGroup([r.indicator_section(i.id) for i in measures(r, theme)])


# --- the workforce enabler ----------------------------------------------------------------------


def _published_workforce(r: QuarterlyReport) -> list[str]:
    """The workforce measures with a published figure for the council by the quarter's end."""
    comps = r.inputs.comparators
    if comps is None:
        return []
    return [
        i
        for i in WORKFORCE_INDICATORS
        if i in r.catalogue and comps.authority(r.meta.authority, i, r.period) is not None
    ]


def workforce(r: QuarterlyReport) -> Fragment:
    """DfE's workforce figures for the council beside its neighbours, region and England."""
    comps = r.inputs.comparators
    blocks: list[Block] = []
    code = r.meta.authority
    if comps is None:
        blocks.append(Para("No comparator figures were supplied, so the workforce figures "
                           "(published only by DfE) cannot be shown."))  # fmt: skip
        return Fragment(blocks)
    rows, said = [], []
    for ind in (r.catalogue[i] for i in WORKFORCE_INDICATORS if i in r.catalogue):
        own = comps.authority(code, ind.id, r.period)
        near = comps.neighbours_of(code, ind.id, r.period)
        region = comps.region(code, ind.id, r.period)
        england = comps.england(ind.id, r.period)
        values = [None if c is None else c.value for c in (own, near, region, england)]
        year = next((c.period for c in (own, england) if c is not None), "")
        rows.append([esc(ind.label), *(cell_value(ind, v) for v in values), _census(year)])
        if own is not None and england is not None:
            said.append(
                f"{esc(ind.label)}: {esc(ind.format(own.value))} for the council at "
                f"{_census(own.period)}, against {esc(ind.format(england.value))} for England"
                + (
                    f" and {esc(ind.format(near.value))} for its neighbours"
                    if near and near.value is not None
                    else ""
                )  # fmt: skip
                + "."
            )
    if not rows:
        blocks.append(Para("No workforce measures are in the catalogue."))
        return Fragment(blocks)
    average = r.inputs.neighbour_average
    blocks.append(
        Table(
            "Children and family social workers: the council beside its neighbours, region "
            "and England (DfE's children's social work workforce census)",
            ["Measure", "Council", "Neighbours", "Region", "England", "Census"],
            rows,
            align="lrrrrr",
            widths=(28, 10, 10, 10, 10, 14),
            notes=[
                "Full-time equivalents at 30 September, as DfE publishes them for each "
                "council (the latest census published by the quarter's end); neighbours: "
                f"the {esc(average)} of the statistical neighbours' figures. For every measure "
                "a low figure is indicative of good performance. DfE publishes rates without "
                "the counts a test of the difference would need: the figures are set side by "
                "side, not judged."
            ],
        )
    )
    if said:
        blocks.append(ItemList(said))
    return Fragment(blocks)


def _census(period: str) -> str:
    """The workforce census date of a financial year's label: 2023-24 -> 30 September 2023."""
    return f"30 September {period[:4]}" if period[:4].isdigit() else esc(period)


# --- the report's disclosure pass ---------------------------------------------------------------
# each disproportionality cohort's total is the count an indicator publishes at the same date
COHORT_FIGURES = {"cin": "CIN_AT_END", "cp": "CPP_AT_END", "cla": "CLA_AT_END"}


def add_to_ledger(ledger: Any, records: Any, period: Period) -> None:
    """Put the framework tables' counts in the report's one disclosure pass: children by
    ethnic group in each cohort (their total: the cohort's indicator count at the quarter's
    end) and children subject to DoLOs by placement (their total: DOLO_AT_END). Every report
    type's pass carries them, so an authority's public reports agree with one another."""
    frames = getattr(records, "framework", None) or {}
    found = frames.get("ethnicity_counts")
    if found is not None:
        for cohort, rows in found.groupby("cohort", sort=False):
            parts = [
                ledger.add(("ethnicity", cohort, group), n)
                for group, n in zip(rows["group"], rows["children"], strict=True)
            ]
            total = ledger.add(("ethnicity", cohort, TOTAL), int(rows["children"].sum()))
            ledger.relate(total, parts)
            _link_figure(ledger, total, COHORT_FIGURES.get(str(cohort)), period)
    placements = frames.get("dolo_placements")
    if placements is not None and len(placements):
        counts = _dolo_counts(placements)
        parts = [ledger.add(("dolo", name), n) for name, n in counts.items()]
        total = ledger.add(("dolo", TOTAL), int(counts.sum()))
        ledger.relate(total, parts)
        _link_figure(ledger, total, "DOLO_AT_END", period)


def _link_figure(ledger: Any, key: Any, indicator: str | None, period: Period) -> None:
    figure = None if indicator is None else ledger.figure_key(indicator, period.label, "numerator")
    if figure is not None:
        ledger.link(key, figure)


def _dolo_counts(placements: pd.DataFrame) -> pd.Series:
    named = placements.assign(name=placements["placement"].map(lambda p: PLACEMENT_NAMES.get(p, p)))
    return named.groupby("name")["children"].sum().sort_values(ascending=False, kind="stable")


# --- ethnic disproportionality ------------------------------------------------------------------


def _frames(r: QuarterlyReport) -> dict[str, pd.DataFrame]:
    return {} if r.records is None else getattr(r.records, "framework", {}) or {}


def disproportionality(r: QuarterlyReport) -> Fragment:
    """For children in need, on a plan and looked after: each ethnic group's rate against
    White children's (relative rate index, 95% interval by Katz's log method), in words."""
    blocks: list[Block] = []
    frames = _frames(r)
    if "ethnicity_counts" not in frames:
        blocks.append(Para("The records supplied carry no ethnicity, or no population by ethnic "
                           "group was supplied: disproportionality cannot be shown."))  # fmt: skip
        return Fragment(blocks)
    pop = frames["ethnicity_population"].set_index("group")["population"]
    found = frames["ethnicity_counts"]
    # which counts are hidden: the report's one disclosure pass decides, not this table
    hidden = {
        (c, g): r.ledger.is_hidden(("ethnicity", c, g))
        for c, g in zip(found["cohort"], found["group"], strict=True)
    }
    rates = relative_rates(found, pop, r.meta.audience, hidden=hidden)
    sentences = {(f.cohort, f.group): f.sentence for f in findings(rates)}
    when = f"{r.period.end:%d %B %Y}"
    for cohort, rows in rates.groupby("cohort", sort=False):
        heading = COHORT_WORDS[str(cohort)][0]
        blocks.append(Heading(3, f"{esc(heading)} by ethnic group", f"equality-{cohort}"))
        table_rows = [_rate_row(row) for _, row in rows.iterrows()]
        blocks.append(
            Table(
                f"{esc(heading)} on {when} by ethnic group, against White children",
                [
                    "Ethnic group",
                    "Children",
                    "Children aged 0 to 17",
                    "Rate per 10,000",
                    "Relative rate (95% interval)",
                ],  # fmt: skip
                table_rows,
                align="lrrrr",
                widths=(34, 10, 12, 10, 20),
            )
        )
        words = [sentences[(str(cohort), g)] for g in GROUPS if (str(cohort), g) in sentences]
        blocks.append(ItemList([esc(w) for w in words]))
    notes = [
        "The relative rate index is a group's rate per 10,000 children of that group divided "
        "by White children's rate: 2.0 means twice as likely. The interval is Katz's log "
        "method; where it does not include 1 the difference is larger than chance. Groups are "
        "ONS's Census 2021 high-level groups; children whose ethnicity is not known are counted "
        "but in no group's rate."
    ]
    if r.meta.audience == "public":
        notes.append(esc(disclosure.NOTE))
    blocks.append(Para(" ".join(notes), ("table-notes",)))
    return Fragment(blocks)


def _rate_row(row: pd.Series) -> list[str]:
    name = GROUP_NAMES.get(row["group"], row["group"])
    if row["group"] == NOT_KNOWN:
        shown = disclosure.SUPPRESSED if row["hidden"] else f"{int(row['children']):,}"
        return [esc(name), shown, "", "", ""]
    if row["hidden"]:
        return [esc(name), disclosure.SUPPRESSED, _whole(row["population"]),
                disclosure.SUPPRESSED, disclosure.SUPPRESSED]  # fmt: skip
    rate = "n/a" if pd.isna(row["rate"]) else f"{row['rate']:,.1f}"
    if row["group"] == "White":
        index = "1.0 (reference)"
    elif pd.isna(row["rri"]):
        index = "n/a"
    else:
        index = f"{row['rri']:.1f} ({_bound(row['low'])} to {_bound(row['high'])})"
    return [esc(name), f"{int(row['children']):,}", _whole(row["population"]), rate, index]


def _bound(value: float) -> str:
    """An interval's end to one decimal, or two where one decimal would show 1.0 for an end
    that is not 1: 0.99 and 1.04 say on which side of 1 the interval stops (the sentence
    beside it says whether the difference is larger than chance)."""
    if f"{value:.1f}" == "1.0" and round(value, 2) != 1.0:
        return f"{value:.2f}"
    return f"{value:.1f}"


def _whole(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{int(value):,}"


# --- children subject to DoLOs --------------------------------------------------------------------


def dolo_placements(r: QuarterlyReport) -> Fragment:
    """Children subject to a deprivation of liberty order at the quarter's end, by the type
    of their placement, with shares (small counts shown as c for the public)."""
    blocks: list[Block] = [Heading(3, "Where children subject to a DoLO live", "dolo-placements")]
    frames = _frames(r)
    if "dolo_placements" not in frames:
        blocks.append(Para("No deprivation of liberty orders were supplied for this authority."))
        return Fragment(blocks)
    table = frames["dolo_placements"]
    if table.empty or table["children"].sum() == 0:
        blocks.append(Para("No child was subject to a deprivation of liberty order at the end "
                           "of the quarter."))  # fmt: skip
        return Fragment(blocks)
    total = ("dolo", TOTAL)
    rows = [
        [esc(name), r.ledger.text(("dolo", name)), r.ledger.share(("dolo", name), total)]
        for name in _dolo_counts(table).index
    ]
    rows.append([f"**{c}**" for c in ("Total", r.ledger.text(total), r.ledger.share(total, total))])
    notes = [esc(disclosure.NOTE)] if r.meta.audience == "public" else []
    blocks.append(
        Table(
            f"Children subject to a DoLO on {r.period.end:%d %B %Y} by placement type",
            ["Placement type", "Children", "Share"],
            rows,
            notes=notes,
        )
    )
    return Fragment(blocks)
