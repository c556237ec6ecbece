"""Flows: weekly displacement by place, an origin→destination Sankey and a flow map.

Pure: frames from db.flow_queries in, plotly figures out (graph_objects only: plotly.express
costs ~5× more). Persons and households are never drawn as one quantity unless the caller
converted households with `with_household_size`, whose unit label says so.

Rows banded by charts.suppress (a column `is_suppressed`) keep their flag through every sum
here, and a flagged value is written "<N" in the hover text; the figures draw the banded values
only, so their data, axis ranges and line widths hold no small count.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts import new_figure
from charts.colours import place_colour
from charts.suppress import HOUSEHOLDS_SUPPRESSED, SUPPRESSED, count_texts

OTHER = "other places"
LINE_COLOUR = "rgba(31, 119, 180, 0.55)"
TEXT_LINE_COLOUR = "rgba(214, 39, 40, 0.55)"


SANKEY_PAIRS, MAP_PAIRS = 15, 30  # the largest pairs each draws (the map's are the more)
# The flow map's line widths come in bands of value, not as a function of it: a width that grows
# with the value could be measured and turned back into the number (issue 16).
WIDTH_BANDS = ((10_000, 15.0), (1_000, 10.0), (100, 5.0), (0, 1.5))  # (from this value, line width in px)
FLAGS = (SUPPRESSED, HOUSEHOLDS_SUPPRESSED)


def _sums(rows: pd.DataFrame, **more) -> dict:
    """The groupby aggregation of value (summed) and of any suppression flags present (any part)."""
    sums = {"value": ("value", "sum"), **more}
    sums.update({flag: (flag, "max") for flag in FLAGS if flag in rows})
    return sums


def converted_unit(size: float) -> str:
    return f"persons (households × {size:g})"


def ranking_units(unit: str, size: float | None) -> dict[str, float]:
    """The units a chart of `unit` sums, each with its factor: what db.flow_queries ranks pairs by
    so that the largest pairs it returns are the largest after `with_household_size(…, size)`."""
    if size and unit == converted_unit(size):
        return {"persons": 1.0, "households": float(size)}
    return {unit: 1.0}


def with_household_size(frame: pd.DataFrame, size: float | None) -> pd.DataFrame:
    """Households as persons at `size` persons per household, added to the persons counted.

    Returns the frame unchanged when `size` is None. Otherwise persons and households rows
    become one unit, `converted_unit(size)`, and the column `households_converted` keeps how
    many households each row holds (movements stay apart).
    """
    if not size:
        return frame
    rows = frame.copy()
    households = rows["unit"] == "households"
    rows["households_converted"] = rows["value"].where(households, 0.0)
    if SUPPRESSED in rows:
        rows[HOUSEHOLDS_SUPPRESSED] = rows[SUPPRESSED] & households
    rows.loc[households, "value"] = rows.loc[households, "value"] * size
    rows.loc[rows["unit"].isin(("persons", "households")), "unit"] = converted_unit(size)
    keys = [c for c in rows.columns if c not in ("value", "households_converted", "reports", *FLAGS)]
    sums = {"value": "sum", "households_converted": "sum"}
    if "reports" in rows:
        sums["reports"] = "sum"
    sums.update({flag: "max" for flag in FLAGS if flag in rows})
    return rows.groupby(keys, dropna=False, as_index=False).agg(sums)


def weekly_flows_from_pairs(pair_weeks: pd.DataFrame, side: str) -> pd.DataFrame:
    """Per week, place as `side` (origin or destination), unit and from_text: the sums of the
    week's pairs (db.flow_queries.query_weekly_pairs), in query_weekly_flows' columns.

    Summed from the (banded) pairs, so a place's total and its pairs agree: no total holds an
    exact small count that its banded pairs hide. Suppression flags and converted households
    are summed along.
    """
    columns = {f"{side}_key": "place_key", f"{side}_pcode": "pcode", side: "place"}
    rows = pair_weeks.rename(columns=columns)
    keys = ["week", "place_key", "pcode", "place", "unit", "from_text"]
    more = {"households_converted": ("households_converted", "sum")} if "households_converted" in rows else {}
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "value", *(c for c in (*more, *FLAGS) if c in rows)])
    weekly = rows.groupby(keys, dropna=False, as_index=False).agg(**_sums(rows, **more))
    return (weekly.sort_values(["week", "unit", "value", "place"], ascending=[True, True, False, True], kind="stable")
            .reset_index(drop=True))


def top_places(weekly: pd.DataFrame, unit: str, top: int = 8) -> pd.DataFrame:
    """The rows of one unit, with every place outside the `top` largest (over the window) as OTHER."""
    rows = weekly[weekly["unit"] == unit]
    largest = rows.groupby("place")["value"].sum().sort_values(ascending=False).head(top).index
    rows = rows.assign(place=rows["place"].where(rows["place"].isin(largest), OTHER))
    return rows.groupby(["week", "place"], as_index=False).agg(**_sums(rows))


def _labels(rows: pd.DataFrame) -> dict:
    """Per-point hover text: the value, "<N" when it holds a banded small count (charts.suppress)."""
    return {"customdata": count_texts(rows)}


def build_weekly_flows(weekly: pd.DataFrame, unit: str, side: str, title: str, top: int = 8) -> go.Figure:
    """Stacked weekly bars per place for one unit. `weekly` has query_weekly_flows' columns (the pages
    and the pack sum it from banded pairs: weekly_flows_from_pairs)."""
    rows = top_places(weekly, unit, top)
    order = rows.groupby("place")["value"].sum().sort_values(ascending=False).index.tolist()
    if OTHER in order:
        order = [p for p in order if p != OTHER] + [OTHER]
    figure = new_figure()
    for name in order:
        part = rows[rows["place"] == name]
        figure.add_trace(go.Bar(x=part["week"], y=part["value"], name=name, **_labels(part),
                                marker={"color": place_colour(name, (OTHER,))},
                                hovertemplate=f"{name}<br>week of %{{x}}<br>%{{customdata}} {unit}<extra></extra>"))
    figure.update_layout(title=title, barmode="stack",
                         legend={"title": {"text": side}}, margin={"t": 60, "b": 40})
    figure.update_xaxes(title_text="week (starting Monday)")
    figure.update_yaxes(title_text=unit)
    return figure


def weekly_flow_rows(weekly: pd.DataFrame, unit: str, top: int = 8) -> pd.DataFrame:
    """The rows build_weekly_flows draws, as they are (p-codes kept), with the series each is drawn in."""
    rows = weekly[weekly["unit"] == unit]
    shown = top_places(weekly, unit, top)["place"].unique()
    return rows.assign(shown_as=rows["place"].where(rows["place"].isin(shown), OTHER))


def mapped_pairs(pairs: pd.DataFrame, unit: str, top: int = MAP_PAIRS) -> pd.DataFrame:
    """The pairs build_flow_map draws (both ends with coordinates)."""
    return top_pairs(pairs, unit, top).dropna(subset=["origin_lat", "origin_lon", "destination_lat", "destination_lon"])


def top_pairs(pairs: pd.DataFrame, unit: str, top: int) -> pd.DataFrame:
    """The `top` largest origin→destination pairs of one unit (text and table rows together)."""
    rows = pairs[pairs["unit"] == unit]
    keys = [c for c in rows.columns if c not in ("value", "reports", "from_text", "households_converted", *FLAGS)]
    summed = rows.groupby(keys, dropna=False, as_index=False).agg(**_sums(rows, reports=("reports", "sum"),
                                                                          from_text=("from_text", "max")))
    # Ties in the order of the ends' names: the same data always draws the same pairs.
    return (summed.sort_values(["value", "origin", "destination"], ascending=[False, True, True], kind="stable")
            .head(top).reset_index(drop=True))


def _label(name: str, arabic) -> str:
    return f"{name} · {arabic}" if isinstance(arabic, str) and arabic else name


def build_sankey(pairs: pd.DataFrame, unit: str, title: str, top: int = SANKEY_PAIRS) -> go.Figure:
    """Origins on the left, destinations on the right, links as wide as the flow."""
    rows = top_pairs(pairs, unit, top)
    origins = list(dict.fromkeys(_label(o, a) for o, a in zip(rows["origin"], rows["origin_ar"])))
    destinations = list(dict.fromkeys(_label(d, a) for d, a in zip(rows["destination"], rows["destination_ar"])))
    source = [origins.index(_label(o, a)) for o, a in zip(rows["origin"], rows["origin_ar"])]
    target = [len(origins) + destinations.index(_label(d, a))
              for d, a in zip(rows["destination"], rows["destination_ar"])]
    colours = [TEXT_LINE_COLOUR if t else LINE_COLOUR for t in rows["from_text"]]
    figure = new_figure(go.Sankey(
        arrangement="snap",
        # A node's own hover would show the sum of its links without the "<" of a banded part.
        node={"label": origins + destinations, "pad": 12, "thickness": 14, "hovertemplate": "%{label}<extra></extra>",
              "color": ["#8c564b"] * len(origins) + ["#1f77b4"] * len(destinations)},
        link={"source": source, "target": target, "value": rows["value"].tolist(), "color": colours,
              **_labels(rows),
              "hovertemplate": f"%{{source.label}} → %{{target.label}}<br>%{{customdata}} {unit}<extra></extra>"},
    ))
    figure.update_layout(title=title, margin={"t": 60, "b": 20},
                         font={"family": "DejaVu Sans, Arial, sans-serif"})
    return figure


def line_width(value: float) -> float:
    """The flow map's line width of a flow: one of WIDTH_BANDS, never a function of the exact value."""
    return next(width for lowest, width in WIDTH_BANDS if value >= lowest)


