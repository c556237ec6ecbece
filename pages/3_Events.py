"""Events: conflict events per week and type, where they happened, this week against the four
before it, and HDX HAPI's monthly counts (shown apart, never added to the events)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import streamlit as st

from charts.definitions import events_by_type_chart
from charts.events import (CATEGORY_LABELS, build_event_map, build_hapi_counts, build_week_comparison,
                           hapi_admin_level, hapi_rows, map_rows, timeline_rows)
from db import events_queries, vocab
from db.boundaries import query_admin1_features
from db.events_queries import MAP_LOCATION_LIMIT, comparison_week
from ui.cache import cached
from ui.captions import area_name, chart_caption, chart_sources
from ui.common import param_choice
from ui.downloads import chart_downloads, file_stem
from ui.filters import sidebar_filters
from ui.page import open_page
from ui.safe_text import literal
from ui.show import show_chart, show_table

BY_TYPE = "all event types"

page = open_page("Events", "💥", "Conflict events")
filters = sidebar_filters(page, default_days=56, show=("area", "event_types", "sources"))
area_words = area_name(page, filters.area)  # "Syria", "Hama governorate": the area in words
area = f" in {literal(area_words)}" if filters.area else ""
window = f"between {filters.start:%d %b %Y} and {filters.end:%d %b %Y}{area}"
widen = ("Widen the window in the sidebar, choose another area, or clear the event type and source filters.")
area_note = "Only events at places inside the area count. " if filters.area else ""
sources = chart_sources(page, "events", filters)  # the timeline's and the map's rows

# --- 1. weekly timeline ------------------------------------------------------------------------
st.subheader("Per week, by event type")
weekly = cached(events_queries.query_weekly_events, page.engine, filters)
types = tuple(t for t in vocab.EVENT_TYPES if not filters.event_types or t in filters.event_types)
subtypes_of = param_choice("subtypes_of", (BY_TYPE, *types), "Break down", widget=st.selectbox, default_in_url=False,
                           format_func=lambda v: v if v == BY_TYPE else f"{v} by sub-type",
                           help="All event types stacked, or one event type broken down by its ACLED sub-types.")
subtypes_of = None if subtypes_of == BY_TYPE else subtypes_of
drawn = timeline_rows(weekly, subtypes_of) if not weekly.empty else weekly
if drawn.empty:
    st.info(f"No conflict events {window}" + (f" of type {subtypes_of}" if subtypes_of else "") + ". " + widen
            + (" Or choose \"all event types\" above." if subtypes_of else ""))
else:
    what = f"{subtypes_of} by sub-type" if subtypes_of else "events by type"
    chart = events_by_type_chart(weekly, title=page.demo_mark(f"Conflict events per week: {what}", sources),
                                 filters=filters, sources=sources, subtypes_of=subtypes_of, escape=literal,
                                 area_name=area_words)
    show_chart(chart.figure, key="chart-timeline")
    # The page's CSV also names the area it was drawn for (the pack's file name says it).
    chart_downloads(chart.figure, chart.rows.assign(area=filters.area or "all"),
                    file_stem("events_weekly_" + ("by_type" if not subtypes_of else "by_sub_type"), filters),
                    "timeline")
    st.caption(chart.caption)

    # --- 2. map --------------------------------------------------------------------------------
    st.subheader("Where")
    locations = cached(events_queries.query_event_locations, page.engine, filters)
    mapped = map_rows(locations)
    if mapped.empty:
        st.info("None of these events has coordinates, nor a place with coordinates in the gazetteer. Link their "
                "place names on the Gazetteer page.")
    else:
        event_map = build_event_map(locations, page.demo_mark("Conflict events by location", sources),
                                    admin1=cached(query_admin1_features, page.engine))
        show_chart(event_map, key="chart-map")
        chart_downloads(event_map, mapped, file_stem("events_map", filters), "map")
        unmapped = int(locations.loc[locations["lat"].isna(), "events"].sum())
        st.caption(chart_caption(
            page, unit="events", filters=filters, sources=sources,
            text_share=mapped.loc[mapped["from_text"], "events"].sum(),
            extra=area_note + "Points at the event's coordinates, else its place's, as large as the events of "
            "that type there; text-report events are open diamonds. Coastlines and borders: Natural Earth; admin 1: "
            "OCHA COD-AB or a loaded boundaries file."
            + (f" {unmapped} event(s) without coordinates are not drawn." if unmapped else "")
            + (f" Only the {MAP_LOCATION_LIMIT:,} busiest locations are drawn." if len(locations) >= MAP_LOCATION_LIMIT
               else "")))

# --- 3. this week against the four before ----------------------------------------------------
week = comparison_week(filters.end)
week_end = week + timedelta(days=6)
st.subheader(f"Week of {week:%a %d %b} – {week_end:%a %d %b %Y} against the 4 weeks before")
if week_end != filters.end:
    st.caption(f"The week containing {filters.end:%d %b %Y} is not complete in the window, so the last complete "
               "week before it is compared.")
table = cached(events_queries.query_week_against_average, page.engine, filters, week)
if table.empty:
    st.info(f"No conflict events between {week - timedelta(weeks=4):%d %b %Y} and {week_end:%d %b %Y}"
            + area + ". Move the window's end in the sidebar to a week "
            "with events, choose another area, or clear the event type and source filters.")
else:
    # the five weeks compared, which may lie before the window's start
    week_sources = chart_sources(page, "events", replace(filters, start=week - timedelta(weeks=4), end=week_end))
    comparison = build_week_comparison(table, page.demo_mark(
        f"Events in the week of {week:%d %b %Y} against the average of the 4 weeks before", week_sources))
    show_chart(comparison, key="chart-week")
    chart_downloads(comparison, table, file_stem("events_week_against_average", filters), "week")
    st.caption(chart_caption(
        page, unit="events", filters=filters, sources=week_sources,
        text_share=table.loc[table["group"] == "event type",
                                                                   "from_text_this_week"].sum(),
        extra=area_note + f"This week: {week:%d %b} – {week_end:%d %b %Y}; average of the four weeks "
        f"{week - timedelta(weeks=4):%d %b} – {week - timedelta(days=1):%d %b %Y} (a week without events counts as "
        "0; these weeks may lie before the window's start). Change in % is empty when the average is 0. "
        "Governorates by the event's place in the gazetteer, else as the source names it (no p-code)."))
    show_table(table, column_config={
        "average_4_weeks": st.column_config.NumberColumn("Average of 4 weeks", format="%.2f"),
        "change": st.column_config.NumberColumn("Change", format="%+.2f"),
        "change_pct": st.column_config.NumberColumn("Change (%)", format="%+.1f%%")})

# --- 4. HDX HAPI aggregated counts -------------------------------------------------------------
st.subheader("Aggregated counts from HDX HAPI")
HAPI_NOTE = ("aggregated counts from HDX HAPI (monthly, by area); categories overlap (civilian targeting is part of "
             "political violence) and are never added together; not individual events")
counts = cached(events_queries.query_hapi_event_counts, page.engine, filters)
if counts.empty:
    st.info(f"No HDX HAPI event counts for periods {window}. Load HAPI conflict-event files on the Upload page, "
            "widen the window, choose another area (counts are per governorate or district), or clear the "
            "source filter.")
else:
    for category in vocab.EVENT_CATEGORIES:
        rows = hapi_rows(counts, category)
        if rows.empty:
            continue
        hapi_sources = chart_sources(page, "event_counts", filters)
        hapi_sources = hapi_sources[hapi_sources["provider"].isin(set(rows["provider"]))]
        hapi = build_hapi_counts(counts, category, page.demo_mark(
            f"{CATEGORY_LABELS[category]}: aggregated counts (HDX HAPI)", hapi_sources))
        show_chart(hapi, key=f"chart-hapi-{category}")
        chart_downloads(hapi, rows, file_stem(f"hapi_{category}", filters), f"hapi-{category}")
        st.caption(chart_caption(
            page, unit=f"{category.replace('_', ' ')} events (aggregated count)", filters=filters,
            sources=hapi_sources,
            extra="Shown as published: " + HAPI_NOTE + f". Admin level {hapi_admin_level(rows)} only; periods that "
            "overlap the window are shown whole. The event type filter does not apply."))
