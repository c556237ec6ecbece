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
from db.plausible import plausible_numbers
from db.queries import TEXT_PROVIDER, _frame, _frames
from db.events_queries import _counted, query_weekly_events
from db.schema import conflict_event, place, source, summary_event_location_week, summary_event_week
from db.summary import mondays, split_window

EARTH_RADIUS_KM = 6371.0
LOOKBACK_DAYS = (1, 60, 14)  # minimum, maximum, default
RADIUS_KM = (0, 300, 50)
SPIKE_CHOICES = 30  # the largest place-weeks a user can pick a spike from
TOP_FLOWS = 10  # the largest flows of the spike's week, each with its preceding events
SPIKE_LIST_ROWS = 200  # the spike's events listed on the page, latest first (the CSV holds them all)
LAG_WEEKS = 16  # the lag view looks at this many weeks up to the end of the window


def query_weekly_events_by_type(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Counted events per week (Monday) and ACLED event type. Columns: week, event_type, from_text, events.

    Whole weeks come from the weekly summary (db.summary), the days at the window's edges from
    the raw rows (db.events_queries.query_weekly_events).
    """
    return events_by_type(query_weekly_events(engine, filters))


def events_by_type(weekly: pd.DataFrame) -> pd.DataFrame:
    """query_weekly_events' rows summed over sub-types: week, event_type, from_text, events."""
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
QUOTE_COLUMNS = ("quote",)  # read only for a role that may see quotes (access.policy.Permission.SEE_QUOTES)


def events_near_columns(with_quotes: bool) -> list[str]:
    return [c for c in EVENTS_NEAR_COLUMNS if with_quotes or c not in QUOTE_COLUMNS]


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


def _near_condition(centres, place_id, lat, lon):
    """A row (its place_id, own lat and lon columns) lies inside a centre's area or in its box.

    A row stands at its own coordinates, else at its place's: in a box when its own are, or when
    it has none and its place is. The exact radius is applied after, in Python (`_near_rows`).
    """
    boxes = [c.box for c in centres if c.box is not None]
    inside = sorted(set().union(*(c.inside for c in centres)))
    near = [place_id.in_(inside)]
    if boxes:
        near += [and_(lat.between(b[0], b[1]), lon.between(b[2], b[3])) for b in boxes]
        placed = select(place.c.place_id).where(
            or_(*(and_(place.c.lat.between(b[0], b[1]), place.c.lon.between(b[2], b[3])) for b in boxes)))
        near.append(and_(lat.is_(None), place_id.in_(placed)))
    return or_(*near)


def _near_candidates(centres: dict[str, _Centre], start: date, end: date):
    """The ids of the window's events inside a centre's area or in its box, by their own columns only.

    Written on the event's own columns, the test reads only the (event_date, place_id, lat, lon)
    index, and only the events that pass are read whole: a tenth of the window's for one place
    (12 ms instead of 52 for three weeks of the demo at scale). `place_id + 0`: not through the
    place_id index, over every day.
    """
    e = conflict_event.alias("candidate")
    return select(e.c.event_id).where(e.c.event_date.between(start, end),
                                      _near_condition(centres.values(), e.c.place_id + 0, e.c.lat, e.c.lon))


def _near_rows(keys: list[str], centres: dict[str, _Centre], radius_km: float, place_ids, lats, lons):
    """Which rows (places and coordinates as arrays) lie near each place of `keys`, in that order.

    Near: inside the place's area, or in its box and within `radius_km` (great circle). Yields
    (position in `keys`, row indexes, their distances in km, whether each lies inside).
    """
    for position, key in enumerate(keys):
        centre = centres.get(key)
        if centre is None:
            continue
        inside = np.isin(place_ids, list(centre.inside))
        distance = (distance_km(centre.lat, centre.lon, lats, lons).round(1) if centre.lat is not None
                    else np.full(len(place_ids), np.nan))
        kept = inside.copy()
        if centre.box is not None:
            lat_from, lat_to, lon_from, lon_to = centre.box
            with np.errstate(invalid="ignore"):
                in_box = (lats >= lat_from) & (lats <= lat_to) & (lons >= lon_from) & (lons <= lon_to)
                kept |= in_box & (distance <= radius_km)
        yield position, np.flatnonzero(kept), distance[kept], inside[kept]


def _floats(values) -> np.ndarray:
    return pd.to_numeric(values).astype(float).to_numpy()


def _place_ids(frame: pd.DataFrame) -> np.ndarray:
    return _floats(frame["place_id"])  # NaN for an unresolved place


def query_events_near_places(engine: Engine, place_keys, start: date, end: date, radius_km: float,
                             event_types: tuple[str, ...] = (), sources: tuple[str, ...] = (),
                             limit: int | None = None, *, with_quotes: bool = False) -> pd.DataFrame:
    """Counted events between `start` and `end` inside each place (when it is an area) or within
    `radius_km` of it, nearest first within each day, latest day first.

    One read of the window's events for every place (the page asks for a spike's place and the
    ten largest flows of its week: ten queries took 0.8 s at a million events). The radius uses
    the event's own coordinates, else its place's. Columns: near_place_key (the place of
    `place_keys` the event is near; the places follow in that order, a key not in the gazetteer
    has no rows), then EVENTS_NEAR_COLUMNS (distance_km is NaN when neither has coordinates;
    inside_area says the event's place lies inside that place).

    With `limit`, only the first `limit` events of each place, in that order: the events are
    told and ordered from their dates, places and coordinates, and only those kept are read whole
    (a governorate's three weeks in the demo at scale hold ~4,800 events: 44 ms read whole,
    33 ms for the first 200). query_preceding_events counts them all, per type.

    The quote of a fact read from text is read only `with_quotes` (for a role that may see it);
    without, the columns are events_near_columns(False).
    """
    columns = ["near_place_key", *events_near_columns(with_quotes)]
    keys = list(dict.fromkeys(place_keys))
    centres = _centres(engine, tuple(keys), radius_km)
    if not centres:
        return pd.DataFrame(columns=columns)
    narrowed = Filters(start=start, end=end, event_types=event_types, sources=sources)
    if limit is None:
        found = _frame(engine, _near_select(_near_candidates(centres, start, end), narrowed, whole=True,
                                            with_quotes=with_quotes))
        return _near_frame(keys, centres, radius_km, found, columns)
    located = _frame(engine, _near_select(_near_candidates(centres, start, end), narrowed, whole=False))
    if located.empty:
        return pd.DataFrame(columns=columns)
    rows, position, distance, inside = _ordered_near(keys, centres, radius_km, located)
    first = _first_of_each(position, limit)
    ids = located["event_id"].to_numpy()[rows[first]].tolist()
    if not ids:
        return pd.DataFrame(columns=columns)
    details = _frame(engine, _near_select(ids, narrowed, whole=True, with_quotes=with_quotes)).set_index("event_id")
    found = details.loc[ids].reset_index()
    near = found.assign(near_place_key=np.array(keys, dtype=object)[position[first]], distance_km=distance[first],
                        inside_area=inside[first])
    return _finished(near, columns)


def _near_select(e_ids, narrowed: Filters, *, whole: bool, with_quotes: bool = False):
    """The counted events among `e_ids` (a select of ids or a list), narrowed by type and source:
    their whole rows (what the page lists), or only what ordering them needs (id, day, place,
    coordinates)."""
    e = conflict_event
    lat, lon = func.coalesce(e.c.lat, place.c.lat).label("lat"), func.coalesce(e.c.lon, place.c.lon).label("lon")
    if not whole:
        query = (select(e.c.event_id, e.c.event_date, e.c.place_id, lat, lon)
                 .select_from(e.outerjoin(place, place.c.place_id == e.c.place_id)))
    else:
        query = (
            select(e.c.event_id, e.c.event_date, e.c.event_type, e.c.sub_event_type, e.c.actor1, e.c.actor2,
                   e.c.place_id, place.c.place_key, place.c.pcode,
                   func.coalesce(place.c.name_en, e.c.place_name_raw).label("place"),
                   place.c.name_ar.label("place_ar"), lat, lon, e.c.fatalities, e.c.provider,
                   source.c.title.label("source_title"), *([e.c.quote] if with_quotes else []))
            .select_from(e.join(source, source.c.source_id == e.c.source_id)
                         .outerjoin(place, place.c.place_id == e.c.place_id)))
    # The window is the candidates' only: stated here as well, it would lead SQLite to read the events by date.
    return query.where(e.c.event_id.in_(e_ids), e.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES),
                       *narrowing(narrowed, event_type=e.c.event_type, provider=e.c.provider))


