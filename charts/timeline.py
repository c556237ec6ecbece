"""Daily new displacement beside daily events."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from charts import new_subplots
from charts.suppress import SUPPRESSED, SmallCounts, count_text, count_texts
from charts.weeks import day_axis

UNIT_COLOURS = {"persons": "#1f77b4", "households": "#ff7f0e", "movements": "#2ca02c"}
EVENT_COLOUR = "#d62728"
DAY_MS = 86_400_000


def banded_daily(pairs: pd.DataFrame, daily: pd.DataFrame, small: SmallCounts) -> pd.DataFrame:
    """The daily chart's cells: new displacement per day, unit and from_text summed from the day's
    pairs once each small pair is banded (db.flows_queries.query_daily_pairs), the events of
    `daily` (db.queries.query_daily_totals) as they are. A cell holding a banded pair is flagged
    in SUPPRESSED; events are not counts of people and are never banded."""
    keys = ["day", "unit", "from_text"]
    banded = small.band(pairs[pairs["value"].notna()]) if not pairs.empty else pd.DataFrame()
    if banded.empty:
        people = pd.DataFrame(columns=[*keys, "value", SUPPRESSED])
    else:
        people = banded.groupby(keys, as_index=False).agg(value=("value", "sum"), **{SUPPRESSED: (SUPPRESSED, "any")})
    events = daily[daily["unit"] == "events"].assign(**{SUPPRESSED: False}) if not daily.empty else daily
    frames = [frame[[*keys, "value", SUPPRESSED]] for frame in (people, events) if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=[*keys, "value", SUPPRESSED])
    cells = pd.concat(frames, ignore_index=True)
    cells["value"] = cells["value"].astype(float)
    cells[SUPPRESSED] = cells[SUPPRESSED].astype(bool)
    return cells.sort_values(["unit", "from_text", "day"], kind="stable").reset_index(drop=True)


def daily_totals(cells: pd.DataFrame) -> dict[str, str]:
    """Unit → the window's total as shown: the sum of the banded cells drawn, "<" + that sum when one
    holds a banded count (so the total less the other cells gives no exact small count)."""
    totals = {}
    for unit, rows in cells.groupby("unit"):
        suppressed = bool(rows[SUPPRESSED].any()) if SUPPRESSED in rows else False
        totals[unit] = count_text(rows["value"].sum(), suppressed)
    return totals


def build_daily_displacement_and_events(daily: pd.DataFrame, title: str) -> go.Figure:
    """Bars per unit of new displacement (one series per unit, never summed), events as a line.

    `daily` has columns day, unit, from_text, value (db.queries.query_daily_totals, or the banded
    cells of `banded_daily`, whose SUPPRESSED rows hover as "<value"). Facts read
    from text reports (counted only once accepted on review) are their own series, hatched and
    named as such, so a reader can always tell them from tabular sources.
    """
    figure = new_subplots(specs=[[{"secondary_y": True}]])
    from_text = daily["from_text"] if "from_text" in daily else pd.Series(False, index=daily.index)
    people = daily[daily["unit"].isin(list(UNIT_COLOURS))]
    one_day = people["day"].nunique() == 1
    bars = max(1, len(people.assign(from_text=from_text[people.index])[["unit", "from_text"]].drop_duplicates()))
    drawn = 0  # bar series added so far (their place side by side on a one-day chart)
    for unit, colour in UNIT_COLOURS.items():
        for text in (False, True):
            rows = daily[(daily["unit"] == unit) & (from_text == text)]
            if rows.empty:
                continue
            name = f"new displacement ({unit})" + (" — from text reports, reviewed" if text else "")
            marker = {"color": colour, "pattern": {"shape": "/"} if text else {}}
            # Hover writes a banded cell "<10", not the value it is drawn at (charts/suppress.py).
            # Bars of one day alone were drawn 1 ms wide (plotly takes a bar's width from the gap between
            # days), invisible: then each series' bar gets its share of the day, side by side.
            # Each series its own offset group: persons and households sit on different (overlaying) axes, and
            # plotly groups bars side by side only within an axis, so households were drawn over the persons bar
            # of the same day, reading as one stacked bar (home page screenshot).
            width = ({"width": 0.8 * DAY_MS / bars, "offset": (-0.4 + 0.8 * drawn / bars) * DAY_MS} if one_day
                     else {"offsetgroup": name})
            drawn += 1
            figure.add_trace(go.Bar(x=rows["day"], y=rows["value"], name=name, marker=marker, **width,
                                    customdata=count_texts(rows),
                                    hovertemplate=f"%{{x}}<br>%{{customdata}} {unit}<extra>{name}</extra>"),
                             secondary_y=False)
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
    # The legend hangs from below the axis title: anchored by its bottom (plotly's default for a low y),
    # it rose into the slanted day ticks and over the title "day" (home page screenshot).
    figure.update_layout(title=title, barmode="group",
                         legend={"orientation": "h", "y": -0.3, "yanchor": "top"}, margin={"t": 60, "b": 40})
    # A window of one or a few days: ticks at the days themselves, never a time of day (charts/weeks.py).
    day_axis(figure, daily["day"] if "day" in daily else [], "day")
    _axis_per_unit(figure, [unit for unit in UNIT_COLOURS if (daily["unit"] == unit).any()])
    per_day = events.groupby("day")["value"].sum() if not events.empty else None
    most_events = float(per_day.max()) if per_day is not None else 1.0
    figure.update_yaxes(title_text="events", secondary_y=True, rangemode="tozero", tick0=0,
                        dtick=max(1, math.ceil(most_events / 5)), showgrid=False)
    return figure


AXIS_GAP = 0.08  # of the plot's width, per extra left axis


def _axis_per_unit(figure: go.Figure, units: list[str]) -> None:
    """Each unit of people on its own left axis, titled with the unit: households never read off a
    persons axis. The first unit keeps the main axis; others get axes further left (events stay right)."""
    figure.update_yaxes(title_text=units[0] if units else "persons", secondary_y=False)
    extra = units[1:]
    if not extra:
        return
    figure.update_layout(xaxis={"domain": [AXIS_GAP * len(extra), 1.0]})
    for number, unit in enumerate(extra, start=3):  # y and y2 (events) are taken
        axis = f"y{number}"
        most = 0.0
        for trace in figure.data:
            if trace.name and trace.name.startswith(f"new displacement ({unit})"):
                trace.yaxis = axis
                most = max([most, *(float(v) for v in (trace.y if trace.y is not None else ()) if v == v)])
        # Whole people on whole ticks: left to itself plotly put this axis's ticks beside the persons
        # axis's, at "18.7" and "37.4" households (screenshot of the home page, demo data).
        figure.update_layout(**{f"yaxis{number}": {
            "title": {"text": unit}, "overlaying": "y", "side": "left", "anchor": "free",
            "position": AXIS_GAP * (len(extra) - (number - 2)), "rangemode": "tozero", "showgrid": False,
            "tick0": 0, "dtick": whole_step(most), "tickformat": ",d"}})


def whole_step(most: float, ticks: int = 5) -> int:
    """A tick step of 1, 2 or 5 × 10^k giving about `ticks` ticks up to `most` (at least 1)."""
    rough = max(1.0, most / ticks)
    power = 10 ** math.floor(math.log10(rough))
    return int(next(step * power for step in (1, 2, 5, 10) if step * power >= rough))
