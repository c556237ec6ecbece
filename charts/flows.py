"""Flows: weekly displacement by place, an origin→destination Sankey and a flow map.

Pure: frames from db.flows_queries in, plotly figures out (graph_objects only: plotly.express
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
from charts.basemap import basemap_traces, label_annotations, lay_out_map, place_label_positions, view_bounds
from charts.colours import place_colours
from charts.suppress import HOUSEHOLDS_SUPPRESSED, SUPPRESSED, count_texts
from charts.weeks import add_no_figure_markers, apply_week_axis, filled, hover_labels, week_keys, weeks_of
from gazetteer.boundaries import shipped_admin1

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
    """The units a chart of `unit` sums, each with its factor: what db.flows_queries ranks pairs by
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
    week's pairs (db.flows_queries.query_weekly_pairs), in query_weekly_flows' columns.

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


def build_weekly_flows(weekly: pd.DataFrame, unit: str, side: str, title: str, top: int = 8, window=None,
                       unquantified: pd.DataFrame | None = None) -> go.Figure:
    """Stacked weekly bars per place for one unit. `weekly` has query_weekly_flows' columns (the pages
    and the pack sum it from banded pairs: weekly_flows_from_pairs).

    The x axis has a slot for every week of `window` (start, end), weeks without data drawn as 0
    (charts/weeks.py). `unquantified`: accepted text reports without a figure
    (db.flows_queries.query_unquantified_reports), drawn as markers on their week (charts.weeks.no_figure_markers).
    """
    rows = top_places(weekly, unit, top)
    order = rows.groupby("place")["value"].sum().sort_values(ascending=False).index.tolist()
    if OTHER in order:
        order = [p for p in order if p != OTHER] + [OTHER]
    weeks = weeks_of(pd.concat([rows[["week"]], *([unquantified[["week"]]] if unquantified is not None else [])]),
                     window)
    figure = new_figure()
    colours = place_colours(order, (OTHER,))  # never two places of this chart in one colour
    for name in order:
        part = filled(rows[rows["place"] == name], weeks, flags=tuple(f for f in FLAGS if f in rows))
        figure.add_trace(go.Bar(x=week_keys(part["week"]), y=part["value"], name=name, **_labels(part),
                                marker={"color": colours[name]},
                                hovertext=hover_labels(part["week"]),
                                hovertemplate=f"{name}<br>%{{hovertext}}<br>%{{customdata}} {unit}<extra></extra>"))
    add_no_figure_markers(figure, unquantified)
    figure.update_layout(title=title, barmode="stack",
                         legend={"title": {"text": side}}, margin={"t": 60, "b": 40})
    apply_week_axis(figure, weeks)
    figure.update_yaxes(title_text=unit, rangemode="tozero")
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


def _place_totals(rows: pd.DataFrame, side: str) -> pd.DataFrame:
    """Per place at one end (origin or destination): the sum of the drawn pairs, any banded part flagged."""
    columns = {side: "name", f"{side}_ar": "ar"}
    for end in ("lat", "lon"):
        if f"{side}_{end}" in rows:
            columns[f"{side}_{end}"] = end
    part = rows.rename(columns=columns)
    keys = [c for c in ("name", "ar", "lat", "lon") if c in part]
    if part.empty:
        return pd.DataFrame(columns=[*keys, "value"])
    return part.groupby(keys, dropna=False, as_index=False).agg(**_sums(part))


