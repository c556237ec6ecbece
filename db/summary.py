"""Weekly summaries of the rows that count, kept current in the transaction that changes the rows.

A page asking "how many people left each place in these four weeks" would otherwise scan every
displacement figure (250–1,300 ms for a million rows in SQLite, BENCHMARKS.md); the same question
over these tables takes 40–50 ms, DataFrame included. The tables (db/schema.py):

- summary_flow_place_week: per week, side (origin or destination), place, figure kind, unit and
  provider: the sum of the figures and how many reports gave them;
- summary_flow_pair_week: the same per origin–destination pair;
- summary_flow_pair_to_date: the pairs' sums from the first Monday of each year through each
  week ("year to date"), so that the pairs of a long window are two reads, not one per week;
- summary_event_week: per week, event type, sub-event type, place and provider: events and
  fatalities;
- summary_event_location_week: per week, place, the event's own coordinates, event type and
  provider: events and fatalities (the map and the events near a place);
- summary_figure_day and summary_event_day: per day, load batch, provider and review status (and
  for figures kind, unit and running-total flag): how many rows, and their sums. These answer what
  is asked of all the data at once (its date range, each provider's and source's latest day, a
  window's headline and daily totals) from a few thousand rows.

The weekly tables sum only rows that count, by the rules every query uses (db.queries): review
status in vocab.COUNTED_REVIEW_STATUSES, and for figures not a running total, not held in finer
rows (db/levels.py: a province's figure beside its districts'), with a number, and
with a day, coalesce(period_end, period_start); for events a date. A week starts on Monday. The
day tables hold every dated row, with its review status, so a query can ask for all of them (a
source's latest data) or for those that count.

How they are kept current: whatever writes facts tells `refresh_weeks` which weeks it touched
(for a revised or re-dated row, the old week and the new one), and the summary rows of those
weeks are deleted and computed again from the raw rows with one INSERT ... SELECT ... GROUP BY
per table, in the writer's transaction; then the year-to-date pair sums of the pairs whose weekly
rows changed are computed again from the pair summary, from the earliest of those weeks to the
end of its year. Recomputing whole weeks, rather than adding and subtracting deltas, cannot
drift: after any sequence of writes a week holds exactly what a full rebuild would put there
(tests/test_summary.py checks this). db.writes does this for loads (`TouchedWeeks`),
db.review.decide for review decisions (the days of those weeks are recomputed in the day tables
too); any other code that updates or deletes figures or events wraps its statement in
`kept_current`. `python -m db summary --check` says
whether they are current, `--rebuild` computes them all again.

Why the week is computed in SQL and not stored on the raw rows: a `week_start` column on
displacement_figure and conflict_event would have to be written by every path that writes or
edits a date (each loader, bulk loads, the review page's edits), and a migration would have to
fill it on a million existing rows; a missed path would silently mis-file a row. The week is
instead an expression over the dates themselves (`week_start`, compiled per dialect), evaluated
only while recomputing a week. The raw rows of a few weeks are found through the existing date
indexes: the day predicate is written so that an index on period_end serves it (`figure_days_between`).
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Iterable, Iterator

from sqlalchemy import Connection, Date, Engine, and_, case, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from db import vocab
from db.plausible import shown_limits
from db.schema import (
    SUMMARY_TABLES,
    conflict_event,
    displacement_figure,
    site_population,
    summary_event_day,
    summary_event_location_week,
    summary_event_week,
    summary_figure_day,
    summary_flow_pair_to_date,
    summary_flow_pair_week,
    summary_flow_place_week,
)

TEXT_PROVIDER = "text"  # as db.queries.TEXT_PROVIDER (not imported: db.queries is a reader)
FIGURES, EVENTS = displacement_figure.name, conflict_event.name
# A run of more consecutive weeks than this is recomputed with a plain scan of the raw table: read
# through the date index, a large share of a million rows costs more than reading them all.
INDEXED_RUN_WEEKS = 8
# Up to this many weeks refreshed, the pair summary's rows are compared before and after, and only
# the pairs that changed have their year-to-date sums recomputed (a text fact accepted in July:
# one pair's half year, not every pair's; bench/summary_refresh.py).
COMPARED_WEEKS = 8


class week_start(FunctionElement):
    """The Monday of a date, in SQL: `week_start(column)`."""

    type = Date()
    name = "week_start"
    inherit_cache = True


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    # 'weekday 0' moves forward to the next Sunday (a Sunday stays); six days back is its Monday.
    return "date(%s, 'weekday 0', '-6 days')" % compiler.process(element.clauses, **kw)


@compiles(week_start, "postgresql")
def _week_start_postgresql(element, compiler, **kw):
    # ISO weeks start on Monday; the cast to timestamp keeps the session time zone out of it.
    return "CAST(date_trunc('week', CAST(%s AS TIMESTAMP)) AS DATE)" % compiler.process(element.clauses, **kw)


def monday(day) -> date:
    """The Monday of a date (or of an ISO date text, or a datetime), in Python."""
    if isinstance(day, datetime):
        day = day.date()
    elif isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return day - timedelta(days=day.weekday())


# --- which raw rows count ------------------------------------------------------------------------

def mondays(days):
    """The Monday of each day of a pandas Series of dates (a Monday stays), as dates."""
    import pandas as pd

    days = pd.to_datetime(days)
    return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.date


def first_monday(year: int) -> date:
    """The first Monday of a year: the first week the year-to-date sums count."""
    new_year = date(year, 1, 1)
    return new_year + timedelta(days=-new_year.weekday() % 7)


def last_monday(year: int) -> date:
    """The last Monday of a year: its last week (a week belongs to the year of its Monday)."""
    new_years_eve = date(year, 12, 31)
    return new_years_eve - timedelta(days=new_years_eve.weekday())


def split_window(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """[start, end] as (first Monday, last Monday) of the weeks lying wholly inside it, or None,
    and the day ranges left over at its ends: whole weeks are read from the summaries, the edge
    days from the raw rows."""
    first = start + timedelta(days=-start.weekday() % 7)
    last = end - timedelta(days=end.weekday()) - (timedelta(0) if end.weekday() == 6 else timedelta(weeks=1))
    if first > last:
        return None, [(start, end)]
    edges = [(start, first - timedelta(days=1)), (last + timedelta(days=7), end)]
    return (first, last), [(lo, hi) for lo, hi in edges if lo <= hi]


def window_parts(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]],
                                                  list[tuple[date, date]]]:
    """[start, end] as whole weeks (first Monday, last Monday) or None, the day ranges to add from
    the raw rows, and the day ranges to take away from them.

    A week the window cuts into at either end is read whole from the summaries, less its days
    outside the window, when those are fewer than its days inside it: at most three days of raw
    rows at each end instead of six. A window inside one week is read from the raw rows.
    """
    first_week, last_week = monday(start), monday(end)
    if first_week == last_week:
        whole = start == first_week and end == first_week + timedelta(days=6)
        return ((first_week, first_week), [], []) if whole else (None, [(start, end)], [])
    first, last, added, taken = first_week, last_week, [], []
    if start != first_week:
        if start.weekday() < 7 - start.weekday():  # days before the start in its week, against days from it
            taken.append((first_week, start - timedelta(days=1)))
        else:
            added.append((start, first_week + timedelta(days=6)))
            first = first_week + timedelta(weeks=1)
    if end != last_week + timedelta(days=6):
        if 6 - end.weekday() < end.weekday() + 1:  # days after the end in its week, against days up to it
            taken.append((end + timedelta(days=1), last_week + timedelta(days=6)))
        else:
            added.append((last_week, end))
            last = last_week - timedelta(weeks=1)
    return ((first, last) if first <= last else None), added, taken


def year_to_date_reads(first: date, last: date) -> list[tuple[date, int]]:
    """The weeks of summary_flow_pair_to_date, each with its sign (+1 or -1), whose rows sum to the
    weeks from Monday `first` to Monday `last`: the last week of each year in the range (or `last`),
    less the week before `first` when `first` is not its year's first Monday."""
    reads = [(min(last, last_monday(year)), 1) for year in range(first.year, last.year + 1)]
    if first != first_monday(first.year):
        reads.append((first - timedelta(weeks=1), -1))
    return reads


