"""read → normalise → validate → write, for one file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from db.queries import read_place_keys
from db.records import SourceInfo
from db.writes import BatchResult, utc_now
from loaders.readers import read_table
from loaders.registry import detect_kind, get_kind
from loaders.report import LoadReport


@dataclass(frozen=True)
class IngestResult:
    kind: str
    report: LoadReport
    rows_read: int
    records: int
    batch: BatchResult | None  # None for a dry run


def ingest_file(engine: Engine, path: str | Path, kind: str | None = None, *, dry_run: bool = False,
                loaded_by: str | None = None) -> IngestResult:
    path = Path(path)
    started_at = utc_now()
    data = path.read_bytes()
    source_kind = get_kind(kind) if kind else None
    table = (source_kind.read if source_kind else read_table)(path, data)
    source_kind = source_kind or detect_kind(path.name, table.columns)
    adapter = source_kind.adapter
    report = LoadReport(path.name)
    known = read_place_keys(engine)
    records = adapter.validate(adapter.normalise(table, report, known), report, known)
    if dry_run:
        return IngestResult(source_kind.name, report, len(table.rows), len(records), None)
    info = SourceInfo(
        source_kind=source_kind.name,
        title=f"{adapter.TITLE}: {path.name}",
        publisher=adapter.PUBLISHER,
        file_name=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    batch = source_kind.write(engine, info, records, report=report, rows_read=len(table.rows),
                              started_at=started_at, loaded_by=loaded_by)
    return IngestResult(source_kind.name, report, len(table.rows), len(records), batch)

