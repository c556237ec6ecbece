"""Typed read queries. Pages and loaders call these; none of them builds SQL of its own.

Text-extracted facts count only once a person accepted them (vocab.COUNTED_REVIEW_STATUSES).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine, and_, case, func, inspect, literal, or_, select, union_all

from db import vocab
from db.filters import Filters, area_place_ids
from db.plausible import PlausibleLimits, shown_limits
from db.schema import (
    conflict_event,
    displacement_figure,
    event_count,
    load_batch,
    place,
    site_population,
    source,
    summary_event_day,
    summary_event_week,
    summary_flow_place_week,
    summary_figure_day,
    unresolved_place_name,
)


TEXT_PROVIDER = "text"  # the provider of facts read from text reports (loaders/sources/text_report.py)
# The day summaries (db/summary.py): every dated row per day, batch, provider and review status.
fd, ed = summary_figure_day, summary_event_day


def _frame(engine: Engine, query) -> pd.DataFrame:
    """The query's rows as a DataFrame, built column by column (3–5× faster than from row tuples
    for the ten thousand rows of a year's origin–destination pairs)."""
    with engine.connect() as conn:
        result = conn.execute(query)
        keys = list(result.keys())
        rows = result.all()
    if not rows:
        return pd.DataFrame(columns=keys)
    return pd.DataFrame(dict(zip(keys, map(list, zip(*rows)))), columns=keys)


