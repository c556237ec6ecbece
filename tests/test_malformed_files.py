"""Malformed files get one clear answer, and nothing loads silently wrong (issue 16).

Every hostile file is built here, in memory or in tmp_path: JSON nested 100,000 levels deep, a
400-digit number, a key given twice; workbooks whose XML declares an entity bomb or an external
entity, or breaks off; headers naming a column twice; hidden sheets and rows; a formula copying a
cell of another workbook; a cp1252 file with a UTF-8 line; a file name with a terminal escape.
Messages are asserted whole, written out here, never taken from the code under test.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile

import pytest
from xml.etree.ElementTree import ParseError, fromstring

import loaders.readers
from loaders.__main__ import main as loaders_cli
from loaders.ingest import ingest_file
from loaders.intake import RefusedFile
from loaders.report import LoadError

UPLOAD_PAGE = "../pages/7_Upload.py"
ACLED_HEADER = "event_id_cnty,event_date,event_type,sub_event_type,actor1,admin1,location,latitude,longitude,fatalities"
IDU = ('[{{"id": 1, "country": "Syria", "iso3": "SYR", "figure": {figure}, "displacement_type": "Conflict", '
       '"displacement_date": "2024-12-01"}}]')


def parser_says(xml: bytes) -> str:
    """What the standard library's XML parser says about broken XML: where it breaks, and how."""
    with pytest.raises(ParseError) as broken:
        fromstring(xml)
    return str(broken.value)


def refusal(engine, name: str, data: bytes, **kwargs) -> str:
    with pytest.raises(LoadError) as refused:
        ingest_file(engine, name, data=data, dry_run=True, **kwargs)
    return str(refused.value)


# --- JSON ---------------------------------------------------------------------------------------

def test_json_nested_a_hundred_thousand_levels_deep_gets_one_message(empty_engine):
    assert refusal(empty_engine, "idu.json", b"[" * 100_000 + b"]" * 100_000) == (
        "idu.json: the JSON is nested too deeply to read (lists or objects inside one another about a thousand "
        "levels down); no API response is shaped like that: download it again")


@pytest.mark.parametrize("digits", [400, 5_000])
def test_a_number_with_hundreds_of_digits_is_refused_where_it_stands(empty_engine, digits):
    data = IDU.format(figure="9" * digits).encode()
    assert refusal(empty_engine, "idu.json", data) == (
        f"idu.json: the number at line 1, column 57 has {digits:,} digits, more than any count or id can have (the "
        "largest stored is 9,223,372,036,854,775,807); fix the value, or download the file again if it is damaged")


def test_a_json_key_given_twice_is_refused_naming_it_and_both_values(empty_engine):
    data = b'[{"id": 1, "figure": 1200, "country": "Syria", "figure": 12}]'
    assert refusal(empty_engine, "idu.json", data) == (
        "idu.json: the key 'figure' appears twice in one object (first 1200, then 12); only one can be loaded, so "
        "the file is refused. Fix the program that wrote it so each key appears once per object")


# --- workbooks: XML ------------------------------------------------------------------------------

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_TYPE = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
BOMB = (b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "laugh">'
        + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(9))
        + b"]>")
XXE = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _cells(number: int, values) -> bytes:
    cells = []
    for index, value in enumerate(values):
        ref = f"{chr(65 + index)}{number}".encode()
        if isinstance(value, bytes):  # raw cell XML after the reference
            cells.append(b'<c r="%s"%s</c>' % (ref, value))
        elif isinstance(value, str):
            cells.append(b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, value.encode()))
        else:
            cells.append(b'<c r="%s"><v>%d</v></c>' % (ref, value))
    return b"".join(cells)


def sheet_xml(rows, *, prolog: bytes = b"", hidden: tuple[int, ...] = ()) -> bytes:
    body = b"".join(b'<row r="%d"%s>%s</row>' % (n, b' hidden="1"' if n in hidden else b"", _cells(n, values))
                    for n, values in enumerate(rows, start=1))
    return prolog + b"<worksheet " + NS + b"><sheetData>" + body + b"</sheetData></worksheet>"


