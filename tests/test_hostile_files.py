"""Hostile files (issue 7): refused at intake with a message that says how to fix them, or loaded
and shown inert.

Every file here is written by the test into tmp_path: a 200 MB upload (sparse on disk, calloc'd in
memory), an XLSX zip bomb streamed into its archive, workbooks past the row and column limits,
files whose content is not what their name says, and CSVs with HTML, Markdown and a formula in
every text field, loaded and then shown by the Events and Data quality pages.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import loaders.ingest
from loaders.__main__ import main as loaders_cli
from loaders.ingest import ingest_file
from loaders.intake import MB, IntakeSettingError, RefusedFile, check_file, max_upload_bytes, sniff_content
from loaders.readers.workbook import read_workbook
from loaders.report import LoadError
from tests.conftest import FIXTURES_DIR

UPLOAD_PAGE = "../pages/7_Upload.py"
EVENTS_PAGE = "../pages/3_Events.py"
QUALITY_PAGE = "../pages/6_Data_quality.py"
WINDOW = {"start": "2024-11-25", "end": "2024-12-15"}

PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "**bold**", "[link](javascript:alert(1))",
            '=HYPERLINK("http://x.example","go")')
FORMULA = PAYLOADS[-1]


@pytest.fixture(autouse=True)
def default_limits(monkeypatch):
    """The defaults, whatever the machine running the tests has set."""
    for variable in ("DASHBOARD_MAX_UPLOAD_MB", "DASHBOARD_XLSX_MAX_UNPACKED_MB", "DASHBOARD_XLSX_MAX_MEMBERS",
                     "DASHBOARD_XLSX_MAX_ROWS", "DASHBOARD_XLSX_MAX_COLUMNS"):
        monkeypatch.delenv(variable, raising=False)


def forbid_openpyxl(patch) -> None:
    """Fail the test if openpyxl is asked to open the workbook: the limits come first."""
    import openpyxl

    patch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened the workbook"))


@pytest.fixture
def nothing_parsed(monkeypatch):
    """Fails the test if a reader is handed the file: intake must refuse it first."""
    def parse(*args, **kwargs):
        raise AssertionError("a reader was handed a file intake should have refused")

    monkeypatch.setattr(loaders.ingest, "read_any", parse)


# --- 1. size -----------------------------------------------------------------------------------

TOO_LARGE = ("{name}: the file is 200.0 MB (209,715,200 bytes), above the upload limit of 50 MB. Split it into "
             "smaller files (by month or by governorate) and load each, or ask the administrator to raise "
             "DASHBOARD_MAX_UPLOAD_MB")


def test_a_200_mb_file_is_refused_by_the_cli_from_its_size_before_a_byte_is_read(tmp_path, monkeypatch, capsys,
                                                                                   nothing_parsed):
    big = tmp_path / "acled_export.csv"
    with open(big, "wb") as handle:
        handle.truncate(200 * MB)  # sparse: 200 MB to stat, nothing on disk
    opened = []
    monkeypatch.setattr("loaders.intake.open", lambda *a, **k: opened.append(a) or open(*a, **k), raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert loaders_cli(["ingest", "--dry-run", "--max-mb", "50", str(big)]) == 1
    assert capsys.readouterr().err == f"{big}: rejected: {TOO_LARGE.format(name='acled_export.csv')}\n"
    assert opened == []  # refused from the size on disk alone


def test_the_cli_has_no_size_limit_unless_given_one(tmp_path, monkeypatch, capsys):
    big = tmp_path / "acled_export.csv"
    with open(big, "wb") as handle:
        handle.truncate(60 * MB)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert loaders_cli(["ingest", "--dry-run", str(big)]) == 1
    # past the size check: the zeros are binary content, which intake refuses next
    assert "acled_export.csv: the name ends in .csv (a CSV table) but the content is binary data" in \
        capsys.readouterr().err


def test_a_200_mb_upload_held_in_memory_is_refused_before_it_is_hashed_or_parsed(empty_engine, nothing_parsed,
                                                                                   monkeypatch):
    data = bytes(200 * MB)  # calloc'd: no page is touched unless something reads the bytes
    monkeypatch.setattr(loaders.ingest, "file_sha256", lambda *a: pytest.fail("the upload was hashed"))
    with pytest.raises(RefusedFile) as refused:
        ingest_file(empty_engine, "idps.csv", data=data, dry_run=True, max_bytes=max_upload_bytes())
    assert (refused.value.code, str(refused.value)) == ("file-too-large", TOO_LARGE.format(name="idps.csv"))


def test_the_upload_page_refuses_a_200_mb_file_with_the_message_and_never_takes_its_bytes(app_on, prepared_engine,
                                                                                         monkeypatch):
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    from ui.safe_text import literal

    monkeypatch.setattr(UploadedFile, "getvalue", lambda self: pytest.fail("the page took the bytes"))
    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.file_uploader[0].upload("idps **2024**.csv", bytes(200 * MB), "text/csv")
    at.run()
    assert not at.exception
    # The name is escaped for Markdown: it shows as written, never bold.
    assert [e.value for e in at.error] == [literal(TOO_LARGE.format(name="idps **2024**.csv"))]
    assert not any("Understood as" in m.value for m in at.markdown)


def test_the_upload_limit_is_read_from_the_environment(monkeypatch, empty_engine):
    monkeypatch.setenv("DASHBOARD_MAX_UPLOAD_MB", "0.5")
    assert max_upload_bytes() == 512 * 1024
    with pytest.raises(RefusedFile, match=r"^sites\.csv: the file is 1\.0 MB \(1,048,576 bytes\), above the upload "
                                          r"limit of 0\.5 MB\. "):
        ingest_file(empty_engine, "sites.csv", data=b"a,b\n" * (MB // 4), dry_run=True,
                    max_bytes=max_upload_bytes())
    monkeypatch.setenv("DASHBOARD_MAX_UPLOAD_MB", "fifty")
    with pytest.raises(IntakeSettingError) as wrong:
        max_upload_bytes()
    assert str(wrong.value) == ("DASHBOARD_MAX_UPLOAD_MB='fifty' is not a number above 0; set it to a number such "
                                "as 50, or unset it for the default (50)")


# --- 2. XLSX limits ------------------------------------------------------------------------------

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
RELATIONSHIPS = b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
ROOT_RELS = (RELATIONSHIPS + b'<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.'
             b'org/officeDocument/2006/relationships/officeDocument"/></Relationships>')
WORKBOOK_RELS = (RELATIONSHIPS + b'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
                 b'openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>')
WORKBOOK = (b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
            b'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sites &amp; people" '
            b'sheetId="1" r:id="rId1"/></sheets></workbook>')
SHEET_HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _cell(ref: str | None, value) -> bytes:
    at = f' r="{ref}"' if ref else ""
    if isinstance(value, str):
        return f'<c{at} t="inlineStr"><is><t>{value}</t></is></c>'.encode()
    return f"<c{at}><v>{value}</v></c>".encode()


def _row(number: int | None, *values, first_column: str = "A") -> bytes:
    """A row of cells from `first_column` on; None for `number` writes no references at all."""
    if number is None:
        return b"<row>" + b"".join(_cell(None, v) for v in values) + b"</row>"
    start = ord(first_column) - 65
    return f'<row r="{number}">'.encode() + b"".join(
        _cell(f"{chr(65 + start + i)}{number}", v) for i, v in enumerate(values)) + b"</row>"


HEADER_AND_TWO_SITES = [_row(1, "site", "individuals"), _row(2, "Atmeh", 1200), _row(3, "Sarmada", 800)]


def write_xlsx(path: Path, rows, *, dimension: bytes = b"", extra_members: int = 0) -> Path:
    """A minimal workbook (one sheet, "Sites & people"), its sheet XML written row by row into the
    archive, so a sheet of hundreds of MB never sits in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD + dimension + b"<sheetData>")
            for row in rows:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
        for number in range(extra_members):
            archive.writestr(f"xl/customXml/item{number}.xml", b"<x/>")
    return path