def build_sankey(pairs: pd.DataFrame, unit: str, title: str, top: int = SANKEY_PAIRS) -> go.Figure:
    """Origins on the left, destinations on the right, links as wide as the flow.

    Each node's label carries its figure ("Hama · حماة  12,400"): the sum of its drawn links, "<N"
    when one holds a banded small count (charts.suppress); links and nodes hover with value and unit.
    """
    rows = top_pairs(pairs, unit, top)
    origins, destinations = _place_totals(rows, "origin"), _place_totals(rows, "destination")
    names = [[_label(n, a) for n, a in zip(ends["name"], ends["ar"])] for ends in (origins, destinations)]
    figures = count_texts(origins) + count_texts(destinations)
    # The figure right after the English name: written after the Arabic, a bidirectional renderer
    # would attach it to the Arabic run and show it between the two names.
    labels = [_label(f"{n}  {figure}", a) for (n, a), figure in zip(
        [*zip(origins["name"], origins["ar"]), *zip(destinations["name"], destinations["ar"])], figures)]
    index = {("origin", label): i for i, label in enumerate(names[0])}
    index.update({("destination", label): len(names[0]) + i for i, label in enumerate(names[1])})
    source = [index["origin", _label(o, a)] for o, a in zip(rows["origin"], rows["origin_ar"])]
    target = [index["destination", _label(d, a)] for d, a in zip(rows["destination"], rows["destination_ar"])]
    hover = ([f"{label}<br>{figure} {unit} left (drawn flows)" for label, figure in zip(names[0], figures)]
             + [f"{label}<br>{figure} {unit} arrived (drawn flows)"
                for label, figure in zip(names[1], figures[len(names[0]):])])
    colours = [TEXT_LINE_COLOUR if t else LINE_COLOUR for t in rows["from_text"]]
    figure = new_figure(go.Sankey(
        arrangement="snap",
        # A node's own hover value would be the sum of its links without the "<" of a banded part,
        # so nodes hover their own text.
        node={"label": labels, "pad": 12, "thickness": 14, "customdata": hover,
              "hovertemplate": "%{customdata}<extra></extra>",
              "color": ["#8c564b"] * len(names[0]) + ["#1f77b4"] * len(names[1])},
        link={"source": source, "target": target, "value": rows["value"].tolist(), "color": colours,
              **_labels(rows),
              "hovertemplate": f"%{{source.label}} → %{{target.label}}<br>%{{customdata}} {unit}<extra></extra>"},
    ))
    figure.update_layout(title=title, margin={"t": 60, "b": 20},
                         font={"family": "DejaVu Sans, Arial, sans-serif"})
    return figure


# The flow map's bands, each with a colour and a legend entry saying its range (WIDTH_BANDS' order).
BAND_COLOURS = ("#08306b", "#2171b5", "#6baed6", "#9ecae1")
LABELLED_PLACES = 10  # the map writes the names and figures of the largest places; the rest hover
def band_of(value: float) -> int:
    """The index in WIDTH_BANDS of the band a value falls in."""
    return next(i for i, (lowest, _) in enumerate(WIDTH_BANDS) if value >= lowest)


def line_width(value: float) -> float:
    """The flow map's line width of a flow: one of WIDTH_BANDS, never a function of the exact value."""
    return WIDTH_BANDS[band_of(value)][1]


def band_names() -> list[str]:
    """"10,000 or more", "1,000 – 9,999", …, "under 100": what each width means."""
    names = []
    for i, (lowest, _) in enumerate(WIDTH_BANDS):
        if i == 0:
            names.append(f"{lowest:,} or more")
        elif lowest == 0:
            names.append(f"under {WIDTH_BANDS[i - 1][0]:,}")
        else:
            names.append(f"{lowest:,} – {WIDTH_BANDS[i - 1][0] - 1:,}")
    return names


def map_places(rows: pd.DataFrame) -> pd.DataFrame:
    """Each place at either end of the drawn pairs once: name, ar, lat, lon, what left (`left`) and
    arrived (`arrived`) as count texts ("" for none), and `value`, the larger of the two (its rank)."""
    ends = []
    for side, column in (("origin", "left"), ("destination", "arrived")):
        totals = _place_totals(rows, side)
        ends.append(totals.assign(**{column: count_texts(totals), f"{column}_value": totals["value"]})
                    .drop(columns=[c for c in ("value", *FLAGS) if c in totals]))
    keys = ["name", "ar", "lat", "lon"]
    places = ends[0].merge(ends[1], on=keys, how="outer")
    for column in ("left", "arrived"):
        places[column] = places[column].fillna("")
        places[f"{column}_value"] = places[f"{column}_value"].fillna(0.0)
    places["value"] = places[["left_value", "arrived_value"]].max(axis=1)
    return places.sort_values(["value", "name"], ascending=[False, True], kind="stable").reset_index(drop=True)


