"""One caching helper for every page's reads (the UI edge is the only place that caches).

A page calls a db query through `cached(query, engine, *args, **kwargs)` instead of calling it
directly: the result is kept CACHE_SECONDS, keyed by the query's name, the database's URL and the
arguments; the engine itself is not hashed (its URL stands for it). Loads, review decisions and
batch deletions clear every kept result with `st.cache_data.clear()`, so the next run of any page
counts them. db/ and charts/ never cache: the weekly pack and the tests call the same queries
uncached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

CACHE_SECONDS = 60
FEW_KEPT = 20  # results as large as a whole pack: only the last few are kept
READING = "Reading the data…"

T = TypeVar("T")


def _name(query: Callable) -> str:
    """The query's module and name: part of the key, so two queries given the same arguments never
    share a result. A lambda or a function defined inside another has no name of its own."""
    name = f"{query.__module__}.{query.__qualname__}"
    if "<" in query.__qualname__:
        raise ValueError(f"cache a module-level function, not {name}")
    return name


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=READING)
def _kept(_query: Callable, name: str, url: str, _engine, args: tuple, kwargs: dict):
    return _query(_engine, *args, **kwargs)


@st.cache_data(ttl=CACHE_SECONDS, max_entries=FEW_KEPT, show_spinner=READING)
def _few_kept(_query: Callable, name: str, url: str, _engine, args: tuple, kwargs: dict):
    return _query(_engine, *args, **kwargs)


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=READING)
def _shared(_query: Callable, name: str, url: str, _engine, args: tuple):
    return _query(_engine, *args)


def cached(query: Callable[..., T], engine, *args: Any, **kwargs: Any) -> T:
    """`query(engine, *args, **kwargs)`, kept a while for the same query, database and arguments
    (each caller gets its own copy of the result)."""
    return _kept(query, _name(query), str(engine.url), engine, args, kwargs)


def few_cached(query: Callable[..., T], engine, *args: Any, **kwargs: Any) -> T:
    """As `cached`, for results too large to keep many of (the Export page's pack)."""
    return _few_kept(query, _name(query), str(engine.url), engine, args, kwargs)


def shared(query: Callable[..., T], engine, *args: Any) -> T:
    """As `cached`, for an object every session uses as it is, never copied (the gazetteer)."""
    return _shared(query, _name(query), str(engine.url), engine, args)
