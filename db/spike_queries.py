"""Queries of the "flows and preceding events" page: events per week and type, events near a
place before a spike, and weekly events per place for the lag view.

Events count as everywhere: dated, and text facts only once accepted on review.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, func, or_, select

from db import vocab
from db.filters import Filters, narrowing, weeks_before
from db.queries import TEXT_PROVIDER, _frame, _frames
from db.event_queries import _counted, query_weekly_events
from db.schema import conflict_event, place, source, summary_event_week
from db.summary import mondays, split_window

EARTH_RADIUS_KM = 6371.0
LOOKBACK_DAYS = (1, 60, 14)  # minimum, maximum, default
RADIUS_KM = (0, 300, 50)
SPIKE_CHOICES = 30  # the largest place-weeks a user can pick a spike from
TOP_FLOWS = 10  # the largest flows of the spike's week, each with its preceding events
LAG_WEEKS = 16  # the lag view looks at this many weeks up to the end of the window


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


def distance_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (haversine); works on numbers, arrays and pandas Series."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


EVENTS_NEAR_COLUMNS = ["event_id", "event_date", "event_type", "sub_event_type", "actor1", "actor2", "place_key",
                       "pcode", "place", "place_ar", "lat", "lon", "distance_km", "fatalities", "provider",
                       "source_title", "quote", "from_text", "inside_area"]


@dataclass(frozen=True)
class _Centre:
    """A place events are looked for around: its coordinates, the box `radius_km` draws round them
    (None without coordinates or radius), and the ids of the places inside it (itself included)."""

    lat: float | None
    lon: float | None
    box: tuple[float, float, float, float] | None  # lat from, lat to, lon from, lon to
    inside: frozenset[int]


def _centres(engine: Engine, place_keys: tuple[str, ...], radius_km: float) -> dict[str, _Centre]:
    """The gazetteer's places among `place_keys`, with every place under each (one recursive query)."""
    top = (select(place.c.place_key.label("centre_key"), place.c.place_id, place.c.lat, place.c.lon)
           .where(place.c.place_key.in_(place_keys)).cte("centre_tree", recursive=True))
    child = place.alias("child")
    tree = top.union_all(select(top.c.centre_key, child.c.place_id, top.c.lat, top.c.lon)
                         .where(child.c.parent_id == top.c.place_id))
    inside: dict[str, set[int]] = {}
    coordinates: dict[str, tuple] = {}
    with engine.connect() as conn:
        for key, place_id, lat, lon in conn.execute(select(tree)):
            inside.setdefault(key, set()).add(place_id)
            coordinates.setdefault(key, (lat, lon))  # every row of a tree carries its centre's
    centres = {}
    for key, (lat, lon) in coordinates.items():
        box = None
        if lat is not None and radius_km > 0:
            dlat = radius_km / 111.0
            dlon = radius_km / (111.0 * max(math.cos(math.radians(lat)), 0.01))
            box = (lat - dlat, lat + dlat, lon - dlon, lon + dlon)
        centres[key] = _Centre(lat, lon, box, frozenset(inside[key]))
    return centres


def _near_candidates(centres: dict[str, _Centre], start: date, end: date):
    """The ids of the window's events inside a centre's area or in its box, by their own columns only.

    An event stands at its own coordinates, else at its place's: in a box when its own are, or
    when it has none and its place is. Written on the event's own columns, the test reads only
    the (event_date, place_id, lat, lon) index, and only the events that pass are read whole:
    a tenth of the window's for one place (12 ms instead of 52 for three weeks of the demo at scale).
    """
    e = conflict_event.alias("candidate")
    boxes = [c.box for c in centres.values() if c.box is not None]
    inside = sorted(set().union(*(c.inside for c in centres.values())))
    near = [(e.c.place_id + 0).in_(inside)]  # `+ 0`: not through the place_id index, over every day
    if boxes:
        near += [and_(e.c.lat.between(b[0], b[1]), e.c.lon.between(b[2], b[3])) for b in boxes]
        placed = select(place.c.place_id).where(
            or_(*(and_(place.c.lat.between(b[0], b[1]), place.c.lon.between(b[2], b[3])) for b in boxes)))
        near.append(and_(e.c.lat.is_(None), e.c.place_id.in_(placed)))
    return select(e.c.event_id).where(e.c.event_date.between(start, end), or_(*near))