def _frames(engine: Engine, queries) -> pd.DataFrame:
    """The rows of several selects of the same columns, one after the other.

    Run apart rather than as one UNION ALL: each select narrowed to an area carries its own
    `area_tree` CTE (db.filters.area_place_ids), and one statement may hold only one of that name.
    """
    frames = [frame for frame in (_frame(engine, query) for query in queries) if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# --- gazetteer -------------------------------------------------------------------------------

def query_places(engine: Engine, kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    parent = place.alias("parent")
    query = (
        select(place.c.place_key, place.c.pcode, place.c.kind, place.c.name_en, place.c.name_ar,
               parent.c.place_key.label("parent_key"), place.c.lat, place.c.lon)
        .select_from(place.outerjoin(parent, parent.c.place_id == place.c.parent_id))
        .order_by(place.c.place_key)
    )
    if kinds:
        query = query.where(place.c.kind.in_(kinds))
    return _frame(engine, query)


# --- home page -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Headline:
    new_displacement: pd.DataFrame  # unit, total (lower bound for ranges), reports, reports_without_figure
    people_in_sites: int | None
    households_in_sites: int | None
    sites_reporting: int
    sites_as_of: date | None  # the latest count in the window
    events: int
    fatalities: int
    # Each site's latest count inside the window (db.camps_queries.query_sites_in_window: site_key,
    # individuals, households and their dates): the page sums these once their small counts are
    # banded (charts/suppress.py) rather than show the exact sums above.
    site_counts: pd.DataFrame | None = None
    sites_oldest: date | None = None  # the oldest of the sites' latest counts in the window


def query_data_date_range(engine: Engine) -> tuple[date | None, date | None]:
    """First and last day with displacement figures or events that count, for default date windows.

    Days outside db/plausible.py's limits (rows an older version stored, dated 0001 or 9999) are
    left out: a window reaching them would break every page (query_implausible_days counts them).
    """
    counted = vocab.COUNTED_REVIEW_STATUSES
    limits = shown_limits()
    days = union_all(
        select(func.min(fd.c.day).label("first"), func.max(fd.c.day).label("last"))
        .where(fd.c.review_status.in_(counted), fd.c.day.between(limits.earliest_date, limits.latest_date)),
        select(func.min(ed.c.day), func.max(ed.c.day))
        .where(ed.c.review_status.in_(counted), ed.c.day.between(limits.earliest_date, limits.latest_date)),
    ).subquery()
    with engine.connect() as conn:
        first, last = conn.execute(select(func.min(days.c.first), func.max(days.c.last))).one()
    return _as_date(first), _as_date(last)


def _placed_weeks():
    """(place_id, week_start) of the weekly summaries (db/summary.py): figures at their origin and at
    their destination, events at their place. A few thousand rows where the raw tables hold millions:
    they say which weeks an area has data in; _days_in then finds the day inside one such week."""
    limits = shown_limits()
    since = limits.earliest_date - timedelta(days=6)  # the Monday of the earliest plausible day
    return union_all(*(
        select(table.c.place_id, table.c.week_start)
        .where(table.c.place_id.is_not(None), table.c.week_start.between(since, limits.latest_date))
        for table in (summary_flow_place_week, summary_event_week))).subquery("placed_weeks")


def _days_in(inside, first: date, last: date):
    """(d) of the figures and events that count, dated `first`..`last`, at places in `inside` (a
    SELECT of place ids, db.filters.area_place_ids): each part reads an index on (place, day)."""
    counted = vocab.COUNTED_REVIEW_STATUSES
    f, e = displacement_figure, conflict_event
    parts = [
        select(day.label("d")).where(f.c.review_status.in_(counted), column.in_(inside), when)
        for column in (f.c.origin_place_id, f.c.destination_place_id)
        for day, when in ((f.c.period_end, f.c.period_end.between(first, last)),
                          (f.c.period_start, and_(f.c.period_end.is_(None), f.c.period_start.between(first, last))))
    ]
    # `place_id + 0`: read the week's events by date (ix_conflict_event_event_date...), not every event of
    # each place by place id, which SQLite chose at a million events (4.5 s instead of milliseconds).
    parts.append(select(e.c.event_date.label("d"))
                 .where(e.c.review_status.in_(counted), (e.c.place_id + 0).in_(inside),
                        e.c.event_date.between(first, last)))
    return union_all(*parts).subquery("days_in")


def _day_in_week(conn, inside, monday: date, *, latest: bool, on_or_before: date | None = None) -> date | None:
    """The first (or latest) day with data inside the area in the week of `monday` (up to
    `on_or_before`), or None."""
    sunday = monday + timedelta(days=6)
    days = _days_in(inside, monday, min(sunday, on_or_before) if on_or_before else sunday)
    return _as_date(conn.execute(select((func.max if latest else func.min)(days.c.d))).scalar_one())


def query_area_date_range(engine: Engine, area: str | None,
                          on_or_before: date | None = None) -> tuple[date | None, date | None]:
    """query_data_date_range for the figures and events at places inside `area` (a place_key; None:
    everywhere). `on_or_before`: only days up to it (the last week of data that has ended,
    pack/weekly.py). The weeks come from the weekly summaries, the days from the raw rows of those
    two weeks only (a whole country's raw rows took 10 s at a million events and figures)."""
    if area is None:
        if on_or_before is None:
            return query_data_date_range(engine)
        counted, limits = vocab.COUNTED_REVIEW_STATUSES, shown_limits()
        days = union_all(*(
            select(func.min(table.c.day).label("first"), func.max(table.c.day).label("last"))
            .where(table.c.review_status.in_(counted), table.c.day.between(limits.earliest_date, limits.latest_date),
                   table.c.day <= on_or_before)
            for table in (fd, ed))).subquery()
        with engine.connect() as conn:
            first, last = conn.execute(select(func.min(days.c.first), func.max(days.c.last))).one()
        return _as_date(first), _as_date(last)
    inside = area_place_ids(area)
    weeks = _placed_weeks()
    query = select(func.min(weeks.c.week_start), func.max(weeks.c.week_start)).where(weeks.c.place_id.in_(inside))
    if on_or_before is not None:
        query = query.where(weeks.c.week_start <= on_or_before)
    with engine.connect() as conn:
        first_week, last_week = (_as_date(value) for value in conn.execute(query).one())
        if first_week is None:
            return None, None
        first = _day_in_week(conn, area_place_ids(area), first_week, latest=False) or first_week
        last = _day_in_week(conn, area_place_ids(area), last_week, latest=True, on_or_before=on_or_before)
        while last is None:  # the week's data all fall after `on_or_before`: the week with data before it
            earlier = conn.execute(select(func.max(weeks.c.week_start))
                                   .where(weeks.c.place_id.in_(area_place_ids(area)),
                                          weeks.c.week_start < last_week)).scalar_one()
            if earlier is None:
                return None, None
            last_week = _as_date(earlier)
            last = _day_in_week(conn, area_place_ids(area), last_week, latest=True) or last_week + timedelta(days=6)
        return first, last


def query_countries_with_data(engine: Engine) -> pd.DataFrame:
    """The countries whose places hold figures or events that count, the most recent data first.

    Columns: place_key, country_iso3, name_en, name_ar, first_date, last_date. A figure counts for
    the country of its origin and for that of its destination.
    """
    top = (select(place.c.place_id, place.c.place_id.label("country_id"))
           .where(place.c.kind == "country").cte("country_tree", recursive=True))
    child = place.alias("child")
    tree = top.union_all(select(child.c.place_id, top.c.country_id).where(child.c.parent_id == top.c.place_id))
    weeks = _placed_weeks()
    per_country = (
        select(tree.c.country_id, func.min(weeks.c.week_start).label("first_week"),
               func.max(weeks.c.week_start).label("last_week"))
        .select_from(weeks.join(tree, tree.c.place_id == weeks.c.place_id))
        .group_by(tree.c.country_id)
        .subquery()
    )
    query = (
        select(place.c.place_key, place.c.country_iso3, place.c.name_en, place.c.name_ar, per_country.c.first_week,
               per_country.c.last_week)
        .select_from(per_country.join(place, place.c.place_id == per_country.c.country_id))
    )
    columns = ["place_key", "country_iso3", "name_en", "name_ar", "first_date", "last_date"]
    rows = []
    with engine.connect() as conn:
        for key, iso3, name_en, name_ar, first_week, last_week in conn.execute(query).all():
            rows.append((key, iso3, name_en, name_ar,
                         _day_in_week(conn, area_place_ids(key), _as_date(first_week), latest=False)
                         or _as_date(first_week),
                         _day_in_week(conn, area_place_ids(key), _as_date(last_week), latest=True)
                         or _as_date(last_week) + timedelta(days=6)))
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["last_date", "name_en"], ascending=[False, True], ignore_index=True)


def query_implausible_days(engine: Engine) -> tuple[int, PlausibleLimits]:
    """Days with figures or events that count but lie outside the plausible dates (no page shows them)."""
    counted = vocab.COUNTED_REVIEW_STATUSES
    limits = shown_limits()
    days = union_all(*(
        select(table.c.day).where(table.c.review_status.in_(counted),
                                  ~table.c.day.between(limits.earliest_date, limits.latest_date))
        for table in (fd, ed))).subquery()
    with engine.connect() as conn:
        return conn.execute(select(func.count(func.distinct(days.c.day)))).scalar_one(), limits


def _as_date(value) -> date | None:
    """A date from SQL's min()/max() of a date (SQLite hands back its ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _area_day_tables(area: str, start: date, end: date):
    """The day summaries' rows (summary_figure_day, summary_event_day) for the figures and events of
    `start`..`end` inside the area `area` (a place_key), grouped from the raw rows as db/summary.py
    groups them: the summaries hold no places. A figure is inside when its origin or its destination
    is (db.filters.narrowing), and then counts once. `+ 0` keeps the place indexes out of the plan:
    the window's days lead through the date indexes (db.flows_queries._raw_counted)."""
    from db.summary import figure_day, figure_days_between, plausible_figure  # db.summary imports this module

    f, e = displacement_figure, conflict_event
    inside = area_place_ids(area)  # one `area_tree` CTE, shared when a statement reads both tables
    day = figure_day()
    figure_groups = (day, f.c.batch_id, f.c.source_id, f.c.provider, f.c.review_status, f.c.figure_kind, f.c.unit,
                     f.c.is_cumulative, f.c.held_in_finer)
    figures = (
        select(day.label("day"), *figure_groups[1:], func.count().label("reports"),
               func.count(f.c.figure).label("reports_with_figure"),
               func.sum(case((plausible_figure(f.c.figure), f.c.figure), else_=None)).label("value"))
        .where(figure_days_between(start, end),
               or_((f.c.origin_place_id + 0).in_(inside), (f.c.destination_place_id + 0).in_(inside)))
        .group_by(*figure_groups)
        .subquery("area_figure_day")
    )
    event_groups = (e.c.event_date, e.c.batch_id, e.c.source_id, e.c.provider, e.c.review_status)
    events = (
        select(e.c.event_date.label("day"), *event_groups[1:], func.count().label("events"),
               func.sum(case((plausible_figure(e.c.fatalities), e.c.fatalities), else_=None)).label("fatalities"))
        .where(e.c.event_date.between(start, end), (e.c.place_id + 0).in_(inside))
        .group_by(*event_groups)
        .subquery("area_event_day")
    )
    return figures, events


def _day_tables(area: str | None, start: date, end: date):
    """(figure days, event days): the day summaries, or with an area their rows inside it."""
    return (fd, ed) if area is None else _area_day_tables(area, start, end)


def query_headline(engine: Engine, start: date, end: date, area: str | None = None) -> Headline:
    """The home page's numbers for the window, everywhere or inside `area` (a place_key: the chosen country)."""
    counted = vocab.COUNTED_REVIEW_STATUSES
    fd, ed = _day_tables(area, start, end)
    by_unit = (
        select(
            fd.c.unit,
            func.coalesce(func.sum(fd.c.value), 0).label("total"),
            func.sum(fd.c.reports).label("reports"),
            func.sum(fd.c.reports - fd.c.reports_with_figure).label("reports_without_figure"),
        )
        .where(
            fd.c.figure_kind == "new_displacement",
            fd.c.is_cumulative.is_(False),  # a running total is not a flow of its last day
            fd.c.held_in_finer.is_(False),  # a province's figure beside its districts' (db/levels.py)
            fd.c.review_status.in_(counted),
            fd.c.day.between(start, end),
        )
        .group_by(fd.c.unit)
        .order_by(fd.c.unit)
    )
    # People in sites: each site's latest count inside the window, the Camps page's rule
    # (db/camps_queries.py); a count older than the window is never summed as current.
    from db.camps_queries import query_sites_in_window  # it reads db.queries' helpers: imported here

    site_counts = query_sites_in_window(engine, Filters(start, end, area=area))
    dated = pd.concat([site_counts["individuals_date"], site_counts["households_date"]]).dropna()
    events = select(func.coalesce(func.sum(ed.c.events), 0), func.coalesce(func.sum(ed.c.fatalities), 0)).where(
        ed.c.day.between(start, end), ed.c.review_status.in_(counted))
    with engine.connect() as conn:
        n_events, fatalities = conn.execute(events).one()
    new_displacement = _frame(engine, by_unit)
    for column in ("reports", "reports_without_figure"):
        new_displacement[column] = new_displacement[column].astype(int)
    return Headline(
        new_displacement=new_displacement,
        people_in_sites=int(site_counts["individuals"].sum()) if site_counts["individuals"].notna().any() else None,
        households_in_sites=(int(site_counts["households"].sum()) if site_counts["households"].notna().any()
                             else None),
        sites_reporting=len(site_counts),
        sites_as_of=max(dated) if not dated.empty else None,
        sites_oldest=min(dated) if not dated.empty else None,
        events=int(n_events),
        fatalities=int(fatalities),
        site_counts=site_counts,
    )


def _data_days(counted_only: bool):
    """(source_id, provider, batch_id, d) of every dated row: figures and events from the day
    summaries (only those that count, or any review status), sites' counts and HAPI's event
    counts from their own tables (kept whole: thousands of rows, not millions; always counted)."""
    def summarised(table):
        query = select(table.c.source_id, table.c.provider, table.c.batch_id, table.c.day.label("d"))
        return query.where(table.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES)) if counted_only else query

    return union_all(
        summarised(fd),
        summarised(ed),
        select(event_count.c.source_id, event_count.c.provider, event_count.c.batch_id,
               event_count.c.period_end.label("d")),
        select(site_population.c.source_id, site_population.c.provider, site_population.c.batch_id,
               site_population.c.reported_date.label("d")),
    ).subquery()


