"""The privacy scan finds the inputs' child-level values in outputs, says where but not what,
and leaves ordinary numbers and dates alone."""

from __future__ import annotations

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
from safeguarding.privacy.identifiers import _scannable_id

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


def test_many_identifiers_and_a_long_text_give_no_false_finding() -> None:
    many = Identifiers()
    many.add_ids(f"X{n:08d}" for n in range(200_000))
    text = "ordinary words and numbers 123 456 " * 60_000  # about 2 MB
    assert not Scanner(many).scan_text(text)


# --- how people write: planted values and their expected findings ----------------------------
PLANTED_INPUTS = pd.DataFrame(
    {
        "child_id": ["901K00042"],
        "upn": ["H801200001001"],
        "dob": pd.to_datetime(["2007-12-13"]),
        "home_postcode": ["EG19 7TT"],
        "placement_postcode": ["eg4 1"],  # partial, lower case in the input
    }
)
# (text, the kinds found); every date form of 13 December 2007, every spelling of EG19 7TT
PLANTED = [
    ("born 2007-12-13", {KIND_DOB: 1}),
    ("born 13/12/2007", {KIND_DOB: 1}),
    ("born 13.12.2007", {KIND_DOB: 1}),
    ("born 13-12-07", {KIND_DOB: 1}),
    ("born 13/12/07", {KIND_DOB: 1}),
    ("born 13 December 2007", {KIND_DOB: 1}),
    ("born 13th Dec 2007", {KIND_DOB: 1}),
    ("born 13th Dec. 2007", {KIND_DOB: 1}),
    ("born December 13, 2007", {KIND_DOB: 1}),
    ("born Dec 13th 2007", {KIND_DOB: 1}),
    ("born 13-Dec-2007", {KIND_DOB: 1}),
    ("born 13 DECEMBER 2007", {KIND_DOB: 1}),
    ("born 13 of december 2007", {KIND_DOB: 1}),
    ("born 13\nDecember\n2007 (across lines of a PDF)", {KIND_DOB: 1}),
    ("formerly of eg19 7tt", {KIND_POSTCODE: 1}),
    ("formerly of EG197TT", {KIND_POSTCODE: 1}),
    ("formerly of Eg19   7Tt", {KIND_POSTCODE: 1}),
    ("placed in EG4 1", {KIND_POSTCODE: 1}),
    ("a stranger's sw1a 1aa", {KIND_POSTCODE: 1}),
    ("child 901k00042", {KIND_ID: 1}),
    ("UPN h801200001001", {KIND_ID: 1}),
    ("file 901-901K00042.csv", {KIND_ID: 1}),
    (
        "born 13 December 2007 (13.12.2007), formerly of eg19 7tt",
        {KIND_DOB: 1, KIND_POSTCODE: 1},
    ),
    # ordinary report text: nothing
    ("pandas 3.11.10 and version 2.1.12", {}),
    ("NI65 3rd quarter; Q2 2nd month; colour #e4e6ea", {}),
    ("as at 31 December 2007 and 1 April 2024", {}),  # period boundaries
    ("the meeting on 15 October 2024", {}),  # an allowed date
    ("14 December 2007 and 12/12/2007", {}),  # other days
    ("ab1 2cd is not a real inward code; eg19 7tu is not the input's", {}),
]


@pytest.fixture
def planted_scanner() -> Scanner:
    return Scanner(identifiers_from_frames([PLANTED_INPUTS]), allowed_dates=["2024-10-15"])


@pytest.mark.parametrize(("text", "kinds"), PLANTED, ids=[p[0][:40] for p in PLANTED])
def test_planted_values_in_every_common_form(
    planted_scanner: Scanner, text: str, kinds: dict[str, int]
) -> None:
    assert dict(planted_scanner.scan_text(text)) == kinds
    redacted = planted_scanner.redact(text)
    if kinds:
        assert "[redacted]" in redacted
        assert not planted_scanner.scan_text(redacted), redacted
    else:
        assert redacted == text


