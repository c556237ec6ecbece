"""Two loads at the same time into one SQLite file both land, one waiting for the other; the same
file loaded twice at once is loaded once; a load that cannot get the file within the busy timeout
is refused with a message saying so, and changes nothing (issue 7).

Each load runs the command line (`python -m loaders ingest FILE`) in its own process. The two start
together (on a new file both create the schema), and wait for each other again just before their
load asks for SQLite's write lock (a file flag per process), so the two write transactions really
contend: the test checks from the times each process recorded that the second asked for the lock
before the first committed, and got it only after. The files are generated into tmp_path: an ACLED
export (bench/ingest_acled.py writes it) and a DTM API response shaped like
tests/fixtures/json/dtm_syria_names_and_pcodes.json. What the two loads leave must be what each file
loaded alone into its own database leaves, summaries included.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from db import summary
from db.engine import make_engine
from db.schema import (SUMMARY_TABLES, conflict_event, displacement_figure, load_batch, load_issue, source,
                       unresolved_place_name)
from db.setup import prepare_database
from loaders.ingest import ingest_file
from tests.conftest import FIXTURES_DIR, REPO_ROOT, is_postgres

pytestmark = pytest.mark.skipif(is_postgres(), reason="SQLite's single write lock (WAL, busy timeout) only")

ACLED_ROWS, DTM_RECORDS = 4_000, 2_500
CHILD_TIMEOUT_S = 120
BARRIER_TIMEOUT_S = 60

# The child: records when it asks for and gets SQLite's write lock (BEGIN IMMEDIATE, db/engine.py)
# and when it commits; waits for the other process once both have imported everything, and again
# before its load asks for the lock. Otherwise it runs the command line as a person would.
CHILD = r"""
import json, pathlib, sys, time
from sqlalchemy import Engine, event

folder, me, other, args = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
events, loading = [], []


def meet(step):  # wait until the other process has come to `step` too (a file flag each)
    (folder / f"{me}.{step}").touch()
    deadline = time.time() + BARRIER_TIMEOUT_S
    while not (folder / f"{other}.{step}").exists():
        if time.time() > deadline:
            sys.exit(f"the other load never came to {step}")
        time.sleep(0.002)


@event.listens_for(Engine, "before_cursor_execute")
def asked(conn, cursor, statement, *rest):
    if statement == "BEGIN IMMEDIATE":
        if loading and not (folder / f"{me}.load").exists():  # the load's own transaction
            meet("load")
        events.append(["asked" + ("" if not loading else " (load)"), time.time()])


@event.listens_for(Engine, "after_cursor_execute")
def held(conn, cursor, statement, *rest):
    if statement == "BEGIN IMMEDIATE":
        events.append(["held" + ("" if not loading else " (load)"), time.time()])


@event.listens_for(Engine, "commit")
def committed(conn):
    events.append(["commit" + ("" if not loading else " (load)"), time.time()])


import loaders.__main__ as cli

real_ingest = cli.ingest_file


def ingest_file(*a, **k):
    loading.append(True)
    return real_ingest(*a, **k)


