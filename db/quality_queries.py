"""Read queries of the Data quality page: loads, their issues, and figures two sources may share.

SQLAlchemy Core only; every value is a bound parameter. What the page shows comes from outside
(file names, titles, messages, raw cells) and is returned as it is stored: the page shows it in
tables, never as Markdown.

Possible duplicates (query_possible_duplicates): two displacement figures from different
sources that may be one fact reported twice — both counted, same kind and unit, the same place
(an origin or destination both give, and no side where both give a place and they differ),
periods that overlap, and figures within DUPLICATE_TOLERANCE of the larger. A pair a person has
decided on (db.schema.duplicate_decision) is not offered again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, timezone

import pandas as pd
from sqlalchemy import Engine, and_, case, exists, func, or_, select, union_all

from db import vocab
from db.filters import Filters, area_place_ids, narrowing
from db.queries import _frame
from db.schema import (displacement_figure, duplicate_decision, load_batch, load_issue, place, source,
                       summary_figure_day)

FEW_BATCHES = 50  # up to this many loads in all, every load is listed whatever the window
ISSUE_ROWS = 5_000  # issues of one batch listed at most (a large file can carry 100,000 warnings)
DUPLICATE_TOLERANCE = 0.10  # |a - b| <= 10% of the larger figure
DUPLICATE_PAIRS = 200  # pairs returned at most, largest figures first

BATCH_COLUMNS = ["batch_id", "source_kind", "title", "file_name", "publisher", "is_demo", "status", "started_at",
                 "finished_at", "rows_read", "rows_loaded", "rows_rejected", "rows_inserted", "rows_updated",
                 "rows_unchanged", "errors", "warnings"]
FIGURE_FIELDS = ("figure_id", "provider", "source_title", "origin", "origin_key", "destination", "destination_key",
                 "period_start", "period_end", "figure", "figure_max", "qualifier", "unit", "figure_kind", "quote")
QUOTE_FIELDS = ("quote",)  # read only for a role that may see quotes (access.policy.Permission.SEE_QUOTES)


@dataclass(frozen=True)
class BatchList:
    batches: pd.DataFrame  # BATCH_COLUMNS, newest first
    total: int  # loads in the database
    windowed: bool  # True when only the loads finished inside the window are listed


def _window_bounds(filters: Filters) -> tuple[datetime, datetime]:
    """The window's days as UTC instants: from the first day's midnight to the day after the last."""
    start = datetime.combine(filters.start, time.min, tzinfo=timezone.utc)
    return start, datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=timezone.utc)


def query_batch_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(load_batch)).scalar_one()


def query_batch_exists(engine: Engine, batch_id: int) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(load_batch.c.batch_id).where(load_batch.c.batch_id == batch_id)).first() is not None


def query_live_batches(engine: Engine, limit: int = 500) -> pd.DataFrame:
    """The batches not deleted, newest first (the Admin page picks one to delete)."""
    b = load_batch
    query = (select(b.c.batch_id, b.c.file_name, b.c.source_kind, b.c.rows_loaded, b.c.finished_at)
             .where(b.c.status == "loaded").order_by(b.c.batch_id.desc()).limit(limit))
    return _frame(engine, query)


def query_load_batches(engine: Engine, filters: Filters, *, few: int = FEW_BATCHES) -> BatchList:
    """Every load (with its source and issue counts), newest first; only those finished in the
    window when there are more than `few` in all."""
    total = query_batch_count(engine)
    issues = (
        select(load_issue.c.batch_id,
               func.count().filter(load_issue.c.severity == "error").label("errors"),
               func.count().filter(load_issue.c.severity == "warning").label("warnings"))
        .group_by(load_issue.c.batch_id)
        .subquery()
    )
    query = (
        select(load_batch.c.batch_id, load_batch.c.source_kind, source.c.title,
               func.coalesce(load_batch.c.file_name, source.c.file_name).label("file_name"), source.c.publisher,
               source.c.is_demo, load_batch.c.status, load_batch.c.started_at, load_batch.c.finished_at,
               load_batch.c.rows_read, load_batch.c.rows_loaded, load_batch.c.rows_rejected,
               load_batch.c.rows_inserted, load_batch.c.rows_updated, load_batch.c.rows_unchanged,
               func.coalesce(issues.c.errors, 0).label("errors"),
               func.coalesce(issues.c.warnings, 0).label("warnings"))
        .select_from(load_batch.join(source, source.c.source_id == load_batch.c.source_id)
                     .outerjoin(issues, issues.c.batch_id == load_batch.c.batch_id))
        .order_by(load_batch.c.finished_at.desc(), load_batch.c.batch_id.desc())
    )
    windowed = total > few
    if windowed:
        start, end = _window_bounds(filters)
        query = query.where(load_batch.c.finished_at >= start, load_batch.c.finished_at < end)
    frame = _frame(engine, query)
    if frame.empty:
        frame = pd.DataFrame(columns=BATCH_COLUMNS)
    frame["is_demo"] = frame["is_demo"].astype(bool)
    return BatchList(frame[BATCH_COLUMNS].reset_index(drop=True), total, windowed)


def query_issue_counts(engine: Engine, batch_ids: tuple[int, ...] | None = None) -> pd.DataFrame:
    """load_issue rows per code and severity, of the given batches (all when None).

    Columns: code, severity, issues. Most frequent first.
    """
    count = func.count().label("issues")
    query = (
        select(load_issue.c.code, load_issue.c.severity, count)
        .group_by(load_issue.c.code, load_issue.c.severity)
        .order_by(count.desc(), load_issue.c.code, load_issue.c.severity)
    )
    if batch_ids is not None:
        query = query.where(load_issue.c.batch_id.in_(list(batch_ids)))
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=["code", "severity", "issues"])
    frame["issues"] = frame["issues"].astype(int)
    return frame


def query_batch_issues(engine: Engine, batch_id: int, limit: int = ISSUE_ROWS) -> pd.DataFrame:
    """The issues of one batch, file-level ones first, then by row. Columns: row_number,
    field_name, code, severity, message, raw_value."""
    query = (
        select(load_issue.c.row_number, load_issue.c.field_name, load_issue.c.code, load_issue.c.severity,
               load_issue.c.message, load_issue.c.raw_value)
        .where(load_issue.c.batch_id == batch_id)
        .order_by(load_issue.c.row_number.is_not(None), load_issue.c.row_number, load_issue.c.issue_id)
        .limit(limit)
    )
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=["row_number", "field_name", "code", "severity", "message", "raw_value"])
    frame["row_number"] = frame["row_number"].astype("Int64")
    return frame


# --- possible duplicates -------------------------------------------------------------------------

def _sources_by_size(engine: Engine, filters: Filters) -> list[int]:
    """The sources with counted figures dated in the window, most figures first (from the day
    summary, a few thousand rows; the area is not applied, so it may name a source too many)."""
    d = summary_figure_day
    query = (
        select(d.c.source_id)
        .where(d.c.day.between(filters.start, filters.end), d.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES),
               *narrowing(filters, figure_kind=d.c.figure_kind, unit=d.c.unit, provider=d.c.provider))
        .group_by(d.c.source_id)
        .having(func.sum(d.c.reports_with_figure) > 0)
        .order_by(func.sum(d.c.reports_with_figure).desc(), d.c.source_id)
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def _days(figure) -> tuple:
    """A figure's first and last day: its period, or the one day it gives."""
    return (func.coalesce(figure.c.period_start, figure.c.period_end),
            func.coalesce(figure.c.period_end, figure.c.period_start))