def test_the_issues_commentary_is_caught_in_every_output(
    planted_scanner: Scanner, tmp_path: Path
) -> None:
    """The sentence from the issue, rendered to HTML, PDF and Word and kept in the notebook:
    each file has it found, and no finding shows the value."""
    from fixtures import report_fixture as fx
    from safeguarding import render

    text = "Born 13 December 2007 (13.12.2007), formerly of eg19 7tt."
    nb = fx.markdown_notebook(tmp_path / "planted.ipynb", text)
    files = [nb, *render.render_notebook(nb, tmp_path / "out").values()]
    for path in files:
        kinds = {f.kind for f in planted_scanner.scan_file(path)}
        assert {KIND_DOB, KIND_POSTCODE} <= kinds, path.name
        shown = " ".join(str(f) for f in planted_scanner.scan_file(path))
        assert "2007" not in shown and "7tt" not in shown.lower()


def test_postcodes_are_collected_from_the_episodes_and_the_raw_returns(tmp_path: Path) -> None:
    # the canonical layout's episodes (issue 15 adds these columns to the demo)
    (tmp_path / "la_episodes.csv").write_text(
        "authority,child_id,start,home_postcode,placement_postcode\n"
        "901,901K1,2024-04-01,eg19 7tt,EG4 1HB\n901,901K2,2024-05-01,,\n"
    )
    # SSDA903 as CSV and as XML
    (tmp_path / "ssda903").mkdir()
    (tmp_path / "ssda903" / "episodes.csv").write_text(
        "CHILD,DECOM,HOME_POST,PL_POST\nC1,01/04/2024,EG2 3,EG5 6XY\n"
    )
    (tmp_path / "ssda903" / "return.xml").write_text(
        "<Message><Episode><CHILD>C2</CHILD><HOME_POST>EG7 8ZZ</HOME_POST>"
        "<PL_POST>EG9 1</PL_POST></Episode></Message>"
    )
    found = identifiers_from_folder(tmp_path)
    assert found.postcodes == {"EG19 7TT", "EG4 1HB", "EG2 3", "EG5 6XY", "EG7 8ZZ", "EG9 1"}
    scanner = Scanner(found)
    assert scanner.scan_text("moved from EG197TT to eg4 1hb, then eg 9 1 and Eg9 1") == {
        KIND_POSTCODE: 3
    }


def test_packed_identifiers_scan_the_same(scanner: Scanner) -> None:
    # the batch holds every authority's identifiers packed; unpacked, they find the same values
    packed = scanner.identifiers.pack()
    unpacked = packed.unpack()
    assert unpacked == scanner.identifiers
    assert len(packed.data) < 1000
    again = Scanner(unpacked, allowed_dates=["2024-10-15"])
    assert again.scan_text("child RAD123456 born 2012-05-03 at ZZ9 9ZZ") == {
        KIND_ID: 1,
        KIND_DOB: 1,
        KIND_POSTCODE: 1,
    }


def test_identifiers_of_files_in_every_encoding_the_loaders_read(tmp_path: Path) -> None:
    # Excel on a council laptop saves Windows-1252 ("Zoë" is one byte) or UTF-16 ("Unicode
    # text"); the loaders read both with a warning, so the scan must know their children too,
    # and a header written with spaces is the column the loaders trim it to
    (tmp_path / "referrals.csv").write_bytes(
        "child_id,worker\nRAD1000001,Zoë Smith\n".encode("cp1252")
    )
    (tmp_path / "children.csv").write_bytes(
        " child_id , dob \nRAD1000002,14/09/2011\n".encode("utf-16")  # with its BOM
    )
    (tmp_path / "plans.csv").write_text(" child_id ,start_date\nRAD1000003,2024-04-01\n")
    (tmp_path / "cin.xml").write_bytes(
        '<?xml version="1.0" encoding="UTF-16"?><Message><Child><ChildIdentifiers>'
        "<LAchildID>LA9900004</LAchildID><PersonBirthDate>2012-01-30</PersonBirthDate>"
        "</ChildIdentifiers></Child></Message>".encode("utf-16")
    )
    found = identifiers_from_folder(tmp_path)
    assert found.ids == {"RAD1000001", "RAD1000002", "RAD1000003", "LA9900004"}
    assert found.dobs == {"2011-09-14", "2012-01-30"}