def _source_day_in_week(conn, area: str, source_id: int, monday: date) -> date | None:
    """The latest day of the source's figures and events inside the area in the week of `monday`,
    or None: one week of raw rows through the date indexes (`+ 0` as in _area_day_tables)."""
    f, e = displacement_figure, conflict_event
    inside = area_place_ids(area)
    sunday = monday + timedelta(days=6)
    placed = or_((f.c.origin_place_id + 0).in_(inside), (f.c.destination_place_id + 0).in_(inside))
    # The two ways a figure is dated apart (not one OR): each reads ix_displacement_figure_source_id_period_end
    # over the week, where the OR read every figure of the source.
    days = union_all(
        select(f.c.period_end.label("d")).where(f.c.source_id == source_id, f.c.period_end.between(monday, sunday),
                                                placed),
        select(f.c.period_start.label("d")).where(f.c.source_id == source_id, f.c.period_end.is_(None),
                                                  f.c.period_start.between(monday, sunday), placed),
        select(e.c.event_date.label("d")).where(e.c.source_id == source_id, e.c.event_date.between(monday, sunday),
                                                (e.c.place_id + 0).in_(inside)),
    ).subquery("source_days")
    return _as_date(conn.execute(select(func.max(days.c.d))).scalar_one())


def _latest_days_in_area(engine: Engine, area: str) -> dict[int, date]:
    """Per source with rows inside the area: its latest day there.

    Figures and events: the weeks both the source (day summaries) and the area (weekly summaries,
    plausible days) hold data in, the latest first, each read from the raw rows of that week only
    until one has the source's rows inside the area (grouping a country's million raw rows took
    seconds). Sites' counts and HAPI's event counts: their own tables, a few thousand rows."""
    inside = area_place_ids(area)
    weeks = _placed_weeks()
    sp, c = site_population, event_count
    small = union_all(
        select(sp.c.source_id, sp.c.reported_date.label("d")).where(sp.c.site_id.in_(inside)),
        select(c.c.source_id, c.c.period_end.label("d")).where(c.c.period_end.is_not(None), c.c.place_id.in_(inside)),
    ).subquery("small")
    source_days = union_all(*(select(table.c.source_id, table.c.day) for table in (fd, ed))).subquery()
    latest: dict[int, date] = {}
    with engine.connect() as conn:
        area_weeks = {_as_date(week) for week in conn.execute(
            select(weeks.c.week_start).where(weeks.c.place_id.in_(inside)).distinct()).scalars()}
        for source_id, day in conn.execute(select(small.c.source_id, func.max(small.c.d)).group_by(small.c.source_id)):
            latest[source_id] = _as_date(day)
        source_weeks: dict[int, set[date]] = {}
        for source_id, day in conn.execute(select(source_days.c.source_id, source_days.c.day).distinct()):
            day = _as_date(day)
            source_weeks.setdefault(source_id, set()).add(day - timedelta(days=day.weekday()))
        for source_id, mondays in source_weeks.items():
            for monday in sorted(mondays & area_weeks, reverse=True):
                if latest.get(source_id) and latest[source_id] > monday + timedelta(days=6):
                    break  # its sites or counts there are later still
                day = _source_day_in_week(conn, area, source_id, monday)
                if day is not None:
                    latest[source_id] = max(day, latest.get(source_id, day))
                    break
    return latest