def _pair_ids(filters: Filters, sources: list[int]):
    """(first_id, second_id) of the candidate pairs, and the clause telling a pair already decided.

    A pair has two sources, so at least one of its figures is not from `sources[0]`, the source
    with most figures in the window (all but 283 of the demo's million at scale). The search
    starts from the figures of the other sources (`minority`, through the (source_id, period_end)
    index) and looks each one's partners up by place and day through the (origin_place_id,
    period_end) and (destination_place_id, period_end) indexes: its work grows with the smaller
    sources' figures, not with the window's (6 s for a year of the demo before, self-joining
    every figure of the window). Partners that span several days or give only period_start
    (`irregular`: few; the partial index holds the first) are joined from a set of their own.
    Disjoint branches; a pair of two minority figures is met from both ends and kept once.
    """
    f = displacement_figure
    inside = area_place_ids(filters.area) if filters.area else None

    def in_view(x) -> list:
        """Counted, with a number and a place, narrowed by the filters (the window is the caller's)."""
        clauses = [x.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES), x.c.figure.is_not(None),
                   or_(x.c.origin_place_id.is_not(None), x.c.destination_place_id.is_not(None)),
                   *narrowing(replace(filters, area=None), figure_kind=x.c.figure_kind, unit=x.c.unit,
                              provider=x.c.provider)]
        if inside is not None:
            # One area CTE for the whole statement, tested on `place_id + 0`: a filter, never the way
            # in (without table statistics SQLite would read every figure of the area, of all time,
            # through the place indexes rather than the window's few through the day indexes).
            clauses.append(or_((x.c.origin_place_id + 0).in_(inside), (x.c.destination_place_id + 0).in_(inside)))
        return clauses

    def figures(*where):
        first_day, last_day = _days(f)
        return (select(f.c.figure_id, f.c.source_id, f.c.figure_kind, f.c.unit, f.c.origin_place_id,
                       f.c.destination_place_id, f.c.figure, first_day.label("first_day"), last_day.label("last_day"))
                .where(*in_view(f), *where))

    # A figure's day is period_end, else period_start: two selects, so that each one reads an index range.
    ends_in_window = f.c.period_end.between(filters.start, filters.end)
    starts_in_window = and_(f.c.period_end.is_(None), f.c.period_start.between(filters.start, filters.end))
    minority = union_all(figures(f.c.source_id.in_(sources[1:]), ends_in_window),
                         figures(f.c.source_id.in_(sources[1:]), starts_in_window)).cte("minority")
    irregular = union_all(figures(f.c.period_start < f.c.period_end, ends_in_window),  # the partial index's WHERE
                          figures(starts_in_window)).cte("irregular")
    a = minority.alias("a")
    one_day = f.alias("b")
    one_day_partner = [
        # one day: no period_start, or not before period_end (a form PostgreSQL can estimate: given
        # `period_start = period_end` it expected 1,700 rows of 500,000 and hashed them all)
        or_(one_day.c.period_start.is_(None), ~(one_day.c.period_start < one_day.c.period_end)),
        # the window on an expression no index serves, so that `a` leads and `b` is looked up
        _days(one_day)[1] >= filters.start, *in_view(one_day),
    ]
    partners = (  # the partner, and how it is looked up from `a`
        # a one-day figure of `a`'s day (an equality: PostgreSQL then looks it up rather than hashing the window)
        (one_day, [a.c.first_day == a.c.last_day, one_day.c.period_end == a.c.last_day, *one_day_partner]),
        # a one-day figure of a day in `a`'s period
        (one_day, [a.c.first_day < a.c.last_day, one_day.c.period_end.between(a.c.first_day, a.c.last_day),
                   *one_day_partner]),
        (irregular.alias("b"), []),
    )
    branches = []
    for b, partner in partners:
        b_first, b_last = _days(b) if b is one_day else (b.c.first_day, b.c.last_day)
        larger = case((a.c.figure >= b.c.figure, a.c.figure), else_=b.c.figure)
        alike = [
            *partner,
            a.c.figure_kind == b.c.figure_kind,
            a.c.unit == b.c.unit,
            a.c.source_id != b.c.source_id,
            or_(b.c.source_id == sources[0], a.c.figure_id < b.c.figure_id),  # two minority figures: once
            a.c.first_day <= b_last,
            b_first <= a.c.last_day,
            func.abs(a.c.figure - b.c.figure) <= DUPLICATE_TOLERANCE * larger,
        ]

        def same_or_not_given(column: str):
            return or_(a.c[column].is_(None), b.c[column].is_(None), a.c[column] == b.c[column])

        for same_place, other_place in (
                (b.c.origin_place_id == a.c.origin_place_id, same_or_not_given("destination_place_id")),
                (b.c.destination_place_id == a.c.destination_place_id,
                 or_(a.c.origin_place_id.is_(None), b.c.origin_place_id.is_(None)))):
            branches.append(
                select(case((a.c.figure_id < b.c.figure_id, a.c.figure_id), else_=b.c.figure_id).label("first_id"),
                       case((a.c.figure_id < b.c.figure_id, b.c.figure_id), else_=a.c.figure_id).label("second_id"))
                .select_from(a.join(b, same_place))
                .where(*alike, other_place))
    pairs = union_all(*branches).subquery("pairs")
    decided = exists().where(duplicate_decision.c.first_id == pairs.c.first_id,
                             duplicate_decision.c.second_id == pairs.c.second_id)
    return pairs, decided


