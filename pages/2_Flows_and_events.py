"""Flows and the events that preceded them: one time axis, a spike's preceding events, the lag view."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from access.policy import Permission
from charts.definitions import flows_and_events_chart
from charts.export import csv_bytes
from charts.flows import weekly_flows_from_pairs
from charts.flows_and_events import (build_lag_heatmap, governorates, MIN_LAG_WEEKS, keys_inside, lag_correlations,
                                     rank_spikes, summarise_events, weeks_used)
from charts.suppress import PAGES, SUPPRESSED, count_text
from db import flows_and_events_queries, flows_queries, queries, vocab
from db.flows_and_events_queries import (LOOKBACK_DAYS, RADIUS_KM, SPIKE_CHOICES, SPIKE_LIST_ROWS, TOP_FLOWS,
                                         events_near, lag_window, preceding_window)
from ui.cache import cached
from ui.captions import area_name, chart_caption, chart_sources
from ui.common import from_link, param_choice, param_number, refuse_url_value
from ui.downloads import chart_downloads, file_stem
from ui.filters import sidebar_filters
from ui.page import open_page
from ui.safe_text import literal
from ui.show import show_chart, show_table

page = open_page("Flows and events", "⚡", "Flows and the events that preceded them")
filters = sidebar_filters(page, default_days=28, show=("area", "event_types", "sources"))
area_words = area_name(page, filters.area)  # "Syria", "Hama governorate": the area in words
unit = param_choice("unit", ("persons", "households"), "Unit", horizontal=True)
places = cached(queries.query_places, page.engine)
inside = keys_inside(places, filters.area)

# Small counts banded before anything is drawn or summed (charts/suppress.py), on the pairs of each
# week as on the Flows page and in the pack: a place's total is the same everywhere it is shown.
pair_weeks = cached(flows_queries.query_weekly_pairs, page.engine, filters, "new_displacement")
weekly = weekly_flows_from_pairs(PAGES.band(pair_weeks), "origin")
if inside is not None and not weekly.empty:
    weekly = weekly[weekly["place_key"].isin(inside)]  # flight *from* the area
weekly = weekly[weekly["unit"] == unit] if not weekly.empty else weekly
events = cached(flows_and_events_queries.query_weekly_events_by_type, page.engine, filters)
quotes = page.actor.can(Permission.SEE_QUOTES)  # a viewer gets the events, never a report's sentence
# Accepted reports of flight without a figure, marked on their week (a viewer sees that one exists, not its sentence).
unquantified = cached(flows_queries.query_unquantified_reports, page.engine, filters, "new_displacement", "origin",
                      with_quotes=quotes)
if inside is not None and not unquantified.empty:
    unquantified = unquantified[unquantified["place_key"].isin(inside)]
if weekly.empty and events.empty and unquantified.empty:
    st.info(f"No displacement in {unit} and no events between {filters.start:%d %b %Y} and {filters.end:%d %b %Y}"
            + (f" in {literal(area_words)}" if filters.area else "") + ". Widen the window, choose another area or "
            "unit, or clear the event-type and source filters.")
    st.stop()

sources = chart_sources(page, "flows_and_events", filters, side="origin", units=(unit,))
chart = flows_and_events_chart(weekly, events, unit=unit,
                               title=page.demo_mark("New displacement and the week's conflict events", sources),
                               filters=filters, sources=sources, small=PAGES, unquantified=unquantified,
                               escape=literal, area_name=area_words)
show_chart(chart.figure, key="chart-flows-events")
chart_downloads(chart.figure, chart.rows, file_stem("flows_and_events", filters), "flows-events")
st.caption(chart.caption)

st.subheader("A spike and what came before it")
spikes = rank_spikes(weekly, unit).head(SPIKE_CHOICES)
if spikes.empty:
    st.info("No displacement from a known place in this view: widen the window or choose another area.")
    st.stop()
options = [f"{row.place_key}@{row.week}" for row in spikes.itertuples()]
labels = {f"{row.place_key}@{row.week}": f"{row.place} — week of {row.week:%d %b %Y}: "
          f"{count_text(row.value, getattr(row, SUPPRESSED))} {unit}" for row in spikes.itertuples()}
wanted = f"{st.query_params.get('spike_place', '')}@{st.query_params.get('spike_week', '')}"
if wanted != "@" and wanted not in options and from_link("spike"):
    for name in ("spike_place", "spike_week"):
        if st.query_params.get(name):
            refuse_url_value(name, st.query_params[name], "not one of the spikes of this view",
                             "the largest spike")
left, middle, right = st.columns([3, 1, 1])
with left:
    spike = st.selectbox("Spike (place and week, largest first)", options,
                         index=options.index(wanted) if wanted in options else 0, format_func=labels.get,
                         key="param-spike")
with middle:
    lookback = int(param_number("lookback", "Days before the week", minimum=LOOKBACK_DAYS[0],
                                maximum=LOOKBACK_DAYS[1], default=LOOKBACK_DAYS[2], step=1, integer=True))
with right:
    radius = param_number("radius_km", "Radius (km)", minimum=RADIUS_KM[0], maximum=RADIUS_KM[1],
                          default=RADIUS_KM[2], step=5, integer=True)
spike_place, spike_week_text = spike.split("@")
st.query_params["spike_place"], st.query_params["spike_week"] = spike_place, spike_week_text
spike_week = date.fromisoformat(spike_week_text)
first, last = preceding_window(spike_week, lookback)
week_rows = spikes[spikes["week"] == spike_week].head(TOP_FLOWS)
# Counted per place and type from the summaries (not read event by event): the same rule as the list.
asked = tuple(dict.fromkeys((spike_place, *week_rows["place_key"])))
preceding = cached(flows_and_events_queries.query_preceding_events, page.engine, asked, first, last, radius,
                   filters.event_types, filters.sources)
total = int(preceding.of(spike_place)[0]["events"].sum())
near = events_near(cached(flows_and_events_queries.query_events_near_places, page.engine, (spike_place,), first, last,
                          radius, filters.event_types, filters.sources, SPIKE_LIST_ROWS, with_quotes=quotes),
                   spike_place)
chosen = spikes.iloc[options.index(spike)]
st.markdown(f"**{total} event(s)** from {first:%d %b} to {last:%d %b %Y} in or within {radius:g} km of "
            f"**{literal(vocab.place_label(chosen['place'], chosen.get('pcode'), key=spike_place))}**, before and "
            "during the week of flight.")
if near.empty:
    st.info("No event found: widen the radius or the number of days before the week, or clear the event-type filter.")
else:
    if total > len(near):
        st.caption(f"The {len(near)} latest are listed; the CSV holds all {total}.")
    show_table(near, column_config={
        "event_id": None, "lat": None, "lon": None, "from_text": st.column_config.CheckboxColumn("From text"),
        "inside_area": st.column_config.CheckboxColumn("Inside"), "quote": "Sentence (text reports)"})
    st.download_button(
        "Download these events (CSV)", file_name=f"events_before_{spike_place}_{spike_week}.csv".replace(":", "-"),
        data=lambda: csv_bytes(events_near(cached(
            flows_and_events_queries.query_events_near_places, page.engine, (spike_place,), first, last, radius,
            filters.event_types, filters.sources, with_quotes=quotes), spike_place)),
        mime="text/csv", key="download-near", on_click="ignore")

st.subheader(f"The week's largest flows and their preceding events (week of {spike_week:%d %b %Y})")
ranking = []
for row in week_rows.itertuples():
    counts, latest = preceding.of(row.place_key)
    ranking.append({"place": row.place, "place_key": row.place_key, "pcode": row.pcode,
                    unit: count_text(row.value, True) if getattr(row, SUPPRESSED) else row.value,
                    "events before": int(counts["events"].sum()), "fatalities": int(counts["fatalities"].sum()),
                    "preceding events": summarise_events(counts, latest)})
ranking = pd.DataFrame(ranking)
# Shown as text when it mixes numbers and "<10" (Arrow takes one type per column); the CSV keeps the numbers.
show_table(ranking.astype({unit: str}) if ranking[unit].map(type).eq(str).any() else ranking)
st.download_button("Download this table (CSV)", data=csv_bytes(ranking),
                   file_name=f"largest_flows_{spike_week}.csv", mime="text/csv", key="download-ranking",
                   on_click="ignore")

st.subheader("Does displacement follow the events? (lag view)")
lag_filters = lag_window(filters)
lag_pairs = cached(flows_queries.query_weekly_pairs, page.engine, lag_filters, "new_displacement")
lag_flows = weekly_flows_from_pairs(PAGES.band(lag_pairs), "origin")
lag_flows = lag_flows[lag_flows["unit"] == unit] if not lag_flows.empty else lag_flows
lag_events = cached(flows_and_events_queries.query_weekly_events_by_place, page.engine, lag_filters)
areas = governorates(places)
names = dict(zip(places["place_key"], places["name_en"]))
correlations = lag_correlations(lag_flows, lag_events, areas, names)
if correlations.empty:
    seen = len(set(lag_flows["week"]) | set(lag_events["week"])) if not (lag_flows.empty and lag_events.empty) else 0
    st.info(f"Too few weeks to compare: a governorate needs events and displacement over at least {MIN_LAG_WEEKS} "
            f"weeks, and this view has reports in {seen} week(s). Widen the window or clear the filters.")
else:
    lag_sources = chart_sources(page, "flows_and_events", lag_filters, side="origin", units=(unit,))
    heatmap = build_lag_heatmap(correlations, unit, page.demo_mark("Displacement after events, by governorate",
                                                                   lag_sources))
    show_chart(heatmap, key="chart-lag")
    chart_downloads(heatmap, correlations, file_stem("lag_view", lag_filters), "lag")
    st.caption(chart_caption(
        page, unit="correlation (−1 to 1)", filters=lag_filters, sources=lag_sources,
        extra=f"Per governorate: the correlation of weekly event counts with new displacement ({unit}) from the "
              f"same governorate 0–4 weeks later, over the {weeks_used(correlations)} weeks from the first to the "
              "last week with a report (weeks with no report count as 0; a lag of L weeks compares L fewer). A high "
              "value says the two rise together, not that one caused the other."))
