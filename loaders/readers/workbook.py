"""Excel workbooks (.xlsx, .xlsm): every visible sheet as a table, its header row found, its rows
read lazily. Hidden sheets and hidden rows are not data (listed in `hidden_sheets` and
`Sheet.hidden_rows` for the adapters to report); no XML part may declare a DOCTYPE (entity bombs,
external entities); a formula that copies another workbook is listed in `external_formulas`.

Opened with openpyxl in read-only mode with `data_only=True`, so a formula cell gives the result
Excel saved with it. A formula with no saved result (files written by programs that do not
calculate, openpyxl among them) is never evaluated here: its cell holds a FormulaWithoutValue,
and the sheet lists it in `formulas_without_value`, so the adapter can report it.

Before openpyxl parses anything, the archive passes the limits of loaders/intake.py (a workbook
comes from people we do not know): its members' unpacked sizes together, each member's
compression ratio (a zip bomb), the number of members, the size of each part openpyxl parses
whole, and per sheet the last row and column holding a cell, found by the same scan of the
sheet's XML that finds formulas without a saved result. The `<dimension>` a sheet declares is
not trusted either way (writers get it wrong); the cells are counted.

Cells keep their Excel types (int or float, datetime, bool, str; None when empty), unlike the
delimited reader's strings: the loaders' cell parsers accept both.

The header is the first row, within the first 25, that looks like one: at least two label cells
(text, or a year or date written as a column name) making up at least half of the row. Field
workbooks put group labels above it (the IDP Task Force summary has the years merged over the
twelve months): when the row above the header is such a sparse label row, its labels are spread
over their merged range (or, unmerged, to the next label) and joined to the names below:
"2016" over "January" gives the column "2016 January". A lone cell above the header is a title,
kept in `titles`, never joined.
"""

from __future__ import annotations

import functools
import io
import math
import posixpath
import re
import warnings
import zipfile
from xml.etree.ElementTree import ParseError
from xml.parsers import expat
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterator
from xml.sax.saxutils import unescape

from loaders.intake import (RefusedFile, XlsxLimits, describe_limit, describe_size, refuse_too_many_members,
                            xlsx_limits, zip_entry_count)
from loaders.readers.document import Document
from loaders.readers.delimited import Row, Table, column_letters, find_duplicate_columns, refuse_duplicate_columns
from loaders.report import LoadError

PREVIEW_ROWS = 25
# An encrypted Office file is an OLE2 compound document, like an old .xls, holding the
# encrypted package in a stream with this name.
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
# Sheet XML, with or without a namespace prefix ("<x:c>" from the .NET Open XML SDK).
_END_TAG_OPEN = re.compile(rb"</(?:\w+:)?\Z")
_FORMULA_TAG = re.compile(rb"<(\w+:)?f[\s>/]")
_ATTRIBUTE = re.compile(rb'\b(r|t)="([^"]*)"')
_FORMULA_TEXT = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_INLINE = re.compile(rb"<(?:\w+:)?is\b")
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+\d+)(?::([A-Z]+\d+))?"')
_ROW_TAG_OPEN = re.compile(rb"<(?:\w+:)?\Z")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_ROW_START = re.compile(rb"<(?:\w+:)?row[\s>/]")
# A row hidden in Excel, written with its cells (a hidden row with none is formatting only).
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b([^>]*\bhidden="(?:1|true)"[^>]*)(?<!/)>')
# A reference into another workbook: "[1]Sheet1!A1", "'[1]Site list'!B2", "'C:\\data\\[flows.xlsx]May'!C3".
_EXTERNAL_REF = re.compile(rb"\[[^\]\[\"]+\][^!\"]*!")
_ANY_ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_RELATIONSHIP_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_WORKSHEET_MEMBER = re.compile(r"xl/worksheets/[^/]+\.xml")
# Parts openpyxl never parses whole (sheets are streamed, pictures are not read in read-only mode).
_STREAMED_PARTS = re.compile(r"xl/(?:worksheets|media)/")


@dataclass(frozen=True)
class FormulaWithoutValue:
    """A formula cell whose result was never saved with the file; it is not evaluated."""

    cell: str  # "P2"
    formula: str  # "=SUM(B2:O2)", or "(shared formula)" when the text sits in another cell

    def __str__(self) -> str:
        return self.formula