def figure_day():
    f = displacement_figure
    return func.coalesce(f.c.period_end, f.c.period_start)


def figure_days_between(first: date, last: date):
    """coalesce(period_end, period_start) BETWEEN first AND last, in a form the period_end index serves."""
    f = displacement_figure
    return or_(f.c.period_end.between(first, last),
               and_(f.c.period_end.is_(None), f.c.period_start.between(first, last)))


def counted_figures() -> list:
    f = displacement_figure
    return [f.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES), f.c.is_cumulative.is_(False),
            f.c.held_in_finer.is_(False), f.c.figure.is_not(None), figure_day().is_not(None),
            plausible_figure(f.c.figure)]


def counted_events() -> list:
    e = conflict_event
    return [e.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES), e.c.event_date.is_not(None),
            or_(e.c.fatalities.is_(None), plausible_figure(e.c.fatalities))]


def plausible_figure(column):
    """A count that can be true. Rows stored before the loaders refused impossible counts (infinite,
    NaN on PostgreSQL, 1e20) do not count: one of them made every sum infinite and broke the pages.
    NaN compares false on PostgreSQL (SQLite stores it as NULL), so `<=` keeps it out too."""
    return column <= shown_limits().max_figure


def plausible_site_count() -> list:
    """A site's count that can be true: each of its two units empty or plausible, dated where a record can be."""
    sp, limits = site_population, shown_limits()
    return [or_(sp.c.individuals.is_(None), plausible_figure(sp.c.individuals)),
            or_(sp.c.households.is_(None), plausible_figure(sp.c.households)),
            sp.c.reported_date.between(limits.earliest_date, limits.latest_date)]


