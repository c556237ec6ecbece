"""Flows: weekly new displacement by place, as origin or as destination."""

from __future__ import annotations

import streamlit as st

from charts.flows import OTHER, build_weekly_flows, top_places
from db import queries, vocab
from ui.common import cached_weekly_flows, database_ready, date_window, get_engine, param_choice, show_demo_banner

st.set_page_config(page_title="Flows", page_icon="🧭", layout="wide")
st.title("Where people fled from and to")
engine = get_engine()
if not database_ready(engine):
    st.info("The database has no tables yet. Run `python -m db demo` for the demo data.")
    st.stop()

is_demo = show_demo_banner(engine)
start, end = date_window(engine, default_days=28)
side = param_choice("side", queries.FLOW_SIDES, "Places as", horizontal=True)
unit = param_choice("unit", ("persons", "households"), "Unit", horizontal=True)
weekly = cached_weekly_flows(engine, str(engine.url), start, end, side)
rows = weekly[weekly["unit"] == unit] if not weekly.empty else weekly
if rows.empty:
    other = "households" if unit == "persons" else "persons"
    st.info(f"No new displacement in {unit} between {start:%d %b %Y} and {end:%d %b %Y}. Widen the window in the "
            f"sidebar, or switch the unit to {other}.")
    st.stop()

title = f"New displacement by {side}, per week ({unit})" + (" — demo data (synthetic)" if is_demo else "")
st.plotly_chart(build_weekly_flows(weekly, unit, side, title), theme=None)
text_share = rows.loc[rows["from_text"], "value"].sum()
st.caption(
    f"Weeks start on Monday; {start:%d %b %Y} – {end:%d %b %Y}. Unit: {unit} ({', '.join(vocab.UNITS)} are never "
    "added together). The eight largest places are shown; the rest are summed as \"other places\"."
    + (f" {text_share:,.0f} {unit} come from text reports, counted after review." if text_share else "")
    + (" Demo data (synthetic)." if is_demo else "")
)
shown = top_places(weekly, unit)["place"].unique()
export = rows.assign(shown_as=rows["place"].where(rows["place"].isin(shown), OTHER))
st.download_button("Download the data of this chart (CSV)", export.to_csv(index=False).encode("utf-8"),
                   f"flows_{side}_{unit}_{start}_{end}.csv", mime="text/csv")
