"""Benchmark: every query a page runs, on a cache miss, beside the same question in DuckDB.

    python bench/pages.py [--rows 1000000] [--db PATH] [--repeats 20] [--out BENCHMARKS.md]
    python bench/pages.py --database-url postgresql+psycopg://user@host/db   # PostgreSQL
    python bench/pages.py --quick                                            # 50,000 rows, 5 repeats

The database is the demo at scale (`python -m db demo --scale N`: N more events and N more
displacement figures over 2023–2024), built in a temporary folder, or reused with --db PATH (built
there when missing), or in the database --database-url names (loaded there when missing).

Each registered page query (PAGE_QUERIES) runs as the page calls it, without Streamlit's cache,
once to warm up and then `--repeats` times: median and p95 in ms. Beside it, the same question in
DuckDB over an in-memory copy of the tables (the reference measured in the same run: machines
here are noisy, so read the ratios). Figure builders (PAGE_FIGURES) are timed built and
serialised (`fig.to_json()`), and a whole page's server-side work (its queries and figures, as
one page view runs them) gets its own median and p95. "raw rows (before)" entries time the
flow queries as they were before the weekly summaries (db.flows_queries.*_raw), in the same run.

Targets (issue): on SQLite every page query p95 ≤ 50 ms, a page ≤ 300 ms, a figure ≤ 50 ms; on
PostgreSQL the same within 2×.

To add a page's query: one PageQuery line in PAGE_QUERIES (its DuckDB SQL as a constant with
$named parameters, never values formatted in); a figure: one PageFigure line.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from charts.camps import (build_largest_sites, build_net_arrivals, build_population_over_time,  # noqa: E402
                          build_site_map)
from charts.events import build_event_map, build_event_timeline, build_hapi_counts, build_week_comparison  # noqa: E402
from charts.flows import MAP_PAIRS, build_flow_map, build_sankey, build_weekly_flows, ranking_units  # noqa: E402
from charts.quality import build_issue_chart  # noqa: E402
from charts.flows_and_events import (build_flows_with_events, build_lag_heatmap, governorates,  # noqa: E402
                                     keys_inside, lag_correlations, rank_spikes)
from charts.timeline import build_daily_displacement_and_events  # noqa: E402
from db import (boundaries, camps_queries, events_queries, flows_and_events_queries, flows_queries,  # noqa: E402
                provenance, quality_queries, queries, vocab)
from db.demo import DEMO_COUNTRY  # noqa: E402
from db.filters import AREA_KINDS, Filters  # noqa: E402
from ui.heap import freeze_loaded_heap  # noqa: E402

TARGET_QUERY_MS, TARGET_PAGE_MS, TARGET_FIGURE_MS = 50, 300, 50
POSTGRES_ALLOWANCE = 2  # "the same on PostgreSQL within 2×"


# --- the windows a page is looked at with -----------------------------------------------------

@dataclass(frozen=True)
class Window:
    label: str
    filters: Filters


WINDOWS = [
    # The pages open on the last 28 days of data from that first day's Monday (ui.common.date_window):
    # 2 Dec – 31 Dec 2024, four whole weeks and two days.
    Window("from Monday 2 Dec to 31 Dec 2024 (opening view)", Filters(date(2024, 12, 2), date(2024, 12, 31))),
    Window("same, area Hama (SY05)", Filters(date(2024, 12, 2), date(2024, 12, 31), area="SY05")),
    # A window picked by hand, cutting into its first week (five days read from the raw rows).
    Window("4–31 Dec 2024 (not from a Monday)", Filters(date(2024, 12, 4), date(2024, 12, 31))),
    Window("1 year, 2024", Filters(date(2024, 1, 1), date(2024, 12, 31))),
]


# --- the DuckDB reference SQL: the same questions over the raw rows ------------------------------

COUNTED = "review_status IN ('not_required', 'accepted')"
FIGURE_DAY = "coalesce(period_end, period_start)"
AREA_CTE = """
WITH RECURSIVE area(place_id) AS (
    SELECT place_id FROM place WHERE place_key = $area
    UNION ALL SELECT child.place_id FROM place child JOIN area ON child.parent_id = area.place_id)
"""
FLOW_WHERE = f"""
f.figure_kind = 'new_displacement' AND NOT CAST(f.is_cumulative AS BOOLEAN) AND f.{COUNTED}
  AND f.figure IS NOT NULL AND coalesce(f.period_end, f.period_start) BETWEEN $start AND $end
  AND ($area = '' OR f.origin_place_id IN (SELECT place_id FROM area)
       OR f.destination_place_id IN (SELECT place_id FROM area))
"""
DUCKDB_WEEKLY = {side: AREA_CTE + f"""
SELECT CAST(date_trunc('week', coalesce(f.period_end, f.period_start)) AS DATE) AS week, p.place_key, p.pcode,
       coalesce(p.name_en, f.{side}_name_raw) AS place, f.unit, f.provider = 'text' AS from_text,
       sum(f.figure) AS value
FROM displacement_figure f LEFT JOIN place p ON p.place_id = f.{side}_place_id
WHERE {FLOW_WHERE}
GROUP BY ALL ORDER BY week, unit, value DESC
""" for side in ("origin", "destination")}
DUCKDB_TOP_PAIRS = AREA_CTE + f"""
SELECT o.place_key AS origin_key, d.place_key AS destination_key, sum(f.figure) AS value
FROM displacement_figure f LEFT JOIN place o ON o.place_id = f.origin_place_id
     LEFT JOIN place d ON d.place_id = f.destination_place_id
WHERE {FLOW_WHERE} AND f.unit = 'persons'
GROUP BY f.origin_place_id, f.origin_name_raw, f.destination_place_id, f.destination_name_raw, o.place_key, d.place_key
ORDER BY value DESC LIMIT 30
"""
DUCKDB_PAIRS = AREA_CTE + f"""
SELECT o.place_key AS origin_key, o.pcode AS origin_pcode, coalesce(o.name_en, f.origin_name_raw) AS origin,
       o.name_ar AS origin_ar, o.lat AS origin_lat, o.lon AS origin_lon, d.place_key AS destination_key,
       d.pcode AS destination_pcode, coalesce(d.name_en, f.destination_name_raw) AS destination,
       d.name_ar AS destination_ar, d.lat AS destination_lat, d.lon AS destination_lon, f.unit,
       f.provider = 'text' AS from_text, sum(f.figure) AS value, count(*) AS reports
FROM displacement_figure f LEFT JOIN place o ON o.place_id = f.origin_place_id
     LEFT JOIN place d ON d.place_id = f.destination_place_id
