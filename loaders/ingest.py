"""One path for every file: hash → already loaded? → intake → read → detect → normalise → validate → write.

The file's sha256 comes first, streamed from disk (or from an upload's bytes): a file a live batch
already loaded is recognised before intake or any reader opens it, and changes nothing — no
reading, no gazetteer, no comparison row by row. (A text report loaded without --published is the
one exception: its publication date, part of its identity, is in its text, so it is recognised
once read, still before the gazetteer and normalising.)

Every reader gives a Document (loaders/readers/document.py): its tables, text, data and
metadata, one shape whatever the format; detection, the column map and the column watch below
look at that, and the registry hands each adapter the part it reads.

Intake (loaders/intake.py) then checks the file's size (when the caller gives a limit) and what its
content is against its name's ending, before any reader parses a byte of it.

The file is streamed: read in rows, normalised and validated in chunks, and written in one
transaction by db.writes. While the first rows go by, the load notes which columns the adapter
read; a column of figures it never read is reported (unused-figure-column) with the `--map
COLUMN=FIELD` option that would load it: one rule for every tabular kind, no list per kind.
"""

from __future__ import annotations

import gc
import hashlib
import re
from contextlib import contextmanager
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
from db.writes import BatchResult, find_loaded_file, row_tuples, utc_now, write_fact_load
from gazetteer import forget_cached_gazetteers, load_gazetteer
from loaders.context import LoadContext, PlaceContext
from loaders.intake import check_file, check_size
from loaders.readers import Document, read_any
from loaders.readers.delimited import Row
from loaders.registry import SourceKind, detect_kind, get_kind
from loaders.report import LoadError, LoadReport
from loaders.understood import Understood
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
    # A dry run: how many rows passed validation (what a load would write). None for a real load.
    rows_would_load: int | None = None
    # A dry run: the country, period and totals of those rows (loaders/understood.py)
    understood: Understood | None = None

    @property
    def already_loaded(self) -> bool:
        """The file's bytes were loaded before: nothing was read and nothing changed."""
        return self.batch is not None and self.batch.status == "unchanged"

    @property
    def rows_landed(self) -> int:
        """Rows of this file now in the database (or that a dry run would write)."""
        if self.batch is None:
            return self.rows_would_load or 0
        return self.batch.rows_loaded


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


TRACKED_ROWS = 50  # the first rows of each table whose column reads are noted (then rows pass untouched)


class _TrackedRow(Row):
    """A row that notes which of its columns the adapter asks for (by key, get or `in`)."""

    __slots__ = ("asked",)

    def __getitem__(self, key):
        self.asked.add(key)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        self.asked.add(key)
        return dict.get(self, key, default)

    def __contains__(self, key):
        self.asked.add(key)
        return dict.__contains__(self, key)


class _ColumnUse:
    """The columns an adapter read from one table, and the first rows' values to judge them by."""

    def __init__(self, table):
        self.table, self.asked, self.samples = table, set(), []
        table.rows = self._rows(table.rows)

    def _rows(self, rows):
        for number, row in rows:
            if len(self.samples) < TRACKED_ROWS:
                if type(row) is list:  # a row's raw cells (Table.rows_as_cells): watched as a dict like any other
                    row = self.table.row_of(row)
                if isinstance(row, dict):
                    self.samples.append(dict(row))
                    tracked = _TrackedRow(row)
                    tracked.asked = self.asked
                    if hasattr(row, "cells"):
                        tracked.cells = row.cells
                    row = tracked
            yield number, row

    def unused_figure_columns(self) -> dict[str, list[str]]:
        """Column → first values, for each column of figures the adapter never read.

        An adapter that read no column by name (HXL finds its columns by hashtag position) tells
        nothing: its own report says what it skipped."""
        if not self.asked:
            return {}
        figures = {column: values for column in self.table.columns if column
                   if (values := [v for v in (_cell_text(row.get(column)) for row in self.samples) if v])
                   and all(_FIGURE.fullmatch(v) for v in values)}
        # A "total" column beside figures the kind reads adds them up: the kind loads the parts
        # (and may check the total against them), never the total, so nothing is lost.
        reads_figures = any(column in self.asked for column in figures)
        return {column: values[:3] for column, values in figures.items()
                if column not in self.asked and not _names_a_code(column)
                and not (reads_figures and "total" in _words(column))}