def _ordered_near(keys: list[str], centres: dict[str, _Centre], radius_km: float, found: pd.DataFrame):
    """Rows of `found` near each place of `keys`, one place after the other (in `keys` order);
    within one, latest day first, then nearest, then by id. Returns (row indexes, position in
    `keys`, distance in km, inside the place's area), in that order."""
    parts = list(_near_rows(keys, centres, radius_km, _place_ids(found), _floats(found["lat"]), _floats(found["lon"])))
    if not parts:
        empty = np.array([], dtype=int)
        return empty, empty, np.array([], dtype=float), np.array([], dtype=bool)
    rows = np.concatenate([part[1] for part in parts])
    position = np.concatenate([np.full(len(part[1]), part[0]) for part in parts])
    distance = np.concatenate([part[2] for part in parts])
    inside = np.concatenate([part[3] for part in parts])
    day = pd.to_datetime(found["event_date"]).to_numpy()[rows]
    order = np.lexsort((found["event_id"].to_numpy()[rows], distance, -day.astype("int64"), position))
    return rows[order], position[order], distance[order], inside[order]


def _first_of_each(position: np.ndarray, limit: int) -> np.ndarray:
    """Indexes of the first `limit` entries of each run of equal `position` values (already grouped)."""
    if len(position) == 0:
        return np.array([], dtype=int)
    starts = np.r_[0, np.flatnonzero(np.diff(position)) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(position)]))
    return np.flatnonzero(np.arange(len(position)) - run_start < limit)


