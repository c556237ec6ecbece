"""The Admin page's cached queries (the UI edge is the only place that caches)."""

from __future__ import annotations

import streamlit as st

from db import audit, demo, quality_queries
from ui.common import CACHE_SECONDS


@st.cache_data(ttl=CACHE_SECONDS)
def cached_audit(_engine, url: str, action: str | None):
    return audit.query_audit(_engine, action=action)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_live_batches(_engine, url: str):
    return quality_queries.query_live_batches(_engine)


@st.cache_data(ttl=CACHE_SECONDS)
def cached_demo_batches(_engine, url: str) -> list[int]:
    return demo.live_demo_batches(_engine)