cli.ingest_file = ingest_file
meet("start")  # both have imported everything
status = cli.main(args)
(folder / f"{me}.events.json").write_text(json.dumps(events))
sys.exit(status)
""".replace("BARRIER_TIMEOUT_S", str(BARRIER_TIMEOUT_S))

# Holds the write lock of the SQLite file argv[1] until its stdin closes.
HOLDER = r"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


def _env(url: str) -> dict:
    return {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=REPO_ROOT, env=_env(url),
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)


# --- the two files -----------------------------------------------------------------------------

def write_dtm_response(path, records: int, seed: int = 7) -> None:
    """A DTM API response of `records` governorate-level IDP counts, one round each (distinct keys)."""
    from gazetteer.seed import read_seed_records

    template = json.loads((FIXTURES_DIR / "json" / "dtm_syria_names_and_pcodes.json").read_text())["result"][0]
    governorates = [r for r in read_seed_records() if r.kind == "governorate" and r.pcode]
    rng = random.Random(seed)
    result = []
    for i in range(records):
        where, origin = rng.choice(governorates), rng.choice(governorates)
        day = date(2023, 1, 1) + timedelta(days=rng.randrange(730))
        result.append({**template, "id": i + 1, "admin1Name": where.name_en, "admin1Pcode": where.pcode,
                       "numPresentIdpInd": rng.randrange(1, 5_000), "reportingDate": f"{day}T00:00:00",
                       "yearReportingDate": day.year, "monthReportingDate": day.month, "roundNumber": i + 1,
                       "idpOriginAdmin1Name": origin.name_en, "idpOriginAdmin1Pcode": origin.pcode})
    path.write_text(json.dumps({"result": result, "statusCode": 200, "isSuccess": True, "errorMessages": [],
                                "totalRecordsCount": records}))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    from ingest_acled import write_rows

    folder = tmp_path_factory.mktemp("concurrent_files")
    acled, dtm = folder / "acled_export.csv", folder / "dtm_idps.json"
    write_rows(acled, ACLED_ROWS)
    write_dtm_response(dtm, DTM_RECORDS)
    return {"acled": acled, "dtm_api": dtm}


# --- what a database holds ---------------------------------------------------------------------

def _plain(row, skip=()) -> tuple:
    return tuple(round(v, 6) if isinstance(v, float) else v for k, v in row.items() if k not in skip)


def contents(engine) -> dict[str, Counter]:
    """The loaded rows by what they say (ids of rows, batches and sources left out), as multisets."""
    with engine.connect() as conn:
        found = {
            "conflict_event": Counter(conn.execute(select(conflict_event.c.provider, conflict_event.c.record_key,
                                                          conflict_event.c.content_hash)).all()),
            "displacement_figure": Counter(conn.execute(select(
                displacement_figure.c.provider, displacement_figure.c.record_key,
                displacement_figure.c.content_hash)).all()),
            "load_issue": Counter(conn.execute(select(load_issue.c.row_number, load_issue.c.field_name,
                                                      load_issue.c.code, load_issue.c.raw_value)).all()),
            "unresolved_place_name": Counter(conn.execute(select(
                unresolved_place_name.c.name_key, unresolved_place_name.c.scope_key,
                unresolved_place_name.c.occurrences)).all()),
            "load_batch": Counter(conn.execute(select(
                load_batch.c.source_kind, load_batch.c.file_name, load_batch.c.status, load_batch.c.rows_read,
                load_batch.c.rows_loaded, load_batch.c.rows_rejected)).all()),
        }
        for table in SUMMARY_TABLES:
            found[table.name] = Counter(_plain(row, skip=("batch_id", "source_id"))
                                        for row in conn.execute(select(table)).mappings())
    return found


def counts(engine) -> dict[str, int]:
    tables = (source, load_batch, load_issue, conflict_event, displacement_figure, unresolved_place_name,
              *SUMMARY_TABLES)
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}


def integrity(engine) -> str:
    with engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA integrity_check").scalar()


@pytest.fixture(scope="module")
def loaded_alone(files, tmp_path_factory):
    """Each file loaded on its own into its own database: what the two loads together must add up to."""
    folder = tmp_path_factory.mktemp("alone")
    alone = {}
    for kind, path in files.items():
        engine = make_engine(f"sqlite:///{folder / kind}.sqlite")
        prepare_database(engine)
        result = ingest_file(engine, path)
        assert result.kind == kind and result.batch.status == "loaded"
        alone[kind] = (contents(engine), counts(engine))
        engine.dispose()
    return alone


# --- the tests ---------------------------------------------------------------------------------

def _run_both(url: str, loads: dict, folder) -> list[tuple[str, subprocess.CompletedProcess, list]]:
    """Run the two loads of `loads` (name → file) at once; (name, finished process, its events) each."""
    (one, first_file), (other, second_file) = loads.items()
    children = []
    for name, partner, path in ((one, other, first_file), (other, one, second_file)):
        command = [sys.executable, "-c", CHILD, str(folder), name, partner, "ingest", str(path)]
        children.append((name, subprocess.Popen(command, cwd=REPO_ROOT, env=_env(url), stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE, text=True)))
    done = []
    for name, child in children:
        out, err = child.communicate(timeout=CHILD_TIMEOUT_S)
        run = subprocess.CompletedProcess(child.args, child.returncode, out, err)
        events_file = folder / f"{name}.events.json"
        done.append((name, run, json.loads(events_file.read_text()) if events_file.exists() else []))
    return done


def _contended(runs) -> None:
    """The later load asked for the write lock before the earlier one committed, and got it only after."""
    loads = sorted((_first(events, "commit (load)"), name, events) for name, _, events in runs)
    (first_commit, first_name, _), (_, second_name, second) = loads
    assert _first(second, "asked (load)") < first_commit, f"{second_name} asked only after {first_name} committed"
    assert _first(second, "held (load)") > first_commit


def _first(events: list, name: str) -> float:
    at = next((at for event, at in events if event == name), None)
    assert at is not None, f"no {name!r} recorded: the load did not open its transaction with BEGIN IMMEDIATE"
    return at


@pytest.mark.parametrize("database", ["a new file", "a prepared database"])
def test_two_loads_at_once_both_land_and_add_up(database, files, loaded_alone, tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    if database == "a prepared database":
        engine = make_engine(url)
        prepare_database(engine)
        engine.dispose()

    runs = _run_both(url, files, tmp_path)

    for kind, run, _ in runs:
        assert run.returncode == 0, f"{kind}: exit {run.returncode}\n{run.stdout}\n{run.stderr}"
        assert f"[{kind}]: " in run.stdout and " rejected (batch " in run.stdout, run.stdout
    _contended(runs)

    engine = make_engine(url)
    try:
        together = contents(engine)
        with engine.connect() as conn:
            batches = conn.execute(select(load_batch.c.source_kind, load_batch.c.status)).all()
        assert sorted(batches) == [("acled", "loaded"), ("dtm_api", "loaded"), ("gazetteer", "loaded")]
        assert integrity(engine) == "ok"
        # What both loads wrote is exactly what each wrote alone (the gazetteer batch is in both).
        (acled, acled_counts), (dtm, dtm_counts) = loaded_alone["acled"], loaded_alone["dtm_api"]
        assert together["load_batch"] == acled["load_batch"] | dtm["load_batch"]
        for name in ("conflict_event", "displacement_figure", "load_issue", "unresolved_place_name",
                     *(t.name for t in SUMMARY_TABLES)):
            assert together[name] == acled[name] + dtm[name], name
        assert sum(together["conflict_event"].values()) == ACLED_ROWS
        assert sum(together["displacement_figure"].values()) == DTM_RECORDS
        assert counts(engine)["source"] == acled_counts["source"] + dtm_counts["source"] - 1
        assert set(summary.check_summaries(engine).values()) == {0}  # the summaries are what a rebuild gives

        # A third load of either file, afterwards, changes nothing.
        before = counts(engine)
        again = _cli(url, "ingest", str(files["acled"]))
        assert again.returncode == 0, again.stderr
        assert f"{ACLED_ROWS:,} unchanged" in again.stdout and "nothing changed" in again.stdout
        assert counts(engine) == before
    finally:
        engine.dispose()


def test_the_same_file_twice_at_once_is_loaded_once(files, loaded_alone, tmp_path):
    """Whether a file was loaded already is asked holding the write lock: the second load finds the
    first one's batch instead of writing the file again (or failing on the source's unique sha256)."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    runs = _run_both(url, {"first": files["acled"], "second": files["acled"]}, tmp_path)

    for name, run, _ in runs:
        assert run.returncode == 0, f"{name}: exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    _contended(runs)
    outputs = sorted(run.stdout for _, run, _ in runs)
    assert sum(f"{ACLED_ROWS:,} inserted" in out for out in outputs) == 1, outputs
    assert sum(f"0 inserted, 0 updated, {ACLED_ROWS:,} unchanged" in out and "already loaded as batch" in out
               for out in outputs) == 1, outputs
    engine = make_engine(url)
    try:
        together, alone = contents(engine), loaded_alone["acled"][0]
        assert together == alone
        assert integrity(engine) == "ok"
    finally:
        engine.dispose()


