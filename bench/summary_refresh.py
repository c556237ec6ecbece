"""What keeping the summaries current costs a load, at scale: the year-to-date pair sums beside
the weekly summaries they are computed from.

A load recomputes the summaries of the weeks it wrote in (db.summary.refresh_weeks): the weekly
and day tables of those weeks from the raw rows, then the year-to-date pair sums from the
earliest of those weeks to the end of its year. This times, for one week written near the end of
a year, one in the middle and one at its start, the whole refresh and the year-to-date part
alone, each in a transaction that is rolled back (nothing changes). Read the share, not the
seconds: the machine is shared.

    .venv/bin/python bench/summary_refresh.py --db /tmp/pages.sqlite
    .venv/bin/python bench/summary_refresh.py --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from db import summary  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.schema import summary_flow_pair_week  # noqa: E402


def _timed(engine, work, repeats: int) -> float:
    """Median seconds of `work(conn)` in a transaction rolled back each time."""
    times = []
    for _ in range(repeats):
        with engine.connect() as conn:
            transaction = conn.begin()
            started = time.perf_counter()
            work(conn)
            times.append(time.perf_counter() - started)
            transaction.rollback()
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="a SQLite file with the demo at scale")
    where.add_argument("--database-url", help="a database URL (PostgreSQL)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url or f"sqlite:///{args.db}")
    with engine.connect() as conn:
        last = conn.execute(select(func.max(summary_flow_pair_week.c.week_start))).scalar_one()
        pair_weeks = conn.execute(select(func.count()).select_from(summary_flow_pair_week)).scalar_one()
    last = date.fromisoformat(str(last)[:10])
    year = last.year
    cases = [("a week near the year's end", last - timedelta(weeks=2)),
             ("a week in the middle of the year", summary.monday(date(year, 7, 1))),
             ("the year's first week", summary.first_monday(year))]
    print(f"{engine.dialect.name}, {pair_weeks:,} pair-weeks; median of {args.repeats} runs, rolled back\n")
    print("| week written | whole refresh s | year-to-date part s | share |")
    print("| --- | ---: | ---: | ---: |")
    for label, week in cases:
        whole = _timed(engine, lambda conn: summary.refresh_weeks(conn, figure_weeks=[week]), args.repeats)
        to_date = _timed(engine, lambda conn: summary._refresh_pairs_to_date(conn, [week]), args.repeats)
        print(f"| {label} ({week}) | {whole:.2f} | {to_date:.2f} | {to_date / whole:.0%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