WHERE {FLOW_WHERE}
GROUP BY ALL ORDER BY unit, value DESC
"""
DUCKDB_HEADLINE = (
    f"""SELECT unit, coalesce(sum(figure), 0) AS total, count(*) AS reports,
               count(*) FILTER (WHERE figure IS NULL) AS reports_without_figure
        FROM displacement_figure
        WHERE figure_kind = 'new_displacement' AND NOT CAST(is_cumulative AS BOOLEAN) AND {COUNTED}
          AND {FIGURE_DAY} BETWEEN $start AND $end
        GROUP BY unit ORDER BY unit""",
    """WITH latest AS (SELECT site_id, max(reported_date) AS reported_date FROM site_population
                       WHERE reported_date <= $end GROUP BY site_id)
       SELECT sum(p.individuals), sum(p.households), count(*), max(p.reported_date)
       FROM site_population p JOIN latest l ON l.site_id = p.site_id AND l.reported_date = p.reported_date""",
    f"""SELECT count(*), coalesce(sum(fatalities), 0) FROM conflict_event
        WHERE event_date BETWEEN $start AND $end AND {COUNTED}""",
)
DUCKDB_DAILY = f"""
SELECT {FIGURE_DAY} AS day, unit, provider = 'text' AS from_text, sum(figure) AS value FROM displacement_figure
WHERE figure_kind = 'new_displacement' AND NOT CAST(is_cumulative AS BOOLEAN) AND {COUNTED}
  AND figure IS NOT NULL AND {FIGURE_DAY} BETWEEN $start AND $end
GROUP BY ALL
UNION ALL
SELECT event_date, 'events', provider = 'text', count(*) FROM conflict_event
WHERE event_date BETWEEN $start AND $end AND {COUNTED}
GROUP BY ALL
ORDER BY unit, from_text, day
"""
DATA_DATES = f"""
    SELECT source_id, provider, batch_id, {FIGURE_DAY} AS d, {COUNTED} AS counted FROM displacement_figure
    UNION ALL SELECT source_id, provider, batch_id, event_date, {COUNTED} FROM conflict_event
    UNION ALL SELECT source_id, provider, batch_id, period_end, true FROM event_count
    UNION ALL SELECT source_id, provider, batch_id, reported_date, true FROM site_population
"""
DUCKDB_SOURCE_FRESHNESS = f"""
WITH data_dates AS ({DATA_DATES}),
latest AS (SELECT source_id, max(d) AS latest_data_date FROM data_dates GROUP BY source_id),
loads AS (SELECT source_id, max(finished_at) AS loaded_at, sum(rows_loaded) AS rows_loaded FROM load_batch
          WHERE status = 'loaded' GROUP BY source_id)
SELECT s.source_kind, s.title, s.publisher, s.published_date, latest.latest_data_date, loads.loaded_at,
       loads.rows_loaded, s.is_demo
FROM source s JOIN loads ON loads.source_id = s.source_id LEFT JOIN latest ON latest.source_id = s.source_id
ORDER BY latest.latest_data_date DESC, s.title
"""
DUCKDB_PROVIDER_FRESHNESS = f"""
WITH data_dates AS ({DATA_DATES}),
per_batch AS (SELECT provider, batch_id, max(d) AS d FROM data_dates WHERE counted GROUP BY provider, batch_id)
SELECT per_batch.provider, max(per_batch.d) AS latest_data_date, max(b.finished_at) AS loaded_at
FROM per_batch JOIN load_batch b ON b.batch_id = per_batch.batch_id
WHERE b.status = 'loaded' GROUP BY per_batch.provider ORDER BY per_batch.provider
"""
DUCKDB_DATE_RANGE = f"""
SELECT min(d), max(d) FROM (
    SELECT {FIGURE_DAY} AS d FROM displacement_figure WHERE {COUNTED}
    UNION ALL SELECT event_date FROM conflict_event WHERE {COUNTED})
"""
DUCKDB_HAS_DEMO = """
SELECT 1 FROM source s JOIN load_batch b ON b.source_id = s.source_id
WHERE CAST(s.is_demo AS BOOLEAN) AND b.status = 'loaded' LIMIT 1
"""
DUCKDB_AREAS = """
SELECT p.place_key, p.pcode, p.kind, p.name_en, p.name_ar, parent.place_key AS parent_key, p.lat, p.lon
FROM place p LEFT JOIN place parent ON parent.place_id = p.parent_id
WHERE p.kind IN ('country', 'governorate', 'district', 'subdistrict', 'community') ORDER BY p.place_key
"""
DUCKDB_PROVIDERS = """
SELECT DISTINCT provider FROM (
    SELECT DISTINCT provider FROM displacement_figure UNION ALL SELECT DISTINCT provider FROM conflict_event
    UNION ALL SELECT DISTINCT provider FROM event_count UNION ALL SELECT DISTINCT provider FROM site_population)
ORDER BY provider
"""

# --- other pages ---------------------------------------------------------------------------------

WEEK_OF_EVENT = "CAST(date_trunc('week', e.event_date) AS DATE)"
EVENT_WHERE = f"""
e.event_date BETWEEN $start AND $end AND e.{COUNTED}
  AND ($area = '' OR e.place_id IN (SELECT place_id FROM area))
"""
# The governorate every place lies under (itself for a governorate), as db.events_queries walks it.
GOVERNORATE_OF = """
governorate_of(place_id, governorate_id) AS (
    SELECT place_id, place_id FROM place WHERE kind = 'governorate'
    UNION ALL SELECT child.place_id, g.governorate_id FROM place child
    JOIN governorate_of g ON child.parent_id = g.place_id)
"""
DUCKDB_ALL_PLACES = """
SELECT p.place_key, p.pcode, p.kind, p.name_en, p.name_ar, parent.place_key AS parent_key, p.lat, p.lon
FROM place p LEFT JOIN place parent ON parent.place_id = p.parent_id ORDER BY p.place_key
"""
DUCKDB_EVENTS_BY_TYPE = AREA_CTE + f"""
SELECT {WEEK_OF_EVENT} AS week, e.event_type, e.provider = 'text' AS from_text, count(*) AS events
FROM conflict_event e WHERE {EVENT_WHERE} GROUP BY ALL ORDER BY week, event_type
"""
DUCKDB_EVENTS_BY_PLACE = AREA_CTE + f"""
SELECT {WEEK_OF_EVENT} AS week, p.place_key, count(*) AS events
FROM conflict_event e JOIN place p ON p.place_id = e.place_id WHERE {EVENT_WHERE} GROUP BY ALL
"""
# An event stands at its own coordinates, else at its place's; near: inside the place, or in the
# box the radius draws and within the radius (haversine, rounded to 0.1 km as the page shows it).
DUCKDB_EVENTS_NEAR = f"""
WITH RECURSIVE centre AS (
    SELECT place_key AS near_place_key, place_id, lat, lon, $radius / 111.0 AS dlat,
           $radius / (111.0 * greatest(cos(radians(lat)), 0.01)) AS dlon
    FROM place WHERE list_contains($keys, place_key)),
