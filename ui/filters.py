"""The sidebar filters, kept in the URL (st.query_params) so a view can be shared and reloaded.

Values come back from the URL only through db.filters.Filters.parse, which drops anything
outside the allowed sets (areas in the gazetteer, vocabularies, providers present); what a link
asked for and did not get is said on the page (ui.common.refuse_url_value) and left out of the URL.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st
from streamlit.errors import StreamlitAPIException

from db import vocab
from db.filters import LIST_SEPARATOR, MAX_AREA_KEY, Filters
from pack.weekly import last_complete_week, week_label
from ui.common import (cached_area_choices, cached_date_range, cached_providers, date_window, from_link,
                       refuse_url_value)

ALL_FILTERS = ("area", "event_types", "figure_kinds", "units", "sources")
LABELS = {"event_types": "Event types", "figure_kinds": "Figure kinds", "units": "Units", "sources": "Sources"}
EXPORT_PAGE = "pages/5_Export.py"


def _area_label(areas, key: str | None) -> str:
    if key is None:
        return "All areas"
    row = areas.loc[key]
    return vocab.area_label(row["name_en"], row["name_ar"], row["kind"], key)


def _refuse_what_parse_dropped(params: dict, filters: Filters, choices: dict, show: tuple[str, ...]) -> None:
    """A warning for each filter of this page whose value from the link Filters.parse dropped (in part)."""
    for name in show:
        text = params.get(name)
        if not text or not text.strip() or not from_link(name):
            continue
        if name == "area":
            if filters.area is None:
                why = ("longer than an area key" if len(text.strip()) > MAX_AREA_KEY else
                       "not the key of a country, governorate, district or city in the gazetteer")
                refuse_url_value(name, text, why, "all areas")
            continue
        wanted = [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
        unknown = [part for part in dict.fromkeys(wanted) if part not in choices[name]]
        if unknown:
            kept = getattr(filters, name)
            refuse_url_value(name, LIST_SEPARATOR.join(unknown), f"not among the {LABELS[name].lower()} offered",
                             LIST_SEPARATOR.join(kept) if kept else f"all {LABELS[name].lower()}")


def sidebar_filters(page, *, default_days: int = 28, show: tuple[str, ...] = ALL_FILTERS,
                    window: bool = True) -> Filters:
    """Draw the filters this page uses in the sidebar and return them, validated.

    `window=False` (the Export page, which picks a week instead): no date window is drawn or
    kept in the URL; the filters' window is then the data's whole range.
    """
    if window:
        start, end = date_window(page.engine, default_days=default_days, from_monday=True)  # weekly charts
    else:
        first, last = cached_date_range(page.engine, page.url)
        end = last or date.today()
        start = first or end
    areas = cached_area_choices(page.engine, page.url).set_index("place_key")
    providers = cached_providers(page.engine, page.url)
    params = {name: st.query_params.get(name) for name in ALL_FILTERS}
    filters = Filters.parse({**params, "start": start.isoformat(), "end": end.isoformat()},
                            default_start=start, default_end=end, areas=areas.index, sources=providers)
    choices = {"event_types": vocab.EVENT_TYPES, "figure_kinds": vocab.FIGURE_KINDS, "units": vocab.UNITS,
               "sources": providers}
    _refuse_what_parse_dropped(params, filters, choices, show)
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
                placeholder="all", format_func=vocab.label))
    filters = Filters(start=start, end=end, **picked)
    for name in ALL_FILTERS:
        value = getattr(filters, name) if name in show else None
        text = LIST_SEPARATOR.join(value) if isinstance(value, tuple) else value
        if text:
            st.query_params[name] = text
        elif name in st.query_params:
            del st.query_params[name]
    if window:
        export_link(filters)
    return filters


def export_link(filters: Filters) -> None:
    """A link to the Export page carrying this view's filters and the week its window ends in."""
    params = {key: value for key, value in filters.to_params().items() if key not in ("start", "end")}
    params["week"] = week_label(last_complete_week(filters.end + timedelta(days=1), filters.end) or filters.end)
    try:
        st.sidebar.page_link(EXPORT_PAGE, label="Weekly chart pack of this view", icon=":material/download:",
                             query_params=params)
    except StreamlitAPIException:  # a page run on its own (AppTest of one script) has no menu to link into
        pass
