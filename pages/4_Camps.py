"""Camps and sites: population of sites by area over time, the largest sites, net change, a map."""

from __future__ import annotations

import streamlit as st

from charts.camps import (BANDED_UNITS, TOP_SITES, band_counts, band_net_change, band_site_counts,
                          build_largest_sites, build_net_arrivals, build_population_over_time, build_site_map,
                          change_threshold, largest_sites, mapped_sites, shown_counts, shown_net_change,
                          shown_net_changes, shown_population)
from charts.suppress import PAGES, count_texts
from db.boundaries import query_admin1_features
from db import camps_queries
from db.camps_queries import AREA_LEVELS, SITE_UNITS, population_by_area, site_changes, weekly_net_change
from ui.cache import cached
from ui.camps import param_site_types
from ui.captions import area_name, chart_caption, chart_sources
from ui.common import param_choice
from ui.downloads import chart_downloads, file_stem
from ui.filters import sidebar_filters
from ui.page import open_page
from ui.safe_text import literal
from ui.show import show_chart, show_table

page = open_page("Camps and sites", "⛺", "Camps and sites")
filters = sidebar_filters(page, default_days=56, show=("area", "sources"))
area_words = area_name(page, filters.area)  # "Syria", "Hama governorate": the area in words
site_types = param_site_types()
left, right = st.columns(2)
with left:
    unit = param_choice("unit", SITE_UNITS, "Unit", horizontal=True)
with right:
    level = param_choice("level", AREA_LEVELS, "Areas", horizontal=True)

sites = cached(camps_queries.query_latest_site_counts, page.engine, filters, unit, site_types)
if sites.empty:
    first, last, counted = cached(camps_queries.query_site_count_dates, page.engine)
    held = (f" The database holds site counts of {counted} site(s) from {first:%d %b %Y} to {last:%d %b %Y}."
            if counted else " The database holds no site counts yet: load a CCCM site list.")
    advice = ["widen the window in the sidebar"]
    if site_types:
        advice.append("clear the site types")
    if filters.area:
        advice.append("choose another area")
    if filters.sources:
        advice.append("clear the source filter")
    advice.append("or try the other unit")
    st.info(f"No site counts in {unit} between {filters.start:%d %b %Y} and {filters.end:%d %b %Y}"
            + (f" inside {literal(area_words)}" if filters.area else "")
            + (f" for sites of type {', '.join(t.replace('_', ' ') for t in site_types)}" if site_types else "")
            + "." + held + " To see sites, " + ", ".join(advice) + ".")
    st.stop()

# The sources of the site counts every chart below draws: captions and demo mark.
sources = chart_sources(page, "sites", filters, unit=unit, site_types=site_types)
# Small counts banded per site before anything is summed or drawn (charts/suppress.py): the area
# totals are sums of banded site counts ("<N" when they hold one), the net changes are taken
# between banded counts, each site's still under the threshold banded again (±threshold), then each sum.
sites = band_site_counts(sites, unit, PAGES)
counts = cached(camps_queries.query_site_counts, page.engine, filters, unit, level, site_types)
changes = site_changes(band_counts(counts, unit, PAGES), change_threshold(unit, PAGES))
population = population_by_area(changes)
weekly = band_net_change(weekly_net_change(changes), unit, PAGES)
scope = ((f"Only sites inside {literal(area_words)}. " if filters.area else "")
         + (f"Site types: {', '.join(t.replace('_', ' ') for t in site_types)}. " if site_types else "All site types. ")
         + "Individuals and households are never added together; when two providers counted a site on the "
         "same day, the larger count is used." + PAGES.note() + " A net change under the threshold is drawn at "
         f"±{PAGES.threshold(BANDED_UNITS[unit])} and written \"<\" / \"−<\" it; a sum "
         "holding one is written \"≈\". ")
stem_suffix = f"{unit}" + ("_" + "-".join(site_types) if site_types else "")

st.subheader(f"People in sites by {level}")
figure = build_population_over_time(population, unit, level, page.demo_mark(
    f"{unit.capitalize()} in sites by {level}", sources))