def unplaced_name(place_id, raw):
    """The name as written, kept only while the place is unresolved."""
    return case((place_id.is_(None), raw), else_=None)


def _from_text(provider):
    return provider == TEXT_PROVIDER


# --- the INSERT ... SELECT of each table ----------------------------------------------------------

def _place_side_select(side: str, where: list):
    f = displacement_figure
    place_id = f.c.origin_place_id if side == "origin" else f.c.destination_place_id
    raw = f.c.origin_name_raw if side == "origin" else f.c.destination_name_raw
    week, name, from_text = week_start(figure_day()), unplaced_name(place_id, raw), _from_text(f.c.provider)
    return (select(week, literal(side), place_id, name, f.c.figure_kind, f.c.unit, f.c.provider, from_text,
                   func.sum(f.c.figure), func.count())
            .where(*counted_figures(), *where)
            .group_by(week, place_id, name, f.c.figure_kind, f.c.unit, f.c.provider, from_text))


def _pair_select(where: list):
    f = displacement_figure
    week, from_text = week_start(figure_day()), _from_text(f.c.provider)
    origin = unplaced_name(f.c.origin_place_id, f.c.origin_name_raw)
    destination = unplaced_name(f.c.destination_place_id, f.c.destination_name_raw)
    groups = (week, f.c.origin_place_id, origin, f.c.destination_place_id, destination, f.c.figure_kind, f.c.unit,
              f.c.provider, from_text)
    return (select(*groups, func.sum(f.c.figure), func.count())
            .where(*counted_figures(), *where)
            .group_by(*groups))


def _event_location_select(where: list):
    e = conflict_event
    week, from_text = week_start(e.c.event_date), _from_text(e.c.provider)
    groups = (week, e.c.place_id, unplaced_name(e.c.place_id, e.c.place_name_raw), e.c.lat, e.c.lon, e.c.event_type,
              e.c.provider, from_text)
    return select(*groups, func.count(), func.sum(e.c.fatalities)).where(*counted_events(), *where).group_by(*groups)


def _event_select(where: list):
    e = conflict_event
    week, from_text = week_start(e.c.event_date), _from_text(e.c.provider)
    groups = (week, e.c.event_type, e.c.sub_event_type, e.c.place_id, unplaced_name(e.c.place_id, e.c.place_name_raw),
              e.c.provider, from_text)
    return select(*groups, func.count(), func.sum(e.c.fatalities)).where(*counted_events(), *where).group_by(*groups)


