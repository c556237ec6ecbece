"""Readers turn a file into rows, one reader per file format. They never touch the database."""

from __future__ import annotations

from pathlib import Path

from loaders.readers.delimited import Table, read_delimited
from loaders.report import LoadError

READERS_BY_SUFFIX = {".csv": read_delimited, ".tsv": read_delimited, ".txt": read_delimited}


def read_table(path: str | Path, data: bytes | None = None) -> Table:
    """Pick the reader by the file's suffix."""
    path = Path(path)
    reader = READERS_BY_SUFFIX.get(path.suffix.lower())
    if reader is None:
        raise LoadError(
            f"{path.name}: files ending in {path.suffix or '(no suffix)'} cannot be read yet; "
            f"save the sheet as one of: {', '.join(sorted(READERS_BY_SUFFIX))}"
        )
    return reader(path, data)


__all__ = ["Table", "read_table"]
