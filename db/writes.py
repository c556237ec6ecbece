"""Writes of loads (db/review.py holds the review decisions made by a person).

A load is one transaction: the source, its batch, every row and every row issue are committed
together or not at all, so a rejected load leaves the database exactly as it was. Loading a
file whose sha256 is already recorded with a live batch changes nothing. On SQLite that
transaction holds the write lock from its start (db.engine.write_transaction): a second load
started meanwhile waits for the first, then finds what it wrote.

The weekly summaries (db/summary.py) of the weeks a load wrote in, old weeks of revised rows
included, are recomputed at the end of the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import islice
from operator import itemgetter
from typing import Iterable, Sequence

from sqlalchemy import Connection, Engine, Table, bindparam, func, inspect, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from access.policy import Actor, command_line_actor
from db import audit, levels, summary
from db.engine import DatabaseBusy, write_transaction
from db.records import PlaceRecord, SourceInfo
from db.schema import (admin_boundary, displacement_figure, duplicate_decision, load_batch, load_issue, place,
                       place_alias, record_holder, record_revision, site, source, unresolved_place_name)
from gazetteer.normalise import name_key


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _dialect_insert(conn: Connection, table: Table):
    """INSERT with ON CONFLICT support for the two backends we run on."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


@dataclass(frozen=True)
class BatchResult:
    source_id: int
    batch_id: int
    status: str  # "loaded", or "unchanged" when this file was already loaded
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0


@dataclass
class LoadCounts:
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0

    @property
    def rows_loaded(self) -> int:
        return self.rows_inserted + self.rows_updated + self.rows_unchanged

    def add(self, other: "LoadCounts") -> None:
        self.rows_inserted += other.rows_inserted
        self.rows_updated += other.rows_updated
        self.rows_unchanged += other.rows_unchanged


def find_live_batch(conn: Connection, sha256: str):
    """The batch that already loaded a file with these bytes, if it was not deleted."""
    return conn.execute(
        select(load_batch.c.batch_id, load_batch.c.source_id, load_batch.c.finished_at)
        .join(source, source.c.source_id == load_batch.c.source_id)
        .where(source.c.sha256 == sha256, load_batch.c.status == "loaded")
        .order_by(load_batch.c.batch_id.desc())
        .limit(1)
    ).first()


def _loaded_before(engine: Engine, info: SourceInfo) -> BatchResult | None:
    """The result of a file loaded before (it changes nothing), looked up without taking the write
    lock: a re-load does not wait for another load. _start_batch asks again holding the lock."""
    with engine.connect() as conn:
        live = find_live_batch(conn, info.sha256)
        return None if live is None else _unchanged(conn, live)


def find_loaded_file(engine: Engine, sha256_values: Sequence[str]) -> tuple[str, BatchResult] | None:
    """(kind, result) of a file whose identity (one of `sha256_values`) a live batch already
    loaded, looked up without the write lock: the loader asks before reading the file."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(load_batch.name):  # a database without its tables has loaded nothing
            return None
        for sha256 in sha256_values:
            live = find_live_batch(conn, sha256)
            if live is not None:
                kind = conn.execute(select(source.c.source_kind).where(source.c.source_id == live.source_id)).scalar()
                return kind, _unchanged(conn, live)
    return None


def _start_batch(conn: Connection, info: SourceInfo, started_at: datetime,
                 loaded_by: str | None) -> BatchResult | tuple[int, int]:
    """(source id, batch id) of a new batch; or, for a file loaded before, that batch's result."""
    live = find_live_batch(conn, info.sha256)
    if live is not None:
        return _unchanged(conn, live)
    source_id = get_or_create_source(conn, info)
    return source_id, open_batch(conn, source_id, info, started_at, loaded_by)


def _finish_batch(conn: Connection, info: SourceInfo, source_id: int, batch_id: int, read: int, rejected: int,
                  counts: LoadCounts, actor: Actor | None = None) -> BatchResult:
    """Close the batch with its counts and put the load on the audit trail (a file loaded before
    never reaches here: it changed nothing)."""
    conn.execute(update(load_batch).where(load_batch.c.batch_id == batch_id).values(
        rows_read=read, rows_loaded=counts.rows_loaded, rows_rejected=rejected, rows_inserted=counts.rows_inserted,
        rows_updated=counts.rows_updated, rows_unchanged=counts.rows_unchanged, finished_at=utc_now()))
    audit.record(conn, actor or command_line_actor(), "load", "load_batch", batch_id, batch_id=batch_id,
                 detail={"file": info.file_name, "kind": info.source_kind, "rows_read": read, "rows_rejected": rejected,
                         "inserted": counts.rows_inserted, "updated": counts.rows_updated,
                         "unchanged": counts.rows_unchanged})
    return BatchResult(source_id, batch_id, "loaded", read, counts.rows_loaded, rejected,
                       counts.rows_inserted, counts.rows_updated, counts.rows_unchanged)


def _unchanged(conn: Connection, live) -> BatchResult:
    """A file loaded before: its batch's counts, every loaded row now unchanged."""
    previous = conn.execute(select(load_batch).where(load_batch.c.batch_id == live.batch_id)).mappings().one()
    return BatchResult(live.source_id, live.batch_id, "unchanged", previous["rows_read"], previous["rows_loaded"],
                       previous["rows_rejected"], rows_unchanged=previous["rows_loaded"])