inside(near_place_key, place_id) AS (
    SELECT near_place_key, place_id FROM centre
    UNION ALL SELECT inside.near_place_key, child.place_id FROM place child
    JOIN inside ON child.parent_id = inside.place_id),
located AS (
    SELECT e.event_id, e.event_type, e.place_id, coalesce(e.lat, p.lat) AS lat, coalesce(e.lon, p.lon) AS lon
    FROM conflict_event e LEFT JOIN place p ON p.place_id = e.place_id
    WHERE e.event_date BETWEEN $start AND $end AND e.{COUNTED})
SELECT c.near_place_key, l.event_id, l.event_type FROM centre c JOIN located l
  ON l.place_id IN (SELECT place_id FROM inside WHERE inside.near_place_key = c.near_place_key)
  OR ($radius > 0 AND l.lat BETWEEN c.lat - c.dlat AND c.lat + c.dlat
      AND l.lon BETWEEN c.lon - c.dlon AND c.lon + c.dlon
      AND round(2 * 6371.0 * asin(sqrt(pow(sin((radians(l.lat) - radians(c.lat)) / 2), 2)
          + cos(radians(c.lat)) * cos(radians(l.lat)) * pow(sin((radians(l.lon) - radians(c.lon)) / 2), 2))), 1)
          <= $radius)
"""
# The spike's list as the page shows it: the latest SPIKE_LIST_ROWS of its place, read whole.
DUCKDB_SPIKE_LIST = f"""SELECT * FROM (SELECT near.*, e.*, row_number() OVER (PARTITION BY near_place_key
    ORDER BY e.event_date DESC, e.event_id) AS n FROM ({DUCKDB_EVENTS_NEAR}) near JOIN conflict_event e USING (event_id))
WHERE n <= {flows_and_events_queries.SPIKE_LIST_ROWS}"""
# The ranking's counts per place and type, and each place's two latest events (by day, then id:
# the page orders a day's events by distance, which only changes which of a day's are named).
DUCKDB_PRECEDING = (
    f"SELECT near_place_key, event_type, count(*) AS events FROM ({DUCKDB_EVENTS_NEAR}) GROUP BY ALL",
    f"""SELECT * FROM (SELECT near.*, row_number() OVER (PARTITION BY near_place_key ORDER BY e.event_date DESC,
    e.event_id) AS n FROM ({DUCKDB_EVENTS_NEAR}) near JOIN conflict_event e USING (event_id)) WHERE n <= 2""",
)
DUCKDB_WEEKLY_EVENTS = AREA_CTE + f"""
SELECT {WEEK_OF_EVENT} AS week, e.event_type, coalesce(e.sub_event_type, '(sub-type not given)') AS sub_event_type,
       e.provider = 'text' AS from_text, count(*) AS events, coalesce(sum(e.fatalities), 0) AS fatalities
FROM conflict_event e WHERE {EVENT_WHERE} GROUP BY ALL ORDER BY ALL
"""
DUCKDB_EVENT_LOCATIONS = AREA_CTE + ", " + GOVERNORATE_OF + f"""
SELECT p.place_key, p.pcode, coalesce(p.name_en, CASE WHEN e.place_id IS NULL THEN e.place_name_raw END) AS place,
       p.name_ar AS place_ar, g.pcode AS governorate_pcode, coalesce(e.lat, p.lat) AS lat,
       coalesce(e.lon, p.lon) AS lon,
       e.event_type, e.provider = 'text' AS from_text, count(*) AS events, coalesce(sum(e.fatalities), 0) AS fatalities
FROM conflict_event e LEFT JOIN place p ON p.place_id = e.place_id
     LEFT JOIN governorate_of o ON o.place_id = e.place_id LEFT JOIN place g ON g.place_id = o.governorate_id
WHERE {EVENT_WHERE} GROUP BY ALL ORDER BY events DESC, place LIMIT 2000
"""
# The weeks the comparison reads (the week and the four before), per type and governorate; the
# page then compares them in pandas, so the rows are not the page's.
DUCKDB_WEEK_GOVERNORATES = (AREA_CTE + ", " + GOVERNORATE_OF + f"""
SELECT {WEEK_OF_EVENT} AS week, e.event_type, g.place_key,
       coalesce(g.name_en, CASE WHEN e.place_id IS NULL THEN e.admin1_name_raw END) AS governorate,
       e.provider = 'text' AS from_text, count(*) AS events, coalesce(sum(e.fatalities), 0) AS fatalities
FROM conflict_event e LEFT JOIN governorate_of o ON o.place_id = e.place_id
     LEFT JOIN place g ON g.place_id = o.governorate_id
WHERE e.event_date BETWEEN $first AND $last AND e.{COUNTED}
  AND ($area = '' OR e.place_id IN (SELECT place_id FROM area))
GROUP BY ALL
""",)
DUCKDB_HAPI = AREA_CTE + """
SELECT c.provider, c.area_pcode, p.place_key, coalesce(p.name_en, c.area_name_raw, c.area_pcode) AS area, p.name_ar,
       c.admin_level, c.event_category, c.period_start, c.period_end, c.events, c.fatalities
FROM event_count c LEFT JOIN place p ON p.place_id = c.place_id
WHERE c.period_start <= $end AND c.period_end >= $start AND ($area = '' OR c.place_id IN (SELECT place_id FROM area))
ORDER BY c.event_category, c.period_start, c.admin_level, c.area_pcode, c.provider
"""
# Sites inside the area with their governorate (walking parent_id up), and one count per site and
# day in the window (the larger of two providers'), as db.camps_queries reads them.
SITE_COUNTS = AREA_CTE + """,
ancestor(site_id, ancestor_id) AS (
    SELECT s.place_id, p.parent_id FROM site s JOIN place p ON p.place_id = s.place_id WHERE p.parent_id IS NOT NULL
    UNION ALL SELECT a.site_id, p.parent_id FROM ancestor a JOIN place p ON p.place_id = a.ancestor_id
    WHERE p.parent_id IS NOT NULL),
sites AS (
    SELECT s.place_id AS site_id, (SELECT g.place_key FROM ancestor a JOIN place g ON g.place_id = a.ancestor_id
                                   WHERE a.site_id = s.place_id AND g.kind = 'governorate') AS governorate_key
    FROM site s WHERE $area = '' OR s.place_id IN (SELECT place_id FROM area)),