def query_events_near_places(engine: Engine, place_keys, start: date, end: date, radius_km: float,
                             event_types: tuple[str, ...] = (), sources: tuple[str, ...] = ()) -> pd.DataFrame:
    """Counted events between `start` and `end` inside each place (when it is an area) or within
    `radius_km` of it, nearest first within each day, latest day first.

    One read of the window's events for every place (the page asks for a spike's place and the
    ten largest flows of its week: ten queries took 0.8 s at a million events). The radius uses
    the event's own coordinates, else its place's. Columns: near_place_key (the place of
    `place_keys` the event is near; the places follow in that order, a key not in the gazetteer
    has no rows), then EVENTS_NEAR_COLUMNS (distance_km is NaN when neither has coordinates;
    inside_area says the event's place lies inside that place).
    """
    columns = ["near_place_key", *EVENTS_NEAR_COLUMNS]
    keys = list(dict.fromkeys(place_keys))
    centres = _centres(engine, tuple(keys), radius_km)
    if not centres:
        return pd.DataFrame(columns=columns)
    e = conflict_event
    narrowed = Filters(start=start, end=end, event_types=event_types, sources=sources)
    query = (
        select(e.c.event_id, e.c.event_date, e.c.event_type, e.c.sub_event_type, e.c.actor1, e.c.actor2,
               e.c.place_id, place.c.place_key, place.c.pcode,
               func.coalesce(place.c.name_en, e.c.place_name_raw).label("place"), place.c.name_ar.label("place_ar"),
               func.coalesce(e.c.lat, place.c.lat).label("lat"), func.coalesce(e.c.lon, place.c.lon).label("lon"),
               e.c.fatalities, e.c.provider, source.c.title.label("source_title"), e.c.quote)
        .select_from(e.join(source, source.c.source_id == e.c.source_id)
                     .outerjoin(place, place.c.place_id == e.c.place_id))
        # The window is the candidates' only: stated here as well, it would lead SQLite to read the events by date.
        .where(e.c.event_id.in_(_near_candidates(centres, start, end)),
               e.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES),
               *narrowing(narrowed, event_type=e.c.event_type, provider=e.c.provider))
    )
    found = _frame(engine, query)
    if found.empty:
        return pd.DataFrame(columns=columns)
    lats, lons = found["lat"].astype(float).to_numpy(), found["lon"].astype(float).to_numpy()
    parts = []  # per place: (its position in `keys`, the rows near it, their distances, inside it)
    for position, key in enumerate(keys):
        centre = centres.get(key)
        if centre is None:
            continue
        inside = found["place_id"].isin(centre.inside).to_numpy()
        distance = (distance_km(centre.lat, centre.lon, lats, lons).round(1) if centre.lat is not None
                    else np.full(len(found), np.nan))
        kept = inside.copy()
        if centre.box is not None:  # as that place's own query: inside it, or in its box and within the radius
            lat_from, lat_to, lon_from, lon_to = centre.box
            in_box = (lats >= lat_from) & (lats <= lat_to) & (lons >= lon_from) & (lons <= lon_to)
            kept |= in_box & (distance <= radius_km)
        parts.append((position, np.flatnonzero(kept), distance[kept], inside[kept]))
    rows = np.concatenate([part[1] for part in parts])
    position = np.concatenate([np.full(len(part[1]), part[0]) for part in parts])
    distance = np.concatenate([part[2] for part in parts])
    inside = np.concatenate([part[3] for part in parts])
    found["event_date"] = pd.to_datetime(found["event_date"])
    # One place after the other (in `keys` order); within one, latest day first, then nearest, then by id.
    day = found["event_date"].to_numpy()[rows]
    order = np.lexsort((found["event_id"].to_numpy()[rows], distance, -day.astype("int64"), position))
    near = found.take(rows[order]).reset_index(drop=True).assign(
        near_place_key=np.array(keys, dtype=object)[position[order]], distance_km=distance[order],
        inside_area=inside[order])
    near["event_date"] = near["event_date"].dt.date
    near["from_text"] = near["provider"] == TEXT_PROVIDER
    return near[columns].reset_index(drop=True)


def events_near(found: pd.DataFrame, place_key: str) -> pd.DataFrame:
    """The events of one place from query_events_near_places (EVENTS_NEAR_COLUMNS)."""
    rows = found[found["near_place_key"] == place_key]
    return rows[EVENTS_NEAR_COLUMNS].reset_index(drop=True)


def preceding_window(week: date, lookback_days: int) -> tuple[date, date]:
    """The days whose events may have preceded flight in the week starting `week`: from
    `lookback_days` before the week's Monday to its Sunday (flight later in the week can follow
    an event earlier in it)."""
    return week - timedelta(days=lookback_days), week + timedelta(days=6)


def lag_window(filters: Filters) -> Filters:
    """The filters of the lag view: the window, widened to LAG_WEEKS whole weeks when shorter."""
    return filters.with_window(min(filters.start, weeks_before(filters.end, LAG_WEEKS)), filters.end)


def query_weekly_events_by_place(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Counted events per week and place (for the lag view). Columns: week, place_key, events.

    Whole weeks from the weekly summary, the days at the window's edges from the raw rows.
    """
    e, s = conflict_event, summary_event_week
    weeks, edges = split_window(filters.start, filters.end)
    parts = [
        select(e.c.event_date.label("day"), place.c.place_key, func.count().label("events"))
        .select_from(e.join(place, place.c.place_id == e.c.place_id))
        .where(*_counted(filters, first, last, by_date=True))  # edge days: through the event_date index
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
