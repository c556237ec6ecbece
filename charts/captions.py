"""Chart captions and demo marks as text: one definition per chart, used by the pages and the pack.

Pure (no Streamlit, no database). A caption names the window and area, the unit, what the chart
counts, and exactly the sources of the rows it draws (a `sources` frame of db.provenance:
provider, latest_data_date, loaded_at, is_demo), each with the last day of its data among them.
The demo mark appears only when one of those rows is demo data. The pages (ui/captions.py) and
the weekly pack (pack/weekly.py) call the same chart functions below with the same arguments,
so the two cannot drift apart (they had: "(a planning assumption, not a count)" on the Flows
page, "(a planning assumption)" in the pack).

`escape` is applied to every piece of text that came from a file or the database (area keys,
provider names): Markdown escaping on a page, none in the pack (pack/brief.py escapes HTML).
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from db import vocab

DEMO_NOTE = "Demo data (synthetic): do not cite."
DEMO_MARK = " — demo data (synthetic)"
SANKEY_NOTE = "The {pairs} largest origin–destination pairs; links from text reports are red."
MAP_NOTE = ("The {pairs} largest pairs as arrows, wider and darker in bands of flow (under 100, from 100, 1,000, "
            "10,000), dotted from text reports; coastlines and borders: Natural Earth, admin 1: OCHA COD-AB or a "
            "loaded boundaries file.")


def _plain(text) -> str:
    return str(text)


def includes_demo(sources: pd.DataFrame | None) -> bool:
    """True when any row a chart draws comes from the demo (db.provenance's is_demo)."""
    return sources is not None and not sources.empty and bool(sources["is_demo"].astype(bool).any())


def demo_mark(text: str, sources: pd.DataFrame | None) -> str:
    """A chart title, marked as demo data only when the rows it draws include demo rows."""
    return text + (DEMO_MARK if includes_demo(sources) else "")


def sources_text(sources: pd.DataFrame | None, *, escape: Callable[[str], str] = _plain) -> str:
    """"Sources: ACLED (data to 31 Dec 2024); …" for exactly the providers in `sources`."""
    if sources is None or sources.empty:
        return "Sources: none in this view."
    parts = []
    for row in sources.itertuples():
        name = escape(vocab.provider_name(row.provider))  # "demo-cccm" in words; "ACLED" as stored
        latest = f"data to {row.latest_data_date:%d %b %Y}" if pd.notna(row.latest_data_date) else "no dated data"
        parts.append(f"{name} ({latest})")
    return "Sources: " + "; ".join(parts) + "."


def caption_text(*, filters, unit: str, sources: pd.DataFrame | None, text_share: float = 0, extra: str = "",
                 escape: Callable[[str], str] = _plain, area_name: str | None = None) -> str:
    """The caption under a chart: window and area, unit, what it counts, its rows' sources, marks.

    `area_name` is the area in words (db.vocab.area_name: "Syria", "Hama governorate"); the caption
    falls back on the area's key only when no name is given."""
    where = (area_name or filters.area) if filters.area else None
    parts = [escape(filters.describe()) + (f"; area: {escape(where)}" if where else "") + ".",
             f"Unit: {unit}."]
    if extra.strip():
        parts.append(extra.strip())
    if sources is not None:  # None: a chart of the loads themselves (Data quality), not of data rows
        parts.append(sources_text(sources, escape=escape))
    if text_share:
        parts.append(f"{text_share:,.0f} {unit} come from text reports, counted after review (red/hatched).")
    if includes_demo(sources):
        parts.append(DEMO_NOTE)
    return " ".join(parts)


# --- the charts drawn both on a page and in the weekly pack --------------------------------------

def units_note(household_size: float = 0) -> str:
    """How units are kept apart, or the planning assumption that converts households."""
    if household_size:
        return (f"Households are converted at {household_size:g} persons per household (a planning assumption, "
                "not a count).")
    return "Persons, households and movements are never added together."


def _flow_notes(filters, household_size: float, small_note: str) -> str:
    area = "Only flows that start or end inside the area count. " if filters.area else ""
    return area + units_note(household_size) + (" " + small_note.strip() if small_note.strip() else "")


def _no_figure_note(unquantified: int) -> str:
    """What the ▲ markers on the baseline are (charts/weeks.py): accepted text reports of flight without a figure."""
    return (f" ▲ marks {unquantified:,} accepted text report(s) of flight that give no figure, at their place and "
            "week." if unquantified else "")


def weekly_flows_caption(*, filters, unit: str, sources, household_size: float = 0, small_note: str = "",
                         text_share: float = 0, unquantified: int = 0,
                         escape: Callable[[str], str] = _plain, area_name: str | None = None) -> str:
    """New displacement by origin or destination, per week (Flows page; pack flows_by_*)."""
    return caption_text(filters=filters, unit=unit, sources=sources, text_share=text_share, escape=escape,
                        area_name=area_name,
                        extra=_flow_notes(filters, household_size, small_note) + " Weeks start on Monday; a week "
                        "without reports is drawn as 0; the eight largest places are shown, the rest summed as "
                        "\"other places\"." + _no_figure_note(unquantified))


def sankey_caption(*, filters, unit: str, sources, pairs: int, household_size: float = 0, small_note: str = "",
                   escape: Callable[[str], str] = _plain, area_name: str | None = None) -> str:
    """Origin → destination (Flows page; pack sankey)."""
    return caption_text(filters=filters, unit=unit, sources=sources, escape=escape, area_name=area_name,
                        extra=_flow_notes(filters, household_size, small_note) + " " + SANKEY_NOTE.format(pairs=pairs))


def flow_map_caption(*, filters, unit: str, sources, pairs: int, household_size: float = 0, small_note: str = "",
                     unmapped: int = 0, escape: Callable[[str], str] = _plain,
                     area_name: str | None = None) -> str:
    """The flow map (Flows page; pack flow_map)."""
    return caption_text(filters=filters, unit=unit, sources=sources, escape=escape, area_name=area_name,
                        extra=_flow_notes(filters, household_size, small_note) + " " + MAP_NOTE.format(pairs=pairs)
                        + (f" {unmapped} pair(s) with a place without coordinates are not drawn." if unmapped else ""))


def flows_and_events_caption(*, filters, unit: str, sources, household_size: float = 0, small_note: str = "",
                             text_share: float = 0, unquantified: int = 0,
                             escape: Callable[[str], str] = _plain, area_name: str | None = None) -> str:
    """New displacement from the area beside the week's events (Flows and events page; pack flows_and_events)."""
    return caption_text(filters=filters, unit=f"{unit} (bars), events per week (markers, by ACLED type)",
                        area_name=area_name,
                        sources=sources, text_share=text_share, escape=escape,
                        extra=units_note(household_size) + (" " + small_note.strip() if small_note.strip() else "")
                        + " Bars: new displacement from places " + ("inside the area" if filters.area else "anywhere")
                        + ", by week of flight; a week without reports is 0. Markers: events in the same area and "
                        "week." + _no_figure_note(unquantified))


def event_timeline_caption(*, filters, sources, text_share: float = 0,
                           escape: Callable[[str], str] = _plain, area_name: str | None = None) -> str:
    """Conflict events per week, by type (Events page; pack events_by_type)."""
    area = "Only events at places inside the area count. " if filters.area else ""
    return caption_text(filters=filters, unit="events", sources=sources, text_share=text_share, escape=escape,
                        area_name=area_name,
                        extra=area + "Events read from text reports count once a person accepted them on the Review "
                        "page, and are marked \"— from text reports, reviewed\". Weeks start on Monday; the first "
                        "and last weeks hold only the days inside the window. Events without a date are not counted.")
