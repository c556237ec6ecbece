"""Conflict events: a weekly timeline by type or sub-type, a map of locations, this week against
the four before it, and HDX HAPI's aggregated counts in charts of their own.

Pure: frames from db.events_queries in, plotly figures out (graph_objects only). Events read from
text reports and accepted on review are their own series, named "… — from text reports,
reviewed" and hatched (bars) or drawn as open diamonds (map), as in charts/timeline.py. HAPI's
counts are never drawn with individual events: they are per area and month, and their
categories overlap.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from charts import new_figure, new_subplots
from charts.weeks import apply_week_axis, filled, hover_labels, week_keys, weeks_of
from charts.basemap import basemap_traces, lay_out_map, view_bounds
from charts.colours import place_colours
from db import vocab
from gazetteer.boundaries import shipped_admin1

TEXT_SUFFIX = " — from text reports, reviewed"
FONT = {"family": "DejaVu Sans, Arial, sans-serif"}
EVENT_TYPE_COLOURS = {
    "Battles": "#c0392b",
    "Explosions/Remote violence": "#e67e22",
    "Violence against civilians": "#8e44ad",
    "Protests": "#2980b9",
    "Riots": "#16a085",
    "Strategic developments": "#7f8c8d",
}
SUB_TYPE_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                    "#bcbd22", "#17becf")
CATEGORY_LABELS = {"political_violence": "Political violence", "civilian_targeting": "Civilian targeting",
                   "demonstration": "Demonstrations"}
THIS_WEEK, AVERAGE = "this week", "average of the 4 weeks before"


def _label(name, arabic) -> str:
    """"English · Arabic", or the English name alone."""
    return f"{name} · {arabic}" if isinstance(arabic, str) and arabic else str(name)


def timeline_rows(weekly: pd.DataFrame, subtypes_of: str | None = None) -> pd.DataFrame:
    """The rows the timeline draws: per week, series (event type, or sub-type of `subtypes_of`)
    and from_text, events and fatalities."""
    rows = weekly
    series = "event_type"
    if subtypes_of:
        rows = rows[rows["event_type"] == subtypes_of]
        series = "sub_event_type"
    drawn = (rows.groupby(["week", series, "from_text"], as_index=False)[["events", "fatalities"]].sum()
             .rename(columns={series: "series"}))
    return drawn[["week", "series", "from_text", "events", "fatalities"]]


def _series_order(rows: pd.DataFrame, subtypes_of: str | None) -> list[str]:
    present = set(rows["series"])
    known = vocab.ACLED_EVENT_TYPES.get(subtypes_of, ()) if subtypes_of else vocab.EVENT_TYPES
    return [s for s in known if s in present] + sorted(present - set(known))


def _series_colour(name: str, order: list[str], subtypes_of: str | None) -> str:
    if not subtypes_of:
        return EVENT_TYPE_COLOURS.get(name, "#333333")
    return SUB_TYPE_PALETTE[order.index(name) % len(SUB_TYPE_PALETTE)]


def build_event_timeline(weekly: pd.DataFrame, title: str, subtypes_of: str | None = None, window=None) -> go.Figure:
    """Weekly (Monday) bars stacked by event type, or by the sub-types of one type.

    `weekly` comes from query_weekly_events. Events from text reports are a series of their own
    per type, hatched, after the tabular ones. Every week of `window` (start, end) has its slot,
    a week without events drawn as 0 (charts/weeks.py).
    """
    rows = timeline_rows(weekly, subtypes_of)
    order = _series_order(rows, subtypes_of)
    weeks = weeks_of(rows, window)
    figure = new_figure()
    for text in (False, True):
        for name in order:
            part = rows[(rows["series"] == name) & (rows["from_text"] == text)]
            if part.empty:
                continue
            part = filled(part, weeks, value="events").fillna({"fatalities": 0})
            label = name + (TEXT_SUFFIX if text else "")
            figure.add_trace(go.Bar(
                x=week_keys(part["week"]), y=part["events"], name=label, customdata=part[["fatalities"]],
                marker={"color": _series_colour(name, order, subtypes_of),
                        "pattern": {"shape": "/"} if text else {}}, hovertext=hover_labels(part["week"]),
                hovertemplate=f"{label}<br>%{{hovertext}}<br>%{{y:,}} events, %{{customdata[0]:,}} fatalities"
                              "<extra></extra>"))
    legend = f"sub-types of {subtypes_of}" if subtypes_of else "event type"
    figure.update_layout(title=title, barmode="stack", font=FONT,
                         legend={"title": {"text": legend}}, margin={"t": 60, "b": 40})
    apply_week_axis(figure, weeks)
    figure.update_yaxes(title_text="events", rangemode="tozero")
    return figure


def map_rows(locations: pd.DataFrame) -> pd.DataFrame:
    """The rows the map draws (locations with coordinates), with the location's total of all types."""
    rows = locations.dropna(subset=["lat", "lon"])
    totals = rows.groupby(["place", "lat", "lon"], dropna=False)["events"].transform("sum")
    return rows.assign(location_events=totals).reset_index(drop=True)


