"""What keeping the summaries current costs a load, at scale: the year-to-date pair sums beside
the weekly summaries they are computed from.

A load recomputes the summaries of the weeks it wrote in (db.summary.refresh_weeks): the weekly
and day tables of those weeks from the raw rows, then the year-to-date pair sums from the
earliest of those weeks to the end of its year. Only the pairs whose weekly rows changed
have their sums recomputed. This times, for a week near the end of a year, one in the middle and
its first: the refresh of that week when nothing changed (the baseline: the weekly and day
tables alone), the refresh after one text fact of that week is accepted (one pair's sums to the
year's end), and the year-to-date sums of every pair of the week (a load that changes them all),
each in a transaction that is rolled back (nothing changes). Read the share, not the
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

from sqlalchemy import func, insert, select  # noqa: E402

from db import summary  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.schema import displacement_figure, summary_flow_pair_week  # noqa: E402


def _one_text_fact(conn, week: date) -> None:
    """Add one accepted text figure in `week` (a copy of a figure of that week), as a review
    decision would, and refresh that week."""
    f = displacement_figure
    this_week = f.c.period_end.between(week, week + timedelta(days=6))
    row = conn.execute(select(f).where(this_week).limit(1)).mappings().one()
    copy = {k: v for k, v in row.items() if k != "figure_id"}
    copy.update(record_key="bench-one-text-fact", provider="text", review_status="accepted")
    conn.execute(insert(f).values(**copy))
    summary.refresh_weeks(conn, figure_weeks=[week])


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
    print("| week written | summary refresh, nothing changed (baseline) s | one text fact accepted s | ratio "
          "| year-to-date sums of every pair of the week s | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, week in cases:
        baseline = _timed(engine, lambda conn: summary.refresh_weeks(conn, figure_weeks=[week]), args.repeats)
        one = _timed(engine, lambda conn: _one_text_fact(conn, week), args.repeats)
        every = _timed(engine, lambda conn: summary.refresh_pairs_to_date(
            conn, [week], summary.PairKeyValues.of_weeks(conn, [week])), args.repeats)
        print(f"| {label} ({week}) | {baseline:.2f} | {one:.2f} | {one / baseline:.1f} | {every:.2f} "
              f"| {every / baseline:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
