"""Engine, cached queries, the demo banner and the date window shared by every page."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from db import queries
from db.demo import DEMO_LABEL
from db.engine import make_engine
from ui.heap import freeze_loaded_heap

CACHE_SECONDS = 60


@st.cache_resource
def get_engine():
    engine = make_engine()
    freeze_loaded_heap()  # once per server process, after the first page's imports (ui/heap.py)
    return engine


@st.cache_resource
def ensure_database(_engine) -> None:
    """Migrate and load the shipped gazetteer once per server process, before the first load."""
    from db.setup import prepare_database

    prepare_database(_engine)


def database_ready(engine) -> bool:
    return queries.query_schema_ready(engine)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_date_range(_engine, url: str):
    return queries.query_data_date_range(_engine)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_headline(_engine, url: str, start: date, end: date):
    return queries.query_headline(_engine, start, end)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_freshness(_engine, url: str):
    return queries.query_source_freshness(_engine)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_has_demo(_engine, url: str) -> bool:
    return queries.query_has_demo_data(_engine)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_daily(_engine, url: str, start: date, end: date):
    return queries.query_daily_totals(_engine, start, end)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_weekly_flows(_engine, url: str, filters, side: str, kind: str):
    from db.flow_queries import query_weekly_flows

    return query_weekly_flows(_engine, filters, side, kind)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_flow_pairs(_engine, url: str, filters, kind: str, top: int | None = None,
                      ranked_by: dict[str, float] | None = None):
    from db.flow_queries import query_flow_pairs

    return query_flow_pairs(_engine, filters, kind, top, ranked_by)


def param_choice(name: str, allowed: tuple[str, ...], label: str, *, widget=st.radio, default_in_url: bool = True,
                 **options) -> str:
    """A choice that lives in the URL; a value not in `allowed` is ignored (the first is used).

    `widget` is st.radio or st.selectbox (`options` go to it). With `default_in_url=False` the
    first of `allowed` is kept out of the URL, as param_number does.
    """
    wanted = st.query_params.get(name, allowed[0])
    picked = widget(label, allowed, index=allowed.index(wanted) if wanted in allowed else 0, key=f"param-{name}",
                    **options)
    if picked == allowed[0] and not default_in_url:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = picked
    return picked


def param_number(name: str, label: str, *, minimum: float, maximum: float, default: float, step: float,
                 integer: bool = False) -> float:
    """A number that lives in the URL; a value that is not a number in [minimum, maximum] is ignored."""
    kind = int if integer else float
    try:
        wanted = float(st.query_params.get(name, default))
    except ValueError:
        wanted = default
    if not (minimum <= wanted <= maximum) or wanted != wanted:  # also refuses NaN
        wanted = default
    if integer:
        wanted = round(wanted)
    picked = st.number_input(label, min_value=kind(minimum), max_value=kind(maximum), value=kind(wanted),
                             step=kind(step), key=f"param-{name}")
    if picked == default:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = f"{picked:g}"
    return picked


def show_demo_banner(engine) -> bool:
    if cached_has_demo(engine, str(engine.url)):
        st.warning(
            f"Showing **{DEMO_LABEL}**: invented figures shaped like the Nov–Dec 2024 offensive, for "
            "trying the dashboard. Do not cite them."
        )
        return True
    return False


def _param_date(name: str) -> date | None:
    """A date from the URL, or None when absent or not a valid ISO date (never an error)."""
    try:
        return date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return None


def date_window(engine, default_days: int = 7, from_monday: bool = False) -> tuple[date, date]:
    """The window every number on the page uses; it lives in the URL so a view can be shared.

    By default the last `default_days` of data; `from_monday` starts it on that first day's
    Monday instead, so a page of weekly charts opens on whole weeks (its first bar is not a
    week cut short) and reads them from the weekly summaries.
    """
    first, last = cached_date_range(engine, str(engine.url))
    last = last or date.today()
    first = first or last - timedelta(days=default_days - 1)
    end = _param_date("end") or last
    start = _param_date("start") or end - timedelta(days=default_days - 1)
    if from_monday and not _param_date("start"):
        start -= timedelta(days=start.weekday())
    if end < start:
        start, end = end, start
    picked = st.sidebar.date_input("Window", value=(start, end), min_value=min(first, start),
                                   max_value=max(last, end), format="YYYY-MM-DD")
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        start, end = picked
    st.query_params["start"], st.query_params["end"] = start.isoformat(), end.isoformat()
    return start, end


@st.cache_resource(ttl=CACHE_SECONDS)
def cached_gazetteer(_engine, url: str):
    from gazetteer import load_gazetteer

    return load_gazetteer(_engine)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_places(_engine, url: str, kinds: tuple[str, ...]):
    return queries.query_places(_engine, kinds or None)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_unresolved(_engine, url: str):
    return queries.query_unresolved_names(_engine)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_area_choices(_engine, url: str):
    from db.filters import AREA_KINDS

    return queries.query_places(_engine, AREA_KINDS)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_providers(_engine, url: str):
    return queries.query_providers(_engine)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_provider_freshness(_engine, url: str):
    return queries.query_provider_freshness(_engine)