def xlsx(sheets: list[tuple[str, str, bytes]], extra: dict[str, bytes] | None = None) -> bytes:
    """A workbook of (name, state, sheet XML) sheets, and any extra members."""
    numbers = range(1, len(sheets) + 1)
    overrides = b"".join(b'<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxml'
                         b'formats-officedocument.spreadsheetml.worksheet+xml"/>' % i for i in numbers)
    listed = b"".join(b'<sheet name="%s" sheetId="%d" state="%s" r:id="rId%d"/>' % (name.encode(), i, state.encode(), i)
                      for i, (name, state, _) in enumerate(sheets, start=1))
    rels = b"".join(b'<Relationship Id="rId%d" Target="worksheets/sheet%d.xml" Type="%sworksheet"/>' % (i, i, REL_TYPE)
                    for i in range(1, len(sheets) + 1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content'
                         b'-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                         b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
                         b'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                         b'spreadsheetml.sheet.main+xml"/>' + overrides + b"</Types>")
        archive.writestr("_rels/.rels", b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                         b'relationships"><Relationship Id="rId1" Target="xl/workbook.xml" Type="%sofficeDocument"/>'
                         b"</Relationships>" % REL_TYPE)
        archive.writestr("xl/workbook.xml", b"<workbook " + NS + b' xmlns:r="http://schemas.openxmlformats.org/'
                         b'officeDocument/2006/relationships"><sheets>' + listed + b"</sheets></workbook>")
        archive.writestr("xl/_rels/workbook.xml.rels", b'<Relationships xmlns="http://schemas.openxmlformats.org/'
                         b'package/2006/relationships">' + rels + b"</Relationships>")
        for i, (_, _, xml) in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        for member, content in (extra or {}).items():
            archive.writestr(member, content)
    return buffer.getvalue()


SITES = [["site", "individuals"], ["Atmeh", 1200], ["Sarmada", 800]]


def test_the_workbook_these_tests_build_is_read():
    """The control: what the refusals below refuse is the hostile part, never the way the file is built."""
    book = loaders.readers.read_any("sites.xlsx", xlsx([("Sites", "visible", sheet_xml(SITES))]))
    [sheet] = book.tables
    assert [(n, dict(r)) for n, r in sheet.rows] == [(2, {"site": "Atmeh", "individuals": 1200}),
                                                     (3, {"site": "Sarmada", "individuals": 800})]


DOCTYPE_REFUSED = ("sites.xlsx: the part {part} declares a document type (<!DOCTYPE>), which Excel and LibreOffice "
                   "never write; XML entity bombs and external-entity attacks are built that way, so the workbook is "
                   "not opened. Save the data again from Excel or LibreOffice as .xlsx")


def test_a_billion_laughs_in_the_shared_strings_is_refused_before_openpyxl_parses_it(empty_engine, monkeypatch):
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened the workbook"))
    strings = BOMB + b"<sst " + NS + b' count="1" uniqueCount="1"><si><t>&j;</t></si></sst>'
    data = xlsx([("Sites", "visible", sheet_xml([["site", b' t="s"><v>0</v>'], ["Atmeh", 1]]))],
                {"xl/sharedStrings.xml": strings})
    with pytest.raises(RefusedFile) as refused:
        ingest_file(empty_engine, "sites.xlsx", data=data, dry_run=True)
    assert (refused.value.code, str(refused.value)) == ("xml-doctype",
                                                        DOCTYPE_REFUSED.format(part="xl/sharedStrings.xml"))


def test_an_external_entity_in_the_sheet_xml_is_refused_and_never_read(empty_engine):
    data = xlsx([("Sites", "visible", sheet_xml([["site", "&xxe;"], ["Atmeh", 1]], prolog=XXE))])
    assert refusal(empty_engine, "sites.xlsx", data) == DOCTYPE_REFUSED.format(part="xl/worksheets/sheet1.xml")


def test_a_doctype_after_a_comment_is_found_too(empty_engine):
    prolog = b'<?xml version="1.0"?><!-- <worksheet> -->' + XXE.split(b"?>", 1)[1]
    data = xlsx([("Sites", "visible", sheet_xml(SITES, prolog=prolog))])
    assert refusal(empty_engine, "sites.xlsx", data) == DOCTYPE_REFUSED.format(part="xl/worksheets/sheet1.xml")


def test_a_truncated_sheet_gets_one_message(empty_engine):
    cut = sheet_xml(SITES)[:-40]
    assert refusal(empty_engine, "sites.xlsx", xlsx([("Sites", "visible", cut)])) == (
        f"sites.xlsx: the workbook is damaged or truncated (its XML breaks at {parser_says(cut)}); open the file in "
        "Excel or LibreOffice and save it again as .xlsx")


def test_broken_xml_past_the_first_rows_names_the_sheet(prepared_engine):
    rows = [["#adm1+code", "#date+reported", "#affected+idps"]] + [["SY07", "2024-12-08", n] for n in range(1, 40)]
    xml = sheet_xml(rows).replace(b'<c r="C35"><v>34</v></c>', b'<c r="C35"><v>34</x></c>')
    xml = xml.replace(b"<sheetData>", b'<dimension ref="A1:C40"/><sheetData>')
    assert parser_says(xml).startswith("mismatched tag")
    assert refusal(prepared_engine, "sites.xlsx", xlsx([("Sites", "visible", xml)])) == (
        f"sites.xlsx: the sheet 'Sites' is damaged or truncated (its XML breaks at {parser_says(xml)}); open the "
        "file in Excel or LibreOffice and save it again as .xlsx")


# --- one message, one place ----------------------------------------------------------------------

def test_the_cli_prints_one_line_for_a_hostile_file_and_no_traceback(tmp_path, monkeypatch, capsys):
    deep = tmp_path / "idu.json"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert loaders_cli(["ingest", "--dry-run", str(deep)]) == 1
    assert capsys.readouterr().err == (
        f"{deep}: rejected: idu.json: the JSON is nested too deeply to read (lists or objects inside one another "
        "about a thousand levels down); no API response is shaped like that: download it again\n")


def _explode(path, data=None):
    raise ZeroDivisionError("a reader bug nobody foresaw")


def test_an_unexpected_error_is_one_line_with_an_id_and_its_traceback_is_logged(tmp_path, monkeypatch, capsys,
                                                                              caplog):
    monkeypatch.setitem(loaders.readers.READERS, "delimited", _explode)
    sites = tmp_path / "sites.csv"
    sites.write_text("site,individuals\nAtmeh,1200\n")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    with caplog.at_level(logging.ERROR, logger="loaders.errors"):
        assert loaders_cli(["ingest", "--dry-run", str(sites)]) == 1
    err = capsys.readouterr().err
    found = re.fullmatch(rf"{re.escape(str(sites))}: rejected: {re.escape(str(sites))}: unexpected error, logged as "
                         r"([0-9a-f]{8}); tell the administrator this id\n", err)
    assert found, err
    [record] = caplog.records
    assert record.getMessage() == f"loading {sites} failed unexpectedly (incident {found[1]})"
    assert record.exc_info[0] is ZeroDivisionError


def test_the_upload_page_shows_one_message_for_hostile_and_broken_files(app_on, prepared_engine, monkeypatch):
    from ui.safe_text import literal

    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.file_uploader[0].upload("idu.json", b"[" * 100_000 + b"]" * 100_000, "application/json")
    at.file_uploader[0].upload("sites.xlsx", xlsx([("Sites", "visible", sheet_xml(SITES, prolog=XXE))]),
                               "application/octet-stream")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [literal(m) for m in (
        "idu.json: the JSON is nested too deeply to read (lists or objects inside one another about a thousand "
        "levels down); no API response is shaped like that: download it again",
        DOCTYPE_REFUSED.format(part="xl/worksheets/sheet1.xml"))]


def test_the_upload_page_turns_an_unexpected_error_into_a_message_with_an_id(app_on, prepared_engine, monkeypatch):
    monkeypatch.setitem(loaders.readers.READERS, "delimited", _explode)
    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.file_uploader[0].upload("sites.csv", b"site,individuals\nAtmeh,1200\n", "text/csv")
    at.run()
    assert not at.exception
    [error] = at.error
    assert re.fullmatch(r"sites\\\.csv\\: unexpected error, logged as [0-9a-f]{8}; tell the administrator this id",
                        error.value), error.value


def test_a_file_name_with_control_characters_is_printed_escaped(tmp_path, monkeypatch, capsys):
    sites = tmp_path / "sites\x1b[2J\u202egpj.csv"
    sites.write_text(ACLED_HEADER + ",fatalities\nSYR1,2024-12-01,Battles,Armed clash,A,Idleb,Atmeh,36.3,36.6,3,30\n")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert loaders_cli(["ingest", "--dry-run", str(sites)]) == 1
    shown = f"{tmp_path}/sites\\x1b[2J\\u202egpj.csv"
    assert capsys.readouterr().err == (
        f"{shown}: rejected: sites\\x1b[2J\\u202egpj.csv: the header (row 1) names the column 'fatalities' more than "
        "once (columns 10 and 11); one column's values would hide the other's, so nothing is loaded. Rename the "
        "columns so each has its own name, or delete the copy\n")


def test_the_upload_page_shows_a_control_character_in_a_file_name_escaped(app_on, prepared_engine):
    from ui.safe_text import literal

    at = app_on(prepared_engine, UPLOAD_PAGE)
    data = (ACLED_HEADER + ",fatalities\nSYR1,2024-12-01,Battles,Armed clash,A,Idleb,Atmeh,36.3,36.6,3,30\n").encode()
    at.file_uploader[0].upload("events\x1b[31m.csv", data, "text/csv")
    at.run()
    assert not at.exception
    assert at.subheader[0].value == literal("events\\x1b[31m.csv")
    assert [e.value for e in at.error] == [literal(
        "events\\x1b[31m.csv: the header (row 1) names the column 'fatalities' more than once (columns 10 and 11); "
        "one column's values would hide the other's, so nothing is loaded. Rename the columns so each has its own "
        "name, or delete the copy")]


# --- duplicate columns ---------------------------------------------------------------------------

def test_a_csv_header_naming_a_column_twice_is_refused_naming_it_and_its_positions(prepared_engine):
    data = (ACLED_HEADER + ",fatalities\nSYR1,2024-12-01,Battles,Armed clash,A,Idleb,Atmeh,36.3,36.6,3,30\n").encode()
    assert refusal(prepared_engine, "events.csv", data) == (
        "events.csv: the header (row 1) names the column 'fatalities' more than once (columns 10 and 11); one "
        "column's values would hide the other's, so nothing is loaded. Rename the columns so each has its own "
        "name, or delete the copy")


def test_a_sheet_header_naming_a_column_twice_is_refused_by_column_letters(prepared_engine):
    rows = [["site", "#loc+name"], ["individuals", "#affected+idps"], ["site", "#adm1+code"],
            ["date", "#date+reported"]]
    header = [[r[0] for r in rows], [r[1] for r in rows], ["Atmeh", 1200, "SY07", "2024-12-08"]]
    data = xlsx([("Sites", "visible", sheet_xml(header))])
    # The human header repeats "site", but an HXL sheet is read by its hashtags, which differ: it loads.
    result = ingest_file(prepared_engine, "sites.xlsx", data=data, dry_run=True)
    assert result.kind == "hxl"
    assert [(n, r["figure"]) for n, r in result.preview["displacement_figure"]] == [(3, 1200)]
    plain = xlsx([("Sites", "visible", sheet_xml([["site", "individuals", "site"], ["Atmeh", 1200, "Sarmada"]]))])
    [sheet] = loaders.readers.read_any("sites.xlsx", plain).tables
    with pytest.raises(LoadError) as refused:
        next(sheet.rows)
    assert str(refused.value) == (
        "sites.xlsx: the header of the sheet 'Sites' (row 1) names the column 'site' more than once (columns A and "
        "C); one column's values would hide the other's, so nothing is loaded. Rename the columns so each has its "
        "own name, or delete the copy")


def test_an_hxl_hashtag_given_to_two_columns_is_refused(prepared_engine):
    data = (b"Governorate,Date,IDPs,Governorate again\n#adm1+code,#date+reported,#affected+idps,#adm1+code\n"
            b"SY07,2024-12-08,1200,SY02\n")
    assert refusal(prepared_engine, "sites.csv", data) == (
        "sites.csv: the HXL hashtag row (row 2) gives #adm1+code to two columns (1 and 4); tag one of them "
        "differently (add an attribute such as +origin) or delete the copy")


# --- hidden sheets and rows, links to other workbooks ---------------------------------------------

def test_hidden_sheets_and_rows_are_not_read_and_links_to_other_workbooks_are_flagged(prepared_engine):
    visible = sheet_xml([["#adm1+code", "#date+reported", "#affected+idps"],
                         ["SY07", "2024-12-08", 1200],
                         ["SY02", "2024-12-08", 99_999],  # hidden: a working row
                         ["SY07", "2024-12-09", b"><f>[1]Totals!C4</f><v>800</v>"]], hidden=(3,))
    old = sheet_xml([["#adm1+code", "#date+reported", "#affected+idps"], ["SY07", "2024-11-01", 5]])
    data = xlsx([("Sites", "visible", visible), ("Old", "hidden", old), ("Lookups", "veryHidden", old)])
    result = ingest_file(prepared_engine, "sites.xlsx", data=data, dry_run=True)
    assert result.rows_read == 2
    assert [(n, r["figure"]) for n, r in result.preview["displacement_figure"]] == [(2, 1200), (4, 800)]
    assert result.report.flatten(("row", "field", "code", "severity", "value")) == [
        [None, None, "hidden-sheet", "warning", "Old"],
        [None, None, "hidden-sheet", "warning", "Lookups"],
        [3, None, "hidden-row", "warning", None],
        [4, "#affected+idps", "external-formula", "warning", "=[1]Totals!C4"],
    ]


def test_a_workbook_whose_data_is_only_on_a_hidden_sheet_says_so(empty_engine):
    data = xlsx([("Blank", "visible", sheet_xml([])), ("Sites", "hidden", sheet_xml(SITES))])
    assert refusal(empty_engine, "sites.xlsx", data) == (
        "sites.xlsx: no cell is filled in on any visible sheet (Blank); hidden sheets (Sites) are never read. If the "
        "data is on one of them, unhide it in Excel (right-click a sheet tab > Unhide) and save again")


# --- text in two encodings -----------------------------------------------------------------------

def test_a_utf8_line_in_a_cp1252_file_is_refused_naming_the_line(prepared_engine):
    data = ("Site name,Governorate,Individuals\nAtmeh Café,Idleb,1200\n".encode("cp1252")
            + "Kafr Lūsīn,Idleb,300\n".encode("utf-8") + "Sarmada,Idleb,800\n".encode("cp1252"))
    assert refusal(prepared_engine, "sites.csv", data) == (
        "sites.csv: the file mixes two text encodings: line 3 is UTF-8, the rest is Windows-1252 (Western "
        "European) (lines as a text editor counts them); read in one encoding, the other lines' letters would be "
        "stored garbled. Correct those lines, then save the whole file in one encoding (in Excel: Save As > CSV "
        "UTF-8)")


def test_cp1252_lines_far_down_a_utf8_file_are_all_named(prepared_engine):
    head = (ACLED_HEADER + "\n").encode()
    good = "SYR{n},2024-12-01,Battles,Armed clash,A,Idleb,Ma‘arrat,35.6,36.6,0\n"
    lines = [good.format(n=n).encode() for n in range(8_000)]
    for at in (7_000, 7_500):  # past the first 256 KB, which the encoding is sniffed from
        lines[at] = good.format(n=at).replace("‘", "é").encode("cp1252")
    assert refusal(prepared_engine, "events.csv", head + b"".join(lines)) == (
        "events.csv: the file mixes two text encodings: 2 lines (7,002, 7,502) are not UTF-8 (likely Windows-1252 "
        "or -1256), the rest is UTF-8 (lines as a text editor counts them); read in one encoding, the other lines' "
        "letters would be stored garbled. Correct those lines, then save the whole file in one encoding (in Excel: "
        "Save As > CSV UTF-8)")
