"""Keep the server's long-lived objects out of Python's garbage collector, and collect less often.

A page view builds frames of tens of thousands of values; each allocation burst can set off a
full collection that walks every object the server holds (Streamlit, pandas, plotly, SQLAlchemy
and their modules): 60–90 ms added to a 40 ms query, every few views (bench/pages.py measured
p95 124 ms → 44 ms, median 64 → 41 ms, for a year of weekly flows at a million rows).
`gc.freeze()` once the modules are loaded moves what exists into a generation the collector
never walks; what pages make later is collected as usual.

The youngest generation is also collected after GEN0_THRESHOLD allocations rather than Python's
700: a query's result rows are thousands of short-lived tuples, freed by reference counting
anyway, and a collection every 700 of them only walks them (the lag view narrowed to a governorate
33.9 → 29.4 ms, a year of weekly flows 32.5 → 27.7 ms, medians of 20 in one process). Not much
later than that: at 100,000 a page view that builds six figures set off a collection of its
young objects that took ~117 ms alone, once every ten views (the Events page: median 170, p95
287 ms; at 10,000: 163 / 181; at 700: 172 / 182; at 20,000 the pauses were back, p95 236).
Reference cycles are still collected, later.

No Streamlit here: the benchmark calls it too, so it times the pages as the server runs them.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 10_000
OLDER_THRESHOLDS = (50, 100)
_frozen = False


def freeze_loaded_heap() -> None:
    """Collect once, freeze every object that exists now, and raise the collection thresholds
    (once per process)."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        gc.set_threshold(GEN0_THRESHOLD, *OLDER_THRESHOLDS)
        _frozen = True
