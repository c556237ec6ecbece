"""Readers turn a file into rows, one reader per file format. They never touch the database."""

from __future__ import annotations

from pathlib import Path

from loaders.readers.delimited import Table, read_delimited
from loaders.readers.json_document import JsonDocument, read_json_document
from loaders.readers.workbook import Workbook, read_workbook
from loaders.report import LoadError

READERS = {"delimited": read_delimited, "json": read_json_document, "workbook": read_workbook}
FORMAT_BY_SUFFIX = {".csv": "delimited", ".tsv": "delimited", ".txt": "delimited", ".json": "json",
                    ".xlsx": "workbook", ".xlsm": "workbook"}


def read_any(path: str | Path, data: bytes | None = None, file_format: str | None = None):
    """Read with the reader of `file_format`, or of the file's suffix."""
    path = Path(path)
    file_format = file_format or FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if file_format not in READERS:
        raise LoadError(
            f"{path.name}: files ending in {path.suffix or '(no suffix)'} cannot be read; "
            f"save the data as one of: {', '.join(sorted(FORMAT_BY_SUFFIX))}"
        )
    return READERS[file_format](path, data)


__all__ = ["JsonDocument", "Table", "Workbook", "read_any"]
