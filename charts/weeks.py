"""The weekly time axis every weekly chart shares: one slot per Monday of the window, named "week of 2 Dec".

Plotly's date axis goes wrong on weekly data in two ways. With one week it zooms into the single
instant and ticks "23:59:59.9996 … 00:00:00.0004" under one bar that fills the plot; with several
it places its weekly ticks on Sundays, so a chart of Monday weeks read as weeks of Sundays. So
the weeks are categories here (the Monday as ISO text, "2024-12-02"), in the window's order, with
the tick text written by us. Every week of the window is a slot, the empty ones drawn as zero:
a pack for 2024-W52 whose data stop on 2 Dec shows three empty weeks after that spike, not the
spike as the last bar.

Pure (pandas and plotly only): pages and the pack call the same functions.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

NO_FIGURE_SIZE = 13  # px, the markers of reports without a figure (half of one lies under the axis line)
MIN_SLOTS = 4  # a chart of fewer weeks draws its bars as narrow as among this many, so one bar is not the plot
MAX_TICKS = 13  # at most this many tick labels (every week up to 13 weeks, then every k-th)
AXIS_TITLE = "week (starting Monday)"


def monday_of(day) -> date:
    day = pd.Timestamp(day).date()
    return day - timedelta(days=day.weekday())


def window_weeks(start, end) -> list[date]:
    """Every Monday from the week of `start` to the week of `end`, in order (one when they share a week)."""
    first, last = monday_of(start), monday_of(end)
    if last < first:
        return []
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def weeks_of(rows: pd.DataFrame, window=None, column: str = "week") -> list[date]:
    """The weeks a chart spans: those of `window` (start, end) when given, always with the weeks of
    the rows (a row outside the window still gets its slot), gaps between them filled."""
    days = [monday_of(d) for d in rows[column].dropna()] if column in rows and not rows.empty else []
    if window is not None:
        days += [monday_of(window[0]), monday_of(window[1])]
    if not days:
        return []
    return window_weeks(min(days), max(days))


def week_key(day) -> str:
    """The category a week is drawn at: its Monday as ISO text."""
    return monday_of(day).isoformat()


def week_keys(days) -> list[str]:
    return [week_key(d) for d in days]


def week_label(monday: date, with_year: bool = False) -> str:
    """"week of 2 Dec" (", 2024" added with `with_year`)."""
    text = f"week of {monday.day} {monday:%b}"
    return f"{text} {monday.year}" if with_year else text


def week_labels(weeks: list[date]) -> list[str]:
    """Tick text per week: the year on the first week and wherever it changes."""
    return [week_label(w, i == 0 or w.year != weeks[i - 1].year) for i, w in enumerate(weeks)]


def hover_labels(days) -> list[str]:
    """Hover text per row: "week of 2 Dec 2024" (always with the year: a hover box stands alone)."""
    return [week_label(monday_of(d), True) for d in days]


def filled(rows: pd.DataFrame, weeks: list[date], value: str = "value", column: str = "week",
           flags: tuple[str, ...] = ()) -> pd.DataFrame:
    """One series' rows (one row per week) with a row of `value` 0 for each week of `weeks` it lacks.

    Flags (e.g. charts.suppress.SUPPRESSED) of an added row are False; other columns are left empty."""
    present = {monday_of(d) for d in rows[column]} if not rows.empty else set()
    missing = [w for w in weeks if w not in present]
    if not missing:
        return rows.sort_values(column, key=lambda s: s.map(monday_of)).reset_index(drop=True)
    zeros = pd.DataFrame({column: missing, value: 0.0, **{flag: False for flag in flags}})
    both = pd.concat([rows, zeros], ignore_index=True) if not rows.empty else zeros
    both[column] = both[column].map(monday_of)
    return both.sort_values(column, kind="stable").reset_index(drop=True)


def apply_week_axis(figure: go.Figure, weeks: list[date], title: str = AXIS_TITLE, **axis) -> go.Figure:
    """The figure's x axis as the weeks of `weeks`: categories in order, "week of …" tick text on at
    most MAX_TICKS of them. With fewer than MIN_SLOTS weeks the bars are as narrow as they would be
    among MIN_SLOTS weeks, so one week's bar does not fill the plot. (Narrower bars, not a wider
    axis range: a range of [-2, 2] would put numbers into the figure that read like small counts.)"""
    keys = week_keys(weeks)
    if not keys:
        figure.update_xaxes(title_text=title, type="category", **axis)
        return figure
    step = max(1, math.ceil(len(keys) / MAX_TICKS))
    shown = list(range(0, len(keys), step))
    labels = week_labels(weeks)
    if len(keys) < MIN_SLOTS:
        figure.update_traces(width=0.8 * len(keys) / MIN_SLOTS, selector={"type": "bar"})
    figure.update_xaxes(title_text=title, type="category", categoryorder="array", categoryarray=keys,
                        tickmode="array", tickvals=[keys[i] for i in shown], ticktext=[labels[i] for i in shown],
                        ticklabelstandoff=NO_FIGURE_SIZE // 2 + 2,  # room under the axis for add_no_figure_markers
                        **axis)
    return figure


def day_axis(figure: go.Figure, days, title: str, **axis) -> go.Figure:
    """A date x axis of a few dates (site counts, daily reports) ticked at the dates themselves, as
    "1 Jul 2020": one date alone is not zoomed into its time of day. Many dates keep plotly's ticks,
    written as days."""
    stamps = sorted({pd.Timestamp(d).normalize() for d in days if pd.notna(d)})
    if not stamps or len(stamps) > MAX_TICKS:
        figure.update_xaxes(title_text=title, tickformat="%d %b %Y", **axis)
        return figure
    low, high = stamps[0], stamps[-1]
    pad = max(pd.Timedelta(days=3), (high - low) / 20)
    figure.update_xaxes(title_text=title, type="date", tickmode="array", tickvals=[s.isoformat() for s in stamps],
                        ticktext=[f"{s.day} {s:%b %Y}" for s in stamps],
                        range=[(low - pad).isoformat(), (high + pad).isoformat()], **axis)
    return figure


# --- accepted text reports without a figure ---------------------------------------------------------

NO_FIGURE_NAMES = {"new_displacement": "reported fleeing, no figure", "return": "reported returning, no figure",
                   "arrival": "reported arriving, no figure"}
NO_FIGURE_COLOUR = "#444444"
QUOTE_WIDTH, QUOTE_LONGEST, QUOTES_SHOWN = 70, 320, 3
QUOTES_HIDDEN = "the sentences are shown to editors"


def _wrapped(quote: str) -> str:
    """A quote in a hover box: at most QUOTE_LONGEST characters, broken into lines of about QUOTE_WIDTH."""
    text = " ".join(str(quote).split())
    if len(text) > QUOTE_LONGEST:
        text = text[:QUOTE_LONGEST].rsplit(" ", 1)[0] + " …"
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > QUOTE_WIDTH:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "“" + "<br>".join(lines) + "”"


def no_figure_hover(week_rows: pd.DataFrame) -> str:
    """The hover text of one week's marker: each place with its number of reports, and the quotes
    when the rows carry them (read only for a role that may see them: db.flows_queries)."""
    name = NO_FIGURE_NAMES.get(week_rows["figure_kind"].iloc[0], "reported, no figure") \
        if "figure_kind" in week_rows else "reported, no figure"
    parts = [name, week_label(monday_of(week_rows["week"].iloc[0]), True)]
    for place, rows in week_rows.groupby("place", sort=True, dropna=False):
        count = len(rows)
        parts.append(f"{place if isinstance(place, str) else '(place not given)'}: "
                     f"{count} report{'s' if count != 1 else ''}")
    if "quote" in week_rows:
        quotes = [q for q in week_rows["quote"] if isinstance(q, str) and q.strip()]
        parts += [_wrapped(q) for q in quotes[:QUOTES_SHOWN]]
        if len(quotes) > QUOTES_SHOWN:
            parts.append(f"and {len(quotes) - QUOTES_SHOWN} more")
    else:
        parts.append(f"({QUOTES_HIDDEN})")
    return "<br>".join(parts)


def add_no_figure_markers(figure: go.Figure, reports: pd.DataFrame | None, **where) -> go.Figure:
    """One marker per week holding accepted text reports without a figure, on that week's slot at the
    baseline (y = 0), named for the kind of movement ("reported fleeing, no figure"). `reports`: one
    row per report (week, place, figure_kind, and quote only when the viewer may see it). `where`
    goes to figure.add_trace (secondary_y=False on a figure with two y axes).

    On the baseline, not above the week's bars: in a PNG of the Flows-and-events chart a marker above
    the tallest bar hid behind the largest event marker, which the second axis also puts at the top."""
    if reports is None or reports.empty:
        return figure
    weeks = sorted({monday_of(d) for d in reports["week"]})
    by_week = {w: reports[reports["week"].map(monday_of) == w] for w in weeks}
    kinds = set(reports["figure_kind"]) if "figure_kind" in reports else set()
    name = NO_FIGURE_NAMES.get(next(iter(kinds)), "reported, no figure") if len(kinds) == 1 else "reported, no figure"
    figure.add_trace(go.Scatter(
        # Not clipped: half of the marker lies under the axis line.
        x=week_keys(weeks), y=[0.0] * len(weeks), mode="markers", name=name, cliponaxis=False,
        marker={"symbol": "triangle-up", "size": NO_FIGURE_SIZE, "color": NO_FIGURE_COLOUR,
                "line": {"width": 1, "color": "white"}},
        customdata=[len(by_week[w]) for w in weeks],
        hovertext=[no_figure_hover(by_week[w]) for w in weeks],
        hovertemplate="%{hovertext}<extra></extra>"), **where)
    return figure
