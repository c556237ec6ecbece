"""Delimited text (CSV/TSV) with encoding and delimiter sniffing.

Field files arrive as UTF-8 with or without a byte-order mark, or as Windows cp1252 (the CCCM
NW Syria site list is one); the delimiter may be a comma, semicolon or tab.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from loaders.report import LoadError

ENCODINGS = ("utf-8-sig", "cp1252")


@dataclass(frozen=True)
class Table:
    """Rows of one sheet or file: header names and rows as dicts, with spreadsheet row numbers."""

    file_name: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    row_numbers: tuple[int, ...]
    encoding: str | None = None


def decode_bytes(data: bytes, file_name: str) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise LoadError(f"{file_name}: cannot read the text encoding; save the file as UTF-8 CSV and load it again")


def read_delimited(path: str | Path, data: bytes | None = None) -> Table:
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    text, encoding = decode_bytes(data, path.name)
    if not text.strip():
        raise LoadError(f"{path.name}: the file is empty; export the sheet again with its header row")
    sample = text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(reader)
    columns = tuple(h.strip() for h in header)
    rows, numbers = [], []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(columns) - len(cells))
        rows.append({col: cells[i] for i, col in enumerate(columns) if col})
        numbers.append(number)
    return Table(path.name, columns, tuple(rows), tuple(numbers), encoding)
