"""Flows: where people fled from and to — weekly by place, origin→destination, and on a map."""

from __future__ import annotations

import streamlit as st

from access.policy import Permission
from charts.definitions import flow_map_chart, sankey_chart, weekly_flows_chart
from charts.flows import converted_unit, ranking_units, weekly_flows_from_pairs, with_household_size
from charts.suppress import PAGES
from db.boundaries import query_admin1_features
from db import flows_queries
from db.flows_queries import FLOW_KINDS, FLOW_SIDES
from ui.captions import area_name, chart_sources
from ui.safe_text import literal
from ui.cache import cached
from ui.common import param_choice, param_number
from ui.downloads import chart_downloads, file_stem
from ui.filters import sidebar_filters
from ui.page import open_page
from ui.show import show_chart

page = open_page("Flows", "🧭", "Where people fled from and to")
filters = sidebar_filters(page, default_days=28, show=("area", "sources"))
area_words = area_name(page, filters.area)  # "Syria", "Hama governorate": the area in words
left, middle, right = st.columns(3)
with left:
    side = param_choice("side", FLOW_SIDES, "Places as", horizontal=True)
with middle:
    kind = param_choice("kind", FLOW_KINDS, "Figures", horizontal=True)
with right:
    size = param_number("hh_size", "Household size (persons per household; 0 keeps households apart)",
                        minimum=0.0, maximum=20.0, default=0.0, step=0.5)
units = ("persons", "households", "movements") if not size else (converted_unit(size), "movements")
unit = param_choice("unit", units, "Unit", horizontal=True)

# Small counts banded before anything is drawn: the browser gets the figure's JSON (charts/suppress.py).
# Places and pairs are both summed from the same banded pairs of each week, so that no place's
# total differs from its pairs by an exact small count.
pair_weeks = with_household_size(PAGES.band(cached(flows_queries.query_weekly_pairs, page.engine, filters, kind)), size)
weekly = weekly_flows_from_pairs(pair_weeks, side)
rows = weekly[weekly["unit"] == unit] if not weekly.empty else weekly
# Accepted reports without a figure, marked on their week; the sentence only for a role that may read it.
unquantified = cached(flows_queries.query_unquantified_reports, page.engine, filters, kind, side,
                      with_quotes=page.actor.can(Permission.SEE_QUOTES))
if rows.empty and unquantified.empty:
    st.info(f"No {kind.replace('_', ' ')} in {unit} between {filters.start:%d %b %Y} and {filters.end:%d %b %Y}"
            + (f" touching {literal(area_words)}" if filters.area else "") + ". Widen the window in the sidebar, "
            "choose another area or unit, or clear the source filter.")
    st.stop()

# The sources of the figures these charts sum (all three read the same pairs): captions and demo mark.
sources = chart_sources(page, "flows", filters, kind=kind, units=ranking_units(unit, size))

st.subheader(f"Per week, by {side}")
chart = weekly_flows_chart(weekly, side=side, unit=unit, title=page.demo_mark(f"{kind.replace('_', ' ')} by {side}, "
                                                                              "per week", sources),
                           filters=filters, sources=sources, small=PAGES, household_size=size,
                           unquantified=unquantified, escape=literal, area_name=area_words)
show_chart(chart.figure, key="chart-weekly")
chart_downloads(chart.figure, chart.rows, file_stem(f"flows_by_{side}_{kind}", filters), "weekly")
st.caption(chart.caption)

pairs = pair_weeks[pair_weeks["unit"] == unit].drop(columns="week")  # the Sankey and map sum them over the window
st.subheader("From where to where")
if pairs.empty:
    st.info("No report in this view names both an origin and a destination.")
    st.stop()
sankey = sankey_chart(pairs, unit=unit, title=page.demo_mark(f"{kind.replace('_', ' ')}: origin → destination",
                                                               sources),
                      filters=filters, sources=sources, small=PAGES, household_size=size, escape=literal,
                      area_name=area_words)
show_chart(sankey.figure, key="chart-sankey")
chart_downloads(sankey.figure, sankey.rows, file_stem(f"flows_pairs_{kind}", filters), "sankey")
st.caption(sankey.caption)

flow_map = flow_map_chart(pairs, unit=unit, title=page.demo_mark(f"{kind.replace('_', ' ')}: flow map", sources),
                          filters=filters, sources=sources, small=PAGES,
                          admin1=cached(query_admin1_features, page.engine), household_size=size, escape=literal,
                          area_name=area_words)
show_chart(flow_map.figure, key="chart-map")
chart_downloads(flow_map.figure, flow_map.rows, file_stem(f"flows_map_{kind}", filters), "map")
st.caption(flow_map.caption)
