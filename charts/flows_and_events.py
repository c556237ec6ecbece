"""Flows beside the events that preceded them: the shared time axis, spike ranking and the lag view.

Pure: frames from db.flows_queries / db.flows_and_events_queries in, frames and plotly figures out.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from charts import new_figure, new_subplots
from charts.suppress import SUPPRESSED, count_texts
from charts.weeks import add_no_figure_markers, apply_week_axis, filled, hover_labels, week_keys, weeks_of
from db import vocab

# One colour and marker per ACLED event type (the codebook's six), so every chart agrees.
EVENT_STYLE = {
    "Battles": ("#d62728", "x"),
    "Explosions/Remote violence": ("#ff7f0e", "star"),
    "Violence against civilians": ("#9467bd", "triangle-up"),
    "Protests": ("#2ca02c", "circle"),
    "Riots": ("#8c564b", "square"),
    "Strategic developments": ("#7f7f7f", "diamond"),
}
FLOW_COLOUR = "#1f77b4"
MAX_LAG_WEEKS = 4


def flows_and_events_rows(flows: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The rows build_flows_with_events draws, one frame: the flows (series "displacement") and
    the events per type (series "events", unit "events", their count in `value`)."""
    return pd.concat([flows.assign(series="displacement"),
                      events.rename(columns={"events": "value"}).assign(series="events", unit="events")],
                     ignore_index=True)


def build_flows_with_events(flows: pd.DataFrame, events: pd.DataFrame, unit: str, title: str, window=None,
                            unquantified: pd.DataFrame | None = None) -> go.Figure:
    """Weekly flow bars (tables and reviewed text facts apart) with weekly event counts per ACLED
    type as markers on a second axis, on one time axis.

    `flows`: week, from_text, value (one unit). `events`: week, event_type, from_text, events.
    Flows banded by charts.suppress are drawn at their banded values and written "<N" in the hover
    text; events are never banded (they are not counts of people). The weeks are Mondays, one slot
    for each week of `window` (start, end), a week without flows drawn as 0 (charts/weeks.py).
    `unquantified`: accepted text reports without a figure, markers on their week.
    """
    extra = [unquantified[["week"]]] if unquantified is not None and not unquantified.empty else []
    weeks = weeks_of(pd.concat([flows[["week"]], events[["week"]], *extra]), window)
    figure = new_subplots(specs=[[{"secondary_y": True}]])
    for text in (False, True):
        part = flows[flows["from_text"] == text]
        sums = {"value": ("value", "sum"), **({SUPPRESSED: (SUPPRESSED, "max")} if SUPPRESSED in part else {})}
        rows = part.groupby("week", as_index=False).agg(**sums)
        if rows.empty:
            continue
        rows = filled(rows, weeks, flags=(SUPPRESSED,) if SUPPRESSED in rows else ())
        figure.add_trace(go.Bar(
            x=week_keys(rows["week"]), y=rows["value"],
            name=f"displacement ({unit})" + (" — from text reports, reviewed" if text else ""),
            marker={"color": FLOW_COLOUR, "pattern": {"shape": "/"} if text else {}},
            customdata=count_texts(rows), hovertext=hover_labels(rows["week"]),
            hovertemplate=f"%{{hovertext}}<br>%{{customdata}} {unit}<extra></extra>"),
            secondary_y=False)
    for event_type in vocab.EVENT_TYPES:
        for text in (False, True):
            rows = events[(events["event_type"] == event_type) & (events["from_text"] == text)]
            if rows.empty:
                continue
            colour, symbol = EVENT_STYLE[event_type]
            figure.add_trace(go.Scatter(
                x=week_keys(rows["week"]), y=rows["events"], mode="markers",
                name=event_type + (" — from text reports, reviewed" if text else ""),
                marker={"color": colour, "symbol": symbol + ("-open" if text else ""), "size": 11,
                        "line": {"width": 1.5, "color": colour}}, hovertext=hover_labels(rows["week"]),
                hovertemplate=f"{event_type}<br>%{{hovertext}}<br>%{{y}} events<extra></extra>"), secondary_y=True)
    add_no_figure_markers(figure, unquantified, secondary_y=False)
    figure.update_layout(title=title, barmode="stack", margin={"t": 60, "b": 40},
                         legend={"orientation": "h", "y": -0.2})
    apply_week_axis(figure, weeks)
    figure.update_yaxes(title_text=unit, secondary_y=False, rangemode="tozero")
    most = float(events.groupby(["week", "event_type"])["events"].sum().max()) if not events.empty else 1.0
    figure.update_yaxes(title_text="events per week", secondary_y=True, rangemode="tozero", showgrid=False,
                        tick0=0, dtick=max(1, math.ceil(most / 5)))
    return figure


