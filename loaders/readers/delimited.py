"""Delimited text (CSV/TSV), streamed: encoding and delimiter sniffed, rows read lazily.

Field files arrive as UTF-8 with or without a byte-order mark, as Windows cp1252 (the CCCM NW
Syria site list is one) or as Windows cp1256 (Arabic); the delimiter may be a comma, semicolon
or tab. Rows are yielded one at a time so a million-row export never sits in memory whole.
"""

from __future__ import annotations

import csv
import io
import re
from itertools import chain
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from loaders.report import LoadError

SNIFF_BYTES = 256 * 1024
PREVIEW_ROWS = 25
csv.field_size_limit(10 * 1024 * 1024)


class Row(dict):
    """A row's cells by column name, and by position in `cells`: a header may leave a column
    unnamed or name two alike (libhxl's test input-valid.csv puts hashtags under empty headers)."""

    __slots__ = ("cells",)


@dataclass
class Table:
    """One sheet or file: its header, a preview of the first raw rows, and its rows (read once)."""

    file_name: str
    columns: tuple[str, ...]
    rows: Iterator[tuple[int, dict[str, str]]]  # (row number as a spreadsheet shows it, cells)
    encoding: str | None = None
    sheet: str | None = None
    preview: list[list[str]] = field(default_factory=list)  # header + first rows, raw
    # Column names the header gives more than once, with their 1-based positions. Its rows refuse
    # to be read while this is set: a row keyed by name keeps one value and drops the other. An
    # adapter that finds columns another way (HXL, by its hashtag row) checks that and clears it.
    duplicate_columns: tuple[tuple[str, tuple[int, ...]], ...] = ()
    header_row: int | None = None  # 1-based
    # A delimited file's rows can also come as their raw cells (the csv module's list, not padded)
    # rather than a dict each: an adapter that takes whole columns by position sets `rows_as_cells`
    # before reading `rows`, and `row_of(cells)` gives the dict a row would have been (None where
    # the reader cannot: a workbook sheet's rows are always dicts). Whatever wraps `rows` (the
    # pipeline's row counter and column watch) lets a list pass, or makes it a dict with `row_of`.
    rows_as_cells: bool = False
    row_of: Callable[[list], "Row"] | None = field(default=None, repr=False)


def find_duplicate_columns(names) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """(name, its 1-based positions) for every non-empty name given more than once, in header order."""
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(names, start=1):
        if name:
            positions.setdefault(name, []).append(index)
    return tuple((name, tuple(at)) for name, at in positions.items() if len(at) > 1)