def get_or_create_source(conn: Connection, info: SourceInfo) -> int:
    existing = conn.execute(select(source.c.source_id).where(source.c.sha256 == info.sha256)).scalar()
    if existing is not None:
        return existing
    values = {
        "source_kind": info.source_kind,
        "title": info.title,
        "publisher": info.publisher,
        "url": info.url,
        "published_date": info.published_date,
        "file_name": info.file_name,
        "sha256": info.sha256,
        "is_demo": info.is_demo,
        "added_at": utc_now(),
    }
    return conn.execute(source.insert().values(**values).returning(source.c.source_id)).scalar_one()


def open_batch(conn: Connection, source_id: int, info: SourceInfo, started_at: datetime,
               loaded_by: str | None = None) -> int:
    return conn.execute(
        load_batch.insert()
        .values(
            source_id=source_id,
            source_kind=info.source_kind,
            file_name=info.file_name,
            loaded_by=loaded_by,
            started_at=started_at,
            finished_at=started_at,
            rows_read=0,
            rows_loaded=0,
            rows_rejected=0,
            status="loaded",
        )
        .returning(load_batch.c.batch_id)
    ).scalar_one()


def write_issues(conn: Connection, batch_id: int, issues: Iterable) -> None:
    rows = [
        {
            "batch_id": batch_id,
            "row_number": i.row,
            "field_name": i.field,
            "code": i.code,
            "severity": i.severity,
            "message": i.message,
            "raw_value": None if i.value is None else str(i.value),
            "raw_row": None if i.raw_row is None else json.dumps(i.raw_row, ensure_ascii=False, default=str),
        }
        for i in issues
    ]
    if rows:
        conn.execute(load_issue.insert(), rows)


def place_ids_by_key(conn: Connection, keys: Iterable[str] | None = None) -> dict[str, int]:
    query = select(place.c.place_key, place.c.place_id)
    if keys is None:
        return dict(conn.execute(query).all())
    found: dict[str, int] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), 5_000):  # a p-code list names 33,000 keys: more than one statement binds
        found.update(conn.execute(query.where(place.c.place_key.in_(wanted[start:start + 5_000]))).all())
    return found


_PLACE_FIELDS = ("kind", "name_en", "name_ar", "pcode", "country_iso3", "parent_id", "lat", "lon")


def _places_by_key(conn: Connection, keys: Iterable[str]) -> dict[str, tuple]:
    """place_key → (place_id, *_PLACE_FIELDS) of the places among `keys` that exist."""
    query = select(place.c.place_key, place.c.place_id, *[place.c[f] for f in _PLACE_FIELDS])
    found: dict[str, tuple] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), 5_000):
        for row in conn.execute(query.where(place.c.place_key.in_(wanted[start:start + 5_000]))):
            found[row[0]] = tuple(row[1:])
    return found


def upsert_places(conn: Connection, records: Sequence[PlaceRecord], source_id: int, batch_id: int) -> LoadCounts:
    """Insert or update places parents-first; keep Arabic names and coordinates already known.

    A later list without Arabic names or centroids (the OCHA global p-code list) must not erase
    what the shipped gazetteer knows, so NULLs never overwrite values. Places whose values would
    not change are left alone (and keep the batch that wrote them).
    """
    counts = LoadCounts()
    if conn.execute(select(place.c.place_id).limit(1)).first() is None:
        return _insert_first_places(conn, records, source_id, batch_id)
    # Only the places these records name, as themselves or as parents: a load that adds the towns
    # of each chunk (ACLED at coordinates) read all 34,000 places per chunk, a third of its time.
    existing = _places_by_key(conn, [r.place_key for r in records] + [r.parent_key for r in records if r.parent_key])
    before = {key: row[1:] for key, row in existing.items()}
    known = {key: row[0] for key, row in existing.items()}
    pending = list(records)
    while pending:
        ready = [r for r in pending if r.parent_key is None or r.parent_key in known]
        if not ready:
            missing = sorted({r.parent_key for r in pending})[:10]
            raise ValueError(f"places refer to parents that are not in the gazetteer: {missing}")
        rows = []
        for r in ready:
            values = {"place_key": r.place_key, "pcode": r.pcode, "country_iso3": r.country_iso3, "kind": r.kind,
                      "name_en": r.name_en, "name_ar": r.name_ar,
                      "parent_id": known.get(r.parent_key) if r.parent_key else None,
                      "lat": r.lat, "lon": r.lon, "source_id": source_id, "batch_id": batch_id}
            old = before.get(r.place_key)
            if old is None:
                counts.rows_inserted += 1
            else:
                merged = tuple(values[f] if values[f] is not None or f in ("kind", "name_en") else o
                               for f, o in zip(_PLACE_FIELDS, old))
                if merged == old:
                    counts.rows_unchanged += 1
                    continue
                counts.rows_updated += 1
            rows.append(values)
        if rows:
            stmt = _dialect_insert(conn, place)
            stmt = stmt.on_conflict_do_update(
                index_elements=[place.c.place_key],
                set_={
                    "kind": stmt.excluded.kind,
                    "name_en": stmt.excluded.name_en,
                    **{f: func.coalesce(stmt.excluded[f], place.c[f])
                       for f in ("pcode", "country_iso3", "name_ar", "parent_id", "lat", "lon")},
                    "source_id": stmt.excluded.source_id,
                    "batch_id": stmt.excluded.batch_id,
                },
            )
            conn.execute(stmt, rows)
        known.update(place_ids_by_key(conn, [r.place_key for r in ready]))
        ready_keys = {r.place_key for r in ready}
        pending = [r for r in pending if r.place_key not in ready_keys]
    _add_aliases(conn, records, known, batch_id)
    _upsert_sites(conn, [r for r in records if r.site_type], known, source_id, batch_id)
    return counts