# A figure as tables write it: 1200, 1,200, 1 200, 12.5. Dates, codes and words are not figures.
_FIGURE = re.compile(r"\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
# Words in a column's name that say its numbers are not counts but codes, coordinates or times.
_CODE_WORDS = frozenset(("id", "code", "pcode", "iso", "iso2", "iso3", "year", "month", "week", "day", "date",
                         "time", "timestamp", "lat", "latitude", "lon", "lng", "long", "longitude", "precision",
                         "round", "fid", "objectid", "gwno", "inter", "interaction", "version", "index", "phone",
                         "zip", "postcode", "x", "y", "z", "level", "accuracy", "altitude", "alt"))


def _words(column: str) -> list[str]:
    return re.findall(r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", column).casefold())


def _names_a_code(column: str) -> bool:
    return any(word in _CODE_WORDS for word in _words(column))


def _cell_text(value) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()


def parse_column_map(pairs) -> dict[str, str]:
    """`COLUMN=FIELD` texts (the CLI's --map, the upload page's box) → {column: field}."""
    mapping: dict[str, str] = {}
    for pair in pairs or ():
        column, sep, field_name = str(pair).partition("=")
        if not sep or not column.strip() or not field_name.strip():
            raise LoadError(f"--map {pair!r}: write it as COLUMN=FIELD, e.g. --map 'Deaths=fatalities'")
        mapping[column.strip()] = field_name.strip()
    return mapping


def _apply_column_map(file_name: str, document: Document, mapping: dict[str, str]) -> None:
    """Rename mapped columns in every table before detection: the adapter then reads FIELD."""
    if not mapping:
        return
    tables = document.tables
    if not tables:
        raise LoadError(f"{file_name}: --map renames a table's columns, and this file is not a table; "
                        "load it without --map")
    present = {c for t in tables for c in t.columns}
    missing = [c for c in mapping if c not in present]
    if missing:
        raise LoadError(f"{file_name}: --map names column(s) the file does not have: {', '.join(missing)}; "
                        f"its columns are: {', '.join(sorted(present))[:600]}")
    taken = [f for c, f in mapping.items() if f in present and f != c and f not in mapping]
    if taken:  # two columns under one name: one would silently hide the other
        raise LoadError(f"{file_name}: --map would give a second column the name {', '.join(taken)}, which the file "
                        "already has; map that column to another name too, or map a different column")

    def renamed(rows, row_of):
        for number, row in rows:
            if type(row) is list:  # a row's raw cells (Table.rows_as_cells): renamed as a dict
                row = row_of(row)
            for column, field_name in mapping.items():
                if column in row:
                    dict.__setitem__(row, field_name, dict.pop(row, column))
            yield number, row

    for table in tables:
        if any(c in mapping for c in table.columns):
            table.columns = tuple(mapping.get(c, c) for c in table.columns)
            table.rows = renamed(table.rows, table.row_of)


def _check_map_fields(file_name: str, source_kind: SourceKind, mapping: dict[str, str]) -> None:
    fields = source_kind.expected_columns
    wrong = [f for f in mapping.values() if f not in fields]
    if wrong:
        raise LoadError(f"{file_name}: --map gives field(s) that kind {source_kind.name} does not have: "
                        f"{', '.join(wrong)}; map a column to one of: {', '.join(fields)}")


def _report_unused_figures(uses: list[_ColumnUse], source_kind: SourceKind, report: LoadReport) -> None:
    fields = ", ".join(source_kind.expected_columns)
    for use in uses:
        sheet = f"sheet {use.table.sheet!r}, " if getattr(use.table, "sheet", None) else ""
        for column, values in use.unused_figure_columns().items():
            report.add(None, column, "unused-figure-column",
                       f"{sheet}column {column!r} holds figures ({', '.join(map(repr, values))}, ...) that kind "
                       f"{source_kind.name} does not read, so they are not loaded. If they are one of its fields, "
                       f"load the file again with --map '{column}=FIELD' (FIELD one of: {fields})",
                       severity="warning")


def _tracked(chunks, uses: list[_ColumnUse], source_kind: SourceKind, report: LoadReport):
    """The adapter's chunks; once they are all out, the figures it never read are reported."""
    yield from chunks
    _report_unused_figures(uses, source_kind, report)


@contextmanager
def _collector_skips_the_heap():
    """While a file loads, Python's cyclic garbage collector leaves alone what existed before (the
    world gazetteer's index, SQLAlchemy's tables, the modules): `gc.freeze()`, undone at the end.

    A chunk's thousands of rows outlive the youngest generations, so full collections kept
    coming, and each walked every object of the process: about 30 % of a 300,000-row ACLED load's
    CPU time (26.1 s, 18.3 s frozen). Rows are freed by reference counting as before; cycles made
    during the load are collected as usual. A process that froze its heap itself (the server,
    ui/heap.py) is left as it is: unfreezing would undo its own freeze.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _expected_rows(path: Path, data: bytes | None) -> int:
    """A rough row count from the size (an ACLED row is ~250 bytes): enough to tell a bulk load."""
    size = len(data) if data is not None else path.stat().st_size
    return size // 250


def _dated_identity(sha256: str, published: date | None) -> str:
    """A text report's identity: its bytes and the date its relative dates resolve against."""
    return hashlib.sha256(f"{sha256}|published={published}".encode()).hexdigest()


def _source_info(source_kind: SourceKind, path: Path, sha256: str, document: Document,
                 published: date | None) -> SourceInfo:
    """What the source table records about the file.

    A text report's publication date (given, or from its metadata) is part of its identity:
    the same bytes loaded with another date resolve "last Saturday" to another day, so that load
    is not "already loaded" — its facts are revised instead. So is the date given for a table (a
    sheet without a date column): its rows are that date's.
    """
    adapter = source_kind.adapter
    if document.format == "report":
        if published is not None:
            document.published, document.published_from = published, "the date given at load"
        published = document.published
        sha256 = _dated_identity(sha256, published)
    elif published is not None:  # a sheet's date given at load: its rows' date, so part of its identity too
        sha256 = _dated_identity(sha256, published)
    title = document.title
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
                column_map: dict[str, str] | None = None, country: str | None = None) -> IngestResult:
    """Load one file. `published` is a text report's publication date when the file has none
    (or to override its metadata); other kinds ignore it. `max_bytes`: refuse a larger file before
    reading it (the CLI passes intake.max_upload_bytes(); the upload page checks an upload's size
    before it takes the bytes); None: no size limit. Every file passes intake's content checks.
    `column_map`: {COLUMN: FIELD}, a table's column read as the kind's field (`--map`).

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
    column_map = dict(column_map or {})

    # The size limit first, from the size alone: an oversized upload is refused before its bytes are
    # hashed (tests/test_hostile_files.py). Then hash → already loaded? Before intake's content checks
    # and any reader: a file loaded before costs its hash only.
    if max_bytes is not None:
        check_size(path.name, len(data) if data is not None else path.stat().st_size, max_bytes)
    sha256 = file_sha256(path, data)
    identities = [sha256] + ([_dated_identity(sha256, published)] if published is not None else [])
    loaded = find_loaded_file(engine, identities)
    if loaded is not None:
        return _already_loaded(path, *loaded)

    reader_format = source_kind.reader_format(path.name) if source_kind else None
    check_file(path, data, reader_format=reader_format, max_bytes=max_bytes)  # before any reader parses it
    document = read_any(path, data, reader_format)
    _apply_column_map(path.name, document, column_map)
    source_kind = source_kind or detect_kind(path.name, document)
    _check_map_fields(path.name, source_kind, column_map)
    adapter = source_kind.adapter
    report = LoadReport(path.name)
    info = _source_info(source_kind, path, sha256, document, published)
    if info.sha256 not in identities:  # a report dated by its own text: recognised now, before any work
        loaded = find_loaded_file(engine, [info.sha256])
        if loaded is not None:
            return _already_loaded(path, *loaded)
    counted = None
    if document.format == "delimited":  # a workbook counts the rows its sheets hand out (record_count)
        [table] = document.tables
        counted = table.rows = _Counted(table.rows, progress)
    uses = [_ColumnUse(table) for table in document.tables]
    rows_read = (lambda: counted.count) if counted else (lambda: document.record_count)

    if adapter.TARGET == "places":
        known = read_place_keys(engine)
        records = source_kind.normalise(document, PlaceContext(report, known))
        _report_unused_figures(uses, source_kind, report)
        if dry_run:
            return IngestResult(source_kind.name, report, rows_read(), None, rows_would_load=len(records))
        batch = source_kind.write(engine, info, records, report=report, rows_read=rows_read(),
                                  started_at=started_at, loaded_by=loaded_by, actor=actor)
        forget_cached_gazetteers()
        return IngestResult(source_kind.name, report, rows_read(), batch)

    gazetteer = load_gazetteer(engine)
    with _collector_skips_the_heap():  # the gazetteer and what the process holds: not walked per chunk
        if country and LoadContext(report, gazetteer, country=country).load_country() is None:
            raise LoadError(f"{path.name}: the country {country!r} is not one the gazetteer knows; give its name or "
                            "ISO3 code (e.g. SDN for Sudan)")
        context = LoadContext(report, gazetteer, country=country or _country_of(source_kind, document, gazetteer, report),
                              file_date=published)
        if counted:
            rows_read = lambda: counted.count - context.header_rows  # noqa: E731
        # a workbook reaches a table kind sheet by sheet (registry.SourceKind.normalise)
        chunks = _tracked(source_kind.normalise(document, context), uses, source_kind, report)
        if dry_run:
            preview: dict[str, list] = {}
            would_load, understood = 0, Understood()
            for chunk in chunks:
                if chunk.table not in ("place", "new_place"):
                    columns, rows = chunk.columns, chunk.rows
                    if columns is None:
                        columns, rows = row_tuples(metadata.tables[chunk.table], rows)
                    kept = preview.setdefault(chunk.table, [])
                    passed = validate(chunk.table, columns, rows, report)
                    would_load += len(passed)
                    understood.add(chunk.table, columns, passed, context.gazetteer)
                    for number, row in passed[:PREVIEW_ROWS - len(kept)]:
                        kept.append((number, dict(zip(columns, row))))
                else:  # a site list's own places (its rows), or towns found at their coordinates
                    understood.add_places(chunk.rows, context.gazetteer, are_rows=chunk.table == "place")
                report.drain()  # nothing is written: the report keeps the counts and the first issues
            return IngestResult(source_kind.name, report, rows_read(), None, preview, info.published_date,
                                document.published_from, rows_would_load=would_load,
                                understood=understood)
        batch = write_fact_load(engine, info, chunks, report=report, unresolved=context.unresolved,
                                rows_read=rows_read, strict=strict, started_at=started_at, loaded_by=loaded_by,
                                validate=validate, expected_rows=_expected_rows(path, data), actor=actor)
        return IngestResult(source_kind.name, report, batch.rows_read, batch)


def _country_of(source_kind: SourceKind, document: Document, gazetteer, report: LoadReport) -> str | None:
    """The country of rows that name none, when no one gave it: the one a document names (a text
    report about Sudan), else the kind's own (COUNTRY). A document naming several countries alike
    is the kind's when its country is among them, else has none: its places wait on the queue
    rather than be looked for in the wrong country."""
    default = getattr(source_kind.adapter, "COUNTRY", None)
    reading = source_kind.country_named(document, gazetteer)
    if reading is None:
        return default
    names_any, named, why, among = reading
    if not names_any or named == default:
        return default
    if named is None and default in among:  # the kind's country beside its neighbours: still the kind's
        return default
    if named is None:
        report.add(None, None, "unknown-country", f"{why}: its places are not looked for. Give the country "
                   "(--country, or on the Upload page) to place them", severity="warning")
    else:
        report.add(None, None, "country-from-file", f"{why}: its places are looked for in "
                   f"{gazetteer.find_country(named).name_en}. Give the country (--country, or on the Upload "
                   "page) if that is wrong", severity="warning")
    return named


def _already_loaded(path: Path, kind: str, batch: BatchResult) -> IngestResult:
    """The result of a file loaded before: its batch's counts, an empty report (nothing was read)."""
    return IngestResult(kind, LoadReport(path.name), batch.rows_read, batch)
