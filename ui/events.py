"""The Events page's cached queries and its one URL-kept selectbox.

The queries are cached at the UI edge, keyed by the database URL and the filters (the engine
itself is not hashed), as ui.common does for the other pages.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from db import events_queries
from ui.common import CACHE_SECONDS


@st.cache_data(ttl=CACHE_SECONDS)
def cached_weekly_events(_engine, url: str, filters):
    return events_queries.query_weekly_events(_engine, filters)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_event_locations(_engine, url: str, filters):
    return events_queries.query_event_locations(_engine, filters)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_week_against_average(_engine, url: str, filters, week: date):
    return events_queries.query_week_against_average(_engine, filters, week)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_hapi_event_counts(_engine, url: str, filters):
    return events_queries.query_hapi_event_counts(_engine, filters)
