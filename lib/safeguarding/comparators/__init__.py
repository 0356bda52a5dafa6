"""Comparators: England, region, statistical neighbours and every authority's figure.

Two sources, one result (:class:`Comparators`):

* a tidy CSV ``indicator,period,area,value`` (optional ``numerator,denominator,authority``)
  where ``area`` is ``England``, a region name, ``statistical_neighbours`` (the neighbour
  average; ``statistical_neighbours_median`` for the median) or an authority code. An
  ``authority`` column says whose neighbours a neighbour row describes (blank: anyone's);
* DfE's published LA-level files (Explore Education Statistics layout) read directly with
  :func:`read_dfe`, mapped to our indicator ids by :data:`DFE_MEASURES`, plus the statistical
  neighbour list (:func:`read_neighbours`) from which the neighbour mean and median are
  worked out.

Suppression symbols (``c`` suppressed, ``x`` not available, ``u`` low reliability, ``z`` not
applicable, ``k`` rounds to zero, ``low``) are read as missing, never as zero.
``time_period`` 2025 is the financial year 2024-25. Authorities are keyed by the DfE 3-digit
code (``old_la_code``), which survived the ONS re-coding of Buckinghamshire, North Yorkshire
and Somerset; a 9-character ONS code is translated. Where a council continued under a new
3-digit code (Dorset, 835 -> 838) the predecessor's figures stand in for earlier years and the
result says so; merged or split councils (Bournemouth, Christchurch and Poole; the
Northamptonshires; Cumberland, Westmorland and Furness) have no figures before they began.

The neighbour average shown is the **unweighted mean** of the neighbours' published values by
default, as LAIT shows it; the median (DfE's outcomes-and-enablers dashboard) is given too.

Choosing the comparator year: the same period where a figure exists; otherwise the latest
financial year that ends no later than the period (so a quarter in 2024-25 is compared with
2023-24, and Q4 or the whole of 2024-25 with 2024-25 once it is published). The result names
the year used.

One module a job: ``layout`` (the comparator frame's columns, areas, symbols and codes),
``dfe`` and ``neighbours`` (DfE's files), ``tidy_csv`` (the tidy CSV) and ``lookup``
(:class:`Comparators`). Everything is imported from ``safeguarding.comparators``.
"""

from .dfe import DFE_MEASURES, POPULATION_FILE, DfeMeasure, fy_label_from_time_period, read_dfe
from .layout import (
    AREA_TYPES,
    CODE_PREDECESSORS,
    CODE_SUCCESSORS,
    COLUMNS,
    ENGLAND,
    LA_CODE,
    NEIGHBOURS,
    NEIGHBOURS_MEDIAN,
    ONS_CODE,
    SUPPRESSION_SYMBOLS,
    to_number,
)
from .lookup import (
    Comparators,
    ComparatorValue,
    NeighbourValue,
    Position,
    as_comparators,
    quartile_band,
)
from .neighbours import neighbour_lists, read_neighbours
from .tidy_csv import read_comparators_csv, validate_comparators

__all__ = [
    "AREA_TYPES",
    "CODE_PREDECESSORS",
    "CODE_SUCCESSORS",
    "COLUMNS",
    "DFE_MEASURES",
    "ENGLAND",
    "LA_CODE",
    "NEIGHBOURS",
    "NEIGHBOURS_MEDIAN",
    "ONS_CODE",
    "POPULATION_FILE",
    "SUPPRESSION_SYMBOLS",
    "ComparatorValue",
    "Comparators",
    "DfeMeasure",
    "NeighbourValue",
    "Position",
    "as_comparators",
    "fy_label_from_time_period",
    "neighbour_lists",
    "quartile_band",
    "read_comparators_csv",
    "read_dfe",
    "read_neighbours",
    "to_number",
    "validate_comparators",
]
