"""Keep the server's long-lived objects out of Python's garbage collector.

A page view builds frames of tens of thousands of values; each allocation burst can set off a
full collection that walks every object the server holds (Streamlit, pandas, plotly, SQLAlchemy
and their modules): 60–90 ms added to a 40 ms query, every few views (bench/pages.py measured
p95 124 ms → 44 ms, median 64 → 41 ms, for a year of weekly flows at a million rows).
`gc.freeze()` once the modules are loaded moves what exists into a generation the collector
never walks; what pages make later is collected as usual. No Streamlit here: the benchmark calls
it too, so it times the pages as the server runs them.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_loaded_heap() -> None:
    """Collect once, then freeze every object that exists now (once per process)."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True
