"""intake → read → normalise → validate → write, for one file.

Intake (loaders/intake.py) comes first: the file's size (when the caller gives a limit) and what
its content is against its name's ending, before any reader parses a byte of it.

The file is streamed: read in rows, normalised and validated in chunks, and written in one
transaction by db.writes. Its sha256 is computed while streaming from disk (or from the bytes of
an upload), so loading the same file twice is recognised and changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine

from access.policy import Actor, Permission
from db.audit import acting
from db.lookups import read_place_keys
from db.records import SourceInfo
from db.schema import metadata
from db.writes import BatchResult, row_tuples, utc_now, write_fact_load
from gazetteer import forget_cached_gazetteers, load_gazetteer
from loaders.context import LoadContext
from loaders.intake import check_file
from loaders.readers import read_any
from loaders.registry import SourceKind, detect_kind, get_kind
from loaders.report import LoadError, LoadReport
from loaders.validate import plausible_limits, validate_rows


PREVIEW_ROWS = 200  # rows per table a dry run keeps, to show what a load would store


@dataclass(frozen=True)
class IngestResult:
    kind: str
    report: LoadReport
    rows_read: int
    batch: BatchResult | None  # None for a dry run
    # A dry run's first valid rows per table, as (row number, column → value): what a load would store
    preview: dict[str, list[tuple[int | None, dict]]] = field(default_factory=dict)
    published: date | None = None  # a report's publication date, and where it was found
    published_from: str | None = None


def file_sha256(path: Path, data: bytes | None) -> str:
    if data is not None:
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Counted:
    """Wraps a row iterator and counts what passes (and reports progress)."""

    def __init__(self, rows, progress: Callable[[int], None] | None):
        self.rows, self.count, self.progress = rows, 0, progress

    def __iter__(self):
        for item in self.rows:
            self.count += 1
            if self.progress and self.count % 10_000 == 0:
                self.progress(self.count)
            yield item


def _expected_rows(path: Path, data: bytes | None) -> int:
    """A rough row count from the size (an ACLED row is ~250 bytes): enough to tell a bulk load."""
    size = len(data) if data is not None else path.stat().st_size
    return size // 250


def _source_info(source_kind: SourceKind, path: Path, data: bytes | None, parsed, published: date | None) -> SourceInfo:
    """What the source table records about the file.

    A text report's publication date (given, or from its metadata) is part of its identity:
    the same bytes loaded with another date resolve "last Saturday" to another day, so that load
    is not "already loaded" — its facts are revised instead.
    """
    adapter, sha256 = source_kind.adapter, file_sha256(path, data)
    if published is not None and hasattr(parsed, "published"):
        parsed.published, parsed.published_from = published, "the date given at load"
    published = getattr(parsed, "published", None)
    if hasattr(parsed, "published"):
        sha256 = hashlib.sha256(f"{sha256}|published={published}".encode()).hexdigest()
    title = getattr(parsed, "title", None)
    return SourceInfo(
        source_kind=source_kind.name,
        title=f"{adapter.TITLE}: {title or path.name}"[:300],
        publisher=adapter.PUBLISHER,
        file_name=path.name,
        sha256=sha256,
        published_date=published,
    )


def ingest_file(engine: Engine, path: str | Path, kind: str | None = None, *, data: bytes | None = None,
                dry_run: bool = False, strict: bool = False, loaded_by: str | None = None,
                progress: Callable[[int], None] | None = None, published: date | None = None,
                actor: Actor | None = None, max_bytes: int | None = None,
                country: str | None = None) -> IngestResult:
    """Load one file. `published` is a text report's publication date when the file has none
    (or to override its metadata); other kinds ignore it. `max_bytes`: refuse a larger file before
    reading it (the CLI passes intake.max_upload_bytes(); the upload page checks an upload's size
    before it takes the bytes); None: no size limit. Every file passes intake's content checks.

    `actor`: who loads it (the command line when None); a load needs the upload permission and
    goes on the audit trail (db/audit.py). `loaded_by` defaults to the actor's name.

    `country` (a name, ISO3/ISO2 code or admin-0 p-code; --country, or the Upload page's choice):
    the country of rows that do not name their own. Without it, and without a country column,
    a row's places stay unresolved (queued), never looked for in some other country.
    """
    if not dry_run:
        actor = acting(actor, Permission.UPLOAD)
        loaded_by = loaded_by or actor.name
    path = Path(path)
    started_at = utc_now()
    # One set of limits for the whole load (a bad setting stops it before a byte is read)
    validate = partial(validate_rows, limits=plausible_limits(started_at.date()))
    source_kind: SourceKind = get_kind(kind) if kind else None
    reader_format = source_kind.reader_format(path.name) if source_kind else None
    check_file(path, data, reader_format=reader_format, max_bytes=max_bytes)  # before any reader parses it
    parsed = read_any(path, data, reader_format)
    source_kind = source_kind or detect_kind(path.name, parsed)
    adapter = source_kind.adapter
    report = LoadReport(path.name)
    info = _source_info(source_kind, path, data, parsed, published)
    counted = None
    for table in parsed if isinstance(parsed, list) else [parsed]:
        if hasattr(table, "rows"):
            counted = _Counted(table.rows, progress)
            table.rows = counted
    rows_read = (lambda: counted.count) if counted else (lambda: getattr(parsed, "record_count", 0))

    if adapter.TARGET == "places":
        known = read_place_keys(engine)
        records = adapter.validate(adapter.normalise(parsed, report, known), report, known)
        if dry_run:
            return IngestResult(source_kind.name, report, rows_read(), None)
        batch = source_kind.write(engine, info, records, report=report, rows_read=rows_read(),
                                  started_at=started_at, loaded_by=loaded_by, actor=actor)
        forget_cached_gazetteers()
        return IngestResult(source_kind.name, report, rows_read(), batch)

    gazetteer = load_gazetteer(engine)
    if country and gazetteer.find_country(country) is None:
        raise LoadError(f"{path.name}: the country {country!r} is not one the gazetteer knows; give its name or "
                        "ISO3 code (e.g. SDN for Sudan)")
    context = LoadContext(report, gazetteer, country=country or getattr(adapter, "COUNTRY", None))
    if counted:
        rows_read = lambda: counted.count - context.header_rows  # noqa: E731
    chunks = adapter.normalise(parsed, context)
    if dry_run:
        preview: dict[str, list] = {}
        for chunk in chunks:
            if chunk.table not in ("place", "new_place"):
                columns, rows = chunk.columns, chunk.rows
                if columns is None:
                    columns, rows = row_tuples(metadata.tables[chunk.table], rows)
                kept = preview.setdefault(chunk.table, [])
                for number, row in validate(chunk.table, columns, rows, report)[:PREVIEW_ROWS - len(kept)]:
                    kept.append((number, dict(zip(columns, row))))
            report.drain()  # nothing is written: the report keeps the counts and the first issues
        return IngestResult(source_kind.name, report, rows_read(), None, preview, info.published_date,
                            getattr(parsed, "published_from", None))
    batch = write_fact_load(engine, info, chunks, report=report, unresolved=context.unresolved,
                            rows_read=rows_read, strict=strict, started_at=started_at, loaded_by=loaded_by,
                            validate=validate, expected_rows=_expected_rows(path, data), actor=actor)
    return IngestResult(source_kind.name, report, batch.rows_read, batch)