daily AS (
    SELECT site_id, reported_date, max(individuals) AS value FROM site_population
    WHERE reported_date BETWEEN $start AND $end AND individuals IS NOT NULL AND site_id IN (SELECT site_id FROM sites)
    GROUP BY ALL)
"""
DUCKDB_LATEST_SITES = SITE_COUNTS + """
SELECT d.site_id, d.value AS latest_count, d.reported_date AS latest_date
FROM (SELECT site_id, max(reported_date) AS reported_date FROM daily GROUP BY site_id) latest
     JOIN daily d ON d.site_id = latest.site_id AND d.reported_date = latest.reported_date
ORDER BY latest_count DESC
"""
DUCKDB_SITE_CHANGES = SITE_COUNTS + """
SELECT s.reported_date, sites.governorate_key, sum(s.value - coalesce(s.previous, 0)) AS change,
       coalesce(sum(s.value - s.previous), 0) AS net_change, count(*) AS sites_reporting, count(s.previous) AS changes
FROM (SELECT *, lag(value) OVER (PARTITION BY site_id ORDER BY reported_date) AS previous FROM daily) s
     JOIN sites ON sites.site_id = s.site_id
GROUP BY ALL ORDER BY ALL
"""
DUCKDB_LOAD_BATCHES = """
SELECT b.batch_id, s.title, b.status, b.finished_at,
       (SELECT count(*) FROM load_issue i WHERE i.batch_id = b.batch_id AND i.severity = 'error') AS errors
FROM load_batch b JOIN source s ON s.source_id = b.source_id
WHERE (SELECT count(*) FROM load_batch) <= $few
   OR (b.finished_at >= CAST($start AS DATE) AND b.finished_at < CAST($end AS DATE) + INTERVAL 1 DAY)
ORDER BY b.finished_at DESC, b.batch_id DESC
"""
DUCKDB_ISSUE_COUNTS = """
SELECT code, severity, count(*) AS issues FROM load_issue GROUP BY ALL ORDER BY issues DESC, code, severity
"""
DUCKDB_UNRESOLVED = """
SELECT u.raw_name, u.scope_key, u.occurrences, best.name_en, best.place_key, u.best_score, u.last_seen_at
FROM unresolved_place_name u LEFT JOIN place best ON best.place_id = u.best_place_id
WHERE u.status = 'open' ORDER BY u.occurrences DESC, u.raw_name
"""
# Every pair of counted figures from two sources, same kind and unit, same place (an origin both
# give, or a destination when an origin is missing), overlapping days, within 10%; undecided. One-
# day figures are joined on their day (else a year of the demo pairs every figure of a place).
DUPLICATE_PLACES = (  # (the place both give, the other end) — an origin, or a destination when an origin is missing
    ("a.origin_place_id = b.origin_place_id", "(a.destination_place_id IS NULL OR b.destination_place_id IS NULL "
                                               "OR a.destination_place_id = b.destination_place_id)"),
    ("a.destination_place_id = b.destination_place_id", "(a.origin_place_id IS NULL OR b.origin_place_id IS NULL)"),
)
DUPLICATE_DAYS = (  # one-day pairs on their day; else `a` spans days and `b` is any figure (each pair once)
    ("AND a.first_day = b.first_day",
     "a.first_day = a.last_day AND b.first_day = b.last_day AND a.figure_id < b.figure_id"),
    ("", "a.first_day < a.last_day AND (b.first_day = b.last_day OR a.figure_id < b.figure_id)"),
)
DUCKDB_DUPLICATES = AREA_CTE + f""",
v AS (
    SELECT figure_id, source_id, figure_kind, unit, origin_place_id, destination_place_id, figure,
           coalesce(period_start, period_end) AS first_day, {FIGURE_DAY} AS last_day
    FROM displacement_figure
    WHERE {FIGURE_DAY} BETWEEN $start AND $end AND {COUNTED} AND figure IS NOT NULL
      AND (origin_place_id IS NOT NULL OR destination_place_id IS NOT NULL)
      AND ($area = '' OR origin_place_id IN (SELECT place_id FROM area)
           OR destination_place_id IN (SELECT place_id FROM area))),
pairs AS (
""" + "\n    UNION ALL\n".join(f"""    SELECT least(a.figure_id, b.figure_id) AS first_id,
           greatest(a.figure_id, b.figure_id) AS second_id
    FROM v a JOIN v b ON a.figure_kind = b.figure_kind AND a.unit = b.unit AND {same} {same_day}
    WHERE {which} AND {other_end} AND a.source_id <> b.source_id
      AND a.first_day <= b.last_day AND b.first_day <= a.last_day
      AND abs(a.figure - b.figure) <= 0.1 * greatest(a.figure, b.figure)"""
    for same, other_end in DUPLICATE_PLACES for same_day, which in DUPLICATE_DAYS) + """)