_PLACE_COLUMNS = ("week_start", "side", "place_id", "place_name_raw", "figure_kind", "unit", "provider", "from_text",
                  "value", "reports")
_PAIR_COLUMNS = ("week_start", "origin_place_id", "origin_name_raw", "destination_place_id", "destination_name_raw",
                 "figure_kind", "unit", "provider", "from_text", "value", "reports")
_EVENT_COLUMNS = ("week_start", "event_type", "sub_event_type", "place_id", "place_name_raw", "provider", "from_text",
                  "events", "fatalities")
_LOCATION_COLUMNS = ("week_start", "place_id", "place_name_raw", "lat", "lon", "event_type", "provider", "from_text",
                     "events", "fatalities")
_DAY_KEYS = ("day", "batch_id", "source_id", "provider", "review_status")


def _figure_day_select(where: list):
    """Every dated figure, whatever its review status, per day, batch, status, kind, unit, running-total flag
    and whether finer rows hold it (db/levels.py)."""
    f = displacement_figure
    groups = (figure_day(), f.c.batch_id, f.c.source_id, f.c.provider, f.c.review_status, f.c.figure_kind, f.c.unit,
              f.c.is_cumulative, f.c.held_in_finer)
    # An impossible figure (plausible_figure) is a report, but adds nothing to the day's value
    value = func.sum(case((plausible_figure(f.c.figure), f.c.figure), else_=None))
    return (select(*groups, func.count(), func.count(f.c.figure), value)
            .where(figure_day().is_not(None), *where).group_by(*groups))


def _event_day_select(where: list):
    e = conflict_event
    groups = (e.c.event_date, e.c.batch_id, e.c.source_id, e.c.provider, e.c.review_status)
    fatalities = func.sum(case((plausible_figure(e.c.fatalities), e.c.fatalities), else_=None))
    return (select(*groups, func.count(), fatalities)
            .where(e.c.event_date.is_not(None), *where).group_by(*groups))


def _fill_figures(conn: Connection, where: list) -> None:
    sides = union_all(*(_place_side_select(side, where) for side in ("origin", "destination")))
    conn.execute(insert(summary_flow_place_week).from_select(_PLACE_COLUMNS, sides))
    conn.execute(insert(summary_flow_pair_week).from_select(_PAIR_COLUMNS, _pair_select(where)))
    conn.execute(insert(summary_figure_day).from_select(
        (*_DAY_KEYS, "figure_kind", "unit", "is_cumulative", "held_in_finer", "reports", "reports_with_figure", "value"),
        _figure_day_select(where)))


PAIR_KEYS = ("origin_place_id", "origin_name_raw", "destination_place_id", "destination_name_raw", "figure_kind",
             "unit", "provider", "from_text")


@dataclass
class PairKeyValues:
    """The values the pair summary's keys take in some rows, column by column: a superset of those
    pairs (every combination of the values), to recompute the year-to-date sums of only them."""

    origins: set = field(default_factory=set)
    destinations: set = field(default_factory=set)
    kinds: set = field(default_factory=set)
    units: set = field(default_factory=set)
    providers: set = field(default_factory=set)

    @classmethod
    def of_weeks(cls, conn: Connection, weeks: Iterable[date]) -> "PairKeyValues":
        """The values of every pair with a row in these weeks."""
        p, found = summary_flow_pair_week, cls()
        for first, last in week_runs(weeks):
            found.add(conn.execute(select(p.c.origin_place_id, p.c.destination_place_id, p.c.figure_kind, p.c.unit,
                                          p.c.provider).distinct().where(p.c.week_start.between(first, last))))
        return found

    @classmethod
    def of_rows(cls, rows: Iterable[tuple]) -> "PairKeyValues":
        """The values of the pairs of whole pair summary rows (as `_pair_week_rows` reads them)."""
        found = cls()
        found.add((row[1], row[3], row[5], row[6], row[7]) for row in rows)
        return found

    def add(self, keys: Iterable[tuple]) -> None:
        for origin, destination, kind, unit, provider in keys:
            self.origins.add(origin)
            self.destinations.add(destination)
            self.kinds.add(kind)
            self.units.add(unit)
            self.providers.add(provider)

    def __or__(self, other: "PairKeyValues") -> "PairKeyValues":
        return PairKeyValues(*(getattr(self, f.name) | getattr(other, f.name) for f in fields(self)))

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def matching(self, table) -> list:
        """WHERE clauses of `table`'s rows whose keys take these values (a NULL place included)."""
        def among(column, values):
            known = sorted(v for v in values if v is not None)
            clause = column.in_(known)
            return or_(clause, column.is_(None)) if None in values else clause
        return [among(table.c.origin_place_id, self.origins), among(table.c.destination_place_id, self.destinations),
                table.c.figure_kind.in_(sorted(self.kinds)), table.c.unit.in_(sorted(self.units)),
                table.c.provider.in_(sorted(self.providers))]


