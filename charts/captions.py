"""Chart captions as text: the window and area, the unit, the sources with their as-of dates, marks.

Pure (no Streamlit, no database): the pages (ui/captions.py) and the weekly chart pack give the
same words under the same chart. `escape` is applied to every piece of text that came from a
file or the database (area keys, provider names): Markdown escaping on a page, HTML escaping in
the pack's brief.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

PROVIDER_NOTES = {"text": "text reports (facts counted after review)", "demo": "demo data (synthetic)"}
DEMO_NOTE = "Demo data (synthetic): do not cite."


def _plain(text) -> str:
    return str(text)


def sources_text(freshness: pd.DataFrame, providers=None, *, escape: Callable[[str], str] = _plain,
                 loaded: bool = True) -> str:
    """"Sources: ACLED (data to 31 Dec 2024, loaded 2026-11-20); …" for the given providers (all if None).

    `freshness`: db.queries.query_provider_freshness (provider, latest_data_date, loaded_at).
    `loaded=False` leaves out when each was loaded (the pack's files stay the same after a reload).
    """
    if providers:
        freshness = freshness[freshness["provider"].isin(list(providers))]
    if freshness.empty:
        return "Sources: none loaded."
    parts = []
    for row in freshness.itertuples():
        name = PROVIDER_NOTES.get(row.provider, escape(row.provider))
        latest = f"data to {row.latest_data_date:%d %b %Y}" if pd.notna(row.latest_data_date) else "no dated data"
        when = f", loaded {row.loaded_at:%Y-%m-%d}" if loaded and pd.notna(row.loaded_at) else ""
        parts.append(f"{name} ({latest}{when})")
    return "Sources: " + "; ".join(parts) + "."


def caption_text(*, filters, unit: str, freshness: pd.DataFrame, providers=None, text_share: float = 0,
                 extra: str = "", is_demo: bool = False, escape: Callable[[str], str] = _plain,
                 loaded: bool = True) -> str:
    """The caption under a chart: window and area, unit, sources with as-of dates, marks."""
    parts = [escape(filters.describe()) + (f"; area {escape(filters.area)}" if filters.area else "") + ".",
             f"Unit: {unit}."]
    if extra:
        parts.append(extra)
    parts.append(sources_text(freshness, providers or filters.sources or None, escape=escape, loaded=loaded))
    if text_share:
        parts.append(f"{text_share:,.0f} {unit} come from text reports, counted after review (red/hatched).")
    if is_demo:
        parts.append(DEMO_NOTE)
    return " ".join(parts)