def build_flow_map(pairs: pd.DataFrame, unit: str, title: str, top: int = MAP_PAIRS) -> go.Figure:
    """Lines from origin to destination, wider in bands of flow (WIDTH_BANDS), on longitude/latitude axes.

    No base map: plotly's geo maps fetch their coastlines from a CDN and fail offline, so the
    places are drawn at their coordinates on plain axes (equal scale), labelled in English and
    Arabic. Pairs with an end that has no coordinates are left off (the caption counts them).
    """
    rows = mapped_pairs(pairs, unit, top)
    figure = new_figure()
    for row, text in zip(rows.itertuples(), count_texts(rows)):
        figure.add_trace(go.Scatter(
            x=[row.origin_lon, row.destination_lon], y=[row.origin_lat, row.destination_lat], mode="lines",
            line={"width": line_width(row.value), "color": TEXT_LINE_COLOUR if row.from_text else LINE_COLOUR},
            name=f"{row.origin} → {row.destination}", showlegend=False,
            hovertemplate=f"{row.origin} → {row.destination}<br>{text} {unit}<extra></extra>"))
    ends = pd.concat([
        rows[["origin", "origin_ar", "origin_lat", "origin_lon"]].set_axis(["name", "ar", "lat", "lon"], axis=1)
        .assign(role="origin"),
        rows[["destination", "destination_ar", "destination_lat", "destination_lon"]]
        .set_axis(["name", "ar", "lat", "lon"], axis=1).assign(role="destination"),
    ]).drop_duplicates(subset=["name", "lat", "lon"])
    for role, colour, symbol in (("origin", "#8c564b", "circle"), ("destination", "#1f77b4", "diamond")):
        part = ends[ends["role"] == role]
        figure.add_trace(go.Scatter(
            x=part["lon"], y=part["lat"], mode="markers+text", name=f"{role}s",
            text=[_label(n, a) for n, a in zip(part["name"], part["ar"])], textposition="top center",
            marker={"size": 9, "color": colour, "symbol": symbol}, hovertemplate="%{text}<extra></extra>"))
    figure.update_layout(title=title, margin={"t": 60, "b": 40},
                         font={"family": "DejaVu Sans, Arial, sans-serif"},
                         legend={"orientation": "h", "y": -0.12})
    figure.update_xaxes(title_text="longitude", showgrid=True, zeroline=False)
    figure.update_yaxes(title_text="latitude", showgrid=True, zeroline=False, scaleanchor="x", scaleratio=1)
    return figure