def _pair_week_rows(conn: Connection, weeks: Iterable[date]) -> set[tuple]:
    """The pair summary's rows of these weeks, whole (week_start, the keys, value, reports)."""
    p, rows = summary_flow_pair_week, set()
    for first, last in week_runs(weeks):
        rows.update(tuple(row) for row in conn.execute(
            select(p.c.week_start, *(p.c[k] for k in PAIR_KEYS), p.c.value, p.c.reports)
            .where(p.c.week_start.between(first, last))))
    return rows


def _fill_pairs_to_date(conn: Connection, year: int, first: date, keys: PairKeyValues | None = None) -> None:
    """Write summary_flow_pair_to_date's rows of `year` from Monday `first` to the year's end (of
    the pairs whose keys take `keys`' values, or of all).

    Computed from the pair summary's weeks, carried on from the to-date rows of the week before
    `first` when that week is in the same year: a pair's running sums over its weeks of data and
    a zero row for each Monday from its first week on, so every week holds every pair so far.
    """
    p, t = summary_flow_pair_week, summary_flow_pair_to_date
    last = last_monday(year)
    parts = [select(p.c.week_start, *(p.c[k] for k in PAIR_KEYS), p.c.value, p.c.reports)
             .where(p.c.week_start.between(first, last), *(keys.matching(p) if keys else ()))]
    if first > first_monday(year):
        parts.append(select(t.c.week_start, *(t.c[k] for k in PAIR_KEYS), t.c.value, t.c.reports)
                     .where(t.c.week_start == first - timedelta(weeks=1), *(keys.matching(t) if keys else ())))
    rows = union_all(*parts).cte("pair_rows")
    pairs = select(*(rows.c[k] for k in PAIR_KEYS), func.min(rows.c.week_start).label("first_week")) \
        .group_by(*(rows.c[k] for k in PAIR_KEYS)).subquery("pairs")
    weeks = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    mondays = union_all(*(select(literal(week, Date).label("week_start")) for week in weeks)).subquery("mondays")
    every_week = (select(mondays.c.week_start, *(pairs.c[k] for k in PAIR_KEYS), literal(0.0).label("value"),
                         literal(0).label("reports"))
                  .select_from(pairs.join(mondays, mondays.c.week_start >= pairs.c.first_week)))
    weekly = union_all(select(rows), every_week).subquery("weekly")
    week_keys = (weekly.c.week_start, *(weekly.c[k] for k in PAIR_KEYS))
    grouped = select(*week_keys, func.sum(weekly.c.value).label("value"), func.sum(weekly.c.reports).label("reports")) \
        .group_by(*week_keys).subquery("grouped")
    running = [func.sum(grouped.c[name]).over(partition_by=[grouped.c[k] for k in PAIR_KEYS],
                                              order_by=grouped.c.week_start).label(name)
               for name in ("value", "reports")]
    summed = select(grouped.c.week_start, *(grouped.c[k] for k in PAIR_KEYS), *running).subquery("summed")
    conn.execute(insert(t).from_select(("week_start", *PAIR_KEYS, "value", "reports"),
                                       select(summed).where(summed.c.week_start >= first)
                                       .order_by(summed.c.week_start)))