def test_only_the_identifier_columns_are_read_and_the_whole_file_is_checked(
    tmp_path: Path,
) -> None:
    from safeguarding.validation import InputError, read_csv_text

    # a quoted comma before the wanted columns: kept columns are found by position in the
    # header, so a shifted count would read the wrong cells
    (tmp_path / "referrals.csv").write_text(
        'source,notes, dob ,child_id\nschool,"called, twice",2011-09-14,RAD1000005\n'
    )
    frame = read_csv_text(tmp_path / "referrals.csv", columns={"child_id", "dob"})
    assert list(frame.columns) == ["dob", "child_id"]  # the file's order, trimmed
    assert frame.to_dict("records") == [{"dob": "2011-09-14", "child_id": "RAD1000005"}]
    none = read_csv_text(tmp_path / "referrals.csv", columns={"upn"})
    assert none.empty and list(none.columns) == []
    # a ragged row is refused even where the columns asked for are whole
    (tmp_path / "ragged.csv").write_text("child_id,note\nRAD1000006,a,b\n")
    with pytest.raises(InputError) as raised:
        read_csv_text(tmp_path / "ragged.csv", columns={"child_id"})
    assert raised.value.issues[0].rule == "ragged_row"
    found = identifiers_from_folder(tmp_path)
    assert found.ids == {"RAD1000005"} and found.dobs == {"2011-09-14"}
    assert [Path(file).name for file, _ in found.unread] == ["ragged.csv"]


def _annex_a_book(path: Path) -> Path:
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    contacts = book.create_sheet("List 1 - Contacts")
    contacts.append(["Annex A list 1: contacts"])  # a title above the headings, as real ones
    contacts.append([])
    contacts.append(["Child Unique ID ", "Gender", "Date of Birth", "Date of Contact"])
    contacts.append(["WB0000001", "Male", dt.datetime(2016, 2, 29), dt.datetime(2026, 5, 1)])
    contacts.append([40000123, "Female", 42005, "01/06/2026"])  # a number, an Excel serial
    notes = book.create_sheet("Workers' notes")  # not a list: still the council's data
    notes.append(["child unique id", "note"])
    notes.append(["WB0000003", "call back"])
    book.save(path)
    return path


def test_identifiers_include_the_authoritys_annex_a_workbooks(tmp_path: Path) -> None:
    from safeguarding.privacy import identifiers_from_inputs

    folder = tmp_path / "901"
    folder.mkdir()
    (folder / "referrals.csv").write_text("child_id,referral_date\nRAD1000001,2024-04-01\n")
    (tmp_path / "annex_a").mkdir()
    elsewhere = _annex_a_book(tmp_path / "annex_a" / "901_2026-10-05.xlsx")  # settings name it
    inside = _annex_a_book(folder / "annex_a_2026-06-30.xlsx")  # one in the folder counts too
    assert identifiers_from_folder(folder).ids == {"RAD1000001", "WB0000001", "40000123",
                                                   "WB0000003"}  # fmt: skip
    inside.unlink()
    found = identifiers_from_inputs(folder, [elsewhere])
    assert found.ids == {"RAD1000001", "WB0000001", "40000123", "WB0000003"}
    assert found.dobs == {"2016-02-29", "2015-01-01"}
    assert Scanner(found).scan_text("child WB0000003 was seen") == {KIND_ID: 1}
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")  # the loader reports it
    assert identifiers_from_inputs(folder, [tmp_path / "broken.xlsx"]).ids == {"RAD1000001"}


