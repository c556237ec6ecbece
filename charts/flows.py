"""Weekly displacement by place, as origin or as destination: stacked bars, one colour per place."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts import EXPORT_TEMPLATE

OTHER = "other places"


def top_places(weekly: pd.DataFrame, unit: str, top: int = 8) -> pd.DataFrame:
    """The rows of one unit, with every place outside the `top` largest (over the window) as OTHER."""
    rows = weekly[weekly["unit"] == unit]
    largest = rows.groupby("place")["value"].sum().sort_values(ascending=False).head(top).index
    rows = rows.assign(place=rows["place"].where(rows["place"].isin(largest), OTHER))
    return rows.groupby(["week", "place"], as_index=False)["value"].sum()


def build_weekly_flows(weekly: pd.DataFrame, unit: str, side: str, title: str, top: int = 8) -> go.Figure:
    """Stacked weekly bars per place for one unit (persons and households are never stacked together).

    `weekly` comes from db.queries.query_weekly_flows.
    """
    rows = top_places(weekly, unit, top)
    order = rows.groupby("place")["value"].sum().sort_values(ascending=False).index.tolist()
    if OTHER in order:
        order = [p for p in order if p != OTHER] + [OTHER]
    figure = go.Figure()
    for name in order:
        part = rows[rows["place"] == name]
        figure.add_trace(go.Bar(x=part["week"], y=part["value"], name=name,
                                hovertemplate=f"{name}<br>week of %{{x}}<br>%{{y:,.0f}} {unit}<extra></extra>"))
    figure.update_layout(template=EXPORT_TEMPLATE, title=title, barmode="stack",
                         legend={"title": {"text": side}}, margin={"t": 60, "b": 40})
    figure.update_xaxes(title_text="week (starting Monday)")
    figure.update_yaxes(title_text=f"new displacement ({unit})")
    return figure