def test_a_load_that_waits_too_long_is_refused_and_changes_nothing(files, tmp_path):
    """Another process holds the write lock for longer than the busy timeout (half a second here,
    asked in the URL): the load is refused with a message saying why, and nothing is lost."""
    path = tmp_path / "busy.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    prepare_database(engine)
    ingest_file(engine, files["acled"])
    before, contents_before = counts(engine), contents(engine)

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        refused = _cli(f"sqlite:///{path}?timeout=0.5", "ingest", str(files["dtm_api"]))
        waited = time.monotonic() - started
    finally:
        holder.stdin.close()
        holder.wait(timeout=CHILD_TIMEOUT_S)

    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"{files['dtm_api']}: rejected: the database is busy: another load (or another change) kept it for " \
           "more than 0.5 s, so nothing was written. Try again when it has finished." in refused.stderr
    assert "Traceback" not in refused.stderr
    assert waited >= 0.5
    assert counts(engine) == before and contents(engine) == contents_before
    assert integrity(engine) == "ok"

    loaded = _cli(f"sqlite:///{path}", "ingest", str(files["dtm_api"]))  # the lock is free again
    assert loaded.returncode == 0, loaded.stderr
    assert f"{DTM_RECORDS:,} inserted" in loaded.stdout
    assert set(summary.check_summaries(engine).values()) == {0}
    engine.dispose()


def test_sqlite_connections_wait_30_s_for_a_writer_unless_the_url_says_otherwise(tmp_path):
    for url, expected_ms in ((f"sqlite:///{tmp_path / 'a.sqlite'}", 30_000),
                             (f"sqlite:///{tmp_path / 'b.sqlite'}?timeout=2.5", 2_500)):
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == expected_ms
        engine.dispose()