def _insert_first_places(conn: Connection, records: Sequence[PlaceRecord], source_id: int,
                         batch_id: int) -> LoadCounts:
    """A fresh database's gazetteer (34,000 places of every country) in one bulk insert.

    Every test and every new database starts here; the upsert path (one statement per level of
    the hierarchy with ON CONFLICT, dicts per row) took 1.6 s on SQLite and 6 s on PostgreSQL.
    Ids are given here so that children can name their parents without a round trip.
    """
    ids: dict[str, int] = {}
    rows = []
    pending = list(records)
    while pending:  # parents first, whatever order the records come in
        ready = [r for r in pending if r.parent_key is None or r.parent_key in ids]
        if not ready:
            missing = sorted({r.parent_key for r in pending})[:10]
            raise ValueError(f"places refer to parents that are not in the gazetteer: {missing}")
        for r in ready:
            if r.place_key in ids:
                raise ValueError(f"the place key {r.place_key} is given twice")
            ids[r.place_key] = len(ids) + 1
            rows.append((ids[r.place_key], r.place_key, r.pcode, r.country_iso3, r.kind, r.name_en, r.name_ar,
                         ids[r.parent_key] if r.parent_key else None, r.lat, r.lon, source_id, batch_id))
        ready_keys = {r.place_key for r in ready}
        pending = [r for r in pending if r.place_key not in ready_keys]
    bulk_insert(conn, place, ("place_id", "place_key", "pcode", "country_iso3", "kind", "name_en", "name_ar",
                              "parent_id", "lat", "lon", "source_id", "batch_id"), rows)
    if conn.dialect.name == "postgresql" and rows:  # the next place takes the next id
        conn.execute(select(func.setval(func.pg_get_serial_sequence("place", "place_id"), len(rows))))
    aliases, seen = [], set()
    for r in records:
        for alias, language in r.aliases:
            key = name_key(alias)
            if key and (ids[r.place_key], key) not in seen:
                seen.add((ids[r.place_key], key))
                aliases.append((ids[r.place_key], alias, key, language, batch_id))
    bulk_insert(conn, place_alias, ("place_id", "alias", "alias_key", "language", "batch_id"), aliases)
    _upsert_sites(conn, [r for r in records if r.site_type], ids, source_id, batch_id)
    return LoadCounts(rows_inserted=len(rows))


def _upsert_sites(conn: Connection, records: Sequence[PlaceRecord], ids: dict[str, int], source_id: int,
                  batch_id: int) -> None:
    if not records:
        return
    stmt = _dialect_insert(conn, site)
    stmt = stmt.on_conflict_do_update(
        index_elements=[site.c.place_id],
        set_={"site_type": stmt.excluded.site_type,
              "site_code": func.coalesce(stmt.excluded.site_code, site.c.site_code),
              "source_id": stmt.excluded.source_id, "batch_id": stmt.excluded.batch_id},
    )
    conn.execute(stmt, [
        {"place_id": ids[r.place_key], "site_type": r.site_type, "site_code": r.site_code,
         "source_id": source_id, "batch_id": batch_id}
        for r in records
    ])


def _add_aliases(conn: Connection, records: Sequence[PlaceRecord], ids: dict[str, int], batch_id: int) -> None:
    rows, seen = [], set()
    for r in records:
        for alias, language in r.aliases:
            key = name_key(alias)
            if key and (ids[r.place_key], key) not in seen:
                seen.add((ids[r.place_key], key))
                rows.append({"place_id": ids[r.place_key], "alias": alias, "alias_key": key,
                             "language": language, "batch_id": batch_id})
    if rows:
        stmt = _dialect_insert(conn, place_alias).on_conflict_do_nothing(
            index_elements=[place_alias.c.place_id, place_alias.c.alias_key]
        )
        conn.execute(stmt, rows)


def write_places_batch(engine: Engine, info: SourceInfo, records: Sequence[PlaceRecord], *,
                       report=None, rows_read: int | None = None, started_at: datetime | None = None,
                       loaded_by: str | None = None, actor: Actor | None = None) -> BatchResult:
    """Load a gazetteer file (our shipped one, or the OCHA global p-code list) as one batch."""
    started_at = started_at or utc_now()
    loaded_before = _loaded_before(engine, info)
    if loaded_before is not None:
        return loaded_before
    with write_transaction(engine, BusyDatabase) as conn:  # SQLite: holds the write lock throughout
        started = _start_batch(conn, info, started_at, loaded_by)
        if isinstance(started, BatchResult):
            return started
        source_id, batch_id = started
        counts = upsert_places(conn, records, source_id, batch_id)
        _refuse_empty_load(info, report, counts)
        write_issues(conn, batch_id, report.drain() if report is not None else [])
        return _finish_batch(conn, info, source_id, batch_id, rows_read if rows_read is not None else len(records),
                             len(report.rejected_rows) if report is not None else 0, counts, actor)