def query_source_freshness(engine: Engine, area: str | None = None) -> pd.DataFrame:
    """Per source: what it is, when it was published and loaded, and its latest data day (any review status).

    With `area` (a place_key: the chosen country), the sources with rows inside it, and their latest
    day there (_latest_days_in_area), beside those whose rows hold no date (a gazetteer, a list of
    sites): no country's."""
    data_dates = _data_days(counted_only=False)
    latest_data = (
        select(data_dates.c.source_id, func.max(data_dates.c.d).label("latest_data_date"))
        .group_by(data_dates.c.source_id)
        .subquery()
    )
    loads = (
        select(
            load_batch.c.source_id,
            func.max(load_batch.c.finished_at).label("loaded_at"),
            func.sum(load_batch.c.rows_loaded).label("rows_loaded"),
        )
        .where(load_batch.c.status == "loaded")
        .group_by(load_batch.c.source_id)
        .subquery()
    )
    query = (
        select(
            source.c.source_kind,
            source.c.title,
            source.c.publisher,
            source.c.published_date,
            latest_data.c.latest_data_date,
            loads.c.loaded_at,
            loads.c.rows_loaded,
            source.c.is_demo,
            source.c.source_id,
        )
        .select_from(
            source.join(loads, loads.c.source_id == source.c.source_id).outerjoin(
                latest_data, latest_data.c.source_id == source.c.source_id
            )
        )
        .order_by(latest_data.c.latest_data_date.desc(), source.c.title)
    )
    frame = _frame(engine, query)
    if area is not None and not frame.empty:
        inside = _latest_days_in_area(engine, area)
        frame = frame[frame["source_id"].isin(inside.keys()) | frame["latest_data_date"].isna()].copy()
        frame["latest_data_date"] = [inside.get(key, day) for key, day in zip(frame["source_id"],
                                                                              frame["latest_data_date"])]
        def as_text(column):  # days as ISO text (SQLite hands back text, PostgreSQL dates), undated last
            if column.name != "latest_data_date":
                return column
            return column.map(lambda day: "" if day is None or pd.isna(day) else str(day))

        frame = frame.sort_values(["latest_data_date", "title"], ascending=[False, True], na_position="last",
                                  key=as_text)
    return frame.drop(columns="source_id").reset_index(drop=True)