@dataclass
class SheetScan:
    """What the scan of a sheet's XML found that openpyxl's read-only mode does not expose."""

    uncached: dict = field(default_factory=dict)  # (row, column) → FormulaWithoutValue
    merges: list = field(default_factory=list)  # (min_row, min_col, max_row, max_col)
    hidden_rows: list[int] = field(default_factory=list)  # rows holding cells, hidden in Excel
    external: dict = field(default_factory=dict)  # (row, column) → ExternalFormula


@dataclass(frozen=True)
class ExternalFormula:
    """A formula that reads another workbook (`[1]Sheet1!B2`): its saved value is a copy of a cell
    of a file we do not have, as it was when this file was last saved."""

    cell: str
    formula: str


@dataclass
class Sheet(Table):
    """One worksheet, with the delimited Table's face (rows as (sheet row number, cells))."""

    header_row: int | None = None  # 1-based; None when no row within the first 25 looks like a header
    titles: list[str] = field(default_factory=list)  # lone text cells above the header
    formulas_without_value: list[str] = field(default_factory=list)  # cell references, "P2"
    hidden_rows: list[int] = field(default_factory=list)  # rows hidden in Excel: never handed out as rows
    external_formulas: dict = field(default_factory=dict)  # row → [(column name, ExternalFormula)]


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


