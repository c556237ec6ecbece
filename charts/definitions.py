"""Each chart drawn both on a page and in the weekly pack, defined once: its figure, the rows it draws
(the CSV beside it) and its caption come from one function, so the page and the pack cannot drift.

Pure: frames in (already read, small counts already banded), a Chart out. The page passes its own
title and `escape` (ui.safe_text.literal: captions are Markdown there), the pack its title with the
week and no escape (plain text in its files); everything else is the same call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from charts.captions import (event_timeline_caption, flow_map_caption, flows_and_events_caption, sankey_caption,
                             weekly_flows_caption)
from charts.events import build_event_timeline, timeline_rows
from charts.flows import (MAP_PAIRS, SANKEY_PAIRS, build_flow_map, build_sankey, build_weekly_flows, mapped_pairs,
                          top_pairs, weekly_flow_rows)
from charts.flows_and_events import build_flows_with_events, flows_and_events_rows
from charts.suppress import SmallCounts


def _plain(text: str) -> str:
    return text


@dataclass(frozen=True)
class Chart:
    name: str  # the file name part in the pack and the page's downloads: flows_by_origin, sankey, ...
    title: str
    figure: go.Figure
    rows: pd.DataFrame  # exactly what the figure draws, small counts shown as the figure shows them
    caption: str


def _text_share(rows: pd.DataFrame, column: str) -> float:
    return float(rows.loc[rows["from_text"], column].sum()) if not rows.empty else 0.0


def weekly_flows_chart(weekly: pd.DataFrame, *, side: str, unit: str, title: str, filters, sources,
                       small: SmallCounts, household_size: float = 0, unquantified: pd.DataFrame | None = None,
                       escape: Callable[[str], str] = _plain, area_name: str | None = None) -> Chart:
    """New displacement by origin or destination, per week (Flows page; pack flows_by_<side>).
    `weekly`: charts.flows.weekly_flows_from_pairs of banded pairs; `filters`: the window drawn."""
    drawn = weekly[weekly["unit"] == unit] if not weekly.empty else weekly
    unquantified = unquantified if unquantified is not None else pd.DataFrame()
    return Chart(
        f"flows_by_{side}", title,
        build_weekly_flows(weekly, unit, side, title, window=(filters.start, filters.end), unquantified=unquantified),
        small.table(weekly_flow_rows(weekly, unit)),
        weekly_flows_caption(filters=filters, unit=unit, sources=sources, household_size=household_size,
                             small_note=small.note(), text_share=_text_share(drawn, "value"),
                             unquantified=len(unquantified), escape=escape, area_name=area_name))


def sankey_chart(pairs: pd.DataFrame, *, unit: str, title: str, filters, sources, small: SmallCounts,
                 household_size: float = 0, escape: Callable[[str], str] = _plain,
                 area_name: str | None = None) -> Chart:
    """Origin → destination over the window (Flows page; pack sankey). `pairs`: banded, of one unit or more."""
    return Chart(
        "sankey", title, build_sankey(pairs, unit, title),
        small.table(top_pairs(pairs, unit, SANKEY_PAIRS)),
        sankey_caption(filters=filters, unit=unit, sources=sources, pairs=SANKEY_PAIRS, household_size=household_size,
                       small_note=small.note(), escape=escape, area_name=area_name))


def flow_map_chart(pairs: pd.DataFrame, *, unit: str, title: str, filters, sources, small: SmallCounts,
                   admin1: list | None = None, household_size: float = 0,
                   escape: Callable[[str], str] = _plain, area_name: str | None = None) -> Chart:
    """The flow map of the largest pairs with both ends placed (Flows page; pack flow_map)."""
    mapped = mapped_pairs(pairs, unit)
    unmapped = len(top_pairs(pairs, unit, MAP_PAIRS)) - len(mapped)
    return Chart(
        "flow_map", title, build_flow_map(pairs, unit, title, admin1=admin1), small.table(mapped),
        flow_map_caption(filters=filters, unit=unit, sources=sources, pairs=MAP_PAIRS, household_size=household_size,
                         small_note=small.note(), unmapped=unmapped, escape=escape, area_name=area_name))


def flows_and_events_chart(flight: pd.DataFrame, events: pd.DataFrame, *, unit: str, title: str, filters, sources,
                           small: SmallCounts, household_size: float = 0,
                           unquantified: pd.DataFrame | None = None,
                           escape: Callable[[str], str] = _plain, area_name: str | None = None) -> Chart:
    """New displacement from the area (one unit) beside the week's events by type (Flows and events
    page; pack flows_and_events)."""
    unquantified = unquantified if unquantified is not None else pd.DataFrame()
    return Chart(
        "flows_and_events", title,
        build_flows_with_events(flight, events, unit, title, window=(filters.start, filters.end),
                                unquantified=unquantified),
        small.table(flows_and_events_rows(flight, events)),
        flows_and_events_caption(filters=filters, unit=unit, sources=sources, household_size=household_size,
                                 small_note=small.note(), text_share=_text_share(flight, "value"),
                                 unquantified=len(unquantified), escape=escape, area_name=area_name))


def events_by_type_chart(weekly_events: pd.DataFrame, *, title: str, filters, sources, subtypes_of: str | None = None,
                         escape: Callable[[str], str] = _plain, area_name: str | None = None) -> Chart:
    """Conflict events per week, by type, or by the sub-types of one type (Events page; pack events_by_type)."""
    drawn = timeline_rows(weekly_events, subtypes_of) if not weekly_events.empty else weekly_events
    return Chart(
        "events_by_type" if subtypes_of is None else "events_by_sub_type", title,
        build_event_timeline(weekly_events, title, subtypes_of, window=(filters.start, filters.end)), drawn,
        event_timeline_caption(filters=filters, sources=sources, text_share=_text_share(drawn, "events"),
                               escape=escape, area_name=area_name))