def build_flow_map(pairs: pd.DataFrame, unit: str, title: str, top: int = MAP_PAIRS,
                   admin1: list | None = None) -> go.Figure:
    """Arrows from origin to destination on a base map, as wide (and dark) as their band of value.

    The base map (charts.basemap) is drawn from files the project ships, so the page, the exported
    HTML and the PNG need no network: coastlines, country borders and admin 1 boundaries (`admin1`:
    GeoJSON features; None draws the shipped ones). Widths and colours come in WIDTH_BANDS, never as
    a function of the value, and the legend names each band. The largest places carry their name
    and figure where the label has room; every place and every flow hovers with its figure. Pairs
    with an end that has no coordinates are left off (the caption counts them). Flows read from
    news reports are dotted.
    """
    rows = mapped_pairs(pairs, unit, top)
    lon_range, lat_range = view_bounds(pd.concat([rows["origin_lon"], rows["destination_lon"]]),
                                       pd.concat([rows["origin_lat"], rows["destination_lat"]]))
    figure = new_figure(basemap_traces(lon_range, lat_range, shipped_admin1() if admin1 is None else admin1))
    names = band_names()
    drawn_bands = sorted({band_of(v) for v in rows["value"]})
    for band in drawn_bands:  # one legend entry per band drawn, saying its range
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=names[band], legendgroup=f"band{band}",
                                    line={"width": WIDTH_BANDS[band][1], "color": BAND_COLOURS[band]},
                                    hoverinfo="skip", legendrank=100 + band))
    arrows = []
    # The smallest drawn first, so a wide arrow never hides a thin one under it.
    for row, text in sorted(zip(rows.itertuples(), count_texts(rows)), key=lambda pair: pair[0].value):
        band = band_of(row.value)
        colour, width = BAND_COLOURS[band], WIDTH_BANDS[band][1]
        hover = f"{row.origin} → {row.destination}<br>{text} {unit}" + (" (news reports)" if row.from_text else "")
        figure.add_trace(go.Scatter(
            x=[row.origin_lon, row.destination_lon], y=[row.origin_lat, row.destination_lat], mode="lines",
            line={"width": width, "color": colour, "dash": "dot" if row.from_text else "solid"},
            opacity=0.8, name=f"{row.origin} → {row.destination}", showlegend=False, legendgroup=f"band{band}",
            hovertemplate=f"{hover}<extra></extra>"))
        # The head: a short annotation arrow over the line's last fifth, its tip short of the marker, its
        # width capped so that a wide band's head stays smaller than the places it joins.
        tail_lon = row.destination_lon - (row.destination_lon - row.origin_lon) / 5
        tail_lat = row.destination_lat - (row.destination_lat - row.origin_lat) / 5
        arrows.append({"x": row.destination_lon, "y": row.destination_lat, "ax": tail_lon, "ay": tail_lat,
                       "xref": "x", "yref": "y", "axref": "x", "ayref": "y", "text": "", "showarrow": True,
                       "arrowhead": 1, "arrowsize": 1.6, "arrowwidth": min(max(width / 4, 1.2), 2.5),
                       "arrowcolor": colour, "standoff": 5})
    for role, colour, symbol in (("origin", "#8c564b", "circle"), ("destination", "#1f77b4", "diamond")):
        ends = _place_totals(rows, role)
        figure.add_trace(go.Scatter(
            x=ends["lon"], y=ends["lat"], mode="markers", name=f"{role}s", hoverinfo="skip",
            legendrank=200,
            marker={"size": 9, "color": colour, "symbol": symbol, "line": {"color": "white", "width": 1}}))
    places = map_places(rows)
    labels = [_label(n, a) for n, a in zip(places["name"], places["ar"])]
    figures = [" · ".join(part for part in (f"{out} left" if out else "", f"{came} arrived" if came else "") if part)
               for out, came in zip(places["left"], places["arrived"])]
    places["text"] = [f"{label}<br>{fig}" for label, fig in zip(labels, figures)]
    positions = place_label_positions(places, lon_range, lat_range, LABELLED_PLACES)
    # Every place hovers its name and figures; the labels are annotations on a light box, drawn over the
    # arrows so that a wide arrow never hides a figure.
    figure.add_trace(go.Scatter(
        x=places["lon"], y=places["lat"], mode="markers", name="places", showlegend=False,
        hovertext=[f"{label}<br>{fig} ({unit}, drawn flows)" for label, fig in zip(labels, figures)],
        hovertemplate="%{hovertext}<extra></extra>", marker={"size": 12, "opacity": 0}))
    arrows += label_annotations(places["lon"], places["lat"], places["text"], positions)
    figure.update_layout(title=title, margin={"t": 60, "b": 20, "l": 10, "r": 10}, annotations=arrows,
                         font={"family": "DejaVu Sans, Arial, sans-serif"},
                         legend={"title": {"text": f"{unit} per flow"}, "orientation": "h", "y": -0.02,
                                 "yanchor": "top"})
    return lay_out_map(figure, lon_range, lat_range)