def test_the_minimal_workbook_the_limits_are_tested_on_is_read(tmp_path):
    """The control: what the refusals below refuse is the size, never the way the file is made."""
    book = read_workbook(write_xlsx(tmp_path / "sites.xlsx", HEADER_AND_TWO_SITES))
    [sheet] = book.tables
    assert (sheet.sheet, sheet.columns) == ("Sites & people", ("site", "individuals"))
    assert [(n, dict(r)) for n, r in sheet.rows] == [(2, {"site": "Atmeh", "individuals": 1200}),
                                                     (3, {"site": "Sarmada", "individuals": 800})]


def _bomb(path: Path) -> Path:
    """A valid workbook whose sheet unpacks to 256 MB of the same row, packed into under a megabyte."""
    block = _row(None, "boom") * 20_000
    return write_xlsx(path, [HEADER_AND_TWO_SITES[0], *[block] * ((256 * MB) // len(block))])


def test_an_xlsx_zip_bomb_is_refused_before_its_sheet_is_unpacked(tmp_path, empty_engine, monkeypatch):
    bomb = _bomb(tmp_path / "idp_flows.xlsx")
    assert bomb.stat().st_size < MB
    forbid_openpyxl(monkeypatch)
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: opened.append(str(name)) or real_open(
        self, name, *a, **k))
    with pytest.raises(RefusedFile) as refused:
        ingest_file(empty_engine, bomb, dry_run=True, max_bytes=max_upload_bytes())  # as the CLI and the page do
    message = str(refused.value)
    assert refused.value.code == "zip-bomb"
    assert message.startswith("idp_flows.xlsx: the part xl/worksheets/sheet1.xml would unpack from 0.")
    assert re.search(r" to 25\d\.\d MB \([\d,]+ bytes\), \d{3,4} times larger ", message) and message.endswith(
        "times larger (a workbook's parts unpack to at most about 100 times); this looks like a zip bomb, so it is "
        "not opened. Save the data again from Excel or LibreOffice as .xlsx")
    assert "xl/worksheets/sheet1.xml" not in opened


def test_a_workbook_that_unpacks_past_the_limit_is_refused(tmp_path, monkeypatch):
    rows = [HEADER_AND_TWO_SITES[0], *(_row(n, f"site {n * 7919 % 100_003}", n * 31) for n in range(2, 40_000))]
    path = write_xlsx(tmp_path / "sites.xlsx", rows)
    assert read_workbook(path).tables[0].columns == ("site", "individuals")  # within the default 200 MB
    monkeypatch.setenv("DASHBOARD_XLSX_MAX_UNPACKED_MB", "1")
    with pytest.raises(RefusedFile) as refused:
        read_workbook(path)
    assert refused.value.code == "workbook-too-large"
    assert re.match(r"sites\.xlsx: the workbook unpacks to \d\.\d MB \([\d,]+ bytes\)", str(refused.value))
    assert str(refused.value).endswith(", more than the limit of 1 MB; split the data over several workbooks (or save "
                                       "the sheets as CSV), or ask the administrator to raise "
                                       "DASHBOARD_XLSX_MAX_UNPACKED_MB")


def test_rows_past_the_limit_are_refused_by_the_row_they_reach(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "sites.xlsx", [*HEADER_AND_TWO_SITES, _row(200_001, "Stray", 1)])
    with monkeypatch.context() as patched:
        forbid_openpyxl(patched)
        with pytest.raises(RefusedFile) as refused:
            read_workbook(path)
    assert (refused.value.code, str(refused.value)) == ("sheet-too-large", (
        "sites.xlsx: the sheet 'Sites & people' has data down to row 200,001, more than the 200,000 rows a sheet "
        "may have; split the rows over several files (or save the sheet as CSV), or ask the administrator to "
        "raise DASHBOARD_XLSX_MAX_ROWS"))
    # The last row allowed is read.
    at_limit = write_xlsx(tmp_path / "at_limit.xlsx", [*HEADER_AND_TWO_SITES, _row(200_000, "Last", 1)])
    assert [n for n, _ in read_workbook(at_limit).tables[0].rows] == [2, 3, 200_000]


def test_columns_past_the_limit_are_refused_by_the_cell_that_reaches_them(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "sites.xlsx", [*HEADER_AND_TWO_SITES, b'<row r="4"><c r="XFD4"><v>1</v></c></row>'])
    with monkeypatch.context() as patched:
        forbid_openpyxl(patched)
        with pytest.raises(RefusedFile) as refused:
            read_workbook(path)
    assert (refused.value.code, str(refused.value)) == ("sheet-too-large", (
        "sites.xlsx: the sheet 'Sites & people' has a cell at XFD4, beyond the 2,000 columns a sheet may have (up "
        "to column BXX); delete the columns past the data (stray cells or formatting far to the right), or ask the "
        "administrator to raise DASHBOARD_XLSX_MAX_COLUMNS"))
    at_limit = write_xlsx(tmp_path / "at_limit.xlsx", [*HEADER_AND_TWO_SITES, b'<row r="4"><c r="A4"><v>5</v></c>'
                                                                             b'<c r="BXX4"><v>1</v></c></row>'])
    assert read_workbook(at_limit).tables[0].columns == ("site", "individuals")


def test_cells_written_without_references_are_counted_too(tmp_path, monkeypatch):
    """The reference is optional in the XML: rows are counted by the scan, columns as openpyxl reads them."""
    monkeypatch.setenv("DASHBOARD_XLSX_MAX_ROWS", "3")
    monkeypatch.setenv("DASHBOARD_XLSX_MAX_COLUMNS", "3")
    four_rows = write_xlsx(tmp_path / "rows.xlsx", [_row(None, "site", "n"), *[_row(None, "Atmeh", 1)] * 3])
    with pytest.raises(RefusedFile, match=r"^rows\.xlsx: the sheet 'Sites & people' has data down to row 4, more "
                                          r"than the 3 rows"):
        read_workbook(four_rows)
    four_columns = write_xlsx(tmp_path / "columns.xlsx", [_row(None, "site", "n", "a", "b")])
    with pytest.raises(RefusedFile, match=r"^columns\.xlsx: the sheet 'Sites & people' has a cell at D1, beyond the 3 "
                                          r"columns a sheet may have \(up to column C\)"):
        read_workbook(four_columns)


def test_a_declared_dimension_is_not_trusted_either_way(tmp_path):
    """Writers store wrong used ranges: a sheet that says A1:XFD1048576 but holds three rows is read."""
    path = write_xlsx(tmp_path / "sites.xlsx", HEADER_AND_TWO_SITES, dimension=b'<dimension ref="A1:XFD1048576"/>')
    assert len(list(read_workbook(path).tables[0].rows)) == 2


def test_an_archive_with_more_members_than_a_workbook_needs_is_refused(tmp_path, empty_engine):
    path = write_xlsx(tmp_path / "sites.xlsx", HEADER_AND_TWO_SITES, extra_members=2_000)
    message = ("sites.xlsx: the archive holds 2,005 members, more than the 2,000 a workbook may have; save the data "
               "from Excel or LibreOffice as a plain .xlsx (or ask the administrator to raise "
               "DASHBOARD_XLSX_MAX_MEMBERS)")
    for load in (lambda: read_workbook(path), lambda: ingest_file(empty_engine, path, dry_run=True)):
        with pytest.raises(RefusedFile) as refused:
            load()
        assert (refused.value.code, str(refused.value)) == ("too-many-members", message)


# --- 3. content against the name's ending ------------------------------------------------------------

def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


PE_HEADER = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
ELF_HEADER = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # the signature of an old .xls (and of encrypted files)
HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>Error 502</title></head><body><p>Bad gateway</p></body></html>"
CSV_TEXT = b"event_id_cnty,event_date,event_type\nSYR1,2024-12-01,Battles\n"


@pytest.mark.parametrize(("name", "content", "code", "message"), [
    ("sites.csv", lambda tmp: (write_xlsx(tmp / "b.xlsx", HEADER_AND_TWO_SITES)).read_bytes(), "content-mismatch",
     "sites.csv: the name ends in .csv (a CSV table) but the content is an Excel workbook (.xlsx); give it the .xlsx "
     "ending"),
    ("sites.csv", lambda tmp: _zip({"sites/sites.csv": CSV_TEXT}), "unsupported-content",
     "sites.csv: the name ends in .csv (a CSV table) but the content is a zip archive, which the dashboard cannot "
     "read; an archive must be unpacked and the files inside uploaded; an OpenDocument or Word file must be saved "
     "as .xlsx, CSV or .txt first"),
    ("flows.xlsx", lambda tmp: HTML_PAGE, "content-mismatch",
     "flows.xlsx: this is not an Excel workbook: the name ends in .xlsx (an Excel workbook) but the content is an "
     "HTML page; a web page is read only as a report (.html); if it is a saved page or an error page, download the "
     "data file itself"),
    ("flows.xlsx", lambda tmp: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unsupported-content",
     "flows.xlsx: this is not an Excel workbook: the name ends in .xlsx (an Excel workbook) but the content is a PNG "
     "image, which the dashboard cannot read; an image holds no data to read: upload the table itself (CSV or "
     ".xlsx)"),
    ("events.csv", lambda tmp: PE_HEADER, "unsupported-content",
     "events.csv: the name ends in .csv (a CSV table) but the content is a program (a Windows .exe or .dll), which "
     "the dashboard cannot read; programs are never loaded: upload a data file (CSV, .xlsx, JSON) or a report "
     "(.txt, .md, .html)"),
    ("events.csv", lambda tmp: ELF_HEADER, "unsupported-content",
     "events.csv: the name ends in .csv (a CSV table) but the content is a program (a Linux ELF executable), which "
     "the dashboard cannot read; programs are never loaded: upload a data file (CSV, .xlsx, JSON) or a report "
     "(.txt, .md, .html)"),
    ("events.csv", lambda tmp: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "unsupported-content",
     "events.csv: the name ends in .csv (a CSV table) but the content is a PDF document, which the dashboard cannot "
     "read; a PDF's tables cannot be read: export the table from its source as CSV or .xlsx"),
    ("events.csv", lambda tmp: OLE2 + "Workbook".encode("utf-16-le"), "unsupported-content",
     "events.csv: the name ends in .csv (a CSV table) but the content is an old Excel 97-2003 workbook (.xls), an "
     "encrypted workbook or another OLE2 Office document, which the dashboard cannot read; open it in Excel or "
     "LibreOffice and save it as .xlsx (or as CSV UTF-8)"),
    ("events.csv", lambda tmp: CSV_TEXT.decode().encode("utf-16"), "unsupported-content",
     "events.csv: the name ends in .csv (a CSV table) but the content is UTF-16 text (each character takes two "
     "bytes), which the dashboard cannot read; save it as UTF-8 text (in Excel: Save As > CSV UTF-8)"),
    ("idus.json", lambda tmp: HTML_PAGE, "content-mismatch",
     "idus.json: the name ends in .json (JSON) but the content is an HTML page; a web page is read only as a report "
     "(.html); if it is a saved page or an error page, download the data file itself"),
    ("idus.json", lambda tmp: CSV_TEXT, "content-mismatch",
     "idus.json: the name ends in .json (JSON) but the content is delimited text (a CSV table); if it is a CSV "
     "export, give it the .csv ending"),
    # The delimited reader looks at its first 256 KB; intake searches the whole file.
    ("events.csv", lambda tmp: CSV_TEXT + b"SYR2,2024-12-02,Battles\n" * 12_000 + b"SYR3,2024-12-03,Batt\x00les\n",
     "not-text",
     "events.csv: the file holds a NUL byte (the first at byte 288,080), so it is not a text file: a text export "
     "never holds one. Save the data again as CSV (UTF-8), or the report as .txt"),
])
def test_content_that_is_not_what_the_name_says_is_refused_before_any_reader(tmp_path, empty_engine, nothing_parsed,
                                                                             name, content, code, message):
    path = tmp_path / name
    path.write_bytes(content(tmp_path))
    for load in (lambda: ingest_file(empty_engine, path, dry_run=True),  # from the CLI: a path
                 lambda: ingest_file(empty_engine, name, data=path.read_bytes(), dry_run=True)):  # an upload's bytes
        with pytest.raises(RefusedFile) as refused:
            load()
        assert (refused.value.code, str(refused.value)) == (code, message)


def test_an_old_xls_named_xlsx_goes_on_to_the_workbook_reader_which_says_what_it_is(empty_engine):
    with pytest.raises(LoadError) as refused:
        ingest_file(empty_engine, "book.xlsx", data=OLE2 + "Workbook".encode("utf-16-le"), dry_run=True)
    assert str(refused.value) == ("book.xlsx: this is an old Excel 97-2003 (.xls) workbook, which cannot be read; "
                                  "open it in Excel or LibreOffice and save it as .xlsx")


def test_a_chosen_kind_does_not_let_content_past_its_reader(tmp_path, empty_engine, nothing_parsed):
    with pytest.raises(RefusedFile) as refused:
        ingest_file(empty_engine, "flows.dat", data=CSV_TEXT, kind="idptf_workbook", dry_run=True)
    assert str(refused.value) == ("flows.dat: the content is delimited text (a CSV table), but the kind chosen reads "
                                  "Excel workbooks (.xlsx); choose another kind, or let the dashboard detect it")


def test_every_fixture_the_loaders_read_passes_intake():
    """Intake must not refuse what the readers take: cp1252 and cp1256 CSVs, a byte-order mark, JSON,
    reports in HTML, Markdown and text, workbooks. (The one fixture that is not what its name says is
    the text file named .xlsx, refused above as it was before by the workbook reader.)"""
    kinds = {}
    for path in sorted(FIXTURES_DIR.rglob("*")):
        if path.is_file() and path.suffix in (".csv", ".json", ".xlsx", ".txt", ".md", ".html"):
            if path.name == "xlsx_not_a_zip.xlsx":
                continue
            kinds[path.relative_to(FIXTURES_DIR).as_posix()] = check_file(path).kind
    assert kinds["cccm/cccm_cp1256_arabic_names_2020-07.csv"] == "delimited"
    assert kinds["template/template_cp1252_accented_source.csv"] == "delimited"
    assert kinds["reports/flash_update_raqqa.html"] == "html"
    assert kinds["workbook/xlsx_merged_headers.xlsx"] == "xlsx"
    assert kinds["template/template_empty_file.csv"] == "empty"  # the reader says how to fix an empty file
    assert len(kinds) > 70


@pytest.mark.parametrize(("head", "kind"), [
    (b"MZ_code,name,population\nSY01,Damascus,100\n", "delimited"),  # a header starting with MZ is no program
    (b"[ID],[Name],[Individuals]\n1,Atmeh,120\n", "delimited"),  # nor is one whose header starts with a bracket JSON
    (b'[{"id": 1}]', "json"),
    (b"Evening bulletin, 5 December. People fled the town overnight.", "text"),
    (b"<p>Flash update</p>", "html"),
])
def test_sniffing_tells_look_alikes_apart(head, kind):
    assert sniff_content(head).kind == kind


# --- 4. text from a file renders inert ---------------------------------------------------------------

ACLED_COLUMNS = ("event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
                 "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
                 "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
                 "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities",
                 "tags", "timestamp")
TEMPLATE_COLUMNS = ("record", "date", "period_start", "period_end", "origin", "destination", "individuals",
                    "households", "figure_kind", "qualifier", "source", "notes")


def _csv(columns, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def hostile_acled() -> bytes:
    """Per payload: an event with the payload in every text column (it loads), and one with it in
    the event type and fatalities too (rejected: the payload is kept as the issue's value). The
    country is the payload too and no ISO code is given, so no place is guessed: every name stays
    as written, waiting on the queue."""
    rows = []
    for i, payload in enumerate(PAYLOADS):
        row = dict.fromkeys(ACLED_COLUMNS, payload)
        row.update(event_id_cnty=f"SYR99{i}", event_date=f"2024-12-0{2 + i}", year="2024", time_precision="1",
                   event_type="Battles", sub_event_type="Armed clash", inter1="1", inter2="2", interaction="12",
                   iso="", latitude="35.1", longitude="36.7", geo_precision="1", fatalities="1",
                   timestamp="1733000000")
        rows += [row, dict(row, event_id_cnty=f"SYR98{i}", event_type=payload, fatalities=payload)]
    return _csv(ACLED_COLUMNS, rows)


def hostile_template() -> bytes:
    rows = []
    for i, payload in enumerate(PAYLOADS):
        row = {"record": "flow", "date": f"2024-12-0{2 + i}", "origin": payload, "destination": payload,
               "individuals": "120", "figure_kind": "new_displacement", "qualifier": "exact", "source": payload,
               "notes": payload}
        rows += [row, dict(row, date=payload, figure_kind=payload, qualifier=payload, individuals=payload)]
    return _csv(TEMPLATE_COLUMNS, rows)


@pytest.fixture(scope="module")
def hostile_engine(databases):
    """A database holding both hostile loads, each under a hostile file name."""
    from db.setup import prepare_database

    engine = databases.new_engine()
    prepare_database(engine)
    acled = ingest_file(engine, "<img src=x onerror=alert(1)> **events**.csv", data=hostile_acled(),
                        max_bytes=max_upload_bytes())
    template = ingest_file(engine, "[flows](javascript:alert(1)).csv", data=hostile_template(),
                           max_bytes=max_upload_bytes())
    assert (acled.kind, acled.batch.rows_inserted, acled.batch.rows_rejected) == ("acled", 5, 5)
    assert (template.kind, template.batch.rows_inserted, template.batch.rows_rejected) == ("field_template", 5, 5)
    yield engine, acled.batch.batch_id
    engine.dispose()


# Elements whose text Streamlit renders as Markdown (and, with allow_html, as HTML). st.text,
# st.code, st.dataframe and selectbox options show their text as it is.
MARKDOWN_FIELDS = {"markdown": ("body",), "caption": ("body",), "title": ("body",), "header": ("body",),
                   "subheader": ("body",), "error": ("body",), "warning": ("body",), "info": ("body",),
                   "success": ("body",), "toast": ("body",), "html": ("body",), "radio": ("options",)}


def rendered_markup(at) -> list[tuple[str, str, bool]]:
    """(element type, text it renders as Markdown or HTML, whether raw HTML is allowed) for every element
    of the page, widget labels and tooltips included."""
    found = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            proto, kind = getattr(child, "proto", None), getattr(child, "type", "")
            fields = proto.DESCRIPTOR.fields_by_name if hasattr(proto, "DESCRIPTOR") else {}
            html = kind == "html" or ("allow_html" in fields and proto.allow_html)
            for name in MARKDOWN_FIELDS.get(kind, ()) + ("label", "help"):
                if name in fields:
                    value = getattr(proto, name)
                    for text in ([value] if isinstance(value, str) else list(value)):
                        found.append((kind, str(text), html))
            walk(child)

    walk(at._tree)
    return found


def assert_inert(at) -> None:
    """No payload reaches Markdown or HTML as written: it would render (bold, a link, a tag)."""
    assert not at.exception
    for kind, text, html in rendered_markup(at):
        for payload in PAYLOADS:
            assert payload not in text, f"{kind} renders a file's text as Markdown: {text!r}"
        if html:
            assert "<script" not in text.lower() and "<img" not in text.lower(), f"{kind} allows HTML: {text!r}"


def _frame_with(at, column: str) -> pd.DataFrame:
    [frame] = [f.value for f in at.dataframe if column in f.value.columns]
    return frame


def _frames_holding(at, payload: str) -> list[pd.DataFrame]:
    return [f.value for f in at.dataframe if f.value.astype(str).isin([payload]).any().any()]


@pytest.fixture
def exported_csvs(monkeypatch):
    """The CSV bytes the page's download buttons carry, in order."""
    import ui.downloads

    made = []
    original = ui.downloads.csv_bytes
    monkeypatch.setattr(ui.downloads, "csv_bytes", lambda frame: made.append(original(frame)) or made[-1])
    return made


def test_the_inertness_check_catches_a_page_that_renders_a_files_text(monkeypatch):
    """The check below can fail: a page writing the payload with st.markdown (HTML allowed) is caught."""
    from streamlit.testing.v1 import AppTest

    for script in ("import streamlit as st\nst.markdown({!r}, unsafe_allow_html=True)",
                   "import streamlit as st\nst.caption({!r})", "import streamlit as st\nst.button({!r})"):
        for payload in PAYLOADS:
            at = AppTest.from_string(script.format(payload)).run()
            with pytest.raises(AssertionError):
                assert_inert(at)
    from ui.safe_text import literal

    assert_inert(AppTest.from_string(f"import streamlit as st\nst.caption({literal(PAYLOADS[3])!r})").run())


def test_the_events_page_shows_every_text_field_of_a_hostile_load_inert(app_on, hostile_engine, exported_csvs):
    engine, _ = hostile_engine
    at = app_on(engine, EVENTS_PAGE, **WINDOW)
    assert_inert(at)
    # The names are there, as data: the governorates as the file wrote them, in a table.
    assert _frames_holding(at, PAYLOADS[0]) and _frames_holding(at, FORMULA)
    # The exported CSVs carry the formula as text: an apostrophe first, so no spreadsheet runs it.
    cells = [cell for data in exported_csvs for row in csv.reader(io.StringIO(data.decode())) for cell in row]
    assert "'" + FORMULA in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@", "\t", "\r"))]


def test_the_data_quality_page_shows_names_issues_and_file_names_of_a_hostile_load_inert(app_on, hostile_engine):
    engine, acled_batch = hostile_engine
    at = app_on(engine, QUALITY_PAGE, batch=str(acled_batch), **WINDOW)
    assert_inert(at)
    batches, issues, queue = (_frame_with(at, column) for column in ("File", "Value as written", "Name as written"))
    assert {"<img src=x onerror=alert(1)> **events**.csv", "[flows](javascript:alert(1)).csv"} <= set(
        batches["File"])
    assert set(PAYLOADS) <= set(issues["Value as written"])  # the rejected cells, as written
    assert set(PAYLOADS) <= set(queue["Name as written"])  # the place names to link, as written


def test_export_csv_neutralises_every_cell_a_spreadsheet_would_run():
    from charts.export import csv_bytes

    names = [FORMULA, "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "Atmeh\r=1+1", "Atmeh\r\n=1+1", "Atmeh", None]
    frame = pd.DataFrame({"name": names, "kind": pd.Categorical(["=1"] * 10), "figure": range(10)})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode(), newline="")))
    # A bare carriage return inside a cell would end the row in a spreadsheet and start the next
    # with "=1+1": it becomes a line feed, which the writer quotes, so each cell stays one cell.
    assert len(rows) == 11
    assert [r[0] for r in rows[1:]] == ["'" + FORMULA, "'+1", "'-1", "'@SUM(A1)", "'\t=1", "'\n=1", "Atmeh\n=1+1",
                                        "Atmeh\n=1+1", "Atmeh", ""]
    assert {r[1] for r in rows[1:]} == {"'=1"}
    assert [r[2] for r in rows[1:]] == [str(n) for n in range(10)]  # numbers stay numbers


def test_the_upload_page_refuses_a_zip_named_csv_and_reads_a_hostile_csv_inert(app_on, prepared_engine, tmp_path):
    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.file_uploader[0].upload("sites.csv", _zip({"sites.csv": CSV_TEXT}), "text/csv")
    at.file_uploader[0].upload("events.csv", hostile_acled(), "text/csv")
    at.run()
    assert_inert(at)
    from ui.safe_text import literal

    assert [e.value for e in at.error] == [literal(
        "sites.csv: the name ends in .csv (a CSV table) but the content is a zip archive, which the dashboard cannot "
        "read; an archive must be unpacked and the files inside uploaded; an OpenDocument or Word file must be "
        "saved as .xlsx, CSV or .txt first")]
    assert any(t.value.startswith("Understood as ACLED events: 10 rows read; 5 rows rejected (not loaded)")
               for t in at.text)