def _refuse_unreadable(name: str, data: bytes, limits: XlsxLimits) -> zipfile.ZipFile:
    """The workbook's archive, opened once its kind and member count are checked."""
    if data.startswith(OLE2_SIGNATURE):
        if ENCRYPTED_PACKAGE in data:
            raise LoadError(f"{name}: the workbook is password-protected (encrypted), so its cells cannot be "
                            "read; open it in Excel, remove the password (File > Info > Protect Workbook > "
                            "Encrypt with Password, clear the password) and save it again")
        raise LoadError(f"{name}: this is an old Excel 97-2003 (.xls) workbook, which cannot be read; "
                        "open it in Excel or LibreOffice and save it as .xlsx")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LoadError(f"{name}: this is not an Excel workbook (an .xlsx file is a zip archive and this file "
                        "is not one); if it is a CSV export, give it the .csv ending, otherwise save it from "
                        "Excel or LibreOffice as .xlsx")
    count = zip_entry_count(io.BytesIO(data))  # before the member list is built: it could hold millions
    if count is not None:
        refuse_too_many_members(name, count, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise LoadError(f"{name}: the workbook cannot be opened ({exc}); it may be truncated or damaged, "
                        "save it again from Excel or LibreOffice as .xlsx") from None
    if "xl/workbook.xml" not in archive.namelist():
        archive.close()
        raise LoadError(f"{name}: this zip archive is not an Excel workbook (it has no xl/workbook.xml); "
                        "save the data from Excel or LibreOffice as .xlsx")
    return archive


def _refuse_oversized(name: str, archive: zipfile.ZipFile, limits: XlsxLimits) -> None:
    """Refuse a workbook that would unpack to too much, as the sizes the archive declares say.

    zipfile never hands out more than a member's declared size (it stops there and fails the CRC
    check), so openpyxl cannot be made to unpack more than these numbers add up to.
    """
    members = archive.infolist()
    refuse_too_many_members(name, len(members), limits)
    total = 0
    for member in members:
        packed, unpacked = member.compress_size, member.file_size
        if unpacked > limits.ratio_from_bytes and unpacked > limits.max_ratio * max(packed, 1):
            raise RefusedFile("zip-bomb", (
                f"{name}: the part {member.filename} would unpack from {describe_size(packed)} to "
                f"{describe_size(unpacked)}, {unpacked / max(packed, 1):,.0f} times larger (a workbook's parts "
                f"unpack to at most about {limits.max_ratio:,.0f} times); this looks like a zip bomb, so it is "
                "not opened. Save the data again from Excel or LibreOffice as .xlsx"))
        if unpacked > limits.max_part_bytes and not _STREAMED_PARTS.match(member.filename):
            raise RefusedFile("workbook-too-large", (
                f"{name}: the part {member.filename} unpacks to {describe_size(unpacked)}, more than the "
                f"{describe_limit(limits.max_part_bytes)} such a part may take (it is read whole); save the data "
                "again from Excel or LibreOffice as .xlsx, or as CSV"))
        total += unpacked
    if total > limits.max_unpacked_bytes:
        raise RefusedFile("workbook-too-large", (
            f"{name}: the workbook unpacks to {describe_size(total)}, more than the limit of "
            f"{describe_limit(limits.max_unpacked_bytes)}; split the data over several workbooks (or save the "
            "sheets as CSV), or ask the administrator to raise DASHBOARD_XLSX_MAX_UNPACKED_MB"))


class _Doctype(Exception):
    pass


class _RootElement(Exception):
    pass


def _declares_doctype(stream) -> bool:
    """Whether an XML part declares a document type before its root element, read with expat up to
    that element only (a comment or processing instruction before it does not hide one)."""
    parser = expat.ParserCreate()

    def doctype(*_):
        raise _Doctype

    def root(*_):
        raise _RootElement

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        for block in iter(lambda: stream.read(1 << 16), b""):
            parser.Parse(block, False)
        parser.Parse(b"", True)
    except _Doctype:
        return True
    except (_RootElement, expat.ExpatError):
        return False  # damaged XML is openpyxl's to find; its error is turned into a message below
    return False


def _refuse_doctypes(name: str, archive: zipfile.ZipFile) -> None:
    """Refuse a workbook any of whose XML parts declares a document type.

    A DTD is where XML entities are declared, so it is how a "billion laughs" bomb (entities that
    expand into each other) or an external entity (`SYSTEM "file:///etc/passwd"`) gets into a
    parser. Excel and LibreOffice never write one, so refusing every DTD loses no real workbook,
    whatever the XML parser below would do with it (expat limits expansion; ElementTree leaves
    external entities undefined; we do not depend on either).
    """
    for member in archive.infolist():
        if member.is_dir() or not member.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(member) as stream:
            if _declares_doctype(stream):
                raise RefusedFile("xml-doctype", (
                    f"{name}: the part {member.filename} declares a document type (<!DOCTYPE>), which Excel and "
                    "LibreOffice never write; XML entity bombs and external-entity attacks are built that way, so "
                    "the workbook is not opened. Save the data again from Excel or LibreOffice as .xlsx"))


def _damaged(name: str, sheet: str | None, exc: Exception) -> LoadError:
    """A workbook whose XML (or zip member) breaks while it is read: truncated or hand-made."""
    part = f"the sheet {sheet!r}" if sheet else "the workbook"
    what = f"its XML breaks at {exc}" if isinstance(exc, ParseError) else str(exc)
    return LoadError(f"{name}: {part} is damaged or truncated ({what}); open the file in Excel or LibreOffice and "
                     "save it again as .xlsx")


def _worksheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's member → its sheet name, resolved as openpyxl resolves them (the workbook's
    relationships); a member under xl/worksheets/ that no sheet names keeps its path as its name."""
    names = set(archive.namelist())
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for tag in _RELATIONSHIP_TAG.finditer(archive.read("xl/_rels/workbook.xml.rels")):
            attributes = dict(_ANY_ATTRIBUTE.findall(tag[1]))
            target = unescape(attributes.get(b"Target", b"").decode("utf-8", "replace"))
            if target and attributes.get(b"TargetMode") != b"External":
                targets[attributes.get(b"Id", b"").decode("utf-8", "replace")] = (
                    target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target)))
    members = {}
    for tag in _SHEET_TAG.finditer(archive.read("xl/workbook.xml")):
        attributes = {key.rsplit(b":", 1)[-1]: value for key, value in _ANY_ATTRIBUTE.findall(tag[1])}
        member = targets.get(attributes.get(b"id", b"").decode("utf-8", "replace"))
        if member in names and b"name" in attributes:
            members[member] = unescape(attributes[b"name"].decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"})
    for member in sorted(names):
        if _WORKSHEET_MEMBER.fullmatch(member):
            members.setdefault(member, member)
    return members


@functools.lru_cache(maxsize=8)
def _cells_beyond(max_columns: int) -> re.Pattern:
    """Cell references (`<c r="XFD1"`) in a column past `max_columns`, found at the speed of a search
    for ' r="': same-length column letters compare in column order, longer ones are always further."""
    letters = column_letters(max_columns)
    width = len(letters)
    alternatives = [f"[A-Z]{{{width + 1},}}"]
    for index, letter in enumerate(letters):
        if letter < "Z":
            alternatives.append(f"{letters[:index]}[{chr(ord(letter) + 1)}-Z][A-Z]{{{width - index - 1}}}")
    return re.compile(rb' r="((?:' + "|".join(alternatives).encode() + rb')\d+)"')


def _last_row(unit: bytes) -> tuple[bool, int | None]:
    """(whether the piece of sheet XML holds a row with cells, the number the last such row states).

    Searched backwards from the end, so it costs next to nothing; rows written empty (`<row r="9"/>`,
    formatting only) do not count.
    """
    end = len(unit)
    while (at := unit.rfind(b"row", 0, end)) != -1:
        end = at
        start = unit.rfind(b"<", max(0, at - 24), at)
        if start < 0 or not _ROW_TAG_OPEN.fullmatch(unit, start, at) or not _ROW_START.match(unit, start):
            continue
        head_end = unit.find(b">", at)
        if head_end < 0 or unit[head_end - 1:head_end] == b"/":
            end = start
            continue
        number = _ROW_NUMBER.search(unit, at, head_end)
        return True, int(number[1]) if number else None
    return False, None


def _refuse_sheet_rows(file_name: str, sheet: str, row: int, limits: XlsxLimits) -> None:
    raise RefusedFile("sheet-too-large", (
        f"{file_name}: the sheet {sheet!r} has data down to row {row:,}, more than the {limits.max_rows:,} rows a "
        f"sheet may have; split the rows over several files (or save the sheet as CSV), or ask the administrator "
        f"to raise DASHBOARD_XLSX_MAX_ROWS"))


def _refuse_sheet_columns(file_name: str, sheet: str, cell: str, limits: XlsxLimits) -> None:
    raise RefusedFile("sheet-too-large", (
        f"{file_name}: the sheet {sheet!r} has a cell at {cell}, beyond the {limits.max_columns:,} columns a sheet "
        f"may have (up to column {column_letters(limits.max_columns)}); delete the columns past the data (stray "
        f"cells or formatting far to the right), or ask the administrator to raise DASHBOARD_XLSX_MAX_COLUMNS"))


def _units(stream, size: int = 1 << 22) -> Iterator[bytes]:
    """The sheet's XML in pieces that each end after a row, so no cell is cut in two."""
    carry = b""
    for block in iter(lambda: stream.read(size), b""):
        data, cut = carry + block, len(carry) + len(block)
        while (cut := data.rfind(b"row>", 0, cut)) != -1 and not _END_TAG_OPEN.search(data, max(0, cut - 24), cut):
            pass  # a "row>" that does not close a row (an attribute's text): look further back
        if cut == -1:
            carry = data
            continue
        yield data[:cut + 4]
        carry = data[cut + 4:]
    if carry:
        yield carry