def _refresh_levels(conn: Connection, batch_id: int, touched: summary.TouchedWeeks) -> None:
    """The figures of the days this batch wrote: which are held in finer rows (db/levels.py), before
    the summaries of those weeks are computed."""
    if touched.figures:
        levels.refresh_held(conn, levels.groups_of(conn, displacement_figure.c.batch_id == batch_id))


def write_rows_batch(engine: Engine, info: SourceInfo, tables: Sequence[tuple[Table, Sequence[str], list[tuple]]],
                     *, started_at: datetime | None = None, loaded_by: str | None = None,
                     actor: Actor | None = None) -> BatchResult:
    """Load generated or already-validated rows, table by table, as one batch of one source.

    `tables` holds (table, columns, rows as tuples in that column order, or an iterable of
    them); source_id and batch_id are added here. Rows are only inserted, never compared with
    rows already there. Above REINDEX_ABOVE_ROWS rows of a table (on SQLite) its secondary
    indexes are built after the rows, as in write_fact_load.
    """
    started_at = started_at or utc_now()
    loaded_before = _loaded_before(engine, info)
    if loaded_before is not None:
        return loaded_before
    with write_transaction(engine, BusyDatabase) as conn:  # SQLite: holds the write lock throughout
        started = _start_batch(conn, info, started_at, loaded_by)
        if isinstance(started, BatchResult):
            return started
        source_id, batch_id = started
        loaded, touched = 0, summary.TouchedWeeks()
        for table, columns, rows in tables:
            provenance = (source_id, batch_id)
            size = len(rows) if hasattr(rows, "__len__") else None
            indexes = _SecondaryIndexes(conn, table)
            if conn.dialect.name == "sqlite" and size is not None and size > REINDEX_ABOVE_ROWS:
                indexes.drop()
            loaded += bulk_insert(conn, table, (*columns, "source_id", "batch_id"),
                                  (row + provenance for row in touched.passing(table.name, columns, rows)))
            indexes.rebuild()
        _refresh_levels(conn, batch_id, touched)
        touched.refresh(conn)
        return _finish_batch(conn, info, source_id, batch_id, loaded, 0, LoadCounts(rows_inserted=loaded), actor)


def queue_unresolved_name(conn: Connection, raw_name: str, scope_key: str, *, within_place_id=None,
                          kind=None, best_place_id=None, best_score=None) -> None:
    """Put a name the resolver would not guess on the review queue (once per name and scope)."""
    queue_unresolved_names(conn, [{"raw_name": raw_name, "scope_key": scope_key, "within_place_id": within_place_id,
                                   "kind": kind, "best_place_id": best_place_id, "best_score": best_score}])


def queue_unresolved_names(conn: Connection, names: list[dict]) -> None:
    """Queue names for review; a name already queued in the same scope adds its occurrences.

    Each entry: raw_name, scope_key, within_place_id, kind, best_place_id, best_score and
    optionally occurrences (how many rows named it; 1 when absent).
    """
    if not names:
        return
    now = utc_now()
    stmt = _dialect_insert(conn, unresolved_place_name)
    stmt = stmt.on_conflict_do_update(
        index_elements=[unresolved_place_name.c.name_key, unresolved_place_name.c.scope_key],
        set_={
            "occurrences": unresolved_place_name.c.occurrences + stmt.excluded.occurrences,
            "last_seen_at": stmt.excluded.last_seen_at,
        },
    )
    conn.execute(stmt, [
        {"occurrences": 1, **entry, "name_key": name_key(entry["raw_name"]) or entry["raw_name"].strip().casefold(),
         "first_seen_at": now, "last_seen_at": now, "status": "open"}
        for entry in names
    ])


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple],
                chunk_size: int = 20_000) -> int:
    """Insert many rows as tuples through the driver: the fast path for large data.

    SQLAlchemy compiles the INSERT (no SQL text is assembled here); SQLite's driver takes the
    tuples as they are (dates as db.engine registers them). On PostgreSQL the rows go through
    COPY (`_copy_rows`).
    """
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        return _copy_rows(conn, table, columns, rows)
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(columns))
    sql = str(compiled)
    order = list(compiled.positiontup or []) if conn.dialect.positional else []
    if conn.dialect.positional and order != list(columns):
        # the compiled INSERT binds in the table's column order: put each row in that order
        pick = itemgetter(*[list(columns).index(name) for name in order])
        rows = (pick(row) for row in rows)
    total = 0
    rows = iter(rows)
    while True:
        chunk = list(islice(rows, chunk_size))
        if not chunk:
            return total
        conn.exec_driver_sql(sql, chunk if conn.dialect.positional else [dict(zip(columns, r)) for r in chunk])
        total += len(chunk)


def _copy_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """PostgreSQL: rows through COPY ... FROM STDIN in the load's transaction.

    The demo at scale (`python -m db demo --scale 1000000`, two million rows) took 240 s through
    executemany and takes 74 s through COPY, summaries included (BENCHMARKS.md). Table and column names are composed as
    quoted identifiers by psycopg; values travel as data, never in the statement. A driver error
    is raised as SQLAlchemy's (IntegrityError for a broken constraint), as an INSERT's would be.
    """
    import psycopg
    from psycopg import sql
    from sqlalchemy.exc import DBAPIError

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(name) for name in columns))
    total = 0
    cursor = conn.connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                total += 1
    except psycopg.Error as error:
        raise DBAPIError.instance(f"COPY {table.name}", None, error, psycopg.Error) from None
    finally:
        cursor.close()
    return total