def marker_size(events: pd.Series, largest: float) -> list[float]:
    """Marker diameters in px, the area growing with the number of events: the busiest location
    is 40 px, and a location is never drawn larger than 5 + 5·√events (one event: 10 px), so a
    map of single events is not a map of blobs."""
    largest = max(float(largest), 1.0)
    return [min(5 + 5 * math.sqrt(n), 5 + 35 * math.sqrt(n / largest)) for n in events]


def build_event_map(locations: pd.DataFrame, title: str, admin1: list | None = None) -> go.Figure:
    """Points per location and event type, as large as the events there, on the offline base map of
    charts.basemap (coastlines, borders, admin 1 boundaries: `admin1` GeoJSON features, None for the
    shipped ones), as charts/flows.build_flow_map. Text-report events are open diamonds.
    """
    rows = map_rows(locations)
    largest = float(rows["events"].max()) if not rows.empty else 1.0
    lon_range, lat_range = view_bounds(rows["lon"], rows["lat"])
    figure = new_figure(basemap_traces(lon_range, lat_range, shipped_admin1() if admin1 is None else admin1))
    present = set(rows["event_type"])
    order = [t for t in vocab.EVENT_TYPES if t in present] + sorted(present - set(vocab.EVENT_TYPES))
    for text in (False, True):
        for event_type in order:
            part = rows[(rows["event_type"] == event_type) & (rows["from_text"] == text)]
            if part.empty:
                continue
            label = event_type + (TEXT_SUFFIX if text else "")
            colour = EVENT_TYPE_COLOURS.get(event_type, "#333333")
            figure.add_trace(go.Scatter(
                x=part["lon"], y=part["lat"], mode="markers", name=label,
                text=[_label(n, a) for n, a in zip(part["place"], part["place_ar"])],
                customdata=part[["events", "fatalities", "location_events"]],
                marker={"size": marker_size(part["events"], largest), "color": colour,
                        "symbol": "diamond-open" if text else "circle", "opacity": 0.9 if text else 0.6,
                        "line": {"width": 2 if text else 0.5, "color": colour if text else "white"}},
                hovertemplate=f"%{{text}}<br>{label}: %{{customdata[0]:,}} events, %{{customdata[1]:,}} "
                              "fatalities<br>all types here: %{customdata[2]:,} events<extra></extra>"))
    figure.update_layout(title=title, margin={"t": 60, "b": 40}, font=FONT,
                         legend={"title": {"text": "event type"}})
    return lay_out_map(figure, lon_range, lat_range)


