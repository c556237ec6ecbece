"""The weekly chart pack: one ISO week with its trailing weeks, as the pages draw it.

`build_pack` runs the pages' own queries (db/) and figure builders (charts/) for a week and a
set of filters, and returns the figures, the rows each draws, their captions, the headline of
the week and the preceding-events table of its largest flows. Nothing here writes a file
(pack/files.py does) or imports Streamlit (the Export page and `python -m charts weekly` both
call it). What leaves the organisation is safe to share: counts of people below a threshold are
banded as soon as they are read (charts/suppress.py): drawn at the threshold, written "<10" /
"<5", and every total is summed from banded values. No text from a report is included (the
preceding events are named by type, date and place only).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine

from charts.captions import demo_mark, includes_demo, sources_text
from charts.definitions import (Chart, events_by_type_chart, flow_map_chart, flows_and_events_chart, sankey_chart,
                                weekly_flows_chart)
from charts.flows import (converted_unit, mapped_pairs, ranking_units, weekly_flows_from_pairs,
                          with_household_size)
from charts.flows_and_events import keys_inside, rank_spikes, summarise_events
from charts.suppress import SUPPRESSED, SmallCounts, count_text
from db import events_queries, flows_and_events_queries, flows_queries, provenance, queries, vocab
from db.boundaries import query_admin1_features
from db.filters import Filters

CONTEXT_WEEKS = 8  # the week and the seven before it, in the weekly charts
KIND = "new_displacement"
UNITS = ("persons", "households")
ISO_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.I)
PRECEDING_COLUMNS = ["place", "place_key", "pcode", "area_pcode", "value", "unit", "events_before", "fatalities",
                     "preceding_events"]


class PackError(ValueError):
    """A pack that cannot be made as asked (a week or filter that does not parse): a usage error."""


class NothingToExport(Exception):
    """The week holds nothing to chart under these filters; the message says what to change."""


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def last_complete_week(today: date, data_end: date | None) -> date | None:
    """The Monday of the last Monday–Sunday week that has ended by `today` and by the data's last day.

    A Monday-morning run gets last week once last week's data are in; on a database whose data
    stop earlier (the demo stops on 31 Dec 2024), the last whole week of data.
    """
    if data_end is None:
        return None
    sunday = min(today - timedelta(days=1), data_end)
    sunday -= timedelta(days=(sunday.weekday() + 1) % 7)  # back to a Sunday (a Sunday stays)
    return sunday - timedelta(days=6)


def last_week_of_data(today: date, data_end: date | None,
                      latest_day_by: Callable[[date], date | None] | None = None) -> date | None:
    """The Monday of "last week": the last whole week (Monday–Sunday) that has ended by `today`
    and holds data, of the chosen country or area (`data_end` and `latest_day_by` are its own).

    It is last_complete_week when that week holds data. When it holds none (a governorate reported on
    a few days only), the week of the last data day before it; when all the data lie in one week
    cut short by `data_end` (one file of three days), that week once it has ended. None while no
    week with data has ended. `latest_day_by(day)`: the last data day on or before `day`.
    """
    monday = last_complete_week(today, data_end)
    if monday is None:
        return None
    latest = latest_day_by(monday + timedelta(days=6)) if latest_day_by else monday
    if latest is not None:
        return latest - timedelta(days=latest.weekday())
    own = data_end - timedelta(days=data_end.weekday())
    return own if own + timedelta(days=6) < today else None


# Data older than this (days before today) is said to be old on the pages, in the pack and on the
# command line. The sources read here publish at least weekly (ACLED every week, DTM and the IDP
# Task Force within days of the movements), so a latest day two weeks back means at least one
# release was not loaded, and "last week" is then not last week.
OLD_DATA_DAYS = 14


def old_data_note(where: str | None, latest: date | None, today: date) -> str | None:
    """"latest data for Syria: 2024-12-29 (101 weeks old)" when `latest` is more than OLD_DATA_DAYS
    before `today`; None when it is recent (or there is no data at all: pages say that themselves)."""
    if latest is None or (today - latest).days <= OLD_DATA_DAYS:
        return None
    days = (today - latest).days
    age = f"{days // 7} weeks old" if days >= 7 * 4 else f"{days} days old"
    return f"latest data{f' for {where}' if where else ''}: {latest.isoformat()} ({age})"


def parse_week(text: str, *, today: date, data_end: date | None,
               latest_day_by: Callable[[date], date | None] | None = None) -> date:
    """"2024-W49" (or "2024W49") → the Monday of that ISO week; "last" → last_week_of_data."""
    if (text or "").strip().lower() == "last":
        monday = last_week_of_data(today, data_end, latest_day_by)
        if monday is None:
            if data_end is None:
                raise PackError("--week last: the database has no dated data yet; load files first "
                                "(python -m loaders ingest FILE) or give a week such as 2024-W49")
            raise PackError("--week last: no whole week of data has ended yet; give a week such as 2024-W49")
        return monday
    match = ISO_WEEK.match(text or "")
    if not match:
        raise PackError(f"--week {text!r}: write an ISO week as YYYY-Www (e.g. 2024-W49), or 'last'")
    year, week = int(match[1]), int(match[2])
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        raise PackError(f"--week {text!r}: {year} has no ISO week {week} (weeks run from 1 to 52 or 53)") from None


@dataclass(frozen=True)
class PackOptions:
    """What to export: the week (its Monday), the narrowing, the unit and the suppression."""

    week: date
    filters: Filters | None = None  # the area, event types and sources (its window is the week's)
    unit: str = "persons"
    household_size: float = 0.0  # households shown as persons at this size (0: kept apart)
    context_weeks: int = CONTEXT_WEEKS
    small: SmallCounts = SmallCounts()

    def __post_init__(self):
        if self.filters is None:
            object.__setattr__(self, "filters", Filters(self.week, self.week))
        if self.week.weekday() != 0:
            raise PackError(f"a pack's week starts on a Monday, not on {self.week:%A %d %b %Y}")
        if self.unit not in UNITS:
            raise PackError(f"unit must be one of {', '.join(UNITS)}, not {self.unit!r}")
        if not 1 <= self.context_weeks <= 52:
            raise PackError("the weekly charts show 1 to 52 weeks")
        if not 0 <= self.household_size <= 20:
            raise PackError("a household size is between 0 (households kept apart) and 20 persons")

    @property
    def label(self) -> str:
        return week_label(self.week)

    @property
    def window(self) -> Filters:
        """The weekly charts' window: the trailing weeks and the week itself."""
        return replace(self.filters, start=self.week - timedelta(weeks=self.context_weeks - 1),
                       end=self.week + timedelta(days=6))

    @property
    def week_filters(self) -> Filters:
        return replace(self.filters, start=self.week, end=self.week + timedelta(days=6))

    @property
    def drawn_unit(self) -> str:
        """The unit the charts draw: households converted to persons when a size is given."""
        return converted_unit(self.household_size) if self.household_size else self.unit

    @property
    def stem(self) -> str:
        """The files' common name: weekly_2024-W49[_area]."""
        area = self.filters.area
        return f"weekly_{self.label}" + ("_" + "".join(c if c.isalnum() else "-" for c in area) if area else "")