# --- facts: events, event counts, displacement figures, site populations -------------------

NATURAL_KEYS = {
    "conflict_event": ("provider", "record_key"),
    "displacement_figure": ("provider", "record_key"),
    "event_count": ("provider", "area_pcode", "event_category", "period_start", "period_end"),
    "site_population": ("site_id", "reported_date", "provider"),
}
ROW_ID = {"conflict_event": "event_id", "displacement_figure": "figure_id", "event_count": "count_id",
          "site_population": "population_id"}
# A load larger than this many rows (on SQLite) drops the table's secondary indexes and builds
# them again at the end, in the same transaction: one sort beats a million scattered updates.
REINDEX_ABOVE_ROWS = 200_000


class RejectedLoad(Exception):
    """A load was refused and wrote nothing: a strict load met row problems, every row of a file was
    rejected (or BusyDatabase). `report`, when given, holds the row problems to show."""

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


def _refuse_empty_load(info: SourceInfo, report, counts: LoadCounts) -> None:
    """A file of which every row was rejected is refused like a strict load: its transaction rolls
    back and no batch is left. A batch of nothing would say "already loaded, nothing changed" when
    the same file came again, and would keep the rejected rows' raw values (people's records) with
    no data to explain. The report (with the problems) goes to the caller with the error."""
    if report is not None and report.rejected_rows and counts.rows_loaded == 0:
        raise RejectedLoad(f"{info.file_name}: every row ({len(report.rejected_rows):,}) has problems; nothing was "
                           "loaded and no batch was recorded. Fix the rows listed and load the file again.", report)


class BusyDatabase(RejectedLoad, DatabaseBusy):
    """Another writer kept SQLite's write lock for longer than the busy timeout: nothing was written."""


def row_tuples(table: Table, rows: list[tuple[int | None, dict]]) -> tuple[tuple[str, ...], list]:
    """Dict rows → (columns in the table's order, [(row number, values tuple)])."""
    present: set[str] = set()
    for _, values in rows:
        present.update(values)
    # site_key: a population row's site by place_key, before _with_site_ids replaces it
    extra = ("site_key",) if table.name == "site_population" else ()
    unknown = present - set(table.c.keys()) - set(extra)
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    columns = tuple(c for c in (*table.c.keys(), *extra) if c in present)
    return columns, [(number, tuple(values.get(c) for c in columns)) for number, values in rows]


def content_hashes(columns: Sequence[str], rows: Iterable[tuple]) -> list[str]:
    """A stable digest of each row's values (not its ids or provenance), by column name."""
    order = sorted(range(len(columns)), key=lambda i: columns[i])
    prefix = repr(tuple(columns[i] for i in order))
    # md5(prefix + repr(values)): the prefix hashed once, its state copied for each row
    copy = hashlib.md5(prefix.encode("utf-8"), usedforsecurity=False).copy
    if not order:
        return [copy().hexdigest() for _ in rows]
    pick = itemgetter(*order) if len(order) > 1 else (lambda row: (row[order[0]],))
    digests = []
    for text in map(repr, map(pick, rows)):
        digest = copy()
        digest.update(text.encode("utf-8"))
        digests.append(digest.hexdigest())
    return digests


def _existing_rows(conn: Connection, table: Table, keys: list[tuple]) -> dict[tuple, tuple]:
    """natural key → (row id, content hash, batch id) for the keys already in the table.

    When all key columns but the last hold one value in this chunk (one provider), the lookup is
    `provider = ? AND record_key IN (...)`, which every backend serves from the unique index.
    """
    key_names = NATURAL_KEYS[table.name]
    key_columns = [table.c[name] for name in key_names]
    wanted = [table.c[ROW_ID[table.name]], table.c.content_hash, table.c.batch_id]
    found: dict[tuple, tuple] = {}
    if not keys:
        return found
    heads = {key[:-1] for key in keys}
    if len(heads) == 1:
        head = next(iter(heads))
        conditions = [column == value for column, value in zip(key_columns[:-1], head)]
        query = select(key_columns[-1], *wanted).where(
            *conditions, key_columns[-1].in_(bindparam("last", expanding=True)))
        for start in range(0, len(keys), 5_000):
            part = [key[-1] for key in keys[start:start + 5_000]]
            for row in conn.execute(query, {"last": part}):
                found[head + (row[0],)] = tuple(row[1:])
        return found
    for start in range(0, len(keys), 2_000):
        part = keys[start:start + 2_000]
        query = select(*key_columns, *wanted).where(tuple_(*key_columns).in_(part))
        for row in conn.execute(query):
            found[tuple(row[: len(key_columns)])] = tuple(row[len(key_columns):])
    return found


def _held_nothing(conn: Connection, table: Table, head: tuple, fresh: dict) -> bool:
    """Whether `table` held no row under this head of its natural key (the provider) when the load
    first wrote under it; `fresh` keeps the answer for the rest of the load."""
    if (table.name, head) not in fresh:
        key_columns = [table.c[name] for name in NATURAL_KEYS[table.name][:-1]]
        query = select(table.c[ROW_ID[table.name]]).where(*[c == v for c, v in zip(key_columns, head)]).limit(1)
        fresh[(table.name, head)] = conn.execute(query).first() is None
    return fresh[(table.name, head)]