def query_schema_ready(engine: Engine) -> bool:
    """True once the schema exists (python -m db upgrade has run)."""
    return inspect(engine).has_table(displacement_figure.name)


def query_has_demo_data(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(
            select(literal(1)).select_from(source.join(load_batch, load_batch.c.source_id == source.c.source_id))
            .where(source.c.is_demo.is_(True), load_batch.c.status == "loaded").limit(1)
        ).first())


def query_is_empty(engine: Engine) -> bool:
    """True when no data (beyond the gazetteer) has been loaded."""
    with engine.connect() as conn:
        for table in (displacement_figure, conflict_event, site_population, event_count):
            if conn.execute(select(literal(1)).select_from(table).limit(1)).first():
                return False
    return True


def query_daily_totals(engine: Engine, start: date, end: date, area: str | None = None) -> pd.DataFrame:
    """Per day in the window: new displacement per unit (never added together) and events,
    everywhere or inside `area` (a place_key).

    Columns: day, unit ('persons', 'households', 'movements' or 'events'), from_text (facts read
    from text reports and accepted on review, kept apart so charts can mark them), value.
    """
    counted = vocab.COUNTED_REVIEW_STATUSES
    fd, ed = _day_tables(area, start, end)
    figures_from_text = fd.c.provider == TEXT_PROVIDER  # one expression in SELECT and GROUP BY (PostgreSQL)
    figures = (
        select(fd.c.day, fd.c.unit, figures_from_text.label("from_text"), func.sum(fd.c.value).label("value"))
        .where(
            fd.c.figure_kind == "new_displacement",
            fd.c.is_cumulative.is_(False),  # a running total is not a flow of its last day
            fd.c.held_in_finer.is_(False),  # a province's figure beside its districts' (db/levels.py)
            fd.c.review_status.in_(counted),
            fd.c.reports_with_figure > 0,
            fd.c.day.between(start, end),
        )
        .group_by(fd.c.day, fd.c.unit, figures_from_text)
    )
    events_from_text = (ed.c.provider == TEXT_PROVIDER)
    events = (
        select(ed.c.day, literal("events").label("unit"), events_from_text.label("from_text"),
               func.sum(ed.c.events).label("value"))
        .where(ed.c.day.between(start, end), ed.c.review_status.in_(counted))
        .group_by(ed.c.day, events_from_text)
    )
    frame = _frame(engine, union_all(figures, events))
    if frame.empty:
        return pd.DataFrame(columns=["day", "unit", "from_text", "value"])
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    frame["value"] = frame["value"].astype(float)
    frame["from_text"] = frame["from_text"].astype(bool)
    return frame.sort_values(["unit", "from_text", "day"]).reset_index(drop=True)


