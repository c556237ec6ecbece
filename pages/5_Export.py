"""Export: the weekly chart pack of a week and the filters on screen, previewed, then downloaded as a zip."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from charts.suppress import HOUSEHOLDS_THRESHOLD, PERSONS_THRESHOLD
from ui.cache import few_cached
from ui.common import param_choice, param_number
from ui.filters import sidebar_filters, week_choices_of
from ui.pack import pack_download, pack_or_reason
from access.policy import Permission
from ui.page import open_page
from ui.safe_text import literal
from ui.show import show_chart, show_table

page = open_page("Export", "📦", "Weekly chart pack", permission=Permission.EXPORT)
filters = sidebar_filters(page, show=("area", "event_types", "sources"), window=False)
# The weeks offered, and the default (the last whole week that holds data), are the area's own: with
# several countries, the chosen country's (ui/filters.py), never a week of another country's data.
weeks = week_choices_of(page, filters.area, date.today())
if not weeks:
    st.info("No dated data yet: load files on the Upload page, then come back for the week's pack.")
    st.stop()
st.caption("The same charts as the pages, for one week (Monday to Sunday) and the weeks before it, with the filters "
           "in the sidebar. Counts of people under the thresholds below are shown as \"<N\" in every table and CSV "
           "and in the charts' labels. No text of a report is included.")
left, middle, right = st.columns([2, 1, 1])
with left:
    labels = {label: f"{label}: {monday:%d %b} – {monday + timedelta(days=6):%d %b %Y}" for label, monday in weeks}
    week_label = param_choice("week", tuple(label for label, _ in weeks), "Week (the last whole week of data first)",
                              widget=st.selectbox, format_func=labels.get)
with middle:
    unit = param_choice("unit", ("persons", "households"), "Unit", horizontal=True)
with right:
    size = param_number("hh_size", "Household size (0 keeps households apart)", minimum=0.0, maximum=20.0,
                        default=0.0, step=0.5)
with st.expander("Small counts and context"):
    a, b, c = st.columns(3)
    with a:
        min_persons = int(param_number("min_persons", "Persons: show counts under this as \"<N\"", minimum=0,
                                       maximum=1000, default=PERSONS_THRESHOLD, step=1, integer=True))
    with b:
        min_households = int(param_number("min_households", "Households: show counts under this as \"<N\"",
                                          minimum=0, maximum=1000, default=HOUSEHOLDS_THRESHOLD, step=1,
                                          integer=True))
    with c:
        context = int(param_number("context_weeks", "Weeks in the weekly charts", minimum=1, maximum=52, default=8,
                                   step=1, integer=True))

monday = dict(weeks)[week_label]
pack, nothing = few_cached(pack_or_reason, page.engine, monday, filters, unit, size, context, min_persons,
                           min_households)
if pack is None:
    st.info(literal(nothing))
    st.stop()

st.subheader(f"{week_label}: {monday:%d %b} – {monday + timedelta(days=6):%d %b %Y} · {pack.area_name}")
columns = st.columns(len(pack.headline))
for column, (label, value) in zip(columns, pack.headline.items()):
    column.metric(label, value)
st.caption(literal(pack.sources))
pack_download(pack)
for chart in pack.charts:
    show_chart(chart.figure, key=f"pack-{chart.name}")
    st.caption(literal(chart.caption))
st.subheader("The week's largest flows and the events before them")
st.caption(literal(pack.preceding_note))
if pack.preceding.empty:
    st.info("No flow from a known place this week.")
else:
    show_table(pack.preceding)