SELECT p.first_id, p.second_id FROM pairs p
WHERE NOT EXISTS (SELECT 1 FROM duplicate_decision d WHERE d.first_id = p.first_id AND d.second_id = p.second_id)
LIMIT 200
"""

# The columns the reference reads, copied into DuckDB's memory (DATE columns cast on the way).
COPIED = {
    "displacement_figure": ("figure_id", "provider", "figure_kind", "unit", "figure", "is_cumulative",
                            "origin_place_id", "origin_name_raw", "destination_place_id", "destination_name_raw",
                            "period_start", "period_end", "review_status", "source_id", "batch_id"),
    "conflict_event": ("event_id", "provider", "event_date", "event_type", "sub_event_type", "place_id",
                       "place_name_raw", "admin1_name_raw", "lat", "lon", "fatalities", "review_status", "source_id",
                       "batch_id"),
    "place": ("place_id", "place_key", "pcode", "kind", "name_en", "name_ar", "parent_id", "lat", "lon"),
    "source": ("source_id", "source_kind", "title", "publisher", "published_date", "is_demo"),
    "load_batch": ("batch_id", "source_id", "finished_at", "rows_loaded", "status"),
    "event_count": ("count_id", "provider", "area_pcode", "area_name_raw", "place_id", "admin_level", "event_category",
                    "period_start", "period_end", "events", "fatalities", "source_id", "batch_id"),
    "site_population": ("population_id", "site_id", "provider", "reported_date", "individuals", "households",
                        "source_id", "batch_id"),
    "site": ("place_id", "site_code", "site_type"),
    "load_issue": ("issue_id", "batch_id", "code", "severity"),
    "unresolved_place_name": ("unresolved_id", "raw_name", "scope_key", "occurrences", "best_place_id", "best_score",
                              "last_seen_at", "status"),
    "duplicate_decision": ("decision_id", "first_id", "second_id"),
}
DATE_COLUMNS = {"period_start", "period_end", "event_date", "published_date", "reported_date"}


# --- the registry: what each page runs ---------------------------------------------------------

def window(f: Filters) -> dict:
    return {"start": f.start, "end": f.end}


def window_area(f: Filters) -> dict:
    return {"start": f.start, "end": f.end, "area": f.area or ""}


def no_params(_: Filters) -> dict:
    return {}


@dataclass(frozen=True)
class PageQuery:
    page: str
    name: str
    call: Callable[[Any, Filters], Any]  # (engine, filters) → what the page gets
    duckdb: str | tuple[str, ...] | None  # the same question over the raw rows, in DuckDB
    params: Callable[[Filters], dict] = no_params
    windowed: bool = True  # False: the query takes no window (timed once, not per window)
    area: bool = False  # the query takes the area filter (timed in the windows with an area too)
    also_on: tuple[str, ...] = ()  # other pages that run it too (set-up every page shares)
    in_page: bool = True  # part of one view of the page (the Flows page shows one side at a time)


# The Flows-and-events page's spike: the largest place-week of flight from the area; it looks up the
# events before it and before each of its week's largest flows.
RADIUS = flows_and_events_queries.RADIUS_KM[2]
SPIKE_VIEWS: dict[Filters, tuple[tuple[str, ...], date, date]] = {}


def spike_view(engine, f: Filters) -> tuple[tuple[str, ...], date, date]:
    """The places and days whose events the page looks up in its default view, picked as the page
    picks them; worked out once per window (not timed) and kept for the DuckDB reference."""
    if f not in SPIKE_VIEWS:
        weekly = flows_queries.query_weekly_flows(engine, f, "origin", "new_displacement")
        inside = keys_inside(queries.query_places(engine, None), f.area)
        if inside is not None:
            weekly = weekly[weekly["place_key"].isin(inside)]
        spikes = rank_spikes(weekly, "persons").head(flows_and_events_queries.SPIKE_CHOICES)
        if spikes.empty:
            SPIKE_VIEWS[f] = ((), f.start, f.end)
        else:
            week = spikes["week"].iloc[0]
            week_rows = spikes[spikes["week"] == week].head(flows_and_events_queries.TOP_FLOWS)
            SPIKE_VIEWS[f] = ((spikes["place_key"].iloc[0], *week_rows["place_key"]),
                              *flows_and_events_queries.preceding_window(
                                  week, flows_and_events_queries.LOOKBACK_DAYS[2]))
    return SPIKE_VIEWS[f]


def near_params(f: Filters, spike: bool) -> dict:
    """The spike's place (`spike`: its list), or it and its week's largest flows' places (their counts
    and latest events), as the page asks for them."""
    keys, first, last = SPIKE_VIEWS[f]  # kept by the page query's own run, just before
    return {"keys": list(keys[:1] if spike else dict.fromkeys(keys)), "start": first, "end": last, "radius": RADIUS}


def comparison_weeks(f: Filters) -> dict:
    """The days the Events page's comparison reads: the last whole week of the window and the four before."""
    week = events_queries.comparison_week(f.end)
    return {"first": week - timedelta(weeks=events_queries.WEEKS_AVERAGED), "last": week + timedelta(days=6),
            "area": f.area or ""}


SETUP = ("Home", "Flows", "Flows and events", "Events", "Camps", "Data quality")  # pages whose set-up (date
# window, demo banner, sidebar, captions) runs these
SIDEBAR = ("Flows", "Flows and events", "Events", "Camps", "Data quality")  # pages with the sidebar's filters

