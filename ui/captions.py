"""Chart captions: the sources and how recent their data are, the unit, and what is marked."""

from __future__ import annotations

from ui.common import cached_provider_freshness
from ui.safe_text import literal

PROVIDER_NOTES = {"text": "text reports (facts counted after review)", "demo": "demo data (synthetic)"}


def sources_line(page, providers=None) -> str:
    """"Sources: ACLED (data to 31 Dec 2024, loaded 2026-11-20); …" for the given providers (all if None)."""
    fresh = cached_provider_freshness(page.engine, page.url)
    if providers:
        fresh = fresh[fresh["provider"].isin(list(providers))]
    if fresh.empty:
        return "Sources: none loaded."
    parts = []
    for row in fresh.itertuples():
        name = PROVIDER_NOTES.get(row.provider, literal(row.provider))
        latest = f"data to {row.latest_data_date:%d %b %Y}" if row.latest_data_date is not None else "no dated data"
        loaded = f", loaded {row.loaded_at:%Y-%m-%d}" if row.loaded_at is not None else ""
        parts.append(f"{name} ({latest}{loaded})")
    return "Sources: " + "; ".join(parts) + "."


def chart_caption(page, *, unit: str, filters, providers=None, text_share: float = 0, extra: str = "") -> str:
    """The caption under a chart: window and area, unit, sources with as-of dates, marks."""
    # Area keys and provider names come from loaded files: escaped, so they show as written.
    parts = [literal(filters.describe()) + (f"; area {literal(filters.area)}" if filters.area else "") + ".",
             f"Unit: {unit}."]
    if extra:
        parts.append(extra)
    parts.append(sources_line(page, providers or filters.sources or None))
    if text_share:
        parts.append(f"{text_share:,.0f} {unit} come from text reports, counted after review (red/hatched).")
    if page.is_demo:
        parts.append("Demo data (synthetic): do not cite.")
    return " ".join(parts)