@dataclass
class Pack:
    options: PackOptions
    area_name: str  # "All areas" or "Hama · حماة (governorate, SY05)"
    headline: dict[str, str]  # label → figure as shown (small counts suppressed)
    charts: list[Chart]  # charts/definitions.py: the same definitions the pages draw
    preceding: pd.DataFrame  # the week's largest flows and the events before them (PRECEDING_COLUMNS)
    preceding_note: str
    sources: str  # "Sources: ACLED (data to …)"
    freshness: pd.DataFrame  # the sources of the rows drawn: provider, latest_data_date, loaded_at, is_demo
    is_demo: bool
    latest_data_date: date | None = None  # the area's (or the database's) last data day, for old_data_note
    data_where: str | None = None  # whose data that is, in words ("Syrian Arab Republic"); None: everywhere

    def old_data_note(self, today: date) -> str | None:
        return old_data_note(self.data_where, self.latest_data_date, today)


def _area_name(places: pd.DataFrame, area: str | None) -> str:
    if not area:
        return "All areas"
    row = places[places["place_key"] == area]
    if row.empty:
        return area
    row = row.iloc[0]
    return vocab.area_label(row["name_en"], row["name_ar"], row["kind"], area)


def _total(rows: pd.DataFrame, unit: str) -> str:
    """The rows' sum of `unit` as shown: from banded values, "<N" when a part of it is suppressed."""
    rows = rows[rows["unit"] == unit] if not rows.empty else rows
    if rows.empty:
        return count_text(0.0)
    return count_text(float(rows["value"].sum()), bool(rows[SUPPRESSED].any()) if SUPPRESSED in rows else False)


