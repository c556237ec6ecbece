"""Daily new displacement beside daily events."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from charts import new_subplots

UNIT_COLOURS = {"persons": "#1f77b4", "households": "#ff7f0e", "movements": "#2ca02c"}
EVENT_COLOUR = "#d62728"


def build_daily_displacement_and_events(daily: pd.DataFrame, title: str) -> go.Figure:
    """Bars per unit of new displacement (one series per unit, never summed), events as a line.

    `daily` has columns day, unit, from_text, value (db.queries.query_daily_totals). Facts read
    from text reports (counted only once accepted on review) are their own series, hatched and
    named as such, so a reader can always tell them from tabular sources.
    """
    figure = new_subplots(specs=[[{"secondary_y": True}]])
    from_text = daily["from_text"] if "from_text" in daily else pd.Series(False, index=daily.index)
    for unit, colour in UNIT_COLOURS.items():
        for text in (False, True):
            rows = daily[(daily["unit"] == unit) & (from_text == text)]
            if rows.empty:
                continue
            name = f"new displacement ({unit})" + (" — from text reports, reviewed" if text else "")
            marker = {"color": colour, "pattern": {"shape": "/"} if text else {}}
            figure.add_trace(go.Bar(x=rows["day"], y=rows["value"], name=name, marker=marker), secondary_y=False)
    events = daily[daily["unit"] == "events"]
    for text in (False, True):
        rows = events[from_text[events.index] == text]
        if rows.empty:
            continue
        figure.add_trace(
            go.Scatter(x=rows["day"], y=rows["value"],
                       name="conflict events" + (" — from text reports, reviewed" if text else ""),
                       mode="lines+markers" if not text else "markers",
                       line={"color": EVENT_COLOUR, "dash": "dot" if text else "solid"},
                       marker={"symbol": "diamond-open" if text else "circle"}),
            secondary_y=True,
        )
    figure.update_layout(title=title, barmode="group",
                         legend={"orientation": "h", "y": -0.2}, margin={"t": 60, "b": 40})
    figure.update_yaxes(title_text="people or households (see legend)", secondary_y=False)
    per_day = events.groupby("day")["value"].sum() if not events.empty else None
    most_events = float(per_day.max()) if per_day is not None else 1.0
    figure.update_yaxes(title_text="events", secondary_y=True, rangemode="tozero", tick0=0,
                        dtick=max(1, math.ceil(most_events / 5)), showgrid=False)
    return figure