def query_unresolved_names(engine: Engine, status: str = "open") -> pd.DataFrame:
    """The review queue of place names the resolver would not guess, most frequent first."""
    best = place.alias("best")
    query = (
        select(
            unresolved_place_name.c.raw_name,
            unresolved_place_name.c.scope_key.label("asked_in"),
            unresolved_place_name.c.occurrences,
            best.c.name_en.label("best_candidate"),
            best.c.place_key.label("best_candidate_key"),
            unresolved_place_name.c.best_score,
            unresolved_place_name.c.last_seen_at,
        )
        .select_from(unresolved_place_name.outerjoin(best, best.c.place_id == unresolved_place_name.c.best_place_id))
        .where(unresolved_place_name.c.status == status)
        .order_by(unresolved_place_name.c.occurrences.desc(), unresolved_place_name.c.raw_name)
    )
    return _frame(engine, query)


def query_current_idp_stocks(engine: Engine, country_iso3: str | None = None) -> pd.DataFrame:
    """HDX HAPI IDP stocks that are current: per DTM operation and area, its latest round only.

    Every round is stored (loaders/sources/hapi_idps.py) but a round supersedes the operation's
    earlier counts of the same area, so only the latest is a current total. Latest means the
    latest reporting date, then the highest round (round numbers restart for each assessment
    type; dates do not), then the baseline area assessment (BA) over the site assessment (SA).
    Admin levels are returned side by side and must not be added: a country row already holds
    its admin-1 rows.

    Columns: country_iso3, operation, assessment_type, area_pcode, area_name_raw, place_key,
    place_name, reporting_round, period_start, period_end, figure, unit.
    """
    columns = ["country_iso3", "operation", "assessment_type", "area_pcode", "area_name_raw", "place_key",
               "place_name", "reporting_round", "period_start", "period_end", "figure", "unit"]
    figures = displacement_figure
    query = (
        select(figures.c.record_key, figures.c.destination_name_raw.label("area_name_raw"), place.c.place_key,
               place.c.name_en.label("place_name"), figures.c.period_start, figures.c.period_end, figures.c.figure,
               figures.c.unit)
        .select_from(figures.outerjoin(place, place.c.place_id == figures.c.destination_place_id))
        .where(figures.c.provider == "HDX HAPI", figures.c.figure_kind == "idp_stock",
               figures.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES))
    )
    if country_iso3:
        query = query.where(figures.c.record_key.startswith(f"{country_iso3.strip().upper()}|", autoescape=True))
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    # The key is ISO3|operation|assessment|area|round|start|end; an operation name may hold "|",
    # so it is whatever lies between the first field and the last five.
    heads = frame["record_key"].str.split("|", n=1)
    tails = heads.str[1].str.rsplit("|", n=5)
    frame["country_iso3"], frame["operation"] = heads.str[0], tails.str[0]
    frame["assessment_type"], frame["area_pcode"] = tails.str[1], tails.str[2]
    frame["reporting_round"] = tails.str[3].astype(int)
    latest = (
        frame.sort_values(["period_end", "reporting_round", "assessment_type"], ascending=[True, True, False])
        .groupby(["country_iso3", "operation", "area_pcode"], sort=False)
        .tail(1)
    )
    return latest[columns].sort_values(["country_iso3", "operation", "area_pcode"]).reset_index(drop=True)