def column_letters(index: int) -> str:
    """A 1-based column number as a spreadsheet names it (1 → A, 27 → AA); also used by the workbook reader."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def refuse_duplicate_columns(table: Table) -> None:
    """Raise the LoadError for a table whose header names a column twice (see Table)."""
    if not table.duplicate_columns:
        return
    name, at = table.duplicate_columns[0]
    if table.sheet is None:
        where = f"the header (row {table.header_row})"
        places = " and ".join(str(i) for i in at)
    else:
        where = f"the header of the sheet {table.sheet!r} (row {table.header_row})"
        places = " and ".join(column_letters(i) for i in at)
    more = ""
    if len(table.duplicate_columns) > 1:
        more = "; so does " + ", ".join(repr(n) for n, _ in table.duplicate_columns[1:])
    raise LoadError(f"{table.file_name}: {where} names the column {name!r} more than once (columns {places}){more}; "
                    "one column's values would hide the other's, so nothing is loaded. Rename the columns so each "
                    "has its own name, or delete the copy")


def sniff_encoding(sample: bytes, file_name: str) -> str:
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4 and len(sample) >= SNIFF_BYTES:
            return "utf-8"  # a character cut at the end of the sample
    high = [b for b in sample if b >= 0x80]
    if not high:
        return "utf-8"
    # In cp1256 these bytes are Arabic letters; in cp1252 they are accented capitals and symbols
    # that rarely make up most of a text's non-ASCII bytes.
    arabic = sum(1 for b in high if 0xC1 <= b <= 0xFE and b not in (0xD7, 0xE0, 0xE2, 0xE7, 0xE8, 0xE9,
                                                                        0xEA, 0xEB, 0xEE, 0xEF, 0xF4, 0xF7,
                                                                        0xF9, 0xFB, 0xFC))
    return "cp1256" if arabic / len(high) > 0.8 and len(high) >= 4 else "cp1252"


ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp1252": "Windows-1252 (Western European)",
                  "cp1256": "Windows-1256 (Arabic)"}


def _other_encoding(line: bytes, encoding: str) -> bool:
    """Whether a line is written in another encoding than the file's: a UTF-8 file's line that is
    not UTF-8, or a Windows-1252/1256 file's line whose letters are valid UTF-8 (a Windows codepage
    text almost never forms UTF-8 sequences by chance; "é" in UTF-8 reads "Ã©" in cp1252)."""
    if line.isascii():
        return False
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return encoding.startswith("utf-8")
    return not encoding.startswith("utf-8")


def _refuse_mixed_encoding(name: str, encoding: str, first: int, rest, line_number: int) -> None:
    """Name the lines (up to 10, and how many) written in another encoding than the file's."""
    found = [first]
    for number, line in enumerate(rest, start=line_number + 1):
        if _other_encoding(line, encoding):
            found.append(number)
    shown = ", ".join(f"{n:,}" for n in found[:10]) + (f" (and {len(found) - 10:,} more)" if len(found) > 10 else "")
    lines = f"line {shown} is" if len(found) == 1 else f"{len(found):,} lines ({shown}) are"
    if encoding.startswith("utf-8"):
        mix = f"{lines} not UTF-8 (likely Windows-1252 or -1256), the rest is UTF-8"
    else:
        mix = f"{lines} UTF-8, the rest is {ENCODING_NAMES.get(encoding, encoding)}"
    raise LoadError(f"{name}: the file mixes two text encodings: {mix} (lines as a text editor counts them); read in "
                    "one encoding, the other lines' letters would be stored garbled. Correct those lines, then save "
                    "the whole file in one encoding (in Excel: Save As > CSV UTF-8)")


DECODE_BLOCK = 1 << 20


def _blocks(raw) -> Iterator[bytes]:
    """The file in blocks of about DECODE_BLOCK bytes, each ending after a line break (or at the end).
    Lines end in \n or \r\n, or in a bare \r in old Mac exports; a \r\n pair is never cut."""
    carry = b""
    for block in iter(lambda: raw.read(DECODE_BLOCK), b""):
        data = carry + block
        cut = data.rfind(b"\n") + 1 or data.rfind(b"\r", 0, len(data) - 1) + 1
        if cut == 0:
            carry = data
            continue
        carry = data[cut:]
        yield data[:cut]
    if carry:
        yield carry


def _decoded_lines(raw, encoding: str, name: str) -> Iterator[str]:
    """The file's text lines, each checked to be in the file's encoding (see _other_encoding).

    Field files are sometimes pasted together from exports of different machines: one stray UTF-8
    row in a cp1252 site list would otherwise load as mojibake without a word. A block that is all
    ASCII, or all UTF-8 in a UTF-8 file, holds no such line: it is decoded whole and its lines come
    from io.StringIO (as fast as the text layer, and split as newline="" splits them); any other
    block is looked at line by line.
    """
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    blocks = _blocks(raw)
    state = {"before": 0}  # lines in the blocks before this one

    def lines_of(block: bytes):
        before = state["before"]
        state["before"] += block.count(b"\n") or block.count(b"\r")
        if before == 0 and encoding == "utf-8-sig":
            block = block.removeprefix(b"\xef\xbb\xbf")
        if block.isascii() or codec == "utf-8":
            try:
                return io.StringIO(block.decode(codec), newline="")
            except UnicodeDecodeError:
                pass
        decoded = []
        lines = iter(block.splitlines(keepends=True))  # bytes split on \n, \r\n and \r only, as io does
        for number, line in enumerate(lines, start=before + 1):
            if _other_encoding(line, encoding):
                rest = chain(lines, (later for more in blocks for later in more.splitlines(keepends=True)))
                _refuse_mixed_encoding(name, encoding, number, rest, number)
            try:
                decoded.append(line.decode(codec))
            except UnicodeDecodeError as exc:
                raise LoadError(f"{name}: line {number:,} cannot be read as {ENCODING_NAMES.get(encoding, encoding)} "
                                f"text (byte 0x{line[exc.start]:02x}); save the file as CSV UTF-8") from None
        return decoded

    return chain.from_iterable(map(lines_of, blocks))


