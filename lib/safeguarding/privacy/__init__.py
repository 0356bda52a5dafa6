"""Scanning outputs for child-level data before anything is published.

No identifier, date of birth or postcode from the inputs may appear in an executed notebook,
HTML, PDF, Word document or log the batch writes. :class:`Scanner` holds one authority's
values as sets and checks a text in a single pass per kind of value (a regular expression
finds candidate tokens; set membership decides), so the cost grows with the text, not with
identifiers × text. A finding names the file and the cell, page or line, never the value.

What counts as a match (chosen to avoid false alarms without missing real leaks):

* **Identifiers** (``child_id``/``LAchildID``/``CHILD``/``CHILDID``, ``UPN``, Annex A's
  ``Child Unique ID``) match only as whole tokens
  (letters and digits, with internal ``-``, ``_``, ``/`` or ``.``, or one of their
  letter-and-digit parts), never inside a longer token. Identifiers too short to be told
  from ordinary numbers are not scanned: purely numeric ones shorter than
  :data:`MIN_NUMERIC_ID` digits (``1234`` would match page numbers, years and counts) and any
  shorter than :data:`MIN_ALNUM_ID` characters. How many were left out is reported.
* **Dates of birth** match every way people write a date: ``2007-12-13`` (also inside a
  timestamp), ``13/12/2007``, ``13.12.2007``, ``13-12-07`` and ``13/12/07`` (a two-digit year
  is read as both 19yy and 20yy), ``13 December 2007``, ``13th Dec 2007``, ``13-Dec-2007``,
  ``December 13, 2007``, in any case (a month's name needs a four-digit year: ``Jan 23`` and
  ``Apr 23`` are a chart's axis labels). Dates a report prints for its own reasons can coincide
  with some child's birthday, so the first and last days of months (period boundaries) and
  any dates given as ``allowed_dates`` (run date, meeting dates, extract dates) are not
  counted as dates of birth. Dotted dates need a four-digit year (``3.11.10`` is a version).
* **Postcodes**: the inputs' own values (``HOME_POST``/``PL_POST``, the canonical
  ``home_postcode``/``placement_postcode``; full, or partial ``AB1 2``) in any case and
  spacing (``eg19 7tt``, ``EG197TT``, ``EG19  7TT``); any other full UK postcode written in
  capitals (``AB1 2CD`` / ``AB12CD``), or in any case when its area is a real postcode area
  and its inward part is well formed (so ``NI65 3rd`` or ``Q2 2nd`` are not postcodes).

Chart glyphs drawn as SVG paths carry no characters and cannot be scanned; charts show
aggregate figures and their alt text and captions (output metadata) are scanned.

The values come from every input of the authority, read raw (:func:`identifiers_for`): each
CSV as the loaders decode it, each XML file and Excel workbook under its data folder, and the
Annex A workbooks the settings name wherever they are kept.

Modules: :mod:`.identifiers` reads the values to look for from the inputs, :mod:`.scanner`
looks for them in the outputs, :mod:`.dates` reads written dates for both.
"""

from .dates import date_matches, dates_in, month_boundaries
from .identifiers import (
    DOB_COLUMNS,
    ID_COLUMNS,
    MIN_ALNUM_ID,
    MIN_NUMERIC_ID,
    POSTCODE_COLUMNS,
    WORKBOOK_DOB_HEADINGS,
    WORKBOOK_ID_HEADINGS,
    Identifiers,
    PackedIdentifiers,
    identifiers_for,
    identifiers_from_dataset,
    identifiers_from_folder,
    identifiers_from_frames,
    identifiers_from_inputs,
)
from .scanner import (
    KIND_DOB,
    KIND_ID,
    KIND_PATH,
    KIND_POSTCODE,
    POSTCODE_AREAS,
    Finding,
    Scanner,
)

__all__ = [
    "DOB_COLUMNS",
    "ID_COLUMNS",
    "KIND_DOB",
    "KIND_ID",
    "KIND_PATH",
    "KIND_POSTCODE",
    "MIN_ALNUM_ID",
    "MIN_NUMERIC_ID",
    "POSTCODE_AREAS",
    "POSTCODE_COLUMNS",
    "WORKBOOK_DOB_HEADINGS",
    "WORKBOOK_ID_HEADINGS",
    "Finding",
    "Identifiers",
    "PackedIdentifiers",
    "Scanner",
    "date_matches",
    "dates_in",
    "identifiers_for",
    "identifiers_from_dataset",
    "identifiers_from_folder",
    "identifiers_from_frames",
    "identifiers_from_inputs",
    "month_boundaries",
]