def _near_frame(keys, centres, radius_km, found: pd.DataFrame, columns) -> pd.DataFrame:
    if found.empty:
        return pd.DataFrame(columns=columns)
    rows, position, distance, inside = _ordered_near(keys, centres, radius_km, found)
    near = found.take(rows).reset_index(drop=True).assign(
        near_place_key=np.array(keys, dtype=object)[position], distance_km=distance, inside_area=inside)
    return _finished(near, columns)


def _finished(near: pd.DataFrame, columns) -> pd.DataFrame:
    if near.empty:
        return pd.DataFrame(columns=columns)
    near["event_date"] = pd.to_datetime(near["event_date"]).dt.date
    near["from_text"] = near["provider"] == TEXT_PROVIDER
    return near[columns].reset_index(drop=True)


def events_near(found: pd.DataFrame, place_key: str) -> pd.DataFrame:
    """The events of one place from query_events_near_places (EVENTS_NEAR_COLUMNS, the quote only if read)."""
    rows = found[found["near_place_key"] == place_key]
    return rows[[c for c in EVENTS_NEAR_COLUMNS if c in found.columns]].reset_index(drop=True)

PRECEDING_COLUMNS = ["near_place_key", "event_type", "events", "fatalities"]
LATEST_COLUMNS = ["near_place_key", "event_id", "event_date", "event_type", "sub_event_type", "place", "distance_km"]
LATEST_BATCH = 20  # candidate events read at a time, latest first, when looking for a place's latest events