def _inserted_as_new(conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple]) -> bool:
    """Insert rows whose keys the table cannot hold from before this load, in a savepoint. False,
    with nothing inserted, when the database refuses one (it repeats a row of an earlier chunk, or
    breaks a constraint): the caller then compares the rows one by one and says which."""
    try:
        with conn.begin_nested():
            bulk_insert(conn, table, columns, rows)
    except IntegrityError:
        return False
    return True


def _write_chunk(conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple[int | None, tuple]],
                 source_id: int, batch_id: int, counts: LoadCounts, report,
                 touched: summary.TouchedWeeks | None = None, fresh: dict | None = None) -> None:
    """Insert, revise or leave each row by its natural key; `touched` notes the weeks written.

    `fresh` (kept by the caller for the whole load): the heads of natural keys (the provider) the
    table held no row under when the load began. A chunk all under one of them cannot revise or
    repeat a row from before: it is inserted without looking its keys up first (a first load of a
    million ACLED events asked for 200 chunks' keys and found none). Should it repeat a row of an
    earlier chunk, the insert is undone and the chunk goes the way of any other.
    """
    touched = touched if touched is not None else summary.TouchedWeeks()
    key_names = NATURAL_KEYS[table.name]
    key_at = [columns.index(name) for name in key_names]
    key_of = itemgetter(*key_at) if len(key_at) > 1 else (lambda row: (row[key_at[0]],))
    duplicate_field = key_names[-1] if table.name != "site_population" else "reported_date"
    numbers, values = [number for number, _ in rows], [row for _, row in rows]
    keys = list(map(key_of, values))
    if len(set(keys)) < len(keys):  # the chunk repeats a key: keep the first row of each
        numbers, values, keys, seen = [], [], [], {}
        for number, row in rows:
            key = key_of(row)
            if key in seen:
                report.add(number, duplicate_field, "duplicate-key", f"this row repeats row {seen[key]} (same "
                           f"{', '.join(key_names)}); keep one of them", str(key[-1] if len(key) > 1 else key[0]))
                continue
            seen[key] = number
            numbers.append(number)
            values.append(row)
            keys.append(key)
    digests = content_hashes(columns, values)
    heads = {key[:-1] for key in keys}
    if fresh is not None and len(heads) == 1 and _held_nothing(conn, table, heads.pop(), fresh):
        inserts = [row + (digest, source_id, batch_id) for row, digest in zip(values, digests)]
        if _inserted_as_new(conn, table, (*columns, "content_hash", "source_id", "batch_id"), inserts):
            touched.add_rows(table.name, columns, inserts)
            counts.rows_inserted += len(inserts)
            return
    existing = _existing_rows(conn, table, keys)
    inserts, updates, held = [], [], []
    if not existing:  # the common case of a first load: everything is new
        inserts = [row + (digest, source_id, batch_id) for row, digest in zip(values, digests)]
    else:
        for number, key, row, digest in zip(numbers, keys, values, digests):
            found = existing.get(key)
            if found is None:
                inserts.append(row + (digest, source_id, batch_id))
            elif found[2] == batch_id:  # an earlier chunk of this very file
                report.add(number, key_names[-1], "duplicate-key", "this row repeats an earlier row of the file "
                           f"(same {', '.join(key_names)}); keep one of them", str(key[-1]))
            elif found[1] == digest:
                counts.rows_unchanged += 1
                held.append((batch_id, table.name, found[0], digest))
            else:
                updates.append((found[0], {**dict(zip(columns, row)), "content_hash": digest}))
    if inserts:
        bulk_insert(conn, table, (*columns, "content_hash", "source_id", "batch_id"), inserts)
        touched.add_rows(table.name, columns, inserts)
        counts.rows_inserted += len(inserts)
    if updates:
        _revise(conn, table, updates, source_id, batch_id, touched)
        counts.rows_updated += len(updates)
    if held:  # this batch holds these rows too: deleting the batch that wrote them must leave them (db/batches.py)
        bulk_insert(conn, record_holder, ("batch_id", "table_name", "row_id", "content_hash"), held)


def _revise(conn: Connection, table: Table, updates: list[tuple[int, dict]], source_id: int, batch_id: int,
            touched: summary.TouchedWeeks) -> None:
    """Keep the previous values of revised rows in record_revision, then update them.

    The weeks of both the previous and the new values are noted in `touched`.
    """
    id_column = table.c[ROW_ID[table.name]]
    now = utc_now()
    previous = conn.execute(select(table).where(id_column.in_([row_id for row_id, _ in updates]))).mappings().all()
    conn.execute(record_revision.insert(), [
        {"table_name": table.name, "row_id": row[ROW_ID[table.name]], "replaced_by_batch_id": batch_id,
         "previous_values": json.dumps(dict(row), default=str, ensure_ascii=False), "replaced_at": now}
        for row in previous
    ])
    for row in previous:
        touched.add_values(table.name, dict(row))
    set_aside = _rejected_as_duplicates(conn, table, [row_id for row_id, _ in updates])
    for row_id, values in updates:
        if row_id in set_aside:  # a person said it repeats another source's figure: a revision does not undo that
            values = {**values, "review_status": "rejected"}
        touched.add_values(table.name, values)
        conn.execute(update(table).where(id_column == row_id).values(**values, source_id=source_id, batch_id=batch_id))


