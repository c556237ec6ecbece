"""Readers turn a file into rows, one reader per file format. They never touch the database."""

from __future__ import annotations

from pathlib import Path

from loaders.readers.delimited import Table, read_delimited
from loaders.readers.document import Document, table_document
from loaders.readers.json_document import read_json_document
from loaders.readers.report_text import read_report
from loaders.readers.workbook import read_workbook
from loaders.report import LoadError


def read_delimited_document(path: str | Path, data: bytes | None = None) -> Document:
    """A CSV, TSV or tab-separated .txt: its one table."""
    return table_document(read_delimited(path, data))


# Every reader gives a Document (loaders/readers/document.py): the pipeline after it sees one shape.
READERS = {"delimited": read_delimited_document, "json": read_json_document, "workbook": read_workbook,
           "report": read_report}
# ".txt" is either a tab/comma-separated export or a report in prose: txt_format() looks.
FORMAT_BY_SUFFIX = {".csv": "delimited", ".tsv": "delimited", ".txt": "delimited", ".json": "json", ".geojson": "json",
                    ".xlsx": "workbook", ".xlsm": "workbook", ".md": "report", ".markdown": "report",
                    ".html": "report", ".htm": "report"}


def txt_format(path: Path, data: bytes | None) -> str:
    """"delimited" when the first lines are a table's header and row, "report" for prose.

    A header is a line of at least two separators (one tab, or two commas or semicolons) whose
    cells are short, followed (if anything follows) by a line with as many separators. Prose has
    commas too, but not in short cells repeated line after line.
    """
    if data is None:
        with open(path, "rb") as handle:
            data = handle.read(8192)
    lines = [line for line in data[:8192].decode("utf-8", errors="ignore").splitlines() if line.strip()][:2]
    if not lines:
        return "delimited"  # an empty file: the table reader says so clearly
    for separator in ("\t", ",", ";"):
        cells = lines[0].split(separator)
        header = len(cells) >= (2 if separator == "\t" else 3) and all(len(c.strip()) <= 40 for c in cells)
        if header and (len(lines) == 1 or lines[1].count(separator) >= len(cells) - 1):
            return "delimited"
    return "report"


def read_any(path: str | Path, data: bytes | None = None, file_format: str | None = None) -> Document:
    """Read with the reader of `file_format`, or of the file's suffix."""
    path = Path(path)
    if file_format is None and path.suffix.lower() == ".txt":
        file_format = txt_format(path, data)
    file_format = file_format or FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if file_format not in READERS:
        raise LoadError(
            f"{path.name}: files ending in {path.suffix or '(no suffix)'} cannot be read; "
            f"save the data as one of: {', '.join(sorted(FORMAT_BY_SUFFIX))}"
        )
    return READERS[file_format](path, data)


__all__ = ["Document", "Table", "read_any"]