@dataclass(frozen=True)
class PrecedingEvents:
    """The events before the flows from several places: counted per place and type, and each
    place's latest ones. `counts`: PRECEDING_COLUMNS; `latest`: LATEST_COLUMNS, per place in the
    order asked, latest day first, then nearest, then by id."""

    counts: pd.DataFrame
    latest: pd.DataFrame

    def of(self, place_key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The counts per type and the latest events of one place."""
        return (self.counts[self.counts["near_place_key"] == place_key].reset_index(drop=True),
                self.latest[self.latest["near_place_key"] == place_key].reset_index(drop=True))


def _location_selects(centres: dict[str, _Centre], start: date, end: date, narrowed: Filters) -> list:
    """Counted events near any centre per place, location (own coordinates, else the place's) and
    type: whole weeks from the weekly location summary, the days at the edges from the raw rows."""
    e, s = conflict_event, summary_event_location_week
    weeks, edges = split_window(start, end)
    selects = []
    for first, last in edges:
        lat, lon = func.coalesce(e.c.lat, place.c.lat), func.coalesce(e.c.lon, place.c.lon)
        groups = (e.c.place_id, lat.label("lat"), lon.label("lon"), e.c.event_type)
        selects.append(
            select(*groups, func.count().label("events"), func.sum(e.c.fatalities).label("fatalities"))
            .select_from(e.outerjoin(place, place.c.place_id == e.c.place_id))
            .where(e.c.event_date.between(first, last), e.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES),
                   _near_condition(centres.values(), e.c.place_id + 0, e.c.lat, e.c.lon),
                   *narrowing(narrowed, event_type=e.c.event_type, provider=e.c.provider))
            .group_by(*groups))
    if weeks:
        lat, lon = func.coalesce(s.c.lat, place.c.lat), func.coalesce(s.c.lon, place.c.lon)
        groups = (s.c.place_id, lat.label("lat"), lon.label("lon"), s.c.event_type)
        selects.append(
            select(*groups, func.sum(s.c.events).label("events"), func.sum(s.c.fatalities).label("fatalities"))
            .select_from(s.outerjoin(place, place.c.place_id == s.c.place_id))
            .where(s.c.week_start.between(*weeks), _near_condition(centres.values(), s.c.place_id, s.c.lat, s.c.lon),
                   *narrowing(narrowed, event_type=s.c.event_type, provider=s.c.provider))
            .group_by(*groups))
    return selects


def _count_near(keys: list[str], centres: dict[str, _Centre], radius_km: float, located: pd.DataFrame) -> pd.DataFrame:
    """PRECEDING_COLUMNS from the events per place, location and type (numpy: a few hundred rows, ten places)."""
    if located.empty:
        return pd.DataFrame(columns=PRECEDING_COLUMNS)
    codes, types = pd.factorize(located["event_type"], sort=True)
    # A count stored before the loaders refused impossible ones (infinite, NaN) counts as 0 here
    events, fatalities = plausible_numbers(located["events"]), plausible_numbers(located["fatalities"])
    records = []
    for position, rows, _, _ in _near_rows(keys, centres, radius_km, _place_ids(located), _floats(located["lat"]),
                                           _floats(located["lon"])):
        by_type = np.bincount(codes[rows], weights=events[rows], minlength=len(types))
        killed = np.bincount(codes[rows], weights=fatalities[rows], minlength=len(types))
        records += [(position, keys[position], types[i], int(by_type[i]), int(killed[i]))
                    for i in np.flatnonzero(by_type)]
    records.sort(key=lambda r: (r[0], -r[3], r[2]))  # per place in the order asked, most events first
    return pd.DataFrame([r[1:] for r in records], columns=PRECEDING_COLUMNS)


def _latest_near(engine: Engine, keys: list[str], centres: dict[str, _Centre], start: date, end: date,
                 radius_km: float, narrowed: Filters, latest: int) -> pd.DataFrame:
    """The `latest` events near each place of `keys`: latest day first, then nearest, then by id.

    Each place's candidates are read backwards from `end` a batch at a time, told from the date,
    place and coordinates index alone (as in `_near_candidates`); the day a batch stops in is read
    whole, so every day read is complete and the order within it exact. The rows of every place's
    candidates are then read in one query; a place with fewer than `latest` near events after the
    exact radius test reads its next batch.
    """
    e, c = conflict_event, conflict_event.alias("candidate")

    def candidates(conn, centre: _Centre, lo: date, hi: date, limit: int | None) -> list[tuple]:
        query = select(c.c.event_id, c.c.event_date).where(
            c.c.event_date.between(lo, hi), _near_condition([centre], c.c.place_id + 0, c.c.lat, c.c.lon))
        return conn.execute(query.order_by(c.c.event_date.desc()).limit(limit) if limit else query).all()

    def as_date(value) -> date:
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])

    rows_query = (select(e.c.event_id, e.c.event_date, e.c.event_type, e.c.sub_event_type, e.c.place_id,
                         func.coalesce(place.c.name_en, e.c.place_name_raw).label("place"),
                         func.coalesce(e.c.lat, place.c.lat).label("lat"),
                         func.coalesce(e.c.lon, place.c.lon).label("lon"))
                  .select_from(e.outerjoin(place, place.c.place_id == e.c.place_id))
                  .where(e.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES),
                         *narrowing(narrowed, event_type=e.c.event_type, provider=e.c.provider)))
    high = {key: end for key in keys if key in centres}
    found: dict[str, list[pd.DataFrame]] = {key: [] for key in high}
    while high:
        batches: dict[str, list[int]] = {}
        with engine.connect() as conn:
            for key, hi in list(high.items()):
                batch = candidates(conn, centres[key], start, hi, LATEST_BATCH) if hi >= start else []
                if not batch:
                    del high[key]
                    continue
                oldest = min(as_date(day) for _, day in batch)
                if len(batch) == LATEST_BATCH:  # the oldest day may go on past the batch: read it whole
                    batch = ([row for row in batch if as_date(row[1]) > oldest]
                             + candidates(conn, centres[key], oldest, oldest, None))
                batches[key] = [event_id for event_id, _ in batch]
                high[key] = oldest - timedelta(days=1)
        if not batches:
            break
        read = _frame(engine, rows_query.where(e.c.event_id.in_(sorted(set().union(*batches.values())))))
        ids_read, place_ids, lats, lons = (read["event_id"].to_numpy(), _place_ids(read), _floats(read["lat"]),
                                           _floats(read["lon"]))
        for key, ids in batches.items():
            rows = np.flatnonzero(np.isin(ids_read, ids))
            for _, kept, distance, _ in _near_rows([key], centres, radius_km, place_ids[rows], lats[rows], lons[rows]):
                found[key].append(read.take(rows[kept]).assign(distance_km=distance, near_place_key=key))
            if sum(len(frame) for frame in found[key]) >= latest:
                high.pop(key, None)
    parts = [frame for frames in found.values() for frame in frames if not frame.empty]
    if not parts:
        return pd.DataFrame(columns=LATEST_COLUMNS)
    near = pd.concat(parts, ignore_index=True)
    near["event_date"] = pd.to_datetime(near["event_date"])
    near["position"] = near["near_place_key"].map({key: i for i, key in enumerate(keys)})
    near = near.sort_values(["position", "event_date", "distance_km", "event_id"],
                            ascending=[True, False, True, True], na_position="last")
    near = near.groupby("position", sort=False).head(latest)
    near["event_date"] = near["event_date"].dt.date
    return near[LATEST_COLUMNS].reset_index(drop=True)


def query_preceding_events(engine: Engine, place_keys, start: date, end: date, radius_km: float,
                           event_types: tuple[str, ...] = (), sources: tuple[str, ...] = (),
                           latest: int = 2) -> PrecedingEvents:
    """The counted events between `start` and `end` inside each place or within `radius_km` of
    it (the rule of query_events_near_places), counted per type, and each place's `latest` ones.

    The page's ranking of a week's largest flows needs no event row but the latest few: the
    counts come from the weekly location summary (whole weeks) and the raw rows (the days at
    the window's edges), a few thousand rows instead of every event near ten places.
    """
    keys = list(dict.fromkeys(place_keys))
    centres = _centres(engine, tuple(keys), radius_km)
    if not centres:
        return PrecedingEvents(pd.DataFrame(columns=PRECEDING_COLUMNS), pd.DataFrame(columns=LATEST_COLUMNS))
    narrowed = Filters(start=start, end=end, event_types=event_types, sources=sources)
    located = _frames(engine, _location_selects(centres, start, end, narrowed))
    if not located.empty:
        located = located.assign(fatalities=pd.to_numeric(located["fatalities"]).fillna(0),
                                 events=pd.to_numeric(located["events"]))
    counts = _count_near(keys, centres, radius_km, located)
    with_events = [key for key in keys if key in set(counts["near_place_key"])]
    return PrecedingEvents(counts, _latest_near(engine, with_events, centres, start, end, radius_km, narrowed, latest))


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