def _side(alias_name: str, with_quotes: bool):
    """One side of a pair: the figure, its source and both places (and its quote when asked), as labelled columns."""
    f = displacement_figure.alias(alias_name)
    src = source.alias(f"{alias_name}_source")
    origin, destination = place.alias(f"{alias_name}_origin"), place.alias(f"{alias_name}_destination")
    columns = {
        "figure_id": f.c.figure_id, "provider": f.c.provider, "source_title": src.c.title,
        "origin": func.coalesce(origin.c.name_en, f.c.origin_name_raw), "origin_key": origin.c.place_key,
        "destination": func.coalesce(destination.c.name_en, f.c.destination_name_raw),
        "destination_key": destination.c.place_key, "period_start": f.c.period_start,
        "period_end": f.c.period_end, "figure": f.c.figure, "figure_max": f.c.figure_max,
        "qualifier": f.c.qualifier, "unit": f.c.unit, "figure_kind": f.c.figure_kind, "quote": f.c.quote,
    }
    if not with_quotes:
        columns = {name: column for name, column in columns.items() if name not in QUOTE_FIELDS}

    def joined(left, on):
        return (left.join(f, on(f))
                .join(src, src.c.source_id == f.c.source_id)
                .outerjoin(origin, origin.c.place_id == f.c.origin_place_id)
                .outerjoin(destination, destination.c.place_id == f.c.destination_place_id))

    return f, columns, joined


