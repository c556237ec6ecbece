"""Chart captions on a page: charts.captions' words, with text from files escaped for Markdown."""

from __future__ import annotations

from charts.captions import caption_text, sources_text
from ui.common import cached_provider_freshness
from ui.safe_text import literal


def sources_line(page, providers=None) -> str:
    """"Sources: ACLED (data to 31 Dec 2024, loaded 2026-11-20); …" for the given providers (all if None)."""
    return sources_text(cached_provider_freshness(page.engine, page.url), providers, escape=literal)


def chart_caption(page, *, unit: str, filters, providers=None, text_share: float = 0, extra: str = "") -> str:
    """The caption under a chart: window and area, unit, sources with as-of dates, marks."""
    # Area keys and provider names come from loaded files: escaped, so they show as written.
    return caption_text(filters=filters, unit=unit, freshness=cached_provider_freshness(page.engine, page.url),
                        providers=providers, text_share=text_share, extra=extra, is_demo=page.is_demo,
                        escape=literal)