# --- facts read from text --------------------------------------------------------------------


def query_text_figures(engine: Engine, status: str = "pending") -> pd.DataFrame:
    """Displacement facts read from text reports with the given review status, and their source."""
    origin, destination = place.alias("origin"), place.alias("destination")
    f = displacement_figure
    query = (
        select(f.c.figure_id, f.c.figure_kind, f.c.figure, f.c.figure_max, f.c.alt_figure, f.c.alt_unit, f.c.unit,
               f.c.qualifier, f.c.term, f.c.origin_name_raw, f.c.origin_place_id,
               origin.c.place_key.label("origin_place_key"), origin.c.name_en.label("origin_place_name"),
               f.c.destination_name_raw, f.c.destination_place_id,
               destination.c.place_key.label("destination_place_key"),
               destination.c.name_en.label("destination_place_name"),
               f.c.period_start, f.c.period_end, f.c.quote, f.c.quote_start, f.c.quote_end, f.c.review_status,
               source.c.title.label("source_title"), source.c.published_date, f.c.batch_id)
        .select_from(f.join(source, source.c.source_id == f.c.source_id)
                     .outerjoin(origin, origin.c.place_id == f.c.origin_place_id)
                     .outerjoin(destination, destination.c.place_id == f.c.destination_place_id))
        .where(f.c.provider == TEXT_PROVIDER, f.c.review_status == status)
        .order_by(f.c.batch_id, f.c.quote_start, f.c.figure_id)
    )
    return _frame(engine, query)


def query_text_events(engine: Engine, status: str = "pending") -> pd.DataFrame:
    """Conflict events read from text reports with the given review status, and their source."""
    e = conflict_event
    query = (
        select(e.c.event_id, e.c.event_date, e.c.date_precision, e.c.event_type, e.c.sub_event_type, e.c.actor1,
               e.c.actor2, e.c.assoc_actors, e.c.place_name_raw, e.c.place_id, place.c.place_key,
               place.c.name_en.label("place_name"), e.c.quote, e.c.quote_start, e.c.quote_end, e.c.review_status,
               source.c.title.label("source_title"), source.c.published_date, e.c.batch_id)
        .select_from(e.join(source, source.c.source_id == e.c.source_id)
                     .outerjoin(place, place.c.place_id == e.c.place_id))
        .where(e.c.provider == TEXT_PROVIDER, e.c.review_status == status)
        .order_by(e.c.batch_id, e.c.quote_start, e.c.event_id)
    )
    return _frame(engine, query)