def _rejected_as_duplicates(conn: Connection, table: Table, row_ids: list[int]) -> set[int]:
    """The figures among `row_ids` that a duplicate decision stopped counting (the one of its pair not kept)."""
    if table.name != "displacement_figure" or not row_ids:
        return set()
    d = duplicate_decision
    found: set[int] = set()
    for start in range(0, len(row_ids), 5_000):
        part = row_ids[start:start + 5_000]
        for first_id, second_id, kept_id in conn.execute(
                select(d.c.first_id, d.c.second_id, d.c.kept_id).where(
                    d.c.decision == "duplicate", or_(d.c.first_id.in_(part), d.c.second_id.in_(part)))):
            found.add(second_id if kept_id == first_id else first_id)
    return found & set(row_ids)


def _with_new_place_ids(columns: Sequence[str], rows: list, ids: dict[str, int]) -> list:
    """A row may name a place this load added (a location the gazetteer lacked) by its place key:
    the key becomes the place's id, now that the place is written."""
    positions = [i for i, name in enumerate(columns) if name.endswith("place_id")]
    if len(positions) == 1:  # one place per row (events): one test per row
        at = positions[0]
        return [(number, values[:at] + (ids[values[at]],) + values[at + 1:] if isinstance(values[at], str) else values)
                for number, values in rows]
    out = []
    for number, values in rows:
        if any(isinstance(values[i], str) for i in positions):
            values = tuple(ids[v] if i in positions and isinstance(v, str) else v for i, v in enumerate(values))
        out.append((number, values))
    return out


def _with_site_ids(conn: Connection, rows: list[tuple[int | None, dict]]) -> list[tuple[int | None, dict]]:
    """Population rows may name their site by `site_key` (its place_key): a site written earlier
    in the same load has no id the adapter could know. An unknown key leaves site_id empty."""
    keys = {values["site_key"] for _, values in rows if "site_key" in values}
    if not keys:
        return rows
    ids = place_ids_by_key(conn, keys)
    return [(number, {**{k: v for k, v in values.items() if k != "site_key"},
                      "site_id": ids.get(values["site_key"])} if "site_key" in values else values)
            for number, values in rows]


class _SecondaryIndexes:
    """Drop a table's secondary indexes before a large load and build them again after it.

    Both happen inside the load's transaction (DDL is transactional on SQLite and PostgreSQL),
    so a failed load leaves the indexes as they were. The unique natural-key index stays: the
    load reads it to tell new rows from revised ones.
    """

    def __init__(self, conn: Connection, table: Table):
        self.conn, self.table, self.dropped = conn, table, []

    def drop(self) -> None:
        names = {ix["name"] for ix in inspect(self.conn).get_indexes(self.table.name)}
        for index in sorted(self.table.indexes, key=lambda ix: ix.name):
            if not index.unique and index.name in names:
                index.drop(self.conn)
                self.dropped.append(index)

    def rebuild(self) -> None:
        for index in self.dropped:
            index.create(self.conn)
        self.dropped = []


def write_fact_load(engine: Engine, info: SourceInfo, chunks, *, report, unresolved=(), rows_read=lambda: 0,
                    strict: bool = False, started_at: datetime | None = None, loaded_by: str | None = None,
                    validate=None, expected_rows: int | None = None, actor: Actor | None = None) -> BatchResult:
    """Load normalised chunks as one batch in one transaction.

    `chunks` yields objects with `table`, `rows` and `columns`: rows are (row number, values
    tuple in `columns` order), or (row number, column → value dict) when `columns` is None.
    `validate(table, columns, rows, report)` keeps the rows that break no rule. Rows are
    inserted, revised (previous values kept) or left unchanged by their natural key. Every
    issue of the report is written to load_issue as the chunks go. With `strict`, any row
    problem rejects the whole file: RejectedLoad is raised and the transaction rolled back. So
    it is, strict or not, when every row was rejected (_refuse_empty_load).

    A source that brings its own places (a CCCM site list) yields ("place", [(row number,
    PlaceRecord)]) chunks before the facts that need them; they are upserted like a gazetteer
    (parents must exist) and counted with the rows. Its population rows then name their site by
    `site_key` instead of `site_id`.

    `expected_rows` (e.g. estimated from the file size) above REINDEX_ABOVE_ROWS makes the load
    build the fact table's secondary indexes after the rows, not while inserting them.
    """
    from db.schema import metadata

    started_at = started_at or utc_now()
    loaded_before = _loaded_before(engine, info)
    if loaded_before is not None:
        return loaded_before
    with write_transaction(engine, BusyDatabase) as conn:  # SQLite: holds the write lock throughout
        started = _start_batch(conn, info, started_at, loaded_by)
        if isinstance(started, BatchResult):
            return started
        source_id, batch_id = started
        counts, touched = LoadCounts(), summary.TouchedWeeks()
        # SQLite only: a load holds its write lock anyway, and WAL readers keep their snapshot with
        # the indexes. On PostgreSQL dropping an index would lock the table against every reader.
        bulky = conn.dialect.name == "sqlite" and expected_rows is not None and expected_rows > REINDEX_ABOVE_ROWS
        reindex: dict[str, _SecondaryIndexes] = {}
        new_place_ids: dict[str, int] = {}
        fresh: dict = {}  # (table, head of its natural key) → whether the table held no row under it
        for chunk in chunks:
            if chunk.table in ("place", "new_place"):  # places a source brings (CCCM sites), before their facts
                records = [record for _, record in chunk.rows]
                added = upsert_places(conn, records, source_id, batch_id)
                if chunk.table == "place":  # a site list's sites are its rows; places found on the way are not
                    counts.add(added)
                new_place_ids.update(place_ids_by_key(conn, [r.place_key for r in records]))
                write_issues(conn, batch_id, report.drain())
                continue
            table = metadata.tables[chunk.table]
            columns, rows = getattr(chunk, "columns", None), chunk.rows
            if columns is None:
                rows = _with_site_ids(conn, rows) if chunk.table == "site_population" else rows
                columns, rows = row_tuples(table, rows)
            if new_place_ids:
                rows = _with_new_place_ids(columns, rows, new_place_ids)
            if bulky and chunk.table not in reindex:
                reindex[chunk.table] = _SecondaryIndexes(conn, table)
                reindex[chunk.table].drop()
            rows = validate(chunk.table, columns, rows, report) if validate else rows
            if rows:
                _write_chunk(conn, table, columns, rows, source_id, batch_id, counts, report, touched, fresh)
            write_issues(conn, batch_id, report.drain())
        read = rows_read()
        rejected = len(report.rejected_rows)
        if strict and report.rejected_rows:
            raise RejectedLoad(f"{info.file_name}: {rejected} row(s) have problems and --strict is on; "
                               "nothing was loaded. Fix the rows listed, or load without --strict to keep the "
                               "good rows.", report)
        _refuse_empty_load(info, report, counts)
        for indexes in reindex.values():
            indexes.rebuild()
        _refresh_levels(conn, batch_id, touched)
        touched.refresh(conn)  # after the indexes: recomputing a few weeks reads the rows through them
        queue_unresolved_names(conn, list(dict(unresolved).values()))
        write_issues(conn, batch_id, report.drain())
        return _finish_batch(conn, info, source_id, batch_id, read, rejected, counts, actor)