def build_pack(engine: Engine, options: PackOptions) -> Pack:
    """The week's charts as the pages draw them; NothingToExport when the week holds no data."""
    window, week = options.window, options.week_filters
    unit, size, small = options.drawn_unit, options.household_size, options.small
    places = queries.query_places(engine, None)
    inside = keys_inside(places, options.filters.area)
    area_words = vocab.places_area_name(places, options.filters.area)  # captions: "Hama governorate", not "SY05"

    used: list[pd.DataFrame] = []  # each chart's sources: the pack's own sources line is their union

    def mark(text: str, sources: pd.DataFrame) -> str:
        used.append(sources)
        return demo_mark(f"{text}, {options.label}", sources)

    # The sources of each chart's rows (db/provenance.py), read with the chart's own filters, name
    # them in its caption (charts/captions.py: the same function as on the page) and mark it demo.
    units = tuple(ranking_units(unit, size))
    flow_sources = provenance.query_flow_sources(engine, replace(window, units=units), KIND)
    charts: list[Chart] = []

    # Every flow figure below is summed from the pairs of each week, banded as read: nothing after this
    # (sums by place, conversion, figures, headline) sees a small count's value, and a place's total
    # is the sum of the same banded pairs the Sankey draws (charts/suppress.py).
    pair_weeks = with_household_size(small.band(flows_queries.query_weekly_pairs(engine, window, KIND)), size)
    by_side = {side: weekly_flows_from_pairs(pair_weeks, side) for side in ("origin", "destination")}
    # Accepted text reports without a figure, marked on their week: never with their sentence (nothing
    # from a report's text leaves in the pack).
    unquantified = {side: flows_queries.query_unquantified_reports(engine, window, KIND, side)
                    for side in ("origin", "destination")}
    for side in ("origin", "destination"):
        weekly = by_side[side]
        if weekly.empty or weekly[weekly["unit"] == unit].empty:
            continue
        title = mark(f"New displacement by {side}, per week", flow_sources)
        charts.append(weekly_flows_chart(weekly, side=side, unit=unit, title=title, filters=window,
                                         sources=flow_sources, small=small, household_size=size,
                                         unquantified=unquantified[side], area_name=area_words))

    origin = by_side["origin"]
    flight = origin[origin["place_key"].isin(inside)] if inside is not None and not origin.empty else origin
    flight = flight[flight["unit"] == unit] if not flight.empty else flight
    unquantified_flight = unquantified["origin"]
    if inside is not None and not unquantified_flight.empty:
        unquantified_flight = unquantified_flight[unquantified_flight["place_key"].isin(inside)]
    weekly_events = events_queries.query_weekly_events(engine, window)  # read once: by type and by sub-type
    events = flows_and_events_queries.events_by_type(weekly_events)
    if not flight.empty or not events.empty:
        sources = provenance.query_flow_and_event_sources(engine, replace(window, units=units), KIND, "origin")
        title = mark("New displacement and the week's conflict events", sources)
        charts.append(flows_and_events_chart(flight, events, unit=unit, title=title, filters=window, sources=sources,
                                             small=small, household_size=size, unquantified=unquantified_flight,
                                             area_name=area_words))

    if not weekly_events.empty:
        sources = provenance.query_event_sources(engine, window)
        title = mark("Conflict events per week, by type", sources)
        charts.append(events_by_type_chart(weekly_events, title=title, filters=window, sources=sources,
                                           area_name=area_words))

    pairs = pair_weeks[(pair_weeks["week"] == options.week) & (pair_weeks["unit"] == unit)].drop(columns="week") \
        if not pair_weeks.empty else pair_weeks
    if not pairs.empty:
        sources = provenance.query_flow_sources(engine, replace(week, units=units), KIND)
        title = mark("New displacement: origin → destination", sources)
        charts.append(sankey_chart(pairs, unit=unit, title=title, filters=week, sources=sources, small=small,
                                   household_size=size, area_name=area_words))
        if not mapped_pairs(pairs, unit).empty:
            title = mark("New displacement: flow map", sources)
            charts.append(flow_map_chart(pairs, unit=unit, title=title, filters=week, sources=sources, small=small,
                                         admin1=query_admin1_features(engine), household_size=size,
                                         area_name=area_words))

    if not charts:
        raise NothingToExport(
            f"Nothing to export for {options.label} ({options.week:%d %b} – "
            f"{options.week + timedelta(days=6):%d %b %Y})"
            + (f" in {area_words}" if options.filters.area else "") + ": no displacement figures and no "
            "conflict events in it or the weeks before. Pick another week or area, or clear the filters.")

    fled = _total(flight[flight["week"] == options.week], unit) if not flight.empty else count_text(0.0)
    destination = by_side["destination"]
    arrived = destination[destination["place_key"].isin(inside)] if inside is not None and not destination.empty \
        else destination
    arrived_total = (_total(arrived[arrived["week"] == options.week], unit) if not arrived.empty
                     else count_text(0.0))
    week_events = events[events["week"] == options.week]["events"].sum() if not events.empty else 0
    fatalities = (weekly_events.loc[weekly_events["week"] == options.week, "fatalities"].sum()
                  if not weekly_events.empty else 0)
    where = "the area" if options.filters.area else "anywhere"
    headline = {
        f"New displacement from {where} ({unit})": fled,
        f"Arrivals in {where} ({unit})": arrived_total,
        "Conflict events": f"{int(week_events):,}",
        "Reported fatalities": f"{int(fatalities):,}",
    }
    preceding, note = _preceding_table(engine, options, flight, unit)
    preceding["area_pcode"] = [enclosing_pcode(places, key) for key in preceding["place_key"]]
    # The pack's own sources line: exactly the sources of the rows its charts draw.
    drawn_sources = provenance.combined(*used)
    _, latest = queries.query_area_date_range(engine, options.filters.area)
    data_where = _place_name(places, options.filters.area)
    return Pack(options=options, area_name=_area_name(places, options.filters.area), headline=headline,
                charts=charts, preceding=preceding, preceding_note=note,
                sources=sources_text(drawn_sources), freshness=drawn_sources, is_demo=includes_demo(drawn_sources),
                latest_data_date=latest, data_where=data_where)