def refresh_pairs_to_date(conn: Connection, weeks: Iterable[date], keys: PairKeyValues) -> None:
    """Recompute the year-to-date sums of the pairs whose keys take `keys`' values, from the
    earliest of `weeks` in each of their years on.

    Only those pairs: a text fact accepted in July would otherwise rewrite half a year of every
    pair (about 4 s in SQLite at a million figures, bench/summary_refresh.py)."""
    if not keys:
        return
    earliest: dict[int, date] = {}
    for week in weeks:
        earliest[week.year] = min(earliest.get(week.year, week), week)
    t = summary_flow_pair_to_date
    for year, first in sorted(earliest.items()):
        conn.execute(delete(t).where(t.c.week_start.between(first, last_monday(year)), *keys.matching(t)))
        _fill_pairs_to_date(conn, year, first, keys)


def _fill_events(conn: Connection, where: list) -> None:
    conn.execute(insert(summary_event_week).from_select(_EVENT_COLUMNS, _event_select(where)))
    conn.execute(insert(summary_event_location_week).from_select(_LOCATION_COLUMNS, _event_location_select(where)))
    conn.execute(insert(summary_event_day).from_select((*_DAY_KEYS, "events", "fatalities"), _event_day_select(where)))


# --- keeping them current -------------------------------------------------------------------------

def week_runs(weeks: Iterable[date]) -> list[tuple[date, date]]:
    """Mondays as runs of consecutive weeks: [(first Monday, last Monday), ...]."""
    runs: list[list[date]] = []
    for week in sorted(set(weeks)):
        if runs and week - runs[-1][1] == timedelta(weeks=1):
            runs[-1][1] = week
        else:
            runs.append([week, week])
    return [(first, last) for first, last in runs]


def refresh_weeks(conn: Connection, figure_weeks: Iterable[date] = (), event_weeks: Iterable[date] = ()) -> None:
    """Recompute the summary rows of these weeks (Mondays) from the raw rows, in `conn`'s transaction
    (and the year-to-date pair sums from the earliest of them to their year's end)."""
    figure_weeks = set(figure_weeks)
    # Which pairs' year-to-date sums to recompute: for a few weeks, those whose weekly rows the
    # recomputation changed (told from the rows before and after); for more, every pair of the weeks.
    few = len(figure_weeks) <= COMPARED_WEEKS
    before = _pair_week_rows(conn, figure_weeks) if few else PairKeyValues.of_weeks(conn, figure_weeks)
    for first, last in week_runs(figure_weeks):
        days_end = last + timedelta(days=6)
        for table in (summary_flow_place_week, summary_flow_pair_week):
            conn.execute(delete(table).where(table.c.week_start.between(first, last)))
        conn.execute(delete(summary_figure_day).where(summary_figure_day.c.day.between(first, days_end)))
        indexed = (last - first).days // 7 + 1 <= INDEXED_RUN_WEEKS
        _fill_figures(conn, [figure_days_between(first, days_end) if indexed
                             else figure_day().between(first, days_end)])
    changed = (PairKeyValues.of_rows(before ^ _pair_week_rows(conn, figure_weeks)) if few
               else before | PairKeyValues.of_weeks(conn, figure_weeks))
    refresh_pairs_to_date(conn, figure_weeks, changed)
    for first, last in week_runs(event_weeks):
        for table in (summary_event_week, summary_event_location_week):
            conn.execute(delete(table).where(table.c.week_start.between(first, last)))
        conn.execute(delete(summary_event_day).where(summary_event_day.c.day.between(first, last + timedelta(days=6))))
        _fill_events(conn, [conflict_event.c.event_date.between(first, last + timedelta(days=6))])


def rebuild_summaries(conn: Connection) -> dict[str, int]:
    """Compute every summary row again from the raw rows; returns the rows of each table."""
    for table in SUMMARY_TABLES:
        conn.execute(delete(table))
    _fill_figures(conn, [])
    weeks = conn.execute(select(summary_flow_pair_week.c.week_start).distinct()).scalars()
    for year in sorted({week.year for week in weeks}):
        _fill_pairs_to_date(conn, year, first_monday(year))
    _fill_events(conn, [])
    return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one() for table in SUMMARY_TABLES}


def _summary_rows(conn: Connection, table) -> Counter:
    """The rows of a summary table as a multiset (sums rounded: their order of addition may differ)."""
    rows = conn.execute(select(table)).all()
    return Counter(tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows)