def _scan_sheet_xml(archive: zipfile.ZipFile, member: str | None, file_name: str, sheet: str, limits: XlsxLimits):
    """Formula cells without a saved result, and merged ranges, from the sheet's XML; refuses a
    sheet with more rows or columns than the limits.

    openpyxl's read-only mode exposes neither (with data_only it cannot tell a formula that was
    never calculated from an empty cell), so the XML is scanned once more: by regular
    expressions, at the speed of a byte search, and cell by cell only where a formula is.
    """
    scan = SheetScan()
    uncached, merges = scan.uncached, scan.merges
    if member is None or member not in archive.namelist():
        return scan
    beyond = _cells_beyond(limits.max_columns)
    last_row = counted_rows = 0  # counted: rows that state no number (the attribute is optional)
    with archive.open(member) as stream:
        for unit in _units(stream):
            if found := beyond.search(unit):
                _refuse_sheet_columns(file_name, sheet, found[1].decode("ascii"), limits)
            has_rows, number = _last_row(unit)
            if has_rows:
                if number is None:
                    counted_rows += len(_ROW_START.findall(unit))
                last_row = max(last_row, number or 0, counted_rows)
                if last_row > limits.max_rows:
                    _refuse_sheet_rows(file_name, sheet, last_row, limits)
            if b'hidden="' in unit:
                for found in _HIDDEN_ROW.finditer(unit):
                    if number_found := _ROW_NUMBER.search(b" " + found[1]):
                        scan.hidden_rows.append(int(number_found[1]))
            for found in _FORMULA_TAG.finditer(unit):
                prefix = found[1] or b""
                start = unit.rfind(b"<" + prefix + b"c ", 0, found.start())
                head_end = unit.find(b">", start)
                end = unit.find(b"</" + prefix + b"c>", found.start())
                if start < 0 or end < 0:
                    continue
                attributes = dict(_ATTRIBUTE.findall(unit[start:head_end]))
                ref = _CELL_REF.fullmatch(attributes.get(b"r", b"").decode("ascii", "replace"))
                body = unit[head_end + 1:end]
                text = _FORMULA_TEXT.search(body)
                if ref is not None and text and text[1] and _EXTERNAL_REF.search(text[1]):
                    scan.external[(int(ref[2]), _column_index(ref[1]))] = ExternalFormula(
                        ref[0], "=" + unescape(text[1].decode("utf-8", "replace")))
                value = _VALUE.search(body)
                # openpyxl writes an empty <v/> under the formulas it cannot calculate; an empty
                # saved result is only meaningful for a text formula (t="str").
                saved = bool(value and (value[1] or attributes.get(b"t") == b"str")) or bool(_INLINE.search(body))
                if ref is None or saved:
                    continue
                formula = "=" + unescape(text[1].decode("utf-8")) if text and text[1] else "(shared formula)"
                uncached[(int(ref[2]), _column_index(ref[1]))] = FormulaWithoutValue(ref[0], formula)
            for found in _MERGE_REF.finditer(unit):
                first = _CELL_REF.fullmatch(found[1].decode())
                last = _CELL_REF.fullmatch((found[2] or found[1]).decode())
                merges.append((int(first[2]), _column_index(first[1]), int(last[2]), _column_index(last[1])))
    return scan