PAGE_QUERIES: list[PageQuery] = [
    PageQuery("Set-up", "query_data_date_range", lambda e, f: queries.query_data_date_range(e), DUCKDB_DATE_RANGE,
              windowed=False, also_on=SETUP),
    PageQuery("Set-up", "query_has_demo_data", lambda e, f: queries.query_has_demo_data(e), DUCKDB_HAS_DEMO,
              windowed=False, also_on=SETUP),
    PageQuery("Set-up", "query_places (area choices)", lambda e, f: queries.query_places(e, AREA_KINDS),
              DUCKDB_AREAS, windowed=False, also_on=SIDEBAR),
    PageQuery("Set-up", "query_providers", lambda e, f: queries.query_providers(e), DUCKDB_PROVIDERS,
              windowed=False, also_on=SIDEBAR),
    PageQuery("Set-up", "query_provider_freshness", lambda e, f: queries.query_provider_freshness(e),
              DUCKDB_PROVIDER_FRESHNESS, windowed=False, also_on=SIDEBAR),
    # Issue 18: the country list (every page, asked first when several countries hold data) and one
    # country's date range (the pages' window once a country is chosen; not in the page totals).
    PageQuery("Set-up", "query_countries_with_data", lambda e, f: queries.query_countries_with_data(e), None,
              windowed=False, also_on=SETUP),
    PageQuery("Set-up", "query_area_date_range (the demo's country)",
              lambda e, f: queries.query_area_date_range(e, DEMO_COUNTRY), None, windowed=False),
    # With an area (the chosen country when several hold data, issue 18) the home page reads the raw
    # rows inside it. The DuckDB reference asks the whole database's question, so it stands beside the
    # call without an area (not part of the page's total); the page's own call is timed in every window.
    PageQuery("Home", "query_headline (whole database, beside DuckDB)",
              lambda e, f: queries.query_headline(e, f.start, f.end), DUCKDB_HEADLINE, window, in_page=False),
    PageQuery("Home", "query_daily_totals (whole database, beside DuckDB)",
              lambda e, f: queries.query_daily_totals(e, f.start, f.end), DUCKDB_DAILY, window, in_page=False),
    PageQuery("Home", "query_headline", lambda e, f: queries.query_headline(e, f.start, f.end, f.area), None,
              area=True),
    PageQuery("Home", "query_daily_totals", lambda e, f: queries.query_daily_totals(e, f.start, f.end, f.area),
              None, area=True),
    PageQuery("Home", "query_source_freshness", lambda e, f: queries.query_source_freshness(e),
              DUCKDB_SOURCE_FRESHNESS, windowed=False),
    PageQuery("Home", "query_source_freshness (the demo's country)",
              lambda e, f: queries.query_source_freshness(e, DEMO_COUNTRY), None, windowed=False, in_page=False),
    PageQuery("Flows", "query_weekly_flows (origin)", lambda e, f: flows_queries.query_weekly_flows(e, f, "origin"),
              DUCKDB_WEEKLY["origin"], window_area, area=True),
    PageQuery("Flows", "query_weekly_flows (destination)",
              lambda e, f: flows_queries.query_weekly_flows(e, f, "destination"), DUCKDB_WEEKLY["destination"],
              window_area, area=True, in_page=False),
    # As the page asks: the 30 largest pairs in persons (what the map draws; the Sankey's 15 are among them).
    PageQuery("Flows", "query_flow_pairs (30 largest, persons)",
              lambda e, f: flows_queries.query_flow_pairs(e, f, top=MAP_PAIRS,
                                                          ranked_by=ranking_units("persons", None)),
              DUCKDB_TOP_PAIRS, window_area, area=True),
    # Before the weekly summaries: the same flow queries over the raw rows (not part of a page view).
    PageQuery("Flows, raw rows (before)", "query_weekly_flows (origin)",
              lambda e, f: flows_queries.query_weekly_flows_raw(e, f, "origin"), DUCKDB_WEEKLY["origin"], window_area,
              area=True),
    PageQuery("Flows, raw rows (before)", "query_flow_pairs",
              lambda e, f: flows_queries.query_flow_pairs_raw(e, f), DUCKDB_PAIRS, window_area, area=True),
    # Issue 18: the sources behind a chart (its caption and demo mark, db/provenance.py), the accepted
    # reports without a figure (markers on the weekly charts) and the admin 1 boundaries (the maps).
    PageQuery("Home", "query_flow_and_event_sources (captions)",
              lambda e, f: provenance.query_flow_and_event_sources(e, f), None, window_area, area=True,
              also_on=("Flows and events",)),
    PageQuery("Flows", "query_flow_sources (captions, origin)",
              lambda e, f: provenance.query_flow_sources(e, f, "new_displacement", "origin"), None, window_area,
              area=True),
    PageQuery("Events", "query_event_sources (captions)", lambda e, f: provenance.query_event_sources(e, f), None,
              window_area, area=True),
    PageQuery("Flows", "query_unquantified_reports (origin)",
              lambda e, f: flows_queries.query_unquantified_reports(e, f, "new_displacement", "origin"), None,
              window_area, area=True, also_on=("Flows and events",)),
    PageQuery("Flows", "query_admin1_features (maps)", lambda e, f: boundaries.query_admin1_features(e), None,
              windowed=False, also_on=("Events", "Camps")),
    # --- other pages: one default view of each (first unit and level, no site types) ----------------
    PageQuery("Flows and events", "query_places (all)", lambda e, f: queries.query_places(e, None), DUCKDB_ALL_PLACES,
              windowed=False),
    PageQuery("Flows and events", "query_weekly_flows (origin)",
              lambda e, f: flows_queries.query_weekly_flows(e, f, "origin", "new_displacement"),
              DUCKDB_WEEKLY["origin"], window_area, area=True),
    PageQuery("Flows and events", "query_weekly_events_by_type",
              lambda e, f: flows_and_events_queries.query_weekly_events_by_type(e, f), DUCKDB_EVENTS_BY_TYPE,
              window_area, area=True),
    PageQuery("Flows and events", "query_events_near_places (the spike's events)",
              lambda e, f: flows_and_events_queries.query_events_near_places(
                  e, spike_view(e, f)[0][:1], *spike_view(e, f)[1:], RADIUS, f.event_types, f.sources,
                  flows_and_events_queries.SPIKE_LIST_ROWS),
              DUCKDB_SPIKE_LIST, lambda f: near_params(f, spike=True), area=True),
    PageQuery("Flows and events", "query_preceding_events (the spike and the week's largest flows)",
              lambda e, f: flows_and_events_queries.query_preceding_events(
                  e, near_params(f, spike=False)["keys"], *spike_view(e, f)[1:], RADIUS, f.event_types, f.sources),
              DUCKDB_PRECEDING, lambda f: near_params(f, spike=False), area=True),
    PageQuery("Flows and events", "query_weekly_flows (origin, lag view)",
              lambda e, f: flows_queries.query_weekly_flows(e, flows_and_events_queries.lag_window(f), "origin",
                                                            "new_displacement"),
              DUCKDB_WEEKLY["origin"], lambda f: window_area(flows_and_events_queries.lag_window(f)), area=True),
    PageQuery("Flows and events", "query_weekly_events_by_place (lag view)",
              lambda e, f: flows_and_events_queries.query_weekly_events_by_place(
                  e, flows_and_events_queries.lag_window(f)),
              DUCKDB_EVENTS_BY_PLACE, lambda f: window_area(flows_and_events_queries.lag_window(f)), area=True),
    PageQuery("Events", "query_weekly_events", lambda e, f: events_queries.query_weekly_events(e, f),
              DUCKDB_WEEKLY_EVENTS, window_area, area=True),
    PageQuery("Events", "query_event_locations", lambda e, f: events_queries.query_event_locations(e, f),
              DUCKDB_EVENT_LOCATIONS, window_area, area=True),
    PageQuery("Events", "query_week_against_average",
              lambda e, f: events_queries.query_week_against_average(e, f, events_queries.comparison_week(f.end)),
              DUCKDB_WEEK_GOVERNORATES, lambda f: comparison_weeks(f), area=True),
    PageQuery("Events", "query_hapi_event_counts", lambda e, f: events_queries.query_hapi_event_counts(e, f),
              DUCKDB_HAPI, window_area, area=True),
    PageQuery("Camps", "query_latest_site_counts",
              lambda e, f: camps_queries.query_latest_site_counts(e, f, "individuals", ()), DUCKDB_LATEST_SITES,
              window_area, area=True),
    PageQuery("Camps", "query_site_sources (captions)",
              lambda e, f: camps_queries.query_site_sources(e, f, "individuals", ()), None, window_area, area=True),
    PageQuery("Camps", "query_site_changes",
              lambda e, f: camps_queries.query_site_changes(e, f, "individuals", "governorate", ()),
              DUCKDB_SITE_CHANGES, window_area, area=True),
    PageQuery("Data quality", "query_load_batches", lambda e, f: quality_queries.query_load_batches(e, f),
              DUCKDB_LOAD_BATCHES, lambda f: {**window(f), "few": quality_queries.FEW_BATCHES}),
    # Every load is listed (the demo has fewer than FEW_BATCHES), so the page counts the issues of all.
    PageQuery("Data quality", "query_issue_counts", lambda e, f: quality_queries.query_issue_counts(e, None),
              DUCKDB_ISSUE_COUNTS, windowed=False),
    PageQuery("Data quality", "query_unresolved_names", lambda e, f: queries.query_unresolved_names(e),
              DUCKDB_UNRESOLVED, windowed=False),
    PageQuery("Data quality", "query_possible_duplicates", lambda e, f: quality_queries.query_possible_duplicates(e, f),
              DUCKDB_DUPLICATES, window_area, area=True),
]


