"""Where the database is, and how to connect to it.

`DATABASE_URL` chooses the backend: unset, it is a SQLite file in the git-ignored `data/`
folder; a team server sets e.g. `postgresql+psycopg://user@host/dbname`.

Writers on SQLite (tests/test_concurrent_loads.py): the file has one write lock. A transaction
that writes is opened with `write_transaction`, which on SQLite takes that lock first
(`BEGIN IMMEDIATE`), waiting up to the busy timeout for another writer (a second load) to
finish. Its reads, such as "was this file loaded already?", then see every committed load and
nothing can slip in between them and its writes. The driver is left in its default (legacy)
transaction mode otherwise, so reads still take no lock and a page never waits for a load:
without BEGIN IMMEDIATE a transaction that has read cannot take the write lock once another
connection holds it, and SQLite answers "database is locked" at once, without waiting.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / "data" / "displacement.sqlite"

# SQLite waits this long for another writer (a second load) before it gives up. A SQLite
# DATABASE_URL may ask for another wait, in seconds: `sqlite:///data/displacement.sqlite?timeout=5`.
SQLITE_BUSY_TIMEOUT_MS = 30_000
BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
WRITE_LOCK_KEY = 7_241_001  # PostgreSQL: the advisory lock every write transaction of the dashboard takes


class DatabaseBusy(Exception):
    """Another connection held SQLite's write lock for longer than the busy timeout: nothing was written."""


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def describe_url(url: str) -> str:
    """The URL without its password, for messages and the home page."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_datetime(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy's SQLite DateTime writes it


# Bulk loads hand tuples straight to the driver (db.writes.bulk_insert); these adapters store
# dates and datetimes there exactly as SQLAlchemy's SQLite Date and DateTime types would.
sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(datetime, _sqlite_datetime)


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        parsed = make_url(url)
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # The busy timeout is the driver's own parameter (sqlite3.connect(timeout=...)), set on
        # connecting, before the pragmas: no statement is built from the number.
        connect_args = {} if "timeout" in parsed.query else {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    # JIT off: the pages' queries run in milliseconds, but the planner's estimates for a year of
    # possible duplicates set off JIT compilation, 122 ms of its 130 ms (EXPLAIN ANALYZE, PostgreSQL 15).
    return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})


def take_write_lock(conn: Connection, busy_error: type[DatabaseBusy] = DatabaseBusy) -> None:
    """On SQLite, open the connection's transaction holding the write lock (BEGIN IMMEDIATE).

    Call it first in a transaction, before any statement. A lock another writer keeps for longer
    than the busy timeout raises `busy_error` saying so. On PostgreSQL the writers queue on one
    transaction-level advisory lock instead: two loads into the same weeks would otherwise each
    recompute the weekly summaries without the other's rows (read committed), and leave them wrong.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(WRITE_LOCK_KEY)))
        return
    if conn.dialect.name != "sqlite":
        return
    try:
        conn.exec_driver_sql(BEGIN_IMMEDIATE)
    except OperationalError as exc:
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            raise
        waited_ms = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        raise busy_error(f"the database is busy: another load (or another change) kept it for more than "
                         f"{waited_ms / 1000:g} s, so nothing was written. Try again when it has "
                         "finished.") from None


@contextmanager
def write_transaction(engine: Engine, busy_error: type[DatabaseBusy] = DatabaseBusy) -> Iterator[Connection]:
    """`engine.begin()` for a transaction that writes: on SQLite it holds the write lock from its
    first statement (take_write_lock), so what it reads cannot change before it writes."""
    with engine.begin() as conn:
        take_write_lock(conn, busy_error)
        yield conn