# --- admin 1 boundaries (the `boundaries` kind) ----------------------------------------------------
# A boundary belongs to a gazetteer place of kind "governorate" (admin 1), matched by p-code, else by
# its name (name_key, one place only); a feature matching none is reported ("unmatched-boundary") and
# not loaded. A later load of a unit replaces its boundary.

def _admin1_places(conn) -> tuple[dict, dict]:
    """(p-code → place id, name key → place id or None when two admin 1 places share the name)."""
    rows = conn.execute(select(place.c.place_id, place.c.pcode, place.c.name_en, place.c.name_ar)
                        .where(place.c.kind == "governorate")).all()
    by_pcode = {r.pcode.upper(): r.place_id for r in rows if r.pcode}
    by_name: dict[str, int | None] = {}
    for r in rows:
        for name in (r.name_en, r.name_ar):
            if name:
                key = name_key(name)
                by_name[key] = r.place_id if by_name.get(key, r.place_id) == r.place_id else None
    return by_pcode, by_name


def match_place(record, by_pcode: dict, by_name: dict) -> int | None:
    if record.pcode and record.pcode.upper() in by_pcode:
        return by_pcode[record.pcode.upper()]
    for name in (record.name_en, record.name_ar):
        if name and by_name.get(name_key(name)):
            return by_name[name_key(name)]
    return None


def write_boundaries_batch(engine: Engine, info, records: Sequence, *, report=None, rows_read: int | None = None,
                           started_at: datetime | None = None, loaded_by: str | None = None,
                           actor=None) -> BatchResult:
    """Load a boundaries file (loaders/sources/boundaries.py) as one batch."""
    started_at = started_at or utc_now()
    loaded_before = _loaded_before(engine, info)
    if loaded_before is not None:
        return loaded_before
    with write_transaction(engine, BusyDatabase) as conn:
        started = _start_batch(conn, info, started_at, loaded_by)
        if isinstance(started, BatchResult):
            return started
        source_id, batch_id = started
        by_pcode, by_name = _admin1_places(conn)
        counts, seen = LoadCounts(), set()
        for record in records:
            place_id = match_place(record, by_pcode, by_name)
            if place_id is None or place_id in seen:
                if report is not None:
                    why = ("matches no admin 1 place of the gazetteer by p-code or name; load the country's p-code "
                           "list first (kind ocha_pcodes)") if place_id is None else "repeats an earlier feature's unit"
                    report.add(record.row, "properties", "unmatched-boundary", f"the feature {why}",
                               record.pcode or record.name_en)
                continue
            seen.add(place_id)
            values = {"name_in_file": record.name_en or record.pcode, "pcode_in_file": record.pcode,
                      "geometry": record.geometry, "source_id": source_id, "batch_id": batch_id}
            old = conn.execute(select(admin_boundary.c.geometry).where(admin_boundary.c.place_id == place_id)).first()
            if old is None:
                conn.execute(admin_boundary.insert().values(place_id=place_id, **values))
                counts.rows_inserted += 1
            elif old.geometry == record.geometry:
                counts.rows_unchanged += 1
            else:
                conn.execute(update(admin_boundary).where(admin_boundary.c.place_id == place_id).values(**values))
                counts.rows_updated += 1
        _refuse_empty_load(info, report, counts)
        write_issues(conn, batch_id, report.drain() if report is not None else [])
        return _finish_batch(conn, info, source_id, batch_id, rows_read if rows_read is not None else len(records),
                             len(report.rejected_rows) if report is not None else 0, counts, actor)