def query_possible_duplicates(engine: Engine, filters: Filters, limit: int = DUPLICATE_PAIRS, *,
                              with_quotes: bool = False) -> pd.DataFrame:
    """Undecided pairs of figures from different sources that may be one fact (see the module).

    Both figures' days lie in the window; with an area, both touch it. Columns: first_<field>
    and second_<field> for each of FIGURE_FIELDS (first_figure_id < second_figure_id), largest
    figures first, at most `limit` pairs. The quotes (QUOTE_FIELDS) are read only `with_quotes`:
    for a role that may see them.
    """
    fields = [name for name in FIGURE_FIELDS if with_quotes or name not in QUOTE_FIELDS]
    columns = [f"{side}_{name}" for side in ("first", "second") for name in fields]
    sources = _sources_by_size(engine, filters)
    if len(sources) < 2:  # one source cannot duplicate itself
        return pd.DataFrame(columns=columns)
    pairs, decided = _pair_ids(filters, sources)
    first, first_columns, join_first = _side("first", with_quotes)
    second, second_columns, join_second = _side("second", with_quotes)
    body = join_second(join_first(pairs, lambda f: f.c.figure_id == pairs.c.first_id),
                       lambda f: f.c.figure_id == pairs.c.second_id)
    larger = case((first.c.figure >= second.c.figure, first.c.figure), else_=second.c.figure)
    query = (
        select(*(column.label(f"first_{name}") for name, column in first_columns.items()),
               *(column.label(f"second_{name}") for name, column in second_columns.items()))
        .select_from(body)
        .where(~decided)
        .order_by(larger.desc(), pairs.c.first_id, pairs.c.second_id)
        .limit(limit)
    )
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    return frame[columns]

