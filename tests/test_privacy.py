"""The privacy scan finds the inputs' child-level values in outputs, says where but not what,
and leaves ordinary numbers and dates alone."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from safeguarding.privacy import (
    KIND_DOB,
    KIND_ID,
    KIND_POSTCODE,
    Identifiers,
    Scanner,
    identifiers_from_folder,
    identifiers_from_frames,
)

CHILDREN = pd.DataFrame(
    {
        "child_id": ["RAD123456", "1234", "7654321", "AB12"],
        "upn": ["A123456789012", None, "B210987654321", None],
        "dob": pd.to_datetime(["2012-05-03", "2015-02-01", "2010-11-17", "2019-07-31"]),
    }
)


@pytest.fixture
def scanner() -> Scanner:
    found = identifiers_from_frames([CHILDREN])
    found.add_postcodes(["AB1 2", "ZZ9 9ZZ"])
    return Scanner(found, allowed_dates=["2024-10-15"])


def test_identifiers_whole_tokens_only(scanner: Scanner) -> None:
    assert scanner.identifiers.too_short == 1  # "1234" would match page numbers
    assert scanner.scan_text("child RAD123456 moved") == {KIND_ID: 1}
    assert scanner.scan_text("file 901-RAD123456.csv and 7654321") == {KIND_ID: 2}
    assert scanner.scan_text("UPN a123456789012 in lower case") == {KIND_ID: 1}
    assert not scanner.scan_text("XRAD1234567 and 76543210 and 1234 and page 12")
    assert scanner.scan_text("AB12 is short but has letters and digits") == {KIND_ID: 1}


def test_dates_of_birth_in_both_forms(scanner: Scanner) -> None:
    assert scanner.scan_text("born 2012-05-03T00:00:00") == {KIND_DOB: 1}
    assert scanner.scan_text("born 17/11/2010 and 3/5/2012") == {KIND_DOB: 2}
    # month ends are period boundaries; unrelated dates are fine
    assert not scanner.scan_text("as at 2019-07-31 and 01/02/2015; run 2024-10-15")
    assert not scanner.scan_text("2012-05-031 or 12012-05-03")


def test_postcodes(scanner: Scanner) -> None:
    assert scanner.scan_text("lives at SW1A 1AA") == {KIND_POSTCODE: 1}
    assert scanner.scan_text("home post AB1 2 recorded") == {KIND_POSTCODE: 1}
    assert not scanner.scan_text("NI62 fell; Q2 2024-25 and CD1 3 are fine; NI65 3rd")
    assert scanner.scan_text("the input's partial ab1 2 in lower case") == {KIND_POSTCODE: 1}


def test_redact_keeps_the_rest(scanner: Scanner) -> None:
    text = "duplicate child_id 'RAD123456' with dob 03/05/2012 at SW1A 1AA in row 7"
    assert scanner.redact(text) == (
        "duplicate child_id '[redacted]' with dob [redacted] at [redacted] in row 7"
    )


def test_notebook_finding_names_cell_not_value(scanner: Scanner, tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Report"),
            nbformat.v4.new_code_cell(
                "x = 1",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data",
                        data={"text/html": "<td>RAD123456</td>", "image/png": "UkFEMTIzNDU2"},
                    ),
                ],
            ),
        ]
    )
    path = tmp_path / "report.ipynb"
    nbformat.write(nb, path)
    findings = scanner.scan_file(path, "901/report.ipynb")
    assert [str(f) for f in findings] == [
        f"901/report.ipynb, cell 2 (id {nb.cells[1]['id']}) outputs: 1 child identifier "
        "from the inputs"
    ]
    assert "RAD123456" not in str(findings)


def test_docx_and_html(scanner: Scanner, tmp_path: Path) -> None:
    docx = tmp_path / "r.docx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr(
            "word/document.xml",
            "<w:body><w:p><w:r><w:t>RAD12</w:t></w:r>"
            "<w:r><w:t>3456</w:t></w:r></w:p><w:p><w:t>ok</w:t></w:p></w:body>",
        )
    assert [f.where for f in scanner.scan_file(docx)] == ["word/document.xml"]
    html = tmp_path / "r.html"
    html.write_text(
        '<p>fine</p>\n<img src="data:image/png;base64,QUIxIDJDRA==">\n<td>17/11/2010</td>\n'
    )
    assert [(f.where, f.kind) for f in scanner.scan_file(html)] == [("line 3", KIND_DOB)]


def test_identifiers_read_raw_from_an_authority_folder(tmp_path: Path) -> None:
    (tmp_path / "ssda903" / "2024").mkdir(parents=True)
    (tmp_path / "ssda903" / "2024" / "header.csv").write_text(
        "CHILD,SEX,DOB,UPN\nC1000001,1,03/05/2012,A123456789012\n"
    )
    (tmp_path / "ssda903" / "2024" / "episodes.csv").write_text(
        "CHILD,DECOM,HOME_POST,PL_POST\nC1000001,01/04/2024,AB1 2,CD3 4\n"
    )
    (tmp_path / "cin.xml").write_text(
        "<Message><Child><ChildIdentifiers><LAchildID>LA9900001</LAchildID>"
        "<PersonBirthDate>2011-09-14</PersonBirthDate></ChildIdentifiers></Child></Message>"
    )
    found = identifiers_from_folder(tmp_path)
    assert found.ids == {"C1000001", "A123456789012", "LA9900001"}
    assert found.dobs == {"2012-05-03", "2011-09-14"}
    assert found.postcodes == {"AB1 2", "CD3 4"}


def test_scan_time_grows_with_text_not_identifiers() -> None:
    many = Identifiers()
    many.add_ids(f"X{n:08d}" for n in range(200_000))
    text = "ordinary words and numbers 123 456 " * 60_000  # about 2 MB
    start = time.perf_counter()
    assert not Scanner(many).scan_text(text)
    assert time.perf_counter() - start < 2.0