def query_text_review_counts(engine: Engine) -> dict[str, int]:
    """How many text facts (figures and events together) are in each review status."""
    counts = {status: 0 for status in vocab.REVIEW_STATUSES if status != "not_required"}
    with engine.connect() as conn:
        for table in (displacement_figure, conflict_event):
            rows = conn.execute(select(table.c.review_status, func.count()).where(table.c.provider == TEXT_PROVIDER)
                                .group_by(table.c.review_status))
            for status, count in rows:
                counts[status] = counts.get(status, 0) + count
    return counts


def query_unlinked_text_places(engine: Engine) -> pd.DataFrame:
    """Place names in text facts still waiting for review that no gazetteer entry holds yet.

    Only names (a capital letter somewhere) that a loader queued for review are listed;
    descriptive places ("safer areas") are not places to link. Columns: raw_name, facts,
    best_candidate, best_candidate_key.
    """
    best = place.alias("best")
    named = union_all(
        select(displacement_figure.c.origin_name_raw.label("raw_name")).where(
            displacement_figure.c.provider == TEXT_PROVIDER, displacement_figure.c.review_status == "pending",
            displacement_figure.c.origin_place_id.is_(None), displacement_figure.c.origin_name_raw.is_not(None)),
        select(displacement_figure.c.destination_name_raw.label("raw_name")).where(
            displacement_figure.c.provider == TEXT_PROVIDER, displacement_figure.c.review_status == "pending",
            displacement_figure.c.destination_place_id.is_(None),
            displacement_figure.c.destination_name_raw.is_not(None)),
        select(conflict_event.c.place_name_raw.label("raw_name")).where(
            conflict_event.c.provider == TEXT_PROVIDER, conflict_event.c.review_status == "pending",
            conflict_event.c.place_id.is_(None), conflict_event.c.place_name_raw.is_not(None)),
    ).subquery()
    counted = select(named.c.raw_name, func.count().label("facts")).group_by(named.c.raw_name).subquery()
    queue = (
        select(unresolved_place_name.c.raw_name, func.max(unresolved_place_name.c.best_place_id).label("best_id"))
        .where(unresolved_place_name.c.status == "open")
        .group_by(unresolved_place_name.c.raw_name)
        .subquery()
    )
    query = (
        select(counted.c.raw_name, counted.c.facts, best.c.name_en.label("best_candidate"),
               best.c.place_key.label("best_candidate_key"))
        .select_from(counted.join(queue, queue.c.raw_name == counted.c.raw_name)
                     .outerjoin(best, best.c.place_id == queue.c.best_id))
        .order_by(counted.c.facts.desc(), counted.c.raw_name)
    )
    return _frame(engine, query)


# --- filters -----------------------------------------------------------------------------------

def query_providers(engine: Engine) -> tuple[str, ...]:
    """The providers dated rows were loaded from (what the pages' source filter offers)."""
    days = _data_days(counted_only=False)
    with engine.connect() as conn:
        return tuple(conn.execute(select(days.c.provider).distinct().order_by(days.c.provider)).scalars())


def query_provider_freshness(engine: Engine) -> pd.DataFrame:
    """Per provider: its latest data day and when it was last loaded (for captions' "as of").

    Columns: provider, latest_data_date, loaded_at. Text facts count only once accepted.
    """
    data = _data_days(counted_only=True)
    per_batch = (
        select(data.c.provider, data.c.batch_id, func.max(data.c.d).label("d"))
        .group_by(data.c.provider, data.c.batch_id).subquery()
    )
    query = (
        select(per_batch.c.provider, func.max(per_batch.c.d).label("latest_data_date"),
               func.max(load_batch.c.finished_at).label("loaded_at"))
        .select_from(per_batch.join(load_batch, load_batch.c.batch_id == per_batch.c.batch_id))
        .where(load_batch.c.status == "loaded")
        .group_by(per_batch.c.provider)
        .order_by(per_batch.c.provider)
    )
    frame = _frame(engine, query)
    frame["latest_data_date"] = pd.to_datetime(frame["latest_data_date"]).dt.date
    frame["loaded_at"] = pd.to_datetime(frame["loaded_at"], utc=True)
    return frame
