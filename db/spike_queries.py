"""Queries of the "flows and preceding events" page: events per week and type, events near a
place before a spike, and weekly events per place for the lag view.

Events count as everywhere: dated, and text facts only once accepted on review.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine, and_, func, or_, select

from db import vocab
from db.filters import Filters, area_place_ids, narrowing
from db.queries import TEXT_PROVIDER, _frame, _frames
from db.event_queries import query_weekly_events
from db.schema import conflict_event, place, source, summary_event_week
from db.summary import mondays, split_window

EARTH_RADIUS_KM = 6371.0
LOOKBACK_DAYS = (1, 60, 14)  # minimum, maximum, default
RADIUS_KM = (0, 300, 50)


def _counted_events(start: date, end: date) -> list:
    return [conflict_event.c.event_date.between(start, end),
            conflict_event.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES)]


def query_weekly_events_by_type(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Counted events per week (Monday) and ACLED event type. Columns: week, event_type, from_text, events.

    Whole weeks come from the weekly summary (db.summary), the days at the window's edges from
    the raw rows (db.event_queries.query_weekly_events).
    """
    weekly = query_weekly_events(engine, filters)
    if weekly.empty:
        return pd.DataFrame(columns=["week", "event_type", "from_text", "events"])
    by_type = weekly.groupby(["week", "event_type", "from_text"], as_index=False)["events"].sum()
    return by_type.sort_values(["week", "event_type"]).reset_index(drop=True)


def query_place(engine: Engine, place_key: str) -> dict | None:
    """One place's key, names, kind and coordinates (None when the key is not in the gazetteer)."""
    query = select(place.c.place_id, place.c.place_key, place.c.pcode, place.c.kind, place.c.name_en,
                   place.c.name_ar, place.c.lat, place.c.lon).where(place.c.place_key == place_key)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def distance_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (haversine); works on numbers and on pandas Series."""
    import numpy as np

    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


EVENTS_NEAR_COLUMNS = ["event_id", "event_date", "event_type", "sub_event_type", "actor1", "actor2", "place_key",
                       "pcode", "place", "place_ar", "lat", "lon", "distance_km", "fatalities", "provider",
                       "source_title", "quote", "from_text", "inside_area"]


def query_events_near(engine: Engine, place_key: str, start: date, end: date, radius_km: float,
                      event_types: tuple[str, ...] = (), sources: tuple[str, ...] = ()) -> pd.DataFrame:
    """Counted events between `start` and `end` inside the place (when it is an area) or within
    `radius_km` of it, nearest first within each day, latest day first.

    The radius uses the event's own coordinates, else its place's. Columns: EVENTS_NEAR_COLUMNS
    (distance_km is NaN when neither has coordinates; inside_area says the event's place lies
    inside the spike's place).
    """
    centre = query_place(engine, place_key)
    if centre is None:
        return pd.DataFrame(columns=EVENTS_NEAR_COLUMNS)
    e = conflict_event
    lat = func.coalesce(e.c.lat, place.c.lat)
    lon = func.coalesce(e.c.lon, place.c.lon)
    inside = e.c.place_id.in_(area_place_ids(place_key))
    near = []
    if centre["lat"] is not None and radius_km > 0:
        dlat = radius_km / 111.0
        dlon = radius_km / (111.0 * max(math.cos(math.radians(centre["lat"])), 0.01))
        near = [and_(lat.between(centre["lat"] - dlat, centre["lat"] + dlat),
                     lon.between(centre["lon"] - dlon, centre["lon"] + dlon))]
    narrowed = Filters(start=start, end=end, event_types=event_types, sources=sources)
    query = (
        select(e.c.event_id, e.c.event_date, e.c.event_type, e.c.sub_event_type, e.c.actor1, e.c.actor2,
               place.c.place_key, place.c.pcode, func.coalesce(place.c.name_en, e.c.place_name_raw).label("place"),
               place.c.name_ar.label("place_ar"), lat.label("lat"), lon.label("lon"), e.c.fatalities, e.c.provider,
               source.c.title.label("source_title"), e.c.quote, inside.label("inside_area"))
        .select_from(e.join(source, source.c.source_id == e.c.source_id)
                     .outerjoin(place, place.c.place_id == e.c.place_id))
        .where(*_counted_events(start, end), or_(inside, *near),
               *narrowing(narrowed, event_type=e.c.event_type, provider=e.c.provider))
    )
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=EVENTS_NEAR_COLUMNS)
    frame["inside_area"] = frame["inside_area"].astype(bool)
    if centre["lat"] is not None:
        frame["distance_km"] = distance_km(centre["lat"], centre["lon"], frame["lat"].astype(float),
                                           frame["lon"].astype(float)).round(1)
    else:
        frame["distance_km"] = float("nan")
    frame = frame[frame["inside_area"] | (frame["distance_km"] <= radius_km)]
    frame["event_date"] = pd.to_datetime(frame["event_date"]).dt.date
    frame["from_text"] = frame["provider"] == TEXT_PROVIDER
    frame = frame.sort_values(["event_date", "distance_km", "event_id"], ascending=[False, True, True])
    return frame[EVENTS_NEAR_COLUMNS].reset_index(drop=True)


def preceding_window(week: date, lookback_days: int) -> tuple[date, date]:
    """The days whose events may have preceded flight in the week starting `week`: from
    `lookback_days` before the week's Monday to its Sunday (flight later in the week can follow
    an event earlier in it)."""
    return week - timedelta(days=lookback_days), week + timedelta(days=6)


def query_weekly_events_by_place(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Counted events per week and place (for the lag view). Columns: week, place_key, events.

    Whole weeks from the weekly summary, the days at the window's edges from the raw rows.
    """
    e, s = conflict_event, summary_event_week
    weeks, edges = split_window(filters.start, filters.end)
    parts = [
        select(e.c.event_date.label("day"), place.c.place_key, func.count().label("events"))
        .select_from(e.join(place, place.c.place_id == e.c.place_id))
        .where(*_counted_events(first, last),
               *narrowing(filters, place_columns=(e.c.place_id,), event_type=e.c.event_type, provider=e.c.provider))
        .group_by(e.c.event_date, place.c.place_key)
        for first, last in edges
    ]
    if weeks:
        parts.append(
            select(s.c.week_start.label("day"), place.c.place_key, func.sum(s.c.events).label("events"))
            .select_from(s.join(place, place.c.place_id == s.c.place_id))
            .where(s.c.week_start.between(*weeks),
                   *narrowing(filters, place_columns=(s.c.place_id,), event_type=s.c.event_type,
                              provider=s.c.provider))
            .group_by(s.c.week_start, place.c.place_key))
    frame = _frames(engine, parts)
    if frame.empty:
        return pd.DataFrame(columns=["week", "place_key", "events"])
    frame["week"] = mondays(frame["day"])
    frame["events"] = frame["events"].astype(int)
    return frame.groupby(["week", "place_key"], as_index=False)["events"].sum()