def check_summaries(engine: Engine) -> dict[str, int]:
    """How many rows of each summary table differ from what a rebuild gives (0 everywhere: current).

    The rebuild happens in a transaction that is rolled back: nothing changes.
    """
    with engine.connect() as conn:
        with conn.begin() as transaction:
            kept = {table.name: _summary_rows(conn, table) for table in SUMMARY_TABLES}
            rebuild_summaries(conn)
            fresh = {table.name: _summary_rows(conn, table) for table in SUMMARY_TABLES}
            transaction.rollback()
    return {name: sum(((kept[name] - fresh[name]) + (fresh[name] - kept[name])).values()) for name in kept}


def weeks_of(conn: Connection, table, condition) -> set[date]:
    """The weeks (Mondays) of the rows of `table` (displacement_figure or conflict_event) matching `condition`."""
    day = figure_day() if table is displacement_figure else conflict_event.c.event_date
    found = conn.execute(select(day).distinct().where(condition, day.is_not(None))).scalars()
    return {monday(value) for value in found}


@contextmanager
def kept_current(conn: Connection, table, condition) -> Iterator[None]:
    """Keep the summaries current around an UPDATE of the rows of `table` matching `condition`.

        with summary.kept_current(conn, displacement_figure, displacement_figure.c.figure_id == 7):
            conn.execute(update(displacement_figure)...)

    The weeks of those rows before the change and after it are recomputed (nothing is, when the
    block raises). For a DELETE, the weeks are taken before it. Any other table passes through.
    """
    if table is not displacement_figure and table is not conflict_event:  # no summary of other tables
        yield
        return
    before = weeks_of(conn, table, condition)
    yield
    weeks = before | weeks_of(conn, table, condition)
    if table is displacement_figure:
        refresh_weeks(conn, figure_weeks=weeks)
    else:
        refresh_weeks(conn, event_weeks=weeks)


def _day_of(table_name: str, columns) -> "callable | None":
    """row tuple → the day its week is counted by (None when undated), for rows in `columns` order."""
    columns = list(columns)
    if table_name == FIGURES:
        end = columns.index("period_end") if "period_end" in columns else None
        start = columns.index("period_start") if "period_start" in columns else None
        if end is not None and start is not None:
            return lambda row: row[end] or row[start]
        at = end if end is not None else start
        return (lambda row: row[at]) if at is not None else None
    if table_name == EVENTS and "event_date" in columns:
        at = columns.index("event_date")
        return lambda row: row[at]
    return None


@dataclass
class TouchedWeeks:
    """The weeks a load wrote rows in, collected as the rows pass, refreshed once at its end."""

    figures: set[date] = field(default_factory=set)
    events: set[date] = field(default_factory=set)

    def _weeks(self, table_name: str) -> set[date] | None:
        return self.figures if table_name == FIGURES else self.events if table_name == EVENTS else None

    def add_rows(self, table_name: str, columns, rows: Iterable[tuple]) -> None:
        """Note the weeks of rows given as tuples in `columns` order."""
        weeks, day_of = self._weeks(table_name), _day_of(table_name, columns)
        if weeks is not None and day_of is not None:
            weeks.update(monday(day) for day in set(map(day_of, rows)) if day)

    def add_values(self, table_name: str, values: dict) -> None:
        """Note the week of one row given as a column → value mapping (a row before or after a revision)."""
        self.add_rows(table_name, tuple(values), [tuple(values.values())])

    def passing(self, table_name: str, columns, rows: Iterable[tuple]) -> Iterator[tuple]:
        """The rows unchanged, noting their weeks as they stream past (a bulk insert's iterator)."""
        weeks, day_of = self._weeks(table_name), _day_of(table_name, columns)
        if weeks is None or day_of is None:
            yield from rows
            return
        days: set = set()
        for row in rows:
            days.add(day_of(row))
            yield row
        weeks.update(monday(day) for day in days if day)

    def refresh(self, conn: Connection) -> None:
        refresh_weeks(conn, self.figures, self.events)
        self.figures, self.events = set(), set()