def rank_spikes(weekly: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Place-weeks of one unit, largest first. `weekly` from query_weekly_flows (one side).

    Columns: week, place_key, pcode, place, value, from_text_value. Unresolved places (no key)
    cannot be looked up on the map and are left out.
    """
    rows = weekly[(weekly["unit"] == unit) & weekly["place_key"].notna()]
    flagged = [SUPPRESSED] if SUPPRESSED in weekly else []  # banded rows keep their flag (charts.suppress)
    if rows.empty:
        return pd.DataFrame(columns=["week", "place_key", "pcode", "place", "value", "from_text_value", *flagged])
    text = rows["value"].where(rows["from_text"], 0.0)
    ranked = (rows.assign(from_text_value=text)
              .groupby(["week", "place_key", "pcode", "place"], dropna=False, as_index=False)
              .agg(value=("value", "sum"), from_text_value=("from_text_value", "sum"),
                   **{flag: (flag, "max") for flag in flagged}))
    return ranked.sort_values(["value", "week"], ascending=[False, True]).reset_index(drop=True)


def summarise_events(counts: pd.DataFrame, latest: pd.DataFrame) -> str:
    """"3 Battles, 1 Strategic developments; latest: 05 Dec Non-violent transfer of territory (Hama)".

    `counts`: events per event_type (db.flows_and_events_queries.PrecedingEvents.of), largest first;
    `latest`: the latest events (event_date, event_type, sub_event_type, place), latest first.
    """
    if counts.empty:
        return "none found"
    parts = ", ".join(f"{n} {t}" for t, n in zip(counts["event_type"], counts["events"]))
    recent = "; ".join(
        f"{row.event_date:%d %b} {row.sub_event_type if isinstance(row.sub_event_type, str) else row.event_type} "
        f"({row.place})" for row in latest.itertuples())
    return f"{parts}; latest: {recent}" if recent else parts


def governorates(places: pd.DataFrame) -> dict[str, str]:
    """place_key → the key of the governorate it lies in (itself for a governorate).

    `places` from db.queries.query_places (place_key, kind, parent_key); places outside any
    governorate are left out.
    """
    parent = dict(zip(places["place_key"], places["parent_key"]))
    kind = dict(zip(places["place_key"], places["kind"]))
    found = {}
    for key in parent:
        step, seen = key, 0
        while step is not None and kind.get(step) != "governorate" and seen < 10:
            step, seen = parent.get(step), seen + 1
        if step is not None and kind.get(step) == "governorate":
            found[key] = step
    return found


MIN_LAG_WEEKS = 6  # pairs of weeks a correlation needs


def weeks_used(correlations: pd.DataFrame) -> int:
    """How many weeks the lag view compared: at lag L an area compares that many weeks less L."""
    return int((correlations["weeks"] + correlations["lag_weeks"]).max()) if not correlations.empty else 0


def lag_correlations(flows: pd.DataFrame, events: pd.DataFrame, areas: dict[str, str], names: dict[str, str],
                     max_lag: int = MAX_LAG_WEEKS) -> pd.DataFrame:
    """Per governorate and lag L (0..max_lag weeks): the correlation of weekly events with
    displacement L weeks later.

    `flows`: week, place_key, value (one unit, by origin). `events`: week, place_key, events.
    Weeks without reports count as 0 between the first and last week of either series.
    Columns: area_key, area, lag_weeks, correlation, weeks (pairs compared), events, displaced.
    An area needs at least 6 weeks and some variation in both series, else it is left out.
    """
    columns = ["area_key", "area", "lag_weeks", "correlation", "weeks", "events", "displaced"]
    f = flows.assign(area_key=flows["place_key"].map(areas)).dropna(subset=["area_key"])
    e = events.assign(area_key=events["place_key"].map(areas)).dropna(subset=["area_key"])
    if f.empty or e.empty:
        return pd.DataFrame(columns=columns)
    weeks = pd.date_range(min(f["week"].min(), e["week"].min()), max(f["week"].max(), e["week"].max()), freq="7D")
    weekly_flows = f.pivot_table(index="week", columns="area_key", values="value", aggfunc="sum")
    weekly_events = e.pivot_table(index="week", columns="area_key", values="events", aggfunc="sum")
    weekly_flows.index = pd.to_datetime(weekly_flows.index)
    weekly_events.index = pd.to_datetime(weekly_events.index)
    weekly_flows = weekly_flows.reindex(weeks, fill_value=0).fillna(0)
    weekly_events = weekly_events.reindex(weeks, fill_value=0).fillna(0)
    rows = []
    for area in sorted(set(weekly_flows.columns) & set(weekly_events.columns)):
        # Arrays, not a frame per lag and area (70 of them took 60 ms of a page view).
        x, y = weekly_events[area].to_numpy(dtype=float), weekly_flows[area].to_numpy(dtype=float)
        for lag in range(max_lag + 1):
            events_then, displaced_later = x[:len(x) - lag], y[lag:]  # displacement `lag` weeks after the events
            if len(events_then) < MIN_LAG_WEEKS or events_then.var(ddof=1) == 0 or displaced_later.var(ddof=1) == 0:
                continue
            correlation = pd.Series(events_then).corr(pd.Series(displaced_later))  # pandas' Pearson, as before
            rows.append((area, names.get(area, area), lag, float(correlation),
                         len(events_then), float(x.sum()), float(y.sum())))
    return pd.DataFrame(rows, columns=columns)


def build_lag_heatmap(correlations: pd.DataFrame, unit: str, title: str) -> go.Figure:
    """Governorates × lag (weeks): how strongly displacement follows event intensity."""
    table = correlations.pivot_table(index="area", columns="lag_weeks", values="correlation")
    table = table.reindex(columns=range(MAX_LAG_WEEKS + 1))
    order = correlations.groupby("area")["displaced"].max().sort_values().index
    table = table.reindex(order)
    figure = new_figure(go.Heatmap(
        z=table.values, x=[f"{lag} wk" for lag in table.columns], y=list(table.index), zmin=-1, zmax=1,
        colorscale="RdBu", reversescale=True, colorbar={"title": {"text": "correlation"}},
        text=[[("" if pd.isna(v) else f"{v:.2f}") for v in row] for row in table.values], texttemplate="%{text}",
        hovertemplate="%{y}<br>displacement %{x} after the events<br>correlation %{z:.2f}<extra></extra>"))
    figure.update_layout(title=title, margin={"t": 60, "b": 40},
                         font={"family": "DejaVu Sans, Arial, sans-serif"})
    figure.update_xaxes(title_text=f"displacement ({unit}) this many weeks after the events")
    return figure


def keys_inside(places: pd.DataFrame, area_key: str | None) -> set[str] | None:
    """The place_keys inside `area_key` (itself included), from query_places; None means everywhere."""
    if not area_key:
        return None
    children: dict[str, list[str]] = {}
    for key, parent in zip(places["place_key"], places["parent_key"]):
        children.setdefault(parent, []).append(key)
    found, todo = set(), [area_key]
    while todo:
        key = todo.pop()
        if key not in found:
            found.add(key)
            todo.extend(children.get(key, ()))
    return found
