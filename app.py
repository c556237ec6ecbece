"""Home page: the window's headline numbers and how fresh each source is.

Run with `./run.sh` (or `streamlit run app.py --server.address 127.0.0.1`).
"""

from __future__ import annotations

from types import SimpleNamespace

import streamlit as st

from access.policy import Permission
from charts.captions import demo_mark, includes_demo
from charts.suppress import PAGES, SUPPRESSED, count_text
from charts.timeline import banded_daily, build_daily_displacement_and_events, daily_totals
from db.engine import describe_url
from db.filters import Filters
from db import flows_queries, queries
from ui.common import database_ready, date_window, get_engine, show_demo_banner
from ui.access import gate
from ui.cache import cached
from ui.captions import chart_sources
from ui.downloads import chart_downloads, file_stem
from ui.filters import choose_country, say_if_data_old
from ui.show import show_chart, show_table

st.set_page_config(page_title="Displacement dashboard", page_icon="🧭", layout="wide")
st.title("Displacement and conflict events")
gate(Permission.VIEW)  # before any data is read (ui/access.py)

engine = get_engine()
url = str(engine.url)
if not database_ready(engine):
    st.info(
        "The database has no tables yet. Run `python -m db demo` for the demo data, or "
        "`python -m db upgrade` and load your own files."
    )
    st.caption(f"Database: {describe_url(url)}")
    st.stop()

show_demo_banner(engine)
country = choose_country(engine)  # asked only when several countries hold data (ui/filters.py)
start, end = date_window(engine, area=country)
say_if_data_old(engine, country)
headline = cached(queries.query_headline, engine, start, end, country)  # the chosen country's only
# Small counts of people banded before anything is summed or drawn (charts/suppress.py): each day's
# pairs and each site's count. The headline totals are the sums of the banded cells the chart draws,
# so a total less the other days never gives back an exact small count. Events stay exact.
# The sources of the rows the daily chart draws (figures and events of the window): its demo mark.
# Every number below is the chosen country's (None: one country holds data, all of it is shown).
view = Filters(start, end, area=country)
sources = chart_sources(SimpleNamespace(engine=engine, url=url), "flows_and_events", view)
daily = banded_daily(cached(flows_queries.query_daily_pairs, engine, view),
                     cached(queries.query_daily_totals, engine, start, end, country), PAGES)
totals = daily_totals(daily)
sites = headline.site_counts
people_in_sites = (PAGES.band(sites.assign(unit="persons"), "individuals").dropna(subset=["individuals"])
                   if sites is not None and sites["individuals"].notna().any() else None)

st.subheader(f"{start:%d %b %Y} – {end:%d %b %Y}")
by_unit = {row.unit: row for row in headline.new_displacement.itertuples()}
columns = st.columns(4)
for column, unit in zip(columns, ("persons", "households")):
    row = by_unit.get(unit)
    column.metric(f"New displacement ({unit})", totals.get(unit, "0"))
    if row is not None and row.reports_without_figure:
        column.caption(f"and {row.reports_without_figure} report(s) without a figure")
columns[2].metric(
    "People in sites",
    count_text(people_in_sites["individuals"].sum(), people_in_sites[SUPPRESSED].any())
    if people_in_sites is not None else "no counts",
)
if headline.sites_as_of:
    # The Camps page's rule: each site's latest count inside the window, with how old they are.
    dated = (f"counted {headline.sites_as_of:%d %b %Y}" if headline.sites_oldest == headline.sites_as_of
             else f"counts from {headline.sites_oldest:%d %b} to {headline.sites_as_of:%d %b %Y}")
    columns[2].caption(f"{headline.sites_reporting} site(s), each at its latest count in the window ({dated})")
else:
    columns[2].caption("No site was counted in this window; older counts are not carried into it.")
columns[3].metric("Conflict events", f"{headline.events:,}")
columns[3].caption(f"{headline.fatalities:,} reported fatalities")
st.caption(
    "Persons and households are separate units and are never added together. Ranges count at "
    "their lower bound. Running totals (\"has climbed to N since ...\") are not counted as new flows. Facts read "
    "from text reports count only after review." + PAGES.note()
    + (" Figures from demo data (synthetic) are in this window: do not cite them." if includes_demo(sources) else "")
)

if daily.empty:
    st.info("Nothing was reported in this window. Widen the window in the sidebar.")
else:
    title = demo_mark("New displacement and conflict events per day", sources)
    figure = build_daily_displacement_and_events(daily, title)
    show_chart(figure, key="chart-daily")
    chart_downloads(figure, PAGES.table(daily), file_stem("daily_displacement_and_events", view),
                    "daily")

st.subheader("Sources and their freshness")
freshness = cached(queries.query_source_freshness, engine, country)
if freshness.empty:
    st.info("No source has been loaded yet.")
else:
    show_table(
        freshness,
        column_config={
            "source_kind": "Kind of source",
            "title": "Source",
            "published_date": "Published",
            "latest_data_date": "Latest data",
            "loaded_at": st.column_config.DatetimeColumn("Loaded", format="YYYY-MM-DD HH:mm"),
            "rows_loaded": "Rows",
            "is_demo": st.column_config.CheckboxColumn("Demo"),
        },
    )
st.caption(f"Database: {describe_url(url)}")
