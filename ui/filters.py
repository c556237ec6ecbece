"""The sidebar filters, kept in the URL (st.query_params) so a view can be shared and reloaded.

Values come back from the URL only through db.filters.Filters.parse, which drops anything
outside the allowed sets (areas in the gazetteer, vocabularies, providers present).
"""

from __future__ import annotations

import streamlit as st

from db import vocab
from db.filters import LIST_SEPARATOR, Filters
from ui.common import cached_area_choices, cached_providers, date_window

ALL_FILTERS = ("area", "event_types", "figure_kinds", "units", "sources")
LABELS = {"event_types": "Event types", "figure_kinds": "Figure kinds", "units": "Units", "sources": "Sources"}
KIND_LABEL = {"community": "city/town"}


def _area_label(areas, key: str | None) -> str:
    if key is None:
        return "All areas"
    row = areas.loc[key]
    arabic = f" · {row['name_ar']}" if isinstance(row["name_ar"], str) and row["name_ar"] else ""
    return f"{row['name_en']}{arabic} ({KIND_LABEL.get(row['kind'], row['kind'])}, {key})"


def sidebar_filters(page, *, default_days: int = 28, show: tuple[str, ...] = ALL_FILTERS) -> Filters:
    """Draw the filters this page uses in the sidebar and return them, validated."""
    start, end = date_window(page.engine, default_days=default_days, from_monday=True)  # pages of weekly charts
    areas = cached_area_choices(page.engine, page.url).set_index("place_key")
    providers = cached_providers(page.engine, page.url)
    params = {name: st.query_params.get(name) for name in ALL_FILTERS}
    filters = Filters.parse({**params, "start": start.isoformat(), "end": end.isoformat()},
                            default_start=start, default_end=end, areas=areas.index, sources=providers)
    choices = {"event_types": vocab.EVENT_TYPES, "figure_kinds": vocab.FIGURE_KINDS, "units": vocab.UNITS,
               "sources": providers}
    picked = {}
    if "area" in show:
        options = [None, *areas.index]
        picked["area"] = st.sidebar.selectbox(
            "Area", options, index=options.index(filters.area), key="param-area",
            format_func=lambda key: _area_label(areas, key),
            help="Country, governorate, district or city: rows anywhere inside it count.")
    for name in ("event_types", "figure_kinds", "units", "sources"):
        if name in show:
            picked[name] = tuple(st.sidebar.multiselect(
                LABELS[name], choices[name], default=list(getattr(filters, name)), key=f"param-{name}",
                placeholder="all"))
    filters = Filters(start=start, end=end, **picked)
    for name in ALL_FILTERS:
        value = getattr(filters, name) if name in show else None
        text = LIST_SEPARATOR.join(value) if isinstance(value, tuple) else value
        if text:
            st.query_params[name] = text
        elif name in st.query_params:
            del st.query_params[name]
    return filters
