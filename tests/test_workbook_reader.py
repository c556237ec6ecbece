"""The XLSX reader: sheets, header rows (merged and two-row), saved formula results, refusals."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest

from loaders.readers import read_any
from loaders.readers.workbook import FormulaWithoutValue, read_workbook
from loaders.report import LoadError
from tests.conftest import FIXTURES_DIR, shared_path

WORKBOOKS = FIXTURES_DIR / "workbook"


def _rows(sheet):
    return [(number, list(row.values())) for number, row in sheet.rows]


def test_every_sheet_is_read_with_its_header_and_sheet_row_numbers():
    book = read_any(WORKBOOKS / "xlsx_several_sheets.xlsx")
    assert (book.format, book.file_name) == ("workbook", "xlsx_several_sheets.xlsx")
    assert [(s.sheet, s.header_row) for s in book.tables] == [
        ("March_IDPflow", 1), ("March_Retflow", 1), ("IDPFlow_Summarysince2016", 2),
        ("RetFlow_Summary_SinceAugust2018", 2), ("Table-Origin_vs_Departure", 1),
        ("ReturnTABLE-Origin_vs_Departure", 1), ("Notes", None)]
    idps = book.sheet("march_idpflow")
    assert idps.columns[-2:] == ("Community PCODE", "IDP_Flow_Estimation")
    assert idps.preview[1] == ["Idleb", "SY07", "Harim", "SY0703", "Dana", "SY070301", "Sarmada", "C9001", 1200]
    # Numbers keep their type; the blank row 5 is skipped without shifting the numbers.
    assert [(n, r["Community"], r["IDP_Flow_Estimation"]) for n, r in idps.rows] == [
        (2, "Sarmada", 1200), (3, "Kafr Takharim", 350), (4, "Aleppo", 800)]
    assert book.record_count == 3
    notes = book.sheet("Notes")
    assert (notes.columns, list(notes.rows), notes.preview) == ((), [], [])


def test_merged_and_two_row_headers_are_joined_and_a_title_is_kept_apart():
    book = read_workbook(WORKBOOKS / "xlsx_merged_headers.xlsx")
    merged, unmerged, repeated = book.tables
    assert merged.columns == ("Governorate", "2023 January", "2023 February", "2024 January", "2024 February",
                              "Since 2023 Total")
    assert (merged.header_row, merged.titles) == (3, ["IDP movements by governorate"])
    assert _rows(merged) == [(4, ["Idleb", 10, 20, 30, 40, 100]), (5, ["Aleppo", 1, 2, 3, 4, 10])]
    # Without merged cells a group label heads the columns up to the next label.
    assert unmerged.columns == ("Site", "Persons Arrived", "Persons Left", "Households Arrived", "Households Left")
    assert repeated.columns == ("Governorate", "Total", "Total (2)")


def test_a_formula_without_a_saved_result_is_marked_never_evaluated():
    book = read_workbook(WORKBOOKS / "xlsx_formula_without_cached_value.xlsx")
    matrix = book.sheet("Table-Origin_vs_Departure")
    assert matrix.formulas_without_value == ["D2", "D3", "B4", "C4", "D4"]
    rows = dict(matrix.rows)
    assert rows[2]["Grand Total"] == FormulaWithoutValue("D2", "=SUM(B2:C2)")
    assert rows[4].cells[1:] == [FormulaWithoutValue("B4", "=SUM(B2:B3)"), FormulaWithoutValue("C4", "=SUM(C2:C3)"),
                                 FormulaWithoutValue("D4", "=SUM(D2:D3)")]
    assert book.sheet("January_IDPflow").formulas_without_value == ["I3"]


def test_saved_formula_results_are_read_from_the_task_force_workbook():
    book = read_workbook(shared_path("fixtures", "data", "syria_idp_flows_ocha_dec2018_modified.xlsx"))
    matrix = book.sheet("Table-Origin_vs_Departure")
    rows = dict(matrix.rows)
    # P3 is =SUM(B3:O3) with its result saved; P2 is the number 3 the uploader typed over the formula.
    assert (rows[3]["Grand Total"], rows[2]["Grand Total"]) == (282, 3)
    assert all(not s.formulas_without_value for s in book.tables)
    # The years are merged over their months; the blank column between years has no name.
    assert book.sheet("IDPFlow_Summarysince2016").columns[40:44] == (
        "2018 December", "2018 Total 2018", "", "2019 January")


def test_bytes_of_an_upload_are_read_like_the_file():
    data = (WORKBOOKS / "xlsx_merged_headers.xlsx").read_bytes()
    book = read_any("upload.xlsx", data)
    assert book.file_name == "upload.xlsx" and book.tables[0].columns[1] == "2023 January"


def test_a_text_file_named_xlsx_is_refused_with_the_fix():
    with pytest.raises(LoadError) as refused:
        read_any(WORKBOOKS / "xlsx_not_a_zip.xlsx")
    assert str(refused.value) == (
        "xlsx_not_a_zip.xlsx: this is not an Excel workbook (an .xlsx file is a zip archive and this file is "
        "not one); if it is a CSV export, give it the .csv ending, otherwise save it from Excel or LibreOffice "
        "as .xlsx")


def test_an_empty_workbook_is_refused():
    with pytest.raises(LoadError) as refused:
        read_any(WORKBOOKS / "xlsx_empty_workbook.xlsx")
    assert str(refused.value) == (
        "xlsx_empty_workbook.xlsx: the workbook is empty: no cell is filled in on any sheet (Sheet); save the "
        "workbook again with its data")


# An encrypted workbook is an OLE2 compound file holding an "EncryptedPackage" stream; these bytes
# carry just the signature and the stream's name, which is all the reader looks at.
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize(("data", "message"), [
    (OLE2 + "EncryptedPackage".encode("utf-16-le"),
     "book.xlsx: the workbook is password-protected (encrypted), so its cells cannot be read; open it in Excel, "
     "remove the password (File > Info > Protect Workbook > Encrypt with Password, clear the password) and save "
     "it again"),
    (OLE2 + "Workbook".encode("utf-16-le"),
     "book.xlsx: this is an old Excel 97-2003 (.xls) workbook, which cannot be read; open it in Excel or "
     "LibreOffice and save it as .xlsx"),
    (b"",
     "book.xlsx: the file is empty (0 bytes); save the workbook again from Excel"),
])
def test_unreadable_workbooks_are_refused_with_the_fix(data, message):
    with pytest.raises(LoadError) as refused:
        read_any("book.xlsx", data)
    assert str(refused.value) == message


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<office:document-content/>")  # an OpenDocument sheet, say
    with pytest.raises(LoadError) as refused:
        read_any("book.xlsx", buffer.getvalue())
    assert str(refused.value) == ("book.xlsx: this zip archive is not an Excel workbook (it has no "
                                  "xl/workbook.xml); save the data from Excel or LibreOffice as .xlsx")


def test_a_header_is_found_below_title_rows_and_dates_name_columns(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Weekly arrivals, Idleb"])
    sheet.append([])
    sheet.append(["Site", datetime(2024, 12, 1), datetime(2024, 12, 8)])
    sheet.append(["Atmeh", 120, 95.5])
    book.save(tmp_path / "weekly.xlsx")
    read = read_workbook(tmp_path / "weekly.xlsx").tables[0]
    assert (read.header_row, read.titles, read.columns) == (3, ["Weekly arrivals, Idleb"],
                                                            ("Site", "2024-12-01", "2024-12-08"))
    assert _rows(read) == [(4, ["Atmeh", 120, 95.5])]