def _is_label(value) -> bool:
    if isinstance(value, str):
        text = value.strip()
        return bool(text) and not re.fullmatch(r"[-+]?[\d,.\s]+", text)
    if isinstance(value, (datetime, date)):
        return True
    # A year written as a number is a column name ("2016" over twelve months), not data.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 1900 <= value <= 2100 \
        and value == int(value)


def _filled(cells) -> int:
    return sum(1 for c in cells if c is not None and str(c).strip())


def _looks_like_header(cells, widest: int) -> bool:
    labels = sum(1 for c in cells if _is_label(c))
    return labels >= min(2, widest) and labels * 2 >= _filled(cells) > 0


def _name(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _spread_labels(upper: list, width: int, upper_row: int, merges) -> list[str]:
    """Group labels over the columns they head: by merged range, else up to the next label."""
    labels = [_name(v) for v in upper] + [""] * (width - len(upper))
    spans = [m for m in merges if m[0] <= upper_row <= m[2]]
    if spans:
        for min_row, min_col, max_row, max_col in spans:
            label = labels[min_col - 1] if min_col - 1 < len(labels) else ""
            for column in range(min_col, max_col + 1):
                if column - 1 < len(labels):
                    labels[column - 1] = label
        return labels
    current = ""
    for index, label in enumerate(labels):
        current = label or current
        labels[index] = current
    return labels


def _find_header(preview: list[list], merges) -> tuple[int | None, int | None]:
    """(header row index, group-label row index or None), as indexes into the preview."""
    widest = max((_filled(r) for r in preview), default=0)
    if widest == 0:
        return None, None
    for index, cells in enumerate(preview):
        if not _looks_like_header(cells, widest):
            continue
        below = preview[index + 1] if index + 1 < len(preview) else []
        sheet_row = index + 1
        merged_here = any(m[0] <= sheet_row <= m[2] and (m[1] < m[3] or m[2] > sheet_row) for m in merges)
        if below and _looks_like_header(below, widest) and _filled(below) > _filled(cells) and (
                merged_here or 2 * _filled(cells) <= _filled(below)):
            return index + 1, index  # a sparse row of group labels over the real header
        return index, None
    return None, None


def _unique(names: list[str]) -> tuple[str, ...]:
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        if name:
            seen[name] = seen.get(name, 0) + 1
            name = name if seen[name] == 1 else f"{name} ({seen[name]})"
        unique.append(name)
    return tuple(unique)


def _read_sheet(file_name: str, worksheet, archive: zipfile.ZipFile, counter: list[int], scans: dict,
                limits: XlsxLimits) -> Sheet:
    # Some writers store a wrong used range ("A1:A1"); read-only mode would cut rows to it.
    worksheet.reset_dimensions()
    member = getattr(worksheet, "_worksheet_path", None)
    if member in scans:
        scan = scans[member]
    else:  # a sheet the workbook's relationships hid from _worksheet_members: scan it before reading it
        scan = _scan_sheet_xml(archive, member, file_name, worksheet.title, limits)
    uncached, merges = scan.uncached, scan.merges
    hidden_rows = set(scan.hidden_rows)

    def within_limits(number: int, cells) -> None:
        """The scan counts cells by their references; cells written without one are counted here."""
        if number > limits.max_rows:
            _refuse_sheet_rows(file_name, worksheet.title, number, limits)
        if len(cells) > limits.max_columns:
            _refuse_sheet_columns(file_name, worksheet.title, f"{column_letters(len(cells))}{number}", limits)

    preview: list[list] = []
    try:
        for cells in worksheet.iter_rows(values_only=True):
            within_limits(len(preview) + 1, cells)
            preview.append(list(cells))
            if len(preview) >= PREVIEW_ROWS:
                break
    except (ParseError, zipfile.BadZipFile, EOFError) as exc:
        raise _damaged(file_name, worksheet.title, exc) from None
    for (row, column), formula in uncached.items():
        if row <= len(preview):
            cells = preview[row - 1]
            cells.extend([None] * (column - len(cells)))
            cells[column - 1] = formula
    header_index, group_index = _find_header(preview, merges)
    duplicates: tuple = ()
    if header_index is None:
        columns: tuple[str, ...] = ()
        titles = [_name(c) for r in preview for c in r if _name(c)]
    else:
        lower = [_name(v) for v in preview[header_index]]
        if group_index is not None:
            upper = _spread_labels(preview[group_index], len(lower), group_index + 1, merges)
            lower += [""] * (len(upper) - len(lower))
            lower = [f"{u} {n}" if u and n and u != n else (n or u) for u, n in zip(upper, lower)]
        duplicates = find_duplicate_columns(lower)
        columns = _unique(lower)
        first_above = group_index if group_index is not None else header_index
        titles = [_name(c) for r in preview[:first_above] for c in r if _name(c)]
    header_row = None if header_index is None else header_index + 1

    uncached_by_row: dict[int, list[tuple[int, FormulaWithoutValue]]] = {}
    for (row, column), formula in uncached.items():
        uncached_by_row.setdefault(row, []).append((column, formula))

    def rows() -> Iterator[tuple[int, Row]]:
        if header_row is None:
            return
        refuse_duplicate_columns(sheet)
        try:
            yield from sheet_rows()
        except (ParseError, zipfile.BadZipFile, EOFError) as exc:  # past the preview: the rest of the XML
            raise _damaged(file_name, worksheet.title, exc) from None

    def sheet_rows() -> Iterator[tuple[int, Row]]:
        number = header_row
        for cells in worksheet.iter_rows(min_row=header_row + 1, values_only=True):
            number += 1
            within_limits(number, cells)
            if number in hidden_rows:  # hidden in Excel: whoever hid it did not mean it as data
                continue
            cells = list(cells)
            for column, formula in uncached_by_row.get(number, ()):
                cells.extend([None] * (column - len(cells)))
                cells[column - 1] = formula
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            counter[0] += 1
            row = Row({name: (cells[i] if i < len(cells) else None) for i, name in enumerate(columns) if name})
            row.cells = cells
            yield number, row

    sheet = Sheet(file_name, columns, rows(), sheet=worksheet.title, preview=preview, header_row=header_row,
                  titles=titles, formulas_without_value=[f.cell for f in uncached.values()],
                  duplicate_columns=duplicates, hidden_rows=sorted(hidden_rows))
    for (row, column), formula in sorted(scan.external.items()):
        name = columns[column - 1] if column - 1 < len(columns) else None
        sheet.external_formulas.setdefault(row, []).append((name or None, formula))
    return sheet


def read_workbook(path: str | Path, data: bytes | None = None) -> Document:
    """Open an .xlsx/.xlsm workbook: every sheet with its header found and its rows still unread."""
    import openpyxl

    path = Path(path)
    data = data if data is not None else path.read_bytes()
    if not data:
        raise LoadError(f"{path.name}: the file is empty (0 bytes); save the workbook again from Excel")
    limits = xlsx_limits()
    archive = _refuse_unreadable(path.name, data, limits)
    _refuse_oversized(path.name, archive, limits)
    try:
        _refuse_doctypes(path.name, archive)
        scans = {member: _scan_sheet_xml(archive, member, path.name, sheet, limits)
                 for member, sheet in _worksheet_members(archive).items()}
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise LoadError(f"{path.name}: the workbook cannot be opened ({exc}); it may be truncated or damaged, "
                        "save it again from Excel or LibreOffice as .xlsx") from None
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it does not keep (data validation, slicers).
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ParseError as exc:
        raise _damaged(path.name, None, exc) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise LoadError(f"{path.name}: the workbook cannot be opened ({exc}); it may be truncated or damaged, "
                        "save it again from Excel or LibreOffice as .xlsx") from None
    counter = [0]
    # A hidden sheet (Format > Hide, or "very hidden" through VBA) holds lookups, old versions or
    # workings, not the data its author shows: it is not read, and the adapters say so.
    visible = [ws for ws in book.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    hidden = [(ws.title, ws.sheet_state) for ws in book.worksheets if ws not in visible]
    sheets = [_read_sheet(path.name, ws, archive, counter, scans, limits) for ws in visible]
    if not any(_filled(r) for s in sheets for r in s.preview) and not any(
            _filled(r) for ws in visible for r in ws.iter_rows(values_only=True)):
        names = ", ".join(s.sheet for s in sheets) or "none"
        if hidden:
            raise LoadError(f"{path.name}: no cell is filled in on any visible sheet ({names}); hidden sheets "
                            f"({', '.join(n for n, _ in hidden)}) are never read. If the data is on one of them, "
                            "unhide it in Excel (right-click a sheet tab > Unhide) and save again")
        raise LoadError(f"{path.name}: the workbook is empty: no cell is filled in on any sheet ({names}); "
                        "save the workbook again with its data")
    return Document(path.name, "workbook", tables=sheets, hidden_sheets=hidden, row_counter=counter)


def report_hidden_sheets(workbook, report) -> None:
    """A warning per hidden sheet, which was not read (every adapter that loads workbooks calls it
    once; for a CSV it does nothing)."""
    for name, state in getattr(workbook, "hidden_sheets", ()):
        how = "very hidden (only a macro can show it)" if state == "veryHidden" else "hidden"
        report.add(None, None, "hidden-sheet", f"the sheet is {how}, so it is not read; unhide it in Excel and load "
                   "the file again if it holds data", name, severity="warning")


def report_sheet_notes(sheet, report, data_from_row: int) -> None:
    """Warnings for the sheet an adapter loads, from `data_from_row` on: its hidden rows, which were
    skipped, and its cells whose value is a saved copy of a cell of another workbook. Does nothing
    for a CSV's table."""
    if not hasattr(sheet, "hidden_rows"):
        return
    for row in sheet.hidden_rows:
        if row >= data_from_row:
            report.add(row, None, "hidden-row", "the row is hidden in Excel, so it is not loaded; unhide it and load "
                       "the file again if it is data", severity="warning")
    for row, cells in sheet.external_formulas.items():
        if row >= data_from_row:
            for column, formula in cells:
                report.add(row, column, "external-formula", f"cell {formula.cell} copies a cell of another workbook "
                           f"({formula.formula}); the value loaded is the one saved when this file was last saved, "
                           "which may be out of date", formula.formula, severity="warning")
