"""Reading workbooks (``loaders.workbook``): calamine and openpyxl give the same rows, and a
workbook holding an error value is read by openpyxl, which names it."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from safeguarding.loaders import workbook
from safeguarding.loaders.workbook import read_workbook


def _book(path: Path, error: bool = False) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List 1"
    sheet["B3"] = "Child Unique ID"  # two blank rows and a blank column before it
    moments = [dt.datetime(2024, 2, 29), dt.datetime(2024, 3, 1, 9, 30), dt.time(10, 15)]
    sheet.append([None, "  AB12 ", 7, 2.5, 3.0, True, *moments, "=1+1", "", None, "end"])
    sheet.append([None, "é ü", -4, 1e-3, 10**12, False])
    if error:
        sheet["C5"] = "#REF!"
    other = book.create_sheet("Workers' notes")
    other.append(["note"])
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=3, min_row=3, max_row=5))
    book.create_chartsheet("A chart").add_chart(chart)
    book.save(path)
    return path


def _rows(book: workbook.Workbook) -> dict[str, list[tuple]]:
    return {s.title: s.rows for s in book.sheets}


def _as_read_by_openpyxl(data: bytes, like: workbook.Workbook) -> dict[str, list[tuple]]:
    """openpyxl's rows, cut to the width of ``like``'s (openpyxl pads every row to the
    sheet's recorded width) and with an empty string as None."""
    widths = {s.title: max((len(r) for r in s.rows), default=0) for s in like.sheets}
    return {
        title: [tuple(None if v == "" else v for v in r[: widths.get(title)]) for r in rows]
        for title, rows in _rows(workbook._by_openpyxl(data)).items()
    }


def test_calamine_gives_the_rows_openpyxl_gives(tmp_path: Path) -> None:
    data = _book(tmp_path / "book.xlsx").read_bytes()
    by_calamine, by_openpyxl = workbook._by_calamine(data), workbook._by_openpyxl(data)
    assert not by_calamine.error and not by_openpyxl.error
    assert list(_rows(by_calamine)) == ["List 1", "Workers' notes"]  # no chart sheet
    calamine = _rows(by_calamine)
    assert calamine == _as_read_by_openpyxl(data, by_calamine)
    width = max(len(r) for r in calamine["List 1"])
    row = calamine["List 1"][3]
    assert row[1:9] == ("  AB12 ", 7, 2.5, 3, True, dt.datetime(2024, 2, 29),
                        dt.datetime(2024, 3, 1, 9, 30), dt.time(10, 15))  # fmt: skip
    assert type(row[2]) is int and type(row[3]) is float
    assert calamine["List 1"][0] == (None,) * width


def test_an_error_value_is_named_not_taken_for_an_empty_cell(tmp_path: Path) -> None:
    data = _book(tmp_path / "book.xlsx", error=True).read_bytes()
    book = read_workbook(data)
    assert _rows(book)["List 1"][4][2] == "#REF!"
    assert _rows(book) == _as_read_by_openpyxl(data, book)
    plain = read_workbook(_book(tmp_path / "plain.xlsx"))
    assert _rows(plain)["List 1"][4][2] == -4


def test_error_cells_that_cannot_be_placed_send_the_workbook_to_openpyxl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _book(tmp_path / "book.xlsx", error=True)
    # the same workbook with the error cell's reference taken out (a cell may omit it)
    unplaced = tmp_path / "unplaced.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(unplaced, "w") as copy:
        for info in original.infolist():
            content = original.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<c r="C5"( t="e")', rb"<c\1", content)
            copy.writestr(info, content)
    assert workbook._error_cells(unplaced.read_bytes()) is None
    read: list[bytes] = []
    real = workbook._by_openpyxl
    monkeypatch.setattr(workbook, "_by_openpyxl", lambda data: read.append(data) or real(data))
    assert _rows(read_workbook(unplaced))["List 1"][4][2] == "#REF!" and len(read) == 1
    assert _rows(read_workbook(source))["List 1"][4][2] == "#REF!" and len(read) == 1


@pytest.mark.parametrize(
    "content", [b"PK\x03\x04 not really", b"\xd0\xcf\x11\xe0 a password-protected workbook", b""]
)
def test_a_file_that_is_no_workbook_says_why(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)
    assert read_workbook(path).error and not read_workbook(path).sheets
    assert read_workbook(tmp_path / "missing.xlsx").error == "FileNotFoundError"


def test_the_real_annex_a_sample_reads_as_openpyxl_reads_it(shared_data: Path) -> None:
    data = (shared_data / "formats" / "annex_a" / "liia_Annex_A_sample.xlsx").read_bytes()
    errors = workbook._error_cells(data)
    assert errors is not None and len(errors["List 6"]) == 10  # its #N/A, placed
    book = read_workbook(data)
    assert _rows(book) == _as_read_by_openpyxl(data, book)
    assert _rows(book)["List 6"][1][12] == "#N/A"