@dataclass(frozen=True)
class PageFigure:
    page: str
    name: str
    build: Callable[[dict], Any]  # query results of the window (by query name) → figure


PAGE_FIGURES: list[PageFigure] = [
    PageFigure("Home", "build_daily_displacement_and_events",
               lambda r: build_daily_displacement_and_events(r["query_daily_totals"], "daily")),
    PageFigure("Flows", "build_weekly_flows",
               lambda r: build_weekly_flows(r["query_weekly_flows (origin)"], "persons", "origin", "weekly")),
    PageFigure("Flows", "build_sankey",
               lambda r: build_sankey(r["query_flow_pairs (30 largest, persons)"], "persons", "sankey")),
    PageFigure("Flows", "build_flow_map",
               lambda r: build_flow_map(r["query_flow_pairs (30 largest, persons)"], "persons", "map")),
    PageFigure("Flows and events", "build_flows_with_events",
               lambda r: build_flows_with_events(r["query_weekly_flows (origin)"].query("unit == 'persons'"),
                                                 r["query_weekly_events_by_type"], "persons", "flows and events")),
    PageFigure("Flows and events", "build_lag_heatmap (with lag_correlations)", lambda r: build_lag_heatmap(
        lag_correlations(r["query_weekly_flows (origin, lag view)"].query("unit == 'persons'"),
                         r["query_weekly_events_by_place (lag view)"], governorates(r["query_places (all)"]),
                         dict(zip(r["query_places (all)"]["place_key"], r["query_places (all)"]["name_en"]))),
        "persons", "lag")),
    PageFigure("Events", "build_event_timeline", lambda r: build_event_timeline(r["query_weekly_events"], "timeline")),
    PageFigure("Events", "build_event_map", lambda r: build_event_map(r["query_event_locations"], "map")),
    PageFigure("Events", "build_week_comparison",
               lambda r: build_week_comparison(r["query_week_against_average"], "week")),
    *(PageFigure("Events", f"build_hapi_counts ({category})",
                 lambda r, category=category: build_hapi_counts(r["query_hapi_event_counts"], category, category))
      for category in vocab.EVENT_CATEGORIES),
    PageFigure("Camps", "build_population_over_time (with population_by_area)", lambda r: build_population_over_time(
        camps_queries.population_by_area(r["query_site_changes"]), "individuals", "governorate", "population")),
    PageFigure("Camps", "build_largest_sites",
               lambda r: build_largest_sites(r["query_latest_site_counts"], "individuals", "largest")),
    PageFigure("Camps", "build_net_arrivals (with weekly_net_change)", lambda r: build_net_arrivals(
        camps_queries.weekly_net_change(r["query_site_changes"]), "individuals", "governorate", "net")),
    PageFigure("Camps", "build_site_map",
               lambda r: build_site_map(r["query_latest_site_counts"], "individuals", "map")),
    PageFigure("Data quality", "build_issue_chart", lambda r: build_issue_chart(r["query_issue_counts"], "issues")),
]


# --- measuring -----------------------------------------------------------------------------------

def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def timed(run: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    """ms of each of `repeats` runs after one warm-up run, and the warm-up's result.

    What the bench itself keeps before timing (every earlier result, for the figures and the
    reference counts) is frozen out of the collector's way first, and thawed after: the server
    keeps its results pickled in Streamlit's cache, where the collector never walks them, and its
    modules frozen (ui/heap.py), which the thaw leaves frozen again at the next timing.
    """
    result = run()
    gc.collect()
    gc.freeze()
    try:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            times.append((time.perf_counter() - started) * 1000)
    finally:
        gc.unfreeze()
    return times, result


@dataclass
class Row:
    page: str
    name: str
    window: str
    times: list[float]
    reference: list[float] = field(default_factory=list)
    target: float | None = None
    rows: str = "—"  # rows the query returned / rows the reference returned (the same question?)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return p95(self.times)


def build_database(url: str, rows: int) -> str:
    """`python -m db demo --scale rows` against `url` (nothing is loaded twice); its last line."""
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "db", "demo", "--scale", str(rows)], cwd=REPO, check=True,
                         capture_output=True, text=True, env={**os.environ, "DATABASE_URL": url})
    return f"{run.stdout.strip().splitlines()[-1]} (command {time.perf_counter() - started:.1f} s)"


