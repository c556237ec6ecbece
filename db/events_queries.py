"""Queries of the Events page: conflict events per week and type, by location, this week
against the four before it, and HDX HAPI's aggregated counts (kept apart, never mixed in).

Counted as everywhere (db.queries): an event counts only when it has a date and its
review_status is in vocab.COUNTED_REVIEW_STATUSES, so facts read from text reports count once a
person accepted them and never while pending or rejected. Those facts keep `from_text` so every
chart can mark them. Aggregation happens in SQL (per week or day, type and place); only the
step from days to Monday weeks is done in pandas, so each result stays a few hundred rows however
many events are stored.

Weekly counts are read from the weekly summary (db/summary.py, summary_event_week, kept current
by every write): the whole weeks inside a window come from it, the days of a first or last week
the window only cuts into from the raw rows (through the event_date index). The result is the
same as over the raw rows alone; the `*_raw` functions compute it that way, as the reference the
tests compare against. The map needs each event's own coordinates, which summary_event_week does
not keep: it reads summary_event_location_week (per week, place and coordinates) the same way.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine, case, func, select

from db import vocab
from db.filters import Filters, narrowing
from db.plausible import plausible_whole_numbers
from db.queries import TEXT_PROVIDER, _frame, _frames
from db.schema import conflict_event, event_count, place, summary_event_location_week, summary_event_week
from db.summary import mondays, split_window

NO_SUB_EVENT_TYPE = "(sub-type not given)"  # text facts may name a type without a sub-type
UNPLACED = "(place not given)"
NO_GOVERNORATE = "(governorate not given)"
MAP_LOCATION_LIMIT = 2000  # the map draws the busiest locations; more would not be readable
WEEKS_AVERAGED = 4

GOVERNORATE_COLUMNS = ["week", "event_type", "governorate_key", "governorate_pcode", "governorate", "governorate_ar",
                       "from_text", "events", "fatalities"]
WEEKLY_COLUMNS = ["week", "event_type", "sub_event_type", "from_text", "events", "fatalities"]
LOCATION_COLUMNS = ["place_key", "pcode", "place", "place_ar", "governorate_pcode", "lat", "lon", "event_type",
                    "from_text", "events", "fatalities"]
COMPARISON_COLUMNS = ["group", "key", "pcode", "name", "name_ar", "this_week", "average_4_weeks", "change",
                      "change_pct", "from_text_this_week"]
HAPI_COLUMNS = ["provider", "area_pcode", "place_key", "area", "area_ar", "admin_level", "event_category",
                "period_start", "period_end", "events", "fatalities"]


def _from_text():
    return (conflict_event.c.provider == TEXT_PROVIDER).label("from_text")


def _counted(filters: Filters, start: date | None = None, end: date | None = None, *, by_date: bool = False) -> list:
    """Dated, counted events in [start, end] (the filters' window unless given), narrowed.

    `by_date` for a few days: the area test is then written on `place_id + 0`, which SQLite
    cannot serve from the place_id index, so it reads the days through the event_date index
    instead of every event ever recorded in the area (without table statistics it picks the
    place_id index for an IN (subquery): 280 ms instead of a few for five days of 1M events).
    """
    e = conflict_event
    place_id = e.c.place_id + 0 if by_date else e.c.place_id
    return [
        e.c.event_date.is_not(None),
        e.c.event_date.between(start or filters.start, end or filters.end),
        e.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES),
        *narrowing(filters, place_columns=(place_id,), event_type=e.c.event_type, provider=e.c.provider),
    ]


def _governorate_of():
    """A CTE (place_id, governorate_id): every place under a governorate, the governorate included."""
    top = (select(place.c.place_id.label("place_id"), place.c.place_id.label("governorate_id"))
           .where(place.c.kind == "governorate").cte("governorate_of", recursive=True))
    child = place.alias("child")
    return top.union_all(select(child.c.place_id, top.c.governorate_id).where(child.c.parent_id == top.c.place_id))


def _numbers(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    frame["from_text"] = frame["from_text"].astype(bool)
    for column in columns:
        frame[column] = plausible_whole_numbers(frame[column])  # an infinite or NaN count shows as 0
    return frame


def _raw_daily_select(filters: Filters, start: date, end: date, *, by_date: bool = False):
    e = conflict_event
    from_text = _from_text()
    return (
        select(e.c.event_date.label("day"), e.c.event_type, e.c.sub_event_type, from_text,
               func.count().label("events"), func.coalesce(func.sum(e.c.fatalities), 0).label("fatalities"))
        .where(*_counted(filters, start, end, by_date=by_date))
        .group_by(e.c.event_date, e.c.event_type, e.c.sub_event_type, from_text)
    )


def _summary_weekly_select(filters: Filters, weeks: tuple[date, date]):
    s = summary_event_week
    return (
        select(s.c.week_start.label("day"), s.c.event_type, s.c.sub_event_type, s.c.from_text.label("from_text"),
               func.sum(s.c.events).label("events"), func.coalesce(func.sum(s.c.fatalities), 0).label("fatalities"))
        .where(s.c.week_start.between(*weeks),
               *narrowing(filters, place_columns=(s.c.place_id,), event_type=s.c.event_type, provider=s.c.provider))
        .group_by(s.c.week_start, s.c.event_type, s.c.sub_event_type, s.c.from_text)
    )


def _weekly_frame(engine: Engine, queries) -> pd.DataFrame:
    frame = _frames(engine, queries)
    if frame.empty:
        return pd.DataFrame(columns=WEEKLY_COLUMNS)
    frame["week"] = mondays(frame["day"])
    frame["sub_event_type"] = frame["sub_event_type"].fillna(NO_SUB_EVENT_TYPE)
    frame = _numbers(frame, "events", "fatalities")
    weekly = frame.groupby(WEEKLY_COLUMNS[:4], as_index=False)[["events", "fatalities"]].sum()
    return weekly[WEEKLY_COLUMNS].sort_values(WEEKLY_COLUMNS[:4]).reset_index(drop=True)


def query_weekly_events(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Counted events per week (Monday), ACLED event type and sub-type, in the window.

    Columns: week, event_type, sub_event_type (NO_SUB_EVENT_TYPE when not given), from_text,
    events, fatalities. Weeks at the window's edges hold only the days inside it.
    """
    weeks, edges = split_window(filters.start, filters.end)
    parts = [_raw_daily_select(filters, lo, hi, by_date=True) for lo, hi in edges]  # under two weeks
    if weeks:
        parts.append(_summary_weekly_select(filters, weeks))
    return _weekly_frame(engine, parts)


def query_weekly_events_raw(engine: Engine, filters: Filters) -> pd.DataFrame:
    """query_weekly_events over the raw rows only (the reference; slow on a million events)."""
    return _weekly_frame(engine, [_raw_daily_select(filters, filters.start, filters.end)])


def _raw_location_select(filters: Filters, start: date, end: date, *, by_date: bool = False):
    e = conflict_event
    from_text = _from_text()
    raw_name = case((e.c.place_id.is_(None), e.c.place_name_raw), else_=None)  # the name as written, if unresolved
    groups = (e.c.place_id, e.c.lat, e.c.lon, e.c.event_type, from_text, raw_name.label("place_name_raw"))
    return (select(*groups, func.count().label("events"), func.sum(e.c.fatalities).label("fatalities"))
            .where(*_counted(filters, start, end, by_date=by_date)).group_by(*groups))


def _summary_location_select(filters: Filters, weeks: tuple[date, date]):
    s = summary_event_location_week
    groups = (s.c.place_id, s.c.lat, s.c.lon, s.c.event_type, s.c.from_text, s.c.place_name_raw)
    return (select(*groups, func.sum(s.c.events).label("events"), func.sum(s.c.fatalities).label("fatalities"))
            .where(s.c.week_start.between(*weeks),
                   *narrowing(filters, place_columns=(s.c.place_id,), event_type=s.c.event_type,
                              provider=s.c.provider))
            .group_by(*groups))


def _places_with_governorate(engine: Engine, place_ids) -> pd.DataFrame:
    """place_id, place_key, pcode, name_en, name_ar, lat, lon and governorate_pcode of these places."""
    governorate_of = _governorate_of()
    governorate = place.alias("governorate")
    query = (
        select(place.c.place_id, place.c.place_key, place.c.pcode, place.c.name_en, place.c.name_ar,
               place.c.lat.label("place_lat"), place.c.lon.label("place_lon"),
               governorate.c.pcode.label("governorate_pcode"))
        .select_from(place.outerjoin(governorate_of, governorate_of.c.place_id == place.c.place_id)
                     .outerjoin(governorate, governorate.c.place_id == governorate_of.c.governorate_id))
        .where(place.c.place_id.in_(sorted(int(i) for i in place_ids)))
    )
    return _frame(engine, query)


def _locations_frame(engine: Engine, parts, limit: int) -> pd.DataFrame:
    grouped = _frames(engine, parts)
    if grouped.empty:
        return pd.DataFrame(columns=LOCATION_COLUMNS)
    grouped["from_text"] = grouped["from_text"].astype(bool)
    places = _places_with_governorate(engine, grouped["place_id"].dropna().unique())
    frame = grouped.merge(places, on="place_id", how="left")
    # An event without coordinates of its own stands at its place's: one point with those that had them.
    frame["lat"] = pd.to_numeric(frame["lat"]).fillna(pd.to_numeric(frame["place_lat"]))
    frame["lon"] = pd.to_numeric(frame["lon"]).fillna(pd.to_numeric(frame["place_lon"]))
    frame["place"] = frame["name_en"].fillna(frame["place_name_raw"]).fillna(UNPLACED)
    frame = frame.rename(columns={"name_ar": "place_ar"})
    frame = _numbers(frame, "events", "fatalities")
    keys = LOCATION_COLUMNS[:9]
    located = frame.groupby(keys, dropna=False, as_index=False, sort=False)[["events", "fatalities"]].sum()
    located = located.sort_values(["events", "place", "event_type", "lat", "lon"], ascending=[False, True, True, True,
                                                                                              True])
    return located.head(limit)[LOCATION_COLUMNS].reset_index(drop=True)


def query_event_locations(engine: Engine, filters: Filters, limit: int = MAP_LOCATION_LIMIT) -> pd.DataFrame:
    """Counted events per location and type in the window, the busiest `limit` locations first.

    A location is the event's own coordinates, else its place's; events with neither come back
    with lat/lon NaN (the map cannot draw them and says how many). Columns: place_key, pcode,
    place (English name, else the name as written), place_ar, governorate_pcode, lat, lon,
    event_type, from_text, events, fatalities.

    Whole weeks come from the weekly location summary (db/summary.py), the days at the window's
    edges from the raw rows; the gazetteer's names are joined to the few hundred locations after.
    """
    weeks, edges = split_window(filters.start, filters.end)
    parts = [_raw_location_select(filters, lo, hi, by_date=True) for lo, hi in edges]
    if weeks:
        parts.append(_summary_location_select(filters, weeks))
    return _locations_frame(engine, parts, limit)


def query_event_locations_raw(engine: Engine, filters: Filters, limit: int = MAP_LOCATION_LIMIT) -> pd.DataFrame:
    """query_event_locations over the raw rows only (the reference the tests compare against)."""
    return _locations_frame(engine, [_raw_location_select(filters, filters.start, filters.end)], limit)


def comparison_week(end: date) -> date:
    """The Monday of the last complete (Monday–Sunday) week that ends on or before `end`."""
    sunday = end - timedelta(days=(end.weekday() + 1) % 7)
    return sunday - timedelta(days=6)


def _governorate_selects(filters: Filters, start: date, end: date, weeks: tuple[date, date] | None):
    """Per day (raw rows in [start, end]) or week (summary, `weeks`), type and governorate.

    With `weeks`, resolved events come from the summary and only unresolved ones (place_id NULL,
    which the summary keeps without their source's admin-1 name) from the raw rows.
    """
    e, s = conflict_event, summary_event_week
    governorate_of = _governorate_of()
    governorate = place.alias("governorate")
    joined = governorate.c.place_id == governorate_of.c.governorate_id
    # An unresolved event is put under the governorate its source names; a place above the
    # governorates (the country) is under none.
    name = func.coalesce(governorate.c.name_en, case((e.c.place_id.is_(None), e.c.admin1_name_raw), else_=None))
    from_text = _from_text()
    raw_groups = (e.c.event_date, e.c.event_type, governorate.c.place_key, governorate.c.pcode, name,
                  governorate.c.name_ar, from_text)
    raw = (
        select(e.c.event_date.label("day"), e.c.event_type, governorate.c.place_key.label("governorate_key"),
               governorate.c.pcode.label("governorate_pcode"), name.label("governorate"),
               governorate.c.name_ar.label("governorate_ar"), from_text, func.count().label("events"),
               func.coalesce(func.sum(e.c.fatalities), 0).label("fatalities"))
        .select_from(e.outerjoin(governorate_of, governorate_of.c.place_id == e.c.place_id)
                     .outerjoin(governorate, joined))
        .where(*_counted(filters, start, end), *([e.c.place_id.is_(None)] if weeks else []))
        .group_by(*raw_groups)
    )
    if not weeks:
        return [raw]
    summary_groups = (s.c.week_start, s.c.event_type, governorate.c.place_key, governorate.c.pcode,
                      governorate.c.name_en, governorate.c.name_ar, s.c.from_text)
    summary = (
        select(s.c.week_start.label("day"), s.c.event_type, governorate.c.place_key.label("governorate_key"),
               governorate.c.pcode.label("governorate_pcode"), governorate.c.name_en.label("governorate"),
               governorate.c.name_ar.label("governorate_ar"), s.c.from_text.label("from_text"),
               func.sum(s.c.events).label("events"), func.coalesce(func.sum(s.c.fatalities), 0).label("fatalities"))
        .select_from(s.outerjoin(governorate_of, governorate_of.c.place_id == s.c.place_id)
                     .outerjoin(governorate, joined))
        .where(s.c.place_id.is_not(None), s.c.week_start.between(*weeks),
               *narrowing(filters, place_columns=(s.c.place_id,), event_type=s.c.event_type, provider=s.c.provider))
        .group_by(*summary_groups)
    )
    return [raw, summary]


def _governorate_frame(engine: Engine, selects) -> pd.DataFrame:
    frame = _frames(engine, selects)
    if frame.empty:
        return pd.DataFrame(columns=GOVERNORATE_COLUMNS)
    frame["week"] = mondays(frame["day"])
    frame["governorate"] = frame["governorate"].fillna(NO_GOVERNORATE)
    frame = _numbers(frame, "events", "fatalities")
    keys = GOVERNORATE_COLUMNS[:7]
    return (frame.groupby(keys, dropna=False, as_index=False)[["events", "fatalities"]].sum()[GOVERNORATE_COLUMNS]
            .sort_values(["week", "event_type", "governorate"]).reset_index(drop=True))


def _weeks_span(first_week: date, last_week: date) -> tuple[date, date]:
    return first_week - timedelta(days=first_week.weekday()), last_week - timedelta(days=last_week.weekday())


def query_weekly_events_by_governorate(engine: Engine, filters: Filters, first_week: date,
                                       last_week: date) -> pd.DataFrame:
    """Counted events per week, type and governorate, from the week of `first_week` to that of `last_week`.

    The weeks are given (not the filters' window): a comparison needs the weeks before the
    window too. The area, event-type and source filters apply. An event whose place is not in the
    gazetteer is put under the governorate its source names (no p-code), else NO_GOVERNORATE.
    Columns: week, event_type, governorate_key, governorate_pcode, governorate, governorate_ar,
    from_text, events, fatalities.
    """
    first, last = _weeks_span(first_week, last_week)
    return _governorate_frame(engine, _governorate_selects(filters, first, last + timedelta(days=6), (first, last)))


def query_weekly_events_by_governorate_raw(engine: Engine, filters: Filters, first_week: date,
                                           last_week: date) -> pd.DataFrame:
    """query_weekly_events_by_governorate over the raw rows only (the reference)."""
    first, last = _weeks_span(first_week, last_week)
    return _governorate_frame(engine, _governorate_selects(filters, first, last + timedelta(days=6), None))


def compare_with_average(weekly: pd.DataFrame, week: date, weeks: int = WEEKS_AVERAGED) -> pd.DataFrame:
    """Events in `week` against the average of the `weeks` weeks before it, per type and governorate.

    `weekly` comes from query_weekly_events_by_governorate. A week without events counts as 0
    in the average. change_pct is NaN when the average is 0 (no base to compare with); pcode and
    name_ar are NaN for event types.
    Columns: group ('event type' or 'governorate'), key (event type, or governorate place_key),
    pcode, name, name_ar, this_week, average_4_weeks, change, change_pct, from_text_this_week.
    Rows: the types first (ACLED's order), then governorates, largest this week first.
    """
    earlier = {week - timedelta(weeks=n) for n in range(1, weeks + 1)}
    rows = weekly.assign(
        this_week=weekly["events"].where(weekly["week"] == week, 0),
        earlier=weekly["events"].where(weekly["week"].isin(earlier), 0),
        from_text_this_week=weekly["events"].where((weekly["week"] == week) & weekly["from_text"].astype(bool), 0),
    )
    sums = ["this_week", "earlier", "from_text_this_week"]
    by_type = rows.groupby("event_type", as_index=False)[sums].sum()
    by_type = by_type.assign(group="event type", key=by_type["event_type"], pcode=None, name=by_type["event_type"],
                             name_ar=None)
    by_type["order"] = by_type["event_type"].map({t: i for i, t in enumerate(vocab.EVENT_TYPES)}).fillna(99)
    by_type = by_type.sort_values("order")
    places = ["governorate_key", "governorate_pcode", "governorate", "governorate_ar"]
    by_governorate = rows.groupby(places, dropna=False, as_index=False)[sums].sum()
    by_governorate = by_governorate.assign(group="governorate", key=by_governorate["governorate_key"],
                                           pcode=by_governorate["governorate_pcode"],
                                           name=by_governorate["governorate"],
                                           name_ar=by_governorate["governorate_ar"])
    by_governorate = by_governorate.sort_values(["this_week", "name"], ascending=[False, True])
    table = pd.concat([by_type, by_governorate], ignore_index=True)
    if table.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    table["average_4_weeks"] = table["earlier"] / weeks
    table["change"] = table["this_week"] - table["average_4_weeks"]
    base = table["average_4_weeks"].where(table["average_4_weeks"] > 0)
    table["change_pct"] = (100 * table["change"] / base).round(1)
    table = table[(table["this_week"] > 0) | (table["earlier"] > 0)]
    table = table.astype({"this_week": int, "from_text_this_week": int})
    return table[COMPARISON_COLUMNS].reset_index(drop=True)


def query_week_against_average(engine: Engine, filters: Filters, week: date,
                               weeks: int = WEEKS_AVERAGED) -> pd.DataFrame:
    """compare_with_average for the week starting on the Monday `week` (columns there)."""
    weekly = query_weekly_events_by_governorate(engine, filters, week - timedelta(weeks=weeks), week)
    if weekly.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    return compare_with_average(weekly, week, weeks)


def query_hapi_event_counts(engine: Engine, filters: Filters) -> pd.DataFrame:
    """HDX HAPI's aggregated event counts (table event_count) whose period overlaps the window.

    Kept as the provider gave them: one row per area, category and period (whole periods, even
    when the window covers part of one). The categories overlap and are never added together;
    these are counts, not events. The area filter keeps areas inside it (an admin-1 count is not
    inside a district), the source filter applies; event types do not (HAPI has categories).
    Columns: provider, area_pcode, place_key, area (English name, else as given), area_ar,
    admin_level, event_category, period_start, period_end, events, fatalities.
    """
    c = event_count
    query = (
        select(c.c.provider, c.c.area_pcode, place.c.place_key,
               func.coalesce(place.c.name_en, c.c.area_name_raw, c.c.area_pcode).label("area"),
               place.c.name_ar.label("area_ar"), c.c.admin_level, c.c.event_category, c.c.period_start,
               c.c.period_end, c.c.events, c.c.fatalities)
        .select_from(c.outerjoin(place, place.c.place_id == c.c.place_id))
        .where(c.c.period_start <= filters.end, c.c.period_end >= filters.start,
               *narrowing(filters, place_columns=(c.c.place_id,), provider=c.c.provider))
        .order_by(c.c.event_category, c.c.period_start, c.c.admin_level, c.c.area_pcode, c.c.provider)
    )
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=HAPI_COLUMNS)
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    frame["period_end"] = pd.to_datetime(frame["period_end"]).dt.date
    frame["events"] = plausible_whole_numbers(frame["events"])  # stored infinite: shown as 0, never a crash
    return frame[HAPI_COLUMNS]