show_chart(figure, key="chart-population")
chart_downloads(figure, shown_counts(shown_population(population), ("population",)),
                file_stem(f"sites_population_by_{level}_{stem_suffix}", filters), "population")
st.caption(chart_caption(page, unit=unit, filters=filters, sources=sources, extra=scope + (
    "On each reporting date, every site counts with its latest count on or before that date (carried forward: a "
    "site that did not report that day still counts with its last count). Only counts inside the window are "
    "carried; a site counted only before the window is not included. The ten largest areas are shown, the rest "
    "summed as \"other areas\".")))

st.subheader("Largest sites")
largest = largest_sites(sites, TOP_SITES)
bars = build_largest_sites(sites, unit, page.demo_mark(
    f"The {len(largest)} largest sites by latest count ({unit})", sources))
show_chart(bars, key="chart-largest")
table = largest[["site_name", "site_name_ar", "site_code", "site_type", "governorate_name", "district_name",
                 "governorate_pcode", "district_pcode", "site_pcode", "site_key", "latest_count", "latest_date",
                 "is_suppressed"]]
chart_downloads(bars, shown_counts(table), file_stem(f"sites_largest_{stem_suffix}", filters), "largest")
# Shown as text ("1,200", "<10"): a column of numbers and "<10" would not convert to Arrow as it is.
table = table.assign(latest_count=count_texts(table, "latest_count")).drop(columns="is_suppressed")
show_table(table.rename(columns={
    "site_name": "site", "site_name_ar": "site (Arabic)", "site_code": "site code", "site_type": "type",
    "governorate_name": "governorate", "district_name": "district", "governorate_pcode": "governorate p-code",
    "district_pcode": "district p-code", "site_pcode": "site p-code",
    "latest_count": f"latest count ({unit})", "latest_date": "date of that count"}))
st.caption(chart_caption(page, unit=unit, filters=filters, sources=sources, extra=scope + (
    f"Each site's latest count inside the window, on the date shown; {len(sites)} site(s) have a count, the "
    f"{len(largest)} largest are shown. Bars are coloured by site type.")))

st.subheader(f"Net arrivals between reports, per week, by {level}")
if weekly.empty:
    st.info("No site was counted twice in this window, so there is no change between reports to show. Widen the "
            "window in the sidebar" + (", clear the site types" if site_types else "")
            + (" or choose another area" if filters.area else "") + ".")
else:
    net = build_net_arrivals(weekly, unit, level, page.demo_mark(
        f"Net change in sites by {level}, per week ({unit})", sources),
                             window=(filters.start, filters.end))
    show_chart(net, key="chart-net")
    chart_downloads(net, shown_net_changes(shown_net_change(weekly)),
                    file_stem(f"sites_net_change_by_{level}_{stem_suffix}", filters), "net")
    st.caption(chart_caption(page, unit=unit, filters=filters, sources=sources, extra=scope + (
        "For each site, the change from its previous count in the window to its next, summed per week (starting "
        "Monday) of the later count: above zero more people were counted than before (net arrivals), below zero "
        "fewer (net departures). A net change is not a flow: people may arrive and leave between two reports, "
        "and a site's first count in the window is not an arrival.")))

st.subheader("Site map")
mapped = mapped_sites(sites)
site_map = build_site_map(sites, unit, page.demo_mark(f"Sites by latest count ({unit})", sources),
                          admin1=cached(query_admin1_features, page.engine))
show_chart(site_map, key="chart-map")
chart_downloads(site_map, shown_counts(mapped), file_stem(f"sites_map_{stem_suffix}", filters), "map")
unmapped = len(sites) - len(mapped)
st.caption(chart_caption(page, unit=unit, filters=filters, sources=sources, extra=scope + (
    "Sites at their coordinates, marker size by band of the latest count (under 50, 100, 500, 1,000, 5,000, "
    "10,000, 50,000, and above), coloured by site type; the largest are named in English and Arabic. Coastlines "
    "and borders: Natural Earth; admin 1: OCHA COD-AB or a loaded boundaries file."
    + (f" {unmapped} site(s) without coordinates are not drawn." if unmapped else ""))))