def enclosing_pcode(places: pd.DataFrame, key) -> str | None:
    """The p-code of the place `key`, or of the nearest place enclosing it that has one. A town or a site
    has no p-code of its own in the gazetteer (its key is "<admin p-code>:<name>"), so the pack's table
    of largest flows, ranked by town, had a p-code column of dashes only; it shows the enclosing area's."""
    parents = dict(zip(places["place_key"], places["parent_key"]))
    pcodes = dict(zip(places["place_key"], places["pcode"]))
    seen = set()
    while isinstance(key, str) and key not in seen:
        seen.add(key)
        if isinstance(pcodes.get(key), str) and pcodes[key]:
            return pcodes[key]
        key = parents.get(key)
    return None


def _place_name(places: pd.DataFrame, area: str | None) -> str | None:
    """The area's English name (its key when the gazetteer lacks it); None for everywhere."""
    if not area:
        return None
    row = places[places["place_key"] == area]
    return str(row["name_en"].iloc[0]) if len(row) else area


def _preceding_table(engine: Engine, options: PackOptions, flight: pd.DataFrame,
                     unit: str) -> tuple[pd.DataFrame, str]:
    """The week's largest flows from the area and the events before each (as the Flows and events page)."""
    lookback, radius = flows_and_events_queries.LOOKBACK_DAYS[2], flows_and_events_queries.RADIUS_KM[2]
    first, last = flows_and_events_queries.preceding_window(options.week, lookback)
    note = (f"The week's {flows_and_events_queries.TOP_FLOWS} largest flows by place of origin, and the conflict "
            f"events from {first:%d %b} to {last:%d %b %Y} in or within {radius} km of each place (ACLED types; the "
            "latest two named).")
    ranked = rank_spikes(flight[flight["week"] == options.week], unit) if not flight.empty else flight
    if ranked.empty:
        return pd.DataFrame(columns=PRECEDING_COLUMNS), note
    top = ranked.head(flows_and_events_queries.TOP_FLOWS)
    found = flows_and_events_queries.query_preceding_events(engine, tuple(top["place_key"]), first, last, radius,
                                                            options.filters.event_types, options.filters.sources)
    rows = []
    for row in top.itertuples():
        counts, latest = found.of(row.place_key)
        rows.append({"place": row.place, "place_key": row.place_key, "pcode": row.pcode, "value": row.value,
                     SUPPRESSED: getattr(row, SUPPRESSED, False), "unit": unit,
                     "events_before": int(counts["events"].sum()),
                     "fatalities": int(counts["fatalities"].sum()),
                     "preceding_events": summarise_events(counts, latest)})
    return options.small.table(pd.DataFrame(rows, columns=[*PRECEDING_COLUMNS, SUPPRESSED])), note
