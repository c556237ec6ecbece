"""The validate stage: judge normalised rows against the schema's rules before any write.

The database would refuse these rows too (db/schema.py has the same rules as named constraints),
but one refused row must not abort a whole load: here each broken row becomes an issue with its
row number and column, and the rest of the file goes on.
"""

from __future__ import annotations

from db import vocab
from loaders.report import LoadReport

REQUIRED = {
    "conflict_event": ("provider", "record_key", "event_date", "event_type"),
    "event_count": ("provider", "area_pcode", "event_category", "period_start", "period_end", "events"),
    "displacement_figure": ("provider", "record_key", "figure_kind", "unit", "qualifier"),
    # site_id, or site_key for a site written in the same load: checked below
    "site_population": ("provider", "reported_date"),
}


def _problems(table: str, v: dict):
    """Yield (column, code, message, value) for each rule the row breaks."""
    for column in REQUIRED[table]:
        if v.get(column) in (None, ""):
            yield column, "missing-cell", f"{column} is required", None
            return
    for column in ("fatalities", "events", "figure", "figure_max", "alt_figure", "individuals", "households",
                   "girls", "boys", "women", "men"):
        if v.get(column) is not None and v[column] < 0:
            yield column, "out-of-range", f"{column} cannot be negative", v[column]
    if v.get("lat") is not None or v.get("lon") is not None:
        if v.get("lat") is None or v.get("lon") is None:
            yield "lat", "missing-cell", "give both latitude and longitude, or neither", v.get("lat")
        elif not (-90 <= v["lat"] <= 90 and -180 <= v["lon"] <= 180):
            yield "lat", "out-of-range", "latitude must be within -90..90 and longitude -180..180", \
                f"{v['lat']},{v['lon']}"
    start, end = v.get("period_start"), v.get("period_end")
    if start and end and end < start:
        yield "period_end", "out-of-range", "the period ends before it starts", str(end)
    if table == "conflict_event":
        subs = vocab.ACLED_EVENT_TYPES.get(v["event_type"])
        if subs is None:
            yield "event_type", "unknown-value", f"not an ACLED event type ({', '.join(vocab.EVENT_TYPES)})", \
                v["event_type"]
        elif v.get("sub_event_type") and v["sub_event_type"] not in subs:
            yield "sub_event_type", "unknown-value", f"not a sub-event type of {v['event_type']}", v["sub_event_type"]
        if v.get("date_precision", "day") not in vocab.DATE_PRECISIONS:
            yield "date_precision", "unknown-value", "precision must be day, week, month or year", v["date_precision"]
    elif table == "event_count":
        if v["event_category"] not in vocab.EVENT_CATEGORIES:
            yield "event_category", "unknown-value", f"not one of {', '.join(vocab.EVENT_CATEGORIES)}", \
                v["event_category"]
    elif table == "displacement_figure":
        for column, allowed in (("figure_kind", vocab.FIGURE_KINDS), ("unit", vocab.UNITS),
                                ("qualifier", vocab.QUALIFIERS)):
            if v[column] not in allowed:
                yield column, "unknown-value", f"not one of {', '.join(allowed)}", v[column]
        if v.get("term") is not None and v["term"] not in vocab.TERMS:
            yield "term", "unknown-value", f"not one of {', '.join(vocab.TERMS)}", v["term"]
        if (v["qualifier"] == "vague") != (v.get("figure") is None):
            yield "figure", "missing-cell", "a figure is needed unless the report gives none (vague)", v.get("figure")
        if v["qualifier"] == "range" and (v.get("figure_max") is None or v["figure_max"] < (v.get("figure") or 0)):
            yield "figure_max", "out-of-range", "a range needs an upper bound at or above its lower bound", \
                v.get("figure_max")
    elif table == "site_population":
        if v.get("site_id") is None and not v.get("site_key"):
            yield "site_id", "missing-cell", "site_id is required", None
        if v.get("individuals") is None and v.get("households") is None:
            yield "individuals", "missing-cell", "give individuals or households", None


def validate_rows(table: str, rows, report: LoadReport) -> list[tuple[int | None, dict]]:
    """Keep the rows that break no rule; report the others (one issue per broken rule)."""
    if table == "place":  # PlaceRecords a source brings along; its adapter checked their parents
        return list(rows)
    kept = []
    for number, values in rows:
        problems = list(_problems(table, values))
        for column, code, message, value in problems:
            report.add(number, column, code, message, value)
        if not problems:
            kept.append((number, values))
    return kept
