"""What every reader gives: one shape for a CSV, a workbook, a JSON file and a text report.

A load reads its file once, then detects, normalises and validates what was read. Those steps
look at a `Document` and nothing else: its tables (a CSV's one, a workbook's visible sheets;
none for JSON or prose), its text (a report's), its data (a JSON file as parsed) and the
metadata every format may carry (title, publication date and where it was found, encoding,
hidden sheets). A kind that reads tables is handed one table at a time (loaders/registry.py);
a kind that reads a whole file (a JSON response, a report, the IDP Task Force workbook) is
handed the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from loaders.readers.delimited import Table

FORMATS = ("delimited", "workbook", "json", "report")


@dataclass
class Document:
    file_name: str
    format: str  # one of FORMATS: the reader that read it
    tables: list[Table] = field(default_factory=list)
    text: str | None = None
    data: Any = None
    title: str | None = None
    published: date | None = None
    published_from: str | None = None  # where the date was found ("the --published flag", "HTML meta ...")
    encoding: str | None = None
    hidden_sheets: list[tuple[str, str]] = field(default_factory=list)  # (name, "hidden" or "veryHidden")
    record_keys: tuple[str, ...] = ()  # a JSON file's first record's keys (what "unknown file" shows)
    records: int = 0  # a JSON file's records; a report's facts, set by its adapter
    row_counter: list[int] | None = field(default=None, repr=False)  # rows a workbook's sheets handed out

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r}")

    @property
    def record_count(self) -> int:
        """Rows handed out so far (a workbook's, over all its sheets), else the records or facts."""
        return self.row_counter[0] if self.row_counter is not None else self.records

    @property
    def columns(self) -> tuple[str, ...]:
        """The first table's columns that has a header, or a JSON record's keys."""
        return next((t.columns for t in self.tables if t.columns), self.record_keys)

    def sheet(self, name: str) -> Table | None:
        """A workbook's visible sheet by name, whatever its case."""
        return next((t for t in self.tables if (t.sheet or "").casefold() == name.casefold()), None)


def table_document(table: Table) -> Document:
    """A CSV's table as a document of its own."""
    return Document(table.file_name, "delimited", tables=[table], encoding=table.encoding)
