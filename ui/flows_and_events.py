"""Cached queries of the "flows and preceding events" page (the UI edge is the only place that caches)."""

from __future__ import annotations

import streamlit as st

from db import flows_and_events_queries
from ui.common import CACHE_SECONDS


@st.cache_data(ttl=CACHE_SECONDS)
def cached_weekly_events_by_type(_engine, url: str, filters):
    return flows_and_events_queries.query_weekly_events_by_type(_engine, filters)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_weekly_events_by_place(_engine, url: str, filters):
    return flows_and_events_queries.query_weekly_events_by_place(_engine, filters)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_events_near_places(_engine, url: str, place_keys: tuple[str, ...], start, end, radius_km, event_types,
                              sources, limit: int | None = None, with_quotes: bool = False):
    return flows_and_events_queries.query_events_near_places(_engine, place_keys, start, end, radius_km, event_types,
                                                             sources, limit, with_quotes=with_quotes)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_preceding_events(_engine, url: str, place_keys: tuple[str, ...], start, end, radius_km, event_types,
                            sources):
    return flows_and_events_queries.query_preceding_events(_engine, place_keys, start, end, radius_km, event_types,
                                                           sources)
