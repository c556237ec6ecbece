"""Which sources a chart's rows come from: per provider, its latest day among those rows and
whether any of them is demo data (issue 18, points 5 and 6).

Each function here takes the same Filters (and kind, unit, side) as the query of the chart it
speaks for and narrows the same table with the same clauses (the query modules' own helpers),
then groups the matching rows by load batch: a caption then names exactly the providers of the
rows drawn (a Hama events chart does not cite a Haiti DTM file) and a chart is labelled demo
only when one of its rows was loaded by the demo (its batch's source has is_demo).

Columns of every frame: SOURCE_COLUMNS (provider, latest_data_date, loaded_at, is_demo), one
row per provider, sorted by provider.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from sqlalchemy import Engine, Integer, cast, func, select, union_all

from db import vocab
from db.filters import Filters, area_place_ids, narrowing
from db.queries import _frame
from db.schema import (conflict_event, displacement_figure, event_count, load_batch, source, summary_event_day,
                       summary_figure_day)
from db.summary import figure_day

SOURCE_COLUMNS = ["provider", "latest_data_date", "loaded_at", "is_demo"]
BY_DATE_DAYS = 62  # a window up to two months is read by date, a longer one by the area's places


def no_sources() -> pd.DataFrame:
    return pd.DataFrame(columns=SOURCE_COLUMNS)


def sources_of_rows(engine: Engine, *rows) -> pd.DataFrame:
    """Per provider, from selects of (provider, batch_id, d): its latest d, its batches' latest
    load and whether any of its batches is the demo's. Only batches that are loaded count."""
    if not rows:
        return no_sources()
    data = (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("drawn")
    per_batch = (select(data.c.provider, data.c.batch_id, func.max(data.c.d).label("d"))
                 .group_by(data.c.provider, data.c.batch_id).subquery("drawn_batch"))
    query = (
        select(per_batch.c.provider, func.max(per_batch.c.d).label("latest_data_date"),
               func.max(load_batch.c.finished_at).label("loaded_at"),
               func.max(cast(source.c.is_demo, Integer)).label("is_demo"))
        .select_from(per_batch.join(load_batch, load_batch.c.batch_id == per_batch.c.batch_id)
                     .join(source, source.c.source_id == load_batch.c.source_id))
        .where(load_batch.c.status == "loaded")
        .group_by(per_batch.c.provider)
        .order_by(per_batch.c.provider)
    )
    frame = _frame(engine, query)
    if frame.empty:
        return no_sources()
    frame["latest_data_date"] = pd.to_datetime(frame["latest_data_date"]).dt.date
    frame["loaded_at"] = pd.to_datetime(frame["loaded_at"], utc=True)
    frame["is_demo"] = frame["is_demo"].fillna(0).astype(int).astype(bool)
    return frame[SOURCE_COLUMNS].reset_index(drop=True)


def combined(*frames: pd.DataFrame) -> pd.DataFrame:
    """Several charts' (or one chart's several tables') sources as one frame, a row per provider."""
    frames = [frame for frame in frames if frame is not None and not frame.empty]
    if not frames:
        return no_sources()
    rows = pd.concat(frames, ignore_index=True)
    merged = rows.groupby("provider", as_index=False).agg(
        latest_data_date=("latest_data_date", "max"), loaded_at=("loaded_at", "max"), is_demo=("is_demo", "any"))
    return merged[SOURCE_COLUMNS].sort_values("provider").reset_index(drop=True)


def figure_rows(filters: Filters, kind: str = "new_displacement", side: str | None = None):
    """(provider, batch_id, d) of the displacement figures the flow charts sum: the counted rows
    of `kind` in the window (db.flows_queries' own clauses); with an area, those that start or
    end inside it, or with `side`, those whose origin (or destination) is inside it."""
    from db.flows_queries import _raw_counted  # flows_queries imports this module's neighbours

    f = displacement_figure
    if not filters.area:
        return _summarised_figure_rows(filters, kind)
    # A window of a few weeks is read through the date index (the place ids as `+ 0`, as
    # db.flows_queries._raw_counted does for days): offered the place indexes for a country's places,
    # SQLite read every row of the country (1.5 s for a month's caption at 50,000 figures, issue 18).
    days = (filters.start, filters.end) if filters.days <= BY_DATE_DAYS else None
    if side is None:
        clauses = _raw_counted(filters, kind, area_place_ids(filters.area), days)
    else:
        column = f.c.origin_place_id if side == "origin" else f.c.destination_place_id
        clauses = [*_raw_counted(replace(filters, area=None), kind, None, days),
                   (column + 0 if days else column).in_(area_place_ids(filters.area))]
    return select(f.c.provider, f.c.batch_id, figure_day().label("d")).where(*clauses)


def _summarised_figure_rows(filters: Filters, kind: str):
    """figure_rows without an area, from the day summary (db/summary.py): its rows per day, batch and
    provider hold the same (provider, batch, day) as the raw rows they sum, a few thousand of them
    where a year of raw figures is a million (a year's caption took 3 s at a million figures, issue 18).
    `value` is the sum of the plausible figures: not NULL exactly when one of them counts."""
    fd = summary_figure_day
    return (select(fd.c.provider, fd.c.batch_id, fd.c.day.label("d"))
            .where(fd.c.figure_kind == kind, fd.c.is_cumulative.is_(False), fd.c.held_in_finer.is_(False),
                   fd.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES), fd.c.value.is_not(None),
                   fd.c.day.between(filters.start, filters.end),
                   *narrowing(filters, unit=fd.c.unit, provider=fd.c.provider)))


def event_rows(filters: Filters):
    """(provider, batch_id, d) of the counted, dated events of the window (db.events_queries' clauses);
    without an area or event types, from the day summary (as _summarised_figure_rows)."""
    from db.events_queries import _counted

    if not filters.area and not filters.event_types:
        ed = summary_event_day
        return (select(ed.c.provider, ed.c.batch_id, ed.c.day.label("d"))
                .where(ed.c.day.between(filters.start, filters.end),
                       ed.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES),
                       *narrowing(filters, provider=ed.c.provider)))
    e = conflict_event
    return (select(e.c.provider, e.c.batch_id, e.c.event_date.label("d"))
            .where(*_counted(filters, by_date=filters.days <= BY_DATE_DAYS)))


def event_count_rows(filters: Filters):
    """(provider, batch_id, d) of HDX HAPI's event counts whose period overlaps the window
    (db.events_queries.query_hapi_event_counts' clauses)."""
    c = event_count
    return (select(c.c.provider, c.c.batch_id, c.c.period_end.label("d"))
            .where(c.c.period_start <= filters.end, c.c.period_end >= filters.start,
                   *narrowing(filters, place_columns=(c.c.place_id,), provider=c.c.provider)))


def query_flow_sources(engine: Engine, filters: Filters, kind: str = "new_displacement",
                       side: str | None = None) -> pd.DataFrame:
    return sources_of_rows(engine, figure_rows(filters, kind, side))


def query_event_sources(engine: Engine, filters: Filters) -> pd.DataFrame:
    return sources_of_rows(engine, event_rows(filters))


def query_flow_and_event_sources(engine: Engine, filters: Filters, kind: str = "new_displacement",
                                 side: str | None = None) -> pd.DataFrame:
    """A chart of flows beside events: both tables' sources (read apart: each may carry the area CTE)."""
    return combined(query_flow_sources(engine, filters, kind, side), query_event_sources(engine, filters))


def query_event_count_sources(engine: Engine, filters: Filters) -> pd.DataFrame:
    return sources_of_rows(engine, event_count_rows(filters))
