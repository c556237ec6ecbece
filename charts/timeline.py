"""Daily new displacement beside daily events."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts import EXPORT_TEMPLATE

UNIT_COLOURS = {"persons": "#1f77b4", "households": "#ff7f0e", "movements": "#2ca02c"}
EVENT_COLOUR = "#d62728"


def build_daily_displacement_and_events(daily: pd.DataFrame, title: str) -> go.Figure:
    """Bars per unit of new displacement (one series per unit, never summed), events as a line.

    `daily` has columns day, unit, value (db.queries.query_daily_totals).
    """
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    for unit, colour in UNIT_COLOURS.items():
        rows = daily[daily["unit"] == unit]
        if not rows.empty:
            figure.add_trace(
                go.Bar(x=rows["day"], y=rows["value"], name=f"new displacement ({unit})", marker_color=colour),
                secondary_y=False,
            )
    events = daily[daily["unit"] == "events"]
    if not events.empty:
        figure.add_trace(
            go.Scatter(x=events["day"], y=events["value"], name="conflict events", mode="lines+markers",
                       line={"color": EVENT_COLOUR}),
            secondary_y=True,
        )
    figure.update_layout(template=EXPORT_TEMPLATE, title=title, barmode="group",
                         legend={"orientation": "h", "y": -0.2}, margin={"t": 60, "b": 40})
    figure.update_yaxes(title_text="people or households (see legend)", secondary_y=False)
    most_events = float(events["value"].max()) if not events.empty else 1.0
    figure.update_yaxes(title_text="events", secondary_y=True, rangemode="tozero", tick0=0,
                        dtick=max(1, math.ceil(most_events / 5)), showgrid=False)
    return figure