def _dialect(sample_text: str):
    first_line = sample_text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        delimiter = ","

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    Dialect.strict = True  # a file that ends inside a quoted cell is truncated: say so, do not load half a cell
    return Dialect


def read_delimited(path: str | Path, data: bytes | None = None) -> Table:
    path = Path(path)
    raw = io.BytesIO(data) if data is not None else open(path, "rb")
    sample = raw.read(SNIFF_BYTES)
    raw.seek(0)
    if not sample.strip(b" \t\r\n\xef\xbb\xbf"):
        raw.close()
        raise LoadError(f"{path.name}: the file is empty; export the sheet again with its header row")
    if b"\x00" in sample:
        raw.close()
        raise LoadError(f"{path.name}: this is not a text file (it contains NUL bytes); save the sheet as CSV")
    encoding = sniff_encoding(sample, path.name)
    text = _decoded_lines(raw, encoding, path.name)
    dialect = _dialect(sample.decode(encoding, errors="ignore"))
    reader = csv.reader(text, dialect)
    try:
        preview = []
        for cells in reader:
            preview.append(cells)
            if len(preview) > PREVIEW_ROWS:
                break
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path.name}: cannot read the file as {encoding} text ({exc}); save it as UTF-8 CSV") from None
    except csv.Error as exc:
        raise LoadError(f"{path.name}: row {len(preview) + 1} cannot be read ({exc}); the file may be truncated or "
                        "a quote left open: export it again") from None
    header_index = next((i for i, cells in enumerate(preview) if any(c.strip() for c in cells)), None)
    if header_index is None:
        raise LoadError(f"{path.name}: the file has no header row; the first row must name the columns")
    columns = tuple(re.sub(r"\s+", " ", h.replace("\ufeff", "")).strip() for h in preview[header_index])

    width = len(columns)
    names = [col or None for col in columns]  # unnamed columns go under None, removed below
    unnamed = None in names
    padding = [""] * width

    def row_of(cells: list[str]) -> Row:
        row = Row(zip(names, cells if len(cells) >= width else cells + padding))
        if unnamed:
            row.pop(None, None)
        row.cells = cells
        return row

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        refuse_duplicate_columns(table)
        number = header_index + 1
        try:
            for cells in chain(preview[header_index + 1:], reader):
                number += 1
                if not cells or (not cells[0].strip() and not "".join(cells).strip()):
                    continue
                if table.rows_as_cells:  # the adapter takes columns by position: no dict per row
                    yield number, cells
                    continue
                row = Row(zip(names, cells if len(cells) >= width else cells + padding))
                if unnamed:
                    row.pop(None, None)
                row.cells = cells
                yield number, row
        except UnicodeDecodeError:
            raise LoadError(f"{path.name}: row {number + 1} is not {encoding} text; save the file as UTF-8 CSV") from None
        except csv.Error as exc:
            raise LoadError(f"{path.name}: row {number + 1} cannot be read ({exc}); the file may be truncated or "
                            "a quote left open: export it again") from None
        finally:
            raw.close()

    table = Table(path.name, columns, rows(), encoding, preview=preview,
                  duplicate_columns=find_duplicate_columns(columns), header_row=header_index + 1, row_of=row_of)
    return table
