"""Chart captions on a page: charts.captions' words, with text from files escaped for Markdown, and
the sources of the rows each chart draws (db.provenance), read once per view and kept a while."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from charts.captions import caption_text
from ui.cache import cached
from ui.safe_text import literal

ROWS = ("flows", "flows_and_events", "events", "event_counts", "sites")


def read_sources(engine, rows: str, filters, kind: str, side: str | None, unit: str,
                 site_types: tuple[str, ...]) -> pd.DataFrame:
    """The sources of the rows a chart draws, from the query that names them (`rows`)."""
    from db import camps_queries, provenance

    if rows == "flows":
        return provenance.query_flow_sources(engine, filters, kind, side)
    if rows == "flows_and_events":
        return provenance.query_flow_and_event_sources(engine, filters, kind, side)
    if rows == "events":
        return provenance.query_event_sources(engine, filters)
    if rows == "event_counts":
        return provenance.query_event_count_sources(engine, filters)
    if rows == "sites":
        return camps_queries.query_site_sources(engine, filters, unit, site_types)
    raise ValueError(f"rows must be one of {ROWS}")


def chart_sources(page, rows: str, filters, *, kind: str = "new_displacement", side: str | None = None,
                  unit: str = "individuals", site_types=(), units=()) -> pd.DataFrame:
    """The sources of the rows a chart draws (db.provenance.SOURCE_COLUMNS): `rows` says which
    table the chart reads, with the same filters, kind and side (or site unit and types) as its
    query; `units`, the figures' units it sums (charts.flows.ranking_units)."""
    if units:
        filters = replace(filters, units=tuple(units))
    return cached(read_sources, page.engine, rows, filters, kind, side, unit, tuple(site_types))


def area_name(page, area: str | None) -> str | None:
    """The area in words for a sentence ("Syria", "Hama governorate"; db.vocab.area_name); None for none."""
    from db import queries, vocab
    from db.filters import AREA_KINDS

    return vocab.places_area_name(cached(queries.query_places, page.engine, AREA_KINDS), area) if area else None


def chart_caption(page, *, unit: str, filters, sources, text_share: float = 0, extra: str = "") -> str:
    """The caption under a page-only chart: window and area, unit, what it counts, its rows' sources, marks."""
    # Area names and provider names come from loaded files: escaped, so they show as written.
    return caption_text(filters=filters, unit=unit, sources=sources, text_share=text_share, extra=extra,
                        escape=literal, area_name=area_name(page, filters.area))
