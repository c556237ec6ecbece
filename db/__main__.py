"""python -m db {upgrade,demo,info}

  upgrade                 migrate the schema and load the shipped gazetteer
  demo [--if-empty] [--seed N] [--scale N]
                          also build the demo data (synthetic); --scale N adds N events and
                          N figures for benchmarks
  demo --remove           delete the demo data (every demo batch); real loads stay
  summary --rebuild       compute the weekly summaries again from the raw rows
  summary --check         say whether the weekly summaries equal a rebuild (exit 1 if not)
  info                    where the database is and what it holds
"""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy import func, select

from db import schema
from db.engine import describe_url, make_engine, write_transaction
from db.queries import query_is_empty
from db.setup import prepare_database


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db", description="Database set-up (DATABASE_URL)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("upgrade", help="migrate the schema and load the shipped gazetteer")
    demo = sub.add_parser("demo", help="build the demo database (synthetic data)")
    demo.add_argument("--if-empty", action="store_true", help="only when no data has been loaded yet")
    demo.add_argument("--seed", type=int, default=None)
    demo.add_argument("--scale", type=int, default=0, help="add N events and N figures (benchmarks)")
    demo.add_argument("--remove", action="store_true",
                      help="delete the demo data (every demo batch, as an admin deleting it); real loads stay")
    summary = sub.add_parser("summary", help="the weekly summaries the pages read (db/summary.py)")
    action = summary.add_mutually_exclusive_group(required=True)
    action.add_argument("--rebuild", action="store_true", help="compute them again from the raw rows")
    action.add_argument("--check", action="store_true", help="compare them with a rebuild (changes nothing)")
    sub.add_parser("info", help="where the database is and what it holds")
    args = parser.parse_args(argv)

    engine = make_engine()
    print(f"database: {describe_url(str(engine.url))}")
    if args.command in ("upgrade", "demo"):
        result = prepare_database(engine)
        print(f"schema up to date; gazetteer {result.status} (batch {result.batch_id})")
    if args.command == "demo" and args.remove:
        from db.demo import remove_demo

        from db.batches import BatchError
        from db.engine import DatabaseBusy

        try:
            done = remove_demo(engine)
        except (BatchError, DatabaseBusy) as exc:  # another load holds the database, or a batch went meanwhile
            print(f"demo data not removed: {exc}. Run the command again; what was removed stays removed.")
            return 1
        if not done.batches:
            print("no demo data loaded: nothing removed")
        else:
            print(f"demo data (synthetic) removed: {done.batches} batch(es), {done.removed:,} row(s) deleted, "
                  f"{done.places_removed} demo place(s) removed" + (
                      f"; {done.kept:,} row(s) kept, as a real load holds them too" if done.kept else ""))
        return 0
    if args.command == "demo":
        from db.demo import DEFAULT_SEED, create_demo

        if args.if_empty and not query_is_empty(engine):
            print("data already loaded: demo not added")
            return 0
        started = time.perf_counter()
        results = create_demo(engine, args.seed if args.seed is not None else DEFAULT_SEED, args.scale)
        rows = sum(r.rows_loaded for r in results)
        status = "loaded" if any(r.status == "loaded" for r in results) else "unchanged"
        print(f"demo data (synthetic) {status}: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    if args.command == "summary":
        from db.summary import check_summaries, rebuild_summaries

        prepare_database(engine)
        started = time.perf_counter()
        if args.check:
            differences = check_summaries(engine)
            for name, count in differences.items():
                print(f"  {name:<24} {count:>10,} row(s) differ from a rebuild")
            print(f"checked in {time.perf_counter() - started:.1f} s")
            if any(differences.values()):
                print("run `python -m db summary --rebuild` to compute them again")
                return 1
            return 0
        from db.levels import refresh_all_held

        with write_transaction(engine) as conn:
            refresh_all_held(conn)  # which figures finer rows hold, then the sums without them
            rows = rebuild_summaries(conn)
        for name, count in rows.items():
            print(f"  {name:<24} {count:>10,}")
        print(f"weekly summaries rebuilt in {time.perf_counter() - started:.1f} s")
    if args.command == "info":
        with engine.connect() as conn:
            for table in schema.metadata.sorted_tables:
                try:
                    n = conn.execute(select(func.count()).select_from(table)).scalar()
                except Exception:  # noqa: BLE001 — a fresh database has no tables yet
                    print("no schema yet: run `python -m db upgrade`")
                    return 1
                print(f"  {table.name:<24} {n:>10,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
