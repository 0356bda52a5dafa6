"""Reading workbooks (``loaders.workbook``): calamine and openpyxl give the same rows, and a
workbook holding an error value is read by openpyxl, which names it."""

from __future__ import annotations

import datetime as dt
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


def test_calamine_gives_the_rows_openpyxl_gives(tmp_path: Path) -> None:
    data = _book(tmp_path / "book.xlsx").read_bytes()
    by_calamine, by_openpyxl = workbook._by_calamine(data), workbook._by_openpyxl(data)
    assert not by_calamine.error and not by_openpyxl.error
    assert list(_rows(by_calamine)) == ["List 1", "Workers' notes"]  # no chart sheet
    calamine, reference = _rows(by_calamine), _rows(by_openpyxl)
    # openpyxl pads every row to the sheet's width and reads an empty string as one
    width = max(len(r) for r in calamine["List 1"])
    reference["List 1"] = [tuple(None if v == "" else v for v in r[:width]) for r in
                           reference["List 1"]]  # fmt: skip
    assert calamine == reference
    row = calamine["List 1"][3]
    assert row[1:9] == ("  AB12 ", 7, 2.5, 3, True, dt.datetime(2024, 2, 29),
                        dt.datetime(2024, 3, 1, 9, 30), dt.time(10, 15))  # fmt: skip
    assert type(row[2]) is int and type(row[3]) is float
    assert calamine["List 1"][0] == (None,) * width


def test_a_workbook_with_an_error_value_is_read_by_openpyxl(tmp_path: Path) -> None:
    book = read_workbook(_book(tmp_path / "book.xlsx", error=True))
    assert _rows(book)["List 1"][4][2] == "#REF!"  # named, not an empty cell
    plain = read_workbook(_book(tmp_path / "plain.xlsx"))
    assert _rows(plain)["List 1"][4][2] == -4


@pytest.mark.parametrize(
    "content", [b"PK\x03\x04 not really", b"\xd0\xcf\x11\xe0 a password-protected workbook", b""]
)
def test_a_file_that_is_no_workbook_says_why(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)
    assert read_workbook(path).error and not read_workbook(path).sheets
    assert read_workbook(tmp_path / "missing.xlsx").error == "FileNotFoundError"


def test_the_real_annex_a_sample_reads_alike_by_both(shared_data: Path) -> None:
    data = (shared_data / "formats" / "annex_a" / "liia_Annex_A_sample.xlsx").read_bytes()
    assert workbook._has_error_cells(data)  # its list 6 holds #N/A: openpyxl reads it
    errors = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!")
    reference = {t: [tuple(None if v in errors or v == "" else v for v in r) for r in rows]
                 for t, rows in _rows(read_workbook(data)).items()}  # fmt: skip
    assert _rows(workbook._by_calamine(data)) == reference
