"""The sidebar filters, kept in the URL (st.query_params) so a view can be shared and reloaded.

Values come back from the URL only through db.filters.Filters.parse, which drops anything
outside the allowed sets (areas in the gazetteer, vocabularies, providers present); what a link
asked for and did not get is said on the page (ui.common.refuse_url_value) and left out of the URL.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st
from streamlit.errors import StreamlitAPIException

from db import queries, vocab
from db.filters import AREA_KINDS, LIST_SEPARATOR, MAX_AREA_KEY, Filters, country_of
from charts.flows_and_events import keys_inside
from pack.weekly import last_complete_week, old_data_note, week_label
from ui.cache import cached
from ui.common import date_window, from_link, refuse_url_value
from ui.pack import week_choices
from ui.safe_text import literal

ALL_FILTERS = ("area", "event_types", "figure_kinds", "units", "sources")
LABELS = {"event_types": "Event types", "figure_kinds": "Figure kinds", "units": "Units", "sources": "Sources"}
EXPORT_PAGE = "pages/5_Export.py"
COUNTRY_KEY = "country"  # the sidebar's country box (its value is carried in the URL as `area`)
# What a new country makes stale: its window, week and area come from its own data.
_FOLLOW_COUNTRY = ("start", "end", "week", "area")


def _area_label(areas, key: str | None) -> str:
    if key is None:
        return "All areas"
    row = areas.loc[key]
    return vocab.area_label(row["name_en"], row["name_ar"], row["kind"], key)


def _country_changed() -> None:
    """A new country: its own window, week and area (the whole country), not the last one's."""
    for name in _FOLLOW_COUNTRY:
        st.query_params.pop(name, None)
    st.query_params["area"] = st.session_state[COUNTRY_KEY]
    for name in ("param-area", "param-week"):
        st.session_state.pop(name, None)


def choose_country(engine, areas=None) -> str | None:
    """With data of several countries, the sidebar asks for a country first and returns its place_key;
    with data of one country (or none) it asks nothing and returns None.

    The box lists the countries that hold data, by name, the most recent data first; it starts on the
    country of the link's `area` (a country or any place inside one) when that country holds data.
    The choice is carried in the URL as `area` (the country itself, or a place inside it), so a link
    opens on the same country; there is no second parameter for it.
    """
    countries = cached(queries.query_countries_with_data, engine)
    if len(countries) < 2:
        return None
    areas = cached(queries.query_places, engine, AREA_KINDS).set_index("place_key") if areas is None else areas
    keys = list(countries["place_key"])
    named = country_of(areas, (st.query_params.get("area") or "").strip()[:MAX_AREA_KEY] or None)
    # English name and latest day first: a narrow sidebar cuts the label's end (the Arabic name) short.
    labels = {row.place_key: (f"{row.name_en} (data to {row.last_date:%d %b %Y})"
                              + (f" · {row.name_ar}" if isinstance(row.name_ar, str) and row.name_ar else ""))
              for row in countries.itertuples()}
    picked = st.sidebar.selectbox(
        "Country", keys, index=keys.index(named) if named in keys else 0, key=COUNTRY_KEY, format_func=labels.get,
        on_change=_country_changed,
        help="The database holds data of several countries: every page shows one, with its own dates.")
    if country_of(areas, st.query_params.get("area")) != picked:
        st.query_params["area"] = picked
    return picked


def week_choices_of(page, area: str | None, today: date) -> list[tuple[str, date]]:
    """The Export page's weeks for `area`, the newest first: its last whole week that holds data
    (pack.weekly.last_week_of_data). Whether a week has run whole is judged by the data of the area's
    country (a governorate whose last event fell on a Saturday still has that week), whether it
    holds data by the area's own."""
    areas = cached(queries.query_places, page.engine, AREA_KINDS).set_index("place_key")
    first, _ = cached(queries.query_area_date_range, page.engine, area)
    _, horizon = cached(queries.query_area_date_range, page.engine, country_of(areas, area) or area)
    return week_choices(first, horizon, today,
                        lambda day: cached(queries.query_area_date_range, page.engine, area, day)[1])


def say_if_data_old(engine, area: str | None, areas=None) -> str | None:
    """A notice in the sidebar when the area's (or the database's) latest data is older than
    pack.weekly.OLD_DATA_DAYS; returns its text (None when recent)."""
    _, latest = cached(queries.query_area_date_range, engine, area)
    where = None
    if area is not None:
        areas = cached(queries.query_places, engine, AREA_KINDS).set_index("place_key") if areas is None else areas
        where = str(areas.loc[area, "name_en"]) if area in areas.index else area
    note = old_data_note(where, latest, date.today())
    if note:
        st.sidebar.info(literal(note[0].upper() + note[1:]) + ". Load newer files (Upload page) for current figures.",
                        icon=":material/history:")
    return note


def _refuse_what_parse_dropped(params: dict, filters: Filters, choices: dict, show: tuple[str, ...],
                               no_area: str = "all areas") -> None:
    """A warning for each filter of this page whose value from the link Filters.parse dropped (in part)."""
    for name in show:
        text = params.get(name)
        if not text or not text.strip() or not from_link(name):
            continue
        if name == "area":
            if filters.area is None:
                why = ("longer than an area key" if len(text.strip()) > MAX_AREA_KEY else
                       "not the key of a country, governorate, district or city in the gazetteer")
                refuse_url_value(name, text, why, no_area)
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
    areas = cached(queries.query_places, page.engine, AREA_KINDS).set_index("place_key")
    country = choose_country(page.engine, areas)  # None unless several countries hold data
    inside = keys_inside(areas.reset_index(), country)
    params = {name: st.query_params.get(name) for name in ALL_FILTERS}
    asked = Filters.parse({"area": params["area"]}, default_start=date.today(), default_end=date.today(),
                          areas=areas.index).area
    area = asked if inside is None or asked in inside else country  # the window follows the area shown
    if window:
        start, end = date_window(page.engine, default_days=default_days, from_monday=True, area=area)  # weekly
    else:
        first, last = cached(queries.query_area_date_range, page.engine, area)
        end = last or date.today()
        start = first or end
    providers = cached(queries.query_providers, page.engine)
    filters = Filters.parse({**params, "start": start.isoformat(), "end": end.isoformat()},
                            default_start=start, default_end=end, areas=areas.index, sources=providers)
    choices = {"event_types": vocab.EVENT_TYPES, "figure_kinds": vocab.FIGURE_KINDS, "units": vocab.UNITS,
               "sources": providers}
    _refuse_what_parse_dropped(params, filters, choices, show,
                               no_area="all areas" if country is None else _area_label(areas, country))
    if country is not None and filters.area != area:  # a place of another country (or none): the whole country
        filters = Filters(start=filters.start, end=filters.end, area=area, event_types=filters.event_types,
                          figure_kinds=filters.figure_kinds, units=filters.units, sources=filters.sources)
    say_if_data_old(page.engine, area, areas)
    picked = {}
    if country is not None and "area" not in show:
        picked["area"] = area
    if "area" in show:
        options = [None, *areas.index] if inside is None else [country, *(k for k in areas.index
                                                                           if k in inside and k != country)]
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
        value = getattr(filters, name) if name in show or name in picked else None
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