def duckdb_copy(engine, sqlite_path: str | None):
    """An in-memory DuckDB database holding the COPIED columns of the tables."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    if sqlite_path:
        import duckdb_ext

        # The duckdb-ext-sqlite wheel ships the extension; DuckDB would otherwise download it (offline here).
        folder = Path(next(iter(duckdb_ext.__path__)))
        extension = next(folder.glob(f"extensions/v{duckdb.__version__}/*/sqlite_scanner.duckdb_extension"))
        con.load_extension(str(extension))
        # sqlite_scan, not ATTACH: ATTACH takes no bound parameters, and the file's path is a value.
        for table, columns in COPIED.items():
            # identifiers from the constant COPIED above; the path and table name are bound
            con.execute(f"CREATE TABLE {table} AS SELECT {', '.join(columns)} FROM sqlite_scan(?, ?)",
                        [sqlite_path, table])
        return con
    import pandas as pd
    from sqlalchemy import select

    from db.schema import metadata

    for table, columns in COPIED.items():
        with engine.connect() as conn:
            result = conn.execute(select(*[metadata.tables[table].c[c] for c in columns]))
            frame = pd.DataFrame(result.all(), columns=list(columns))  # noqa: F841 — read by DuckDB below
        typed = ", ".join(f"CAST({c} AS DATE) AS {c}" if c in DATE_COLUMNS else c for c in columns)
        con.execute(f"CREATE TABLE {table} AS SELECT {typed} FROM frame")
    return con


def run_reference(con, sql: str | tuple[str, ...], params: dict):
    # DuckDB 1.4's DataFrame conversion uses an `inplace` pandas 3.1 deprecates: not ours to fix.
    warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame.drop is deprecated")
    results = []
    for statement in (sql,) if isinstance(sql, str) else sql:
        wanted = set(re.findall(r"\$(\w+)", statement))  # DuckDB refuses parameters a statement does not use
        results.append(con.execute(statement, {k: v for k, v in params.items() if k in wanted}).df())
    return results


def _count(result) -> str:
    return str(len(result)) if hasattr(result, "__len__") and not isinstance(result, tuple) else "—"


def measure(engine, con, repeats: int, queries_: list[PageQuery], figures: list[PageFigure],
            allowance: int) -> tuple[list[Row], list[Row], list[Row]]:
    query_rows, figure_rows, page_rows = [], [], []
    once: set[str] = set()
    referenced: list[tuple[PageQuery, Row]] = []  # this window's queries with a DuckDB reference
    for win in WINDOWS:
        results: dict[tuple[str, str], Any] = {}  # (page, query name) → its result in this window

        def of_page(page: str) -> dict[str, Any]:
            """The results of `page`'s own queries by name (two pages may run queries of one name)."""
            return {name: result for (owner, name), result in results.items() if owner == page}

        for entry in queries_:
            if (not entry.windowed and entry.name in once) or (win.filters.area and not entry.area):
                continue
            times, results[entry.page, entry.name] = timed(lambda: entry.call(engine, win.filters), repeats)
            row = Row(entry.page, entry.name, win.label if entry.windowed else "any", times,
                      target=None if "before" in entry.page else TARGET_QUERY_MS * allowance)
            if entry.duckdb and con is not None:
                referenced.append((entry, row))
            if not entry.windowed:
                once.add(entry.name)
            query_rows.append(row)
        for figure in figures:
            try:
                times, _ = timed(lambda: figure.build(of_page(figure.page)).to_json(), repeats)
            except KeyError:  # its query does not run in this window (an area on a page without one)
                continue
            figure_rows.append(Row(figure.page, figure.name, win.label, times, target=TARGET_FIGURE_MS * allowance))
        pages = {q.page for q in queries_ if "before" not in q.page and q.page != "Set-up"
                 and (q.area or not win.filters.area)}
        for page in sorted(pages):
            view = [q for q in queries_ if q.in_page and (q.page == page or page in q.also_on)]
            drawn = [f for f in figures if f.page == page]

            def page_view():
                got = {q.name: q.call(engine, win.filters) for q in view}
                for f in drawn:
                    f.build({**of_page(page), **got}).to_json()

            times, _ = timed(page_view, repeats)
            page_rows.append(Row(page, f"{len(view)} queries + {len(drawn)} figures", win.label, times,
                                 target=TARGET_PAGE_MS * allowance))
        # The references of this window after all of its own timings: DuckDB's worker threads and the
        # memory its results take stay out of the timings of the pages' queries.
        for entry, row in referenced:
            row.reference, reference = timed(lambda: run_reference(con, entry.duckdb, entry.params(win.filters)),
                                             repeats)
            if isinstance(entry.duckdb, str):
                row.rows = f"{_count(results[entry.page, entry.name])} / {len(reference[0])}"
        referenced.clear()
    return query_rows, figure_rows, page_rows


def table(query_rows: list[Row], figure_rows: list[Row], page_rows: list[Row], backend: str) -> list[str]:
    def met(row: Row) -> str:
        return "—" if row.target is None else ("yes" if row.p95 <= row.target else "no")

    lines = [f"| page | query | window | {backend} median ms | p95 ms | DuckDB median ms | p95 ms | "
             f"ratio (p95) | rows (page / DuckDB) | p95 ≤ target |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for row in query_rows:
        reference = (f"{statistics.median(row.reference):.1f} | {p95(row.reference):.1f} | "
                     f"{row.p95 / p95(row.reference):.1f}" if row.reference else "— | — | —")
        target = f"{met(row)} ({row.target:g})" if row.target else "—"
        lines.append(f"| {row.page} | {row.name} | {row.window} | {row.median:.1f} | {row.p95:.1f} | {reference} | "
                     f"{row.rows} | {target} |")
    lines += ["", "| page | figure built + serialised | window | median ms | p95 ms | p95 ≤ target |",
              "| --- | --- | --- | ---: | ---: | --- |"]
    lines += [f"| {r.page} | {r.name} | {r.window} | {r.median:.1f} | {r.p95:.1f} | {met(r)} ({r.target:g}) |"
              for r in figure_rows]
    lines += ["", "| page | whole page view (server side) | window | median ms | p95 ms | p95 ≤ target |",
              "| --- | --- | --- | ---: | ---: | --- |"]
    lines += [f"| {r.page} | {r.name} | {r.window} | {r.median:.1f} | {r.p95:.1f} | {met(r)} ({r.target:g}) |"
              for r in page_rows]
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=None, help="events and figures added by the demo (1,000,000)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per query (20)")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to reuse (built there when missing)")
    parser.add_argument("--database-url", default=None, help="run against this database (e.g. PostgreSQL)")
    parser.add_argument("--quick", action="store_true", help="50,000 rows and 5 repeats (a smoke test)")
    parser.add_argument("--no-reference", action="store_true", help="skip the DuckDB reference")
    parser.add_argument("--out", type=Path, default=None, help="append the tables to this Markdown file")
    args = parser.parse_args(argv)
    rows = args.rows or (50_000 if args.quick else 1_000_000)
    repeats = args.repeats or (5 if args.quick else 20)

    from db.engine import describe_url, make_engine

    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        if args.database_url:
            url, sqlite_path = args.database_url, None
        else:
            path = (args.db or Path(tmp) / "pages.sqlite").resolve()
            url, sqlite_path = f"sqlite:///{path}", str(path)
        built = build_database(url, rows)
        engine = make_engine(url)
        backend = "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite"
        started = time.perf_counter()
        con = None if args.no_reference else duckdb_copy(engine, sqlite_path)
        copied = time.perf_counter() - started
        allowance = POSTGRES_ALLOWANCE if backend == "PostgreSQL" else 1
        freeze_loaded_heap()  # as the server does once its modules are loaded (ui/heap.py)
        query_rows, figure_rows, page_rows = measure(engine, con, repeats, PAGE_QUERIES, PAGE_FIGURES, allowance)
        engine.dispose()
    lines = [f"Page queries on {backend} ({describe_url(url)}), demo at scale {rows:,} (+{rows:,} events, "
             f"+{rows:,} figures); {built}. {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
             f"{repeats} timed runs after one warm-up, no Streamlit cache, the loaded heap frozen as the server "
             f"freezes it (ui/heap.py); DuckDB copy made in {copied:.1f} s. "
             f"Targets: query p95 ≤ {TARGET_QUERY_MS * allowance} ms, page ≤ {TARGET_PAGE_MS * allowance} ms, "
             f"figure ≤ {TARGET_FIGURE_MS * allowance} ms.", "", *table(query_rows, figure_rows, page_rows, backend)]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text((args.out.read_text() + "\n" if args.out.exists() else "") + text + "\n")


if __name__ == "__main__":
    main()