def test_a_workbooks_identifiers_are_read_wherever_its_cells_sit(tmp_path: Path) -> None:
    # the headings below blank rows and right of blank columns, an error cell and an empty
    # one among the children, a date cell and an Excel serial, a chart sheet beside the lists
    import datetime as dt

    import openpyxl
    from openpyxl.chart import BarChart, Reference
    from safeguarding.privacy import identifiers_from_inputs

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List 3"
    sheet["C4"], sheet["D4"] = "Child Unique ID", "Date of Birth"
    rows = [("RF0000001", dt.datetime(2012, 3, 4)), ("#REF!", 43000), (None, None),
            (123456789.0, "04/03/2011")]  # fmt: skip
    for number, (child, born) in enumerate(rows, 5):
        sheet[f"C{number}"], sheet[f"D{number}"] = child, born
    assert sheet["C6"].data_type == "e"  # an error value, as a broken formula leaves
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=4, min_row=4, max_row=8), titles_from_data=True)
    book.create_chartsheet("Chart of referrals").add_chart(chart)
    path = tmp_path / "annex_a.xlsx"
    book.save(path)
    found = identifiers_from_inputs(tmp_path / "no-folder", [path])
    assert found.ids == {"RF0000001", "123456789"}
    assert found.dobs == {"2012-03-04", "2017-09-22", "2011-03-04"}
    assert found.unread == [] and found.too_short == 0  # #REF! is no identifier, too short


def test_the_real_annex_a_samples_children_are_identifiers(shared_data: Path) -> None:
    from safeguarding.loaders import load_annex_a
    from safeguarding.privacy import identifiers_from_inputs

    book = shared_data / "formats" / "annex_a" / "liia_Annex_A_sample.xlsx"
    data = load_annex_a(book, "201")
    loaded = {str(v).strip().upper() for t in data.tables.values() if "child_id" in t
              for v in t["child_id"].dropna()}  # fmt: skip
    found = identifiers_from_inputs(book.parent / "no-such-folder", [book])
    assert loaded and set(filter(_scannable_id, loaded)) <= found.ids
    dobs = {str(v)[:10] for v in data.tables["children"]["dob"].dropna()}
    assert dobs and dobs <= found.dobs


def test_the_real_ssda903_export_and_cin_census_children_are_identifiers(
    shared_data: Path,
) -> None:
    """The SSDA903 XML export names a child's identifier ``CHILDID`` (``CHILD`` is the block
    holding it): every child the loader reads is known to the scan, by identifier and date of
    birth, as the CIN census's are."""
    from safeguarding.loaders import load_cin_census, load_ssda903
    from safeguarding.privacy import identifiers_from_inputs

    formats = shared_data / "formats"
    for path, data in (
        (formats / "ssda903" / "fake_903.xml",
         load_ssda903(formats / "ssda903" / "fake_903.xml", "999", "2017-18")),
        (formats / "cin_census" / "d2i_CIN_Census_2024.xml",
         load_cin_census(formats / "cin_census" / "d2i_CIN_Census_2024.xml", "999")),
    ):  # fmt: skip
        found = identifiers_from_inputs(path.parent / "no-such-folder", [path])
        children = data.tables["children"]
        ids = {str(v).strip().upper() for v in children["child_id"].dropna()}
        assert ids and set(filter(_scannable_id, ids)) <= found.ids, path.name
        dobs = {v.date().isoformat() for v in pd.to_datetime(children["dob"]).dropna()}
        assert dobs and dobs <= found.dobs, path.name