def build_week_comparison(table: pd.DataFrame, title: str) -> go.Figure:
    """This week beside the average of the four weeks before, per event type (left) and governorate
    (right). `table` comes from compare_with_average."""
    figure = new_subplots(rows=1, cols=2, subplot_titles=("by event type", "by governorate"),
                           horizontal_spacing=0.22)
    for column, group in ((1, "event type"), (2, "governorate")):
        part = table[table["group"] == group].iloc[::-1]  # horizontal bars draw bottom-up
        names = [_label(n, a) for n, a in zip(part["name"], part["name_ar"])]
        for series, values, colour in ((AVERAGE, part["average_4_weeks"], "#bdc3c7"),
                                       (THIS_WEEK, part["this_week"], "#c0392b")):
            figure.add_trace(go.Bar(
                y=names, x=values, orientation="h", name=series, marker={"color": colour},
                legendgroup=series, showlegend=column == 1, customdata=part[["change", "change_pct"]],
                hovertemplate=f"%{{y}}<br>{series}: %{{x:,.2f}}<br>change %{{customdata[0]:+,.2f}} "
                              "(%{customdata[1]:+.1f}%)<extra></extra>"), row=1, col=column)
    figure.update_layout(title=title, barmode="group", font=FONT,
                         legend={"orientation": "h", "y": -0.15, "traceorder": "reversed"},
                         margin={"t": 80, "b": 40}, height=max(420, 28 * int((table["group"] == "governorate").sum())))
    figure.update_xaxes(title_text="events", rangemode="tozero")
    return figure


def hapi_admin_level(counts: pd.DataFrame) -> int | None:
    """The admin level a HAPI chart draws: governorates (1) when present, else the coarsest level.

    Only one level is drawn: a country's count already holds its governorates' counts."""
    levels = sorted(set(counts["admin_level"].astype(int)))
    if not levels:
        return None
    return 1 if 1 in levels else levels[0]


def hapi_rows(counts: pd.DataFrame, category: str) -> pd.DataFrame:
    """The rows of one category's chart: that category, at hapi_admin_level, as the provider gave them."""
    rows = counts[counts["event_category"] == category]
    level = hapi_admin_level(rows)
    rows = rows[rows["admin_level"] == level].reset_index(drop=True)
    return rows.assign(period=[period_label(s, e) for s, e in zip(rows["period_start"], rows["period_end"])])


def period_label(start, end) -> str:
    """"Nov 2024" for a calendar month, else "25 Nov – 1 Dec 2024"."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if start.day == 1 and end == start + pd.offsets.MonthEnd(0):
        return f"{start:%b %Y}"
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


def build_hapi_counts(counts: pd.DataFrame, category: str, title: str) -> go.Figure:
    """One HAPI category's counts per period, bars stacked by area (one admin level only).

    Never more than one category per figure: the categories overlap (civilian targeting is part
    of political violence)."""
    if category not in vocab.EVENT_CATEGORIES:
        raise ValueError(f"category must be one of {vocab.EVENT_CATEGORIES}")
    rows = hapi_rows(counts, category)
    figure = new_figure()
    totals = rows.groupby("area_pcode")["events"].sum().sort_values(ascending=False)
    colours = place_colours(rows["area"].unique())  # never two areas of this chart alike
    for pcode in totals.index:
        part = rows[rows["area_pcode"] == pcode]
        label = _label(part["area"].iloc[0], part["area_ar"].iloc[0])
        figure.add_trace(go.Bar(
            x=part["period"], y=part["events"], name=label,
            customdata=part[["fatalities"]], marker={"color": colours[part["area"].iloc[0]]},
            hovertemplate=f"{vocab.place_label(label, pcode)}<br>%{{x}}<br>%{{y:,}} events (count), "
                          "%{customdata[0]:,} fatalities<extra></extra>"))
    level = hapi_admin_level(rows)
    figure.update_layout(title=title, barmode="stack", font=FONT,
                         legend={"title": {"text": f"area (admin level {level})"}}, margin={"t": 60, "b": 40})
    periods = rows.sort_values("period_start")["period"].drop_duplicates().tolist()
    figure.update_xaxes(title_text="period", type="category", categoryorder="array", categoryarray=periods)
    figure.update_yaxes(title_text=f"{CATEGORY_LABELS[category].lower()} events (aggregated count)",
                        rangemode="tozero")
    return figure
