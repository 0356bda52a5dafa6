"""An Excel workbook's worksheets as rows of cell values, read once for the Annex A loader and
the privacy scan alike.

Calamine (Rust) reads a workbook about 25 times as fast as openpyxl's read-only mode (0.17
against 4.1 s of CPU for a 600 KB Annex A workbook of eleven lists), but it gives an error
cell (``#REF!``, ``#N/A``) as an empty one, which would turn a broken formula into a missing
value without a word. So the error cells are read from the sheets' XML (their reference and
text) and put back. A workbook whose error cells cannot be placed so (a cell without its
reference, an unusual package layout) is read by openpyxl instead, as is a file that is not a
zip (which openpyxl refuses in the words the loader has always used). Calamine's values are
given as openpyxl gives them (a date cell as a ``datetime``, a whole number as an ``int``, an
empty cell as ``None``), so that what the loader makes of a workbook does not depend on which
library read it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# an error cell in a sheet's XML, <c r="M2" t="e"><f>...</f><v>#N/A</v></c>: its attributes
# and its content (a self-closing one has no text: calamine's empty cell is openpyxl's None)
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>/]*\bt="e"[^>/]*)>(.*?)</(?:\w+:)?c>', re.DOTALL)
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATION_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# what Excel shows in a cell whose formula failed (openpyxl's value for an error cell)
EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)

# each sheet's error cells by its title: (row, column) from 0, and the error's text
ErrorCells = dict[str, list[tuple[int, int, str | None]]]


@dataclass
class Worksheet:
    """One worksheet: its title, and its rows from the first (row 1, column A on) or why it
    could not be read."""

    title: str
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    error: str = ""


@dataclass
class Workbook:
    """A workbook's worksheets, or why it could not be opened (the reader's error type: not a
    zip, password-protected, damaged)."""

    sheets: list[Worksheet] = field(default_factory=list)
    error: str = ""


def read_workbook(source: str | Path | bytes) -> Workbook:
    """Every worksheet of an ``.xlsx``/``.xlsm`` workbook in the workbook's order (chart
    sheets have no cells and are left out)."""
    if isinstance(source, bytes):
        data = source
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            return Workbook(error=type(exc).__name__)
    errors = _error_cells(data)
    if errors is None:
        return _by_openpyxl(data)
    book = _by_calamine(data)
    for sheet in book.sheets:
        if sheet.title in errors:
            sheet.rows = _with_errors(sheet.rows, errors[sheet.title])
    return book


def _error_cells(data: bytes) -> ErrorCells | None:
    """Each sheet's error cells, or None when they cannot all be placed (then openpyxl reads
    the workbook): not a zip, a cell without its reference, a sheet's part not found."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            found: dict[str, list[tuple[int, int, str | None]]] = {}
            for info in archive.infolist():
                if not _WORKSHEET.match(info.filename):
                    continue
                cells = []
                for attributes, content in _ERROR_CELL.findall(archive.read(info)):
                    where, value = _REFERENCE.search(attributes), _VALUE.search(content)
                    if where is None:
                        return None
                    text = value.group(1).decode("utf-8", "replace") if value else None
                    cells.append((int(where.group(2)) - 1, _column(where.group(1)), text))
                if cells:
                    found[info.filename] = cells
            titles = _sheet_parts(archive) if found else {}
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
        return None
    if titles is None or not set(found) <= set(titles):
        return None
    return {titles[part]: cells for part, cells in found.items()}


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str] | None:
    """Each worksheet's part (``xl/worksheets/sheet1.xml``) and its title, from the workbook
    and its relationships; None if they are not where a workbook keeps them."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        book = etree.fromstring(archive.read("xl/workbook.xml"), parser)
        links = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), parser)
    except (KeyError, etree.XMLSyntaxError):
        return None
    targets = {r.get("Id"): r.get("Target", "") for r in links.iter(f"{_PACKAGE}Relationship")}
    parts = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(_RELATION_ID), "")
        parts[target[1:] if target.startswith("/") else f"xl/{target}"] = sheet.get("name", "")
    return parts


def _column(letters: bytes) -> int:
    """A column's number from 0 (``A`` 0, ``Z`` 25, ``AA`` 26)."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number - 1


def _with_errors(
    rows: list[tuple[Any, ...]], errors: list[tuple[int, int, str | None]]
) -> list[tuple[Any, ...]]:
    """``rows`` with each error cell's text where calamine left it empty."""
    width = max([len(r) for r in rows] + [column + 1 for _, column, _ in errors])
    grid = [list(r) + [None] * (width - len(r)) for r in rows]
    for row, column, text in errors:
        while len(grid) <= row:
            grid.append([None] * width)
        grid[row][column] = text
    return [tuple(r) for r in grid]


def _by_openpyxl(data: bytes) -> Workbook:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises zipfile, KeyError and its own
        return Workbook(error=type(exc).__name__)
    sheets = []
    try:
        for ws in book.worksheets:
            try:
                rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
                sheets.append(Worksheet(ws.title, rows))
            except Exception as exc:  # noqa: BLE001 - a damaged sheet, in openpyxl's words
                sheets.append(Worksheet(ws.title, error=type(exc).__name__))
    finally:
        book.close()
    return Workbook(sheets)


def _by_calamine(data: bytes) -> Workbook:
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own errors for each cause
        return Workbook(error=type(exc).__name__)
    sheets = []
    try:
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            try:
                # the empty rows and columns before the first cell kept, as openpyxl has them
                rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            except Exception as exc:  # noqa: BLE001 - a damaged sheet, in calamine's words
                sheets.append(Worksheet(meta.name, error=type(exc).__name__))
                continue
            width = max((len(r) for r in rows), default=0)
            sheets.append(Worksheet(meta.name, [_as_openpyxl_row(r, width) for r in rows]))
    finally:
        book.close()
    return Workbook(sheets)


def _as_openpyxl_row(row: list[Any], width: int) -> tuple[Any, ...]:
    values = [_as_openpyxl(v) for v in row]
    return tuple(values + [None] * (width - len(values)))


def _as_openpyxl(value: Any) -> Any:
    """A calamine value as openpyxl's data-only mode gives it."""
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value