def test_other_birth_and_death_dates_of_children_count_as_dates_of_birth(tmp_path: Path) -> None:
    # the return's mother's child's date of birth, the census's unborn child's expected date
    # and a child's date of death are as identifying as the child's own date of birth
    (tmp_path / "header.csv").write_text("CHILD,DOB,MC_DOB\nC1000001,03/05/2008,17/02/2024\n")
    (tmp_path / "cin.xml").write_text(
        "<Message><Child><ChildIdentifiers><LAchildID>LA9900001</LAchildID>"
        "<ExpectedPersonBirthDate>2025-01-09</ExpectedPersonBirthDate>"
        "<PersonDeathDate>2024-08-13</PersonDeathDate></ChildIdentifiers></Child></Message>"
    )
    found = identifiers_from_folder(tmp_path)
    assert found.dobs == {"2008-05-03", "2024-02-17", "2025-01-09", "2024-08-13"}


def test_a_word_files_alt_text_and_link_targets_are_scanned(
    scanner: Scanner, tmp_path: Path
) -> None:
    # text Word keeps in attributes: a picture's description and title, a link's address
    # (in the relationships part); sizes and ids in attributes are not text and are left alone
    docx = tmp_path / "r.docx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr(
            "word/document.xml",
            '<w:body><w:p><w:r><w:drawing><wp:extent cx="7654321" cy="2651760"/>'
            '<wp:docPr id="7654321" name="Picture" descr="Child rad123456 moved" title=""/>'
            "</w:drawing></w:r></w:p></w:body>",
        )
        archive.writestr(
            "word/_rels/document.xml.rels",
            '<Relationships><Relationship Id="rId9" TargetMode="External" Type="x/hyperlink" '
            'Target="https://example.org/case/B210987654321"/>'
            '<Relationship Id="rId7654321" Type="x/image" Target="media/rId7654321.png"/>'
            "</Relationships>",
        )
    found = scanner.scan_file(docx)
    assert [(f.where, f.kind) for f in found] == [
        ("word/document.xml", KIND_ID),
        ("word/_rels/document.xml.rels", KIND_ID),
    ]


def test_an_input_the_scan_cannot_read_is_named_with_why(tmp_path: Path) -> None:
    (tmp_path / "old_extract.xlsx").write_bytes(b"PK\x03\x04 a protected workbook")
    (tmp_path / "notes.csv").write_bytes(b"child_id\x00,note\nRAD1,x\n")
    (tmp_path / "ragged.csv").write_text("child_id,note\nRAD1000001,a,b\n")
    (tmp_path / "empty.csv").write_text("")  # nothing to read, nothing missed
    (tmp_path / "referrals.csv").write_text("child_id\nRAD1000002\n")
    found = identifiers_from_folder(tmp_path)
    assert found.ids == {"RAD1000002"}
    unread = {Path(file).name: why for file, why in found.unread}
    assert set(unread) == {"old_extract.xlsx", "notes.csv", "ragged.csv"}
    assert unread["old_extract.xlsx"].startswith("not a readable Excel workbook")
    assert "NUL bytes" in unread["notes.csv"]
    assert unread["ragged.csv"].startswith("row 2: ")


def test_a_workbook_met_again_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the preview reads an authority's identifiers again at every data change: its workbooks
    # (a third of a second each) are parsed again only when their bytes change
    from safeguarding.privacy import identifiers

    parsed: list[int] = []
    real = identifiers._parse_workbook
    monkeypatch.setattr(identifiers, "_parse_workbook", lambda data: parsed.append(1) or real(data))
    monkeypatch.setattr(identifiers, "_WORKBOOKS", {})
    folder = tmp_path / "901"
    folder.mkdir()
    book = _annex_a_book(folder / "annex_a_2026-06-30.xlsx")
    (folder / "referrals.csv").write_text("child_id\nRAD1000001\n")
    first = identifiers_from_folder(folder)
    (folder / "referrals.csv").write_text("child_id\nRAD1000001\nRAD1000002\n")
    second = identifiers_from_folder(folder)
    assert len(parsed) == 1 and second.ids == first.ids | {"RAD1000002"}
    import openpyxl

    edited = openpyxl.load_workbook(book)
    edited["Workers' notes"].append(["WB0000009", "new"])
    edited.save(book)
    assert "WB0000009" in identifiers_from_folder(folder).ids and len(parsed) == 2
