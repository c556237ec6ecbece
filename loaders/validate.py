"""The validate stage: judge normalised rows against the schema's rules before any write.

The database would refuse these rows too (db/schema.py has the same rules as named constraints),
but one refused row must not abort a whole load: here each broken row becomes an issue with its
row number and column, and the rest of the file goes on.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from db import plausible as plausibility
from db import vocab
from db.plausible import INT64_MAX, PlausibleLimits
from loaders.report import LoadError, LoadReport

REQUIRED = {
    # event_date too, unless the row waits for review (checked below)
    "conflict_event": ("provider", "record_key", "event_type"),
    "event_count": ("provider", "area_pcode", "event_category", "period_start", "period_end", "events"),
    "displacement_figure": ("provider", "record_key", "figure_kind", "unit", "qualifier"),
    # site_id, or site_key for a site written in the same load: checked below
    "site_population": ("provider", "reported_date"),
}


NON_NEGATIVE = ("fatalities", "events", "figure", "figure_max", "alt_figure", "individuals", "households",
                "girls", "boys", "women", "men")
# Every date a fact is filed under: an event's day, a figure's or count's period, a site count's day.
DATE_COLUMNS = ("event_date", "period_start", "period_end", "reported_date")

# Rows that cannot be true (db/plausible.py holds the limits and their settings): a year-9999 event
# once loaded cleanly and then broke six pages for everyone; an infinite figure broke the home page.


class PlausibilitySettingError(LoadError):
    """A plausibility limit set in the environment cannot be read (the administrator's to fix)."""


def plausible_limits(today: date | None = None) -> PlausibleLimits:
    """The load's limits; a bad setting stops the load with the message that says how to fix it."""
    try:
        return plausibility.plausible_limits(today)
    except plausibility.PlausibilitySettingError as exc:
        raise PlausibilitySettingError(str(exc)) from None


def _cells(columns: dict, names: tuple[str, ...], live):
    """(row index, column, value) of every filled cell of `names` in the live rows."""
    for name in names:
        values = columns.get(name)
        if values is None:
            continue
        for i in live:
            if values[i] is not None:
                yield i, name, values[i]


def _within(values, low, high) -> bool:
    """Whether every filled value of a column lies in [low, high], judged from its least and
    greatest: the common case of a large file, one pass in C instead of a test per cell. False
    (so each cell is judged) when the column mixes types, holds values that do not compare with
    the limits, or floats that are not all finite (NaN compares false both ways, so min and max
    would pass it over)."""
    filled = [v for v in values if v is not None]
    if not filled:
        return True
    kinds = set(map(type, filled))
    if len(kinds) != 1:
        return False
    try:
        if float in kinds and not math.isfinite(math.fsum(filled)):
            return False
        return low <= min(filled) and max(filled) <= high
    except (TypeError, ValueError, OverflowError):  # a datetime against a date; fsum of inf and -inf
        return False


def _implausible(columns: dict, live, limits: PlausibleLimits) -> dict:
    """Dates and counts that cannot be true, column by column; (row index, column) → problem."""
    found = {}
    low, high = limits.earliest_date, limits.latest_date
    # columns whose every cell is plausible (the common case) are not walked cell by cell
    columns = {name: values for name, values in columns.items()
               if not (name in DATE_COLUMNS and _within(values, low, high))
               and not (name in NON_NEGATIVE and _within(values, 0, limits.max_figure))}
    for i, name, value in _cells(columns, DATE_COLUMNS, live):
        day = value.date() if isinstance(value, datetime) else value
        if day < low:
            message = (f"the date is before {low.isoformat()}, too early to be a record of this dashboard; "
                       "correct the year (the limit is DASHBOARD_EARLIEST_DATE)")
        elif day > high:
            message = (f"the date is after {high.isoformat()}, too far after the day of the load; correct the "
                       "year (the limit is DASHBOARD_MAX_DAYS_AHEAD)")
        else:
            continue
        found[(i, name)] = (i, name, "implausible-date", message, str(value))
    for i, name, value in _cells(columns, NON_NEGATIVE, live):
        if isinstance(value, float) and not math.isfinite(value):
            message = "the count is not a finite number (infinite or NaN); write the count as digits"
        elif value > INT64_MAX:
            message = "the count is beyond what a 64-bit integer holds; correct the cell"
        elif value > limits.max_figure:
            message = (f"more than {limits.max_figure:,} in one cell is implausible; correct the cell (the "
                       "limit is DASHBOARD_MAX_FIGURE)")
        else:
            continue
        found[(i, name)] = (i, name, "implausible-figure", message, value)
    return found


def _problems(table: str, columns: tuple[str, ...], rows: list,
              limits: PlausibleLimits) -> list[tuple[int, str, str, str, object]]:
    """(index of the row, column, code, message, value) for each rule a row breaks, rule by rule.

    Column-wise: each rule runs over one or two columns of the whole chunk. A row missing a
    required cell is judged on that alone; a row with a value that cannot be true is judged on
    that alone (comparing an infinite figure or a year-9999 date says nothing more).
    """
    none = (None,) * len(rows)
    by_name = dict(zip(columns, zip(*(row for _, row in rows)))) if rows else {}
    col = lambda name: by_name.get(name, none)  # noqa: E731
    found: list = []
    missing: set[int] = set()
    for i, values in enumerate(zip(*(col(name) for name in REQUIRED[table]))):
        for name, value in zip(REQUIRED[table], values):
            if value is None or value == "":
                found.append((i, name, "missing-cell", f"{name} is required", None))
                missing.add(i)
                break
    live = [i for i in range(len(rows)) if i not in missing] if missing else range(len(rows))
    implausible = _implausible(by_name, live, limits)
    if implausible:
        found += implausible.values()
        broken = {i for i, _ in implausible}
        live = [i for i in live if i not in broken]

    for name in NON_NEGATIVE:
        if name in by_name and not _within(by_name[name], 0, INT64_MAX):
            values = by_name[name]
            found += [(i, name, "out-of-range", f"{name} cannot be negative", values[i])
                      for i in live if values[i] is not None and values[i] < 0]
    if ("lat" in by_name or "lon" in by_name) and not (
            None not in col("lat") and None not in col("lon")
            and _within(col("lat"), -90, 90) and _within(col("lon"), -180, 180)):
        lat, lon = col("lat"), col("lon")
        for i in live:
            if lat[i] is None and lon[i] is None:
                continue
            if lat[i] is None or lon[i] is None:
                found.append((i, "lat", "missing-cell", "give both latitude and longitude, or neither", lat[i]))
            elif not (-90 <= lat[i] <= 90 and -180 <= lon[i] <= 180):
                found.append((i, "lat", "out-of-range", "latitude must be within -90..90 and longitude -180..180",
                              f"{lat[i]},{lon[i]}"))
    if "period_start" in by_name and "period_end" in by_name:
        start, end = by_name["period_start"], by_name["period_end"]
        found += [(i, "period_end", "out-of-range", "the period ends before it starts", str(end[i]))
                  for i in live if start[i] and end[i] and end[i] < start[i]]

    if table == "conflict_event":
        types, subs = col("event_type"), col("sub_event_type")
        precision = by_name.get("date_precision", ("day",) * len(rows))  # absent: the column's default
        event_date = col("event_date")
        review = by_name.get("review_status", ("not_required",) * len(rows))
        # Judged once per distinct value: a chunk holds a few types and precisions; only a chunk
        # where one of them is wrong (or a date is missing) is walked row by row.
        fine = (None not in event_date
                and all(vocab.ACLED_EVENT_TYPES.get(t) is not None and (not sub or sub in vocab.ACLED_EVENT_TYPES[t])
                        for t, sub in set(zip(types, subs)))
                and set(precision) <= set(vocab.DATE_PRECISIONS))
        for i in (() if fine else live):
            if event_date[i] is None and review[i] not in vocab.UNCOUNTED_REVIEW_STATUSES:
                found.append((i, "event_date", "missing-cell", "event_date is required", None))
            allowed = vocab.ACLED_EVENT_TYPES.get(types[i])
            if allowed is None:
                found.append((i, "event_type", "unknown-value",
                              f"not an ACLED event type ({', '.join(vocab.EVENT_TYPES)})", types[i]))
            elif subs[i] and subs[i] not in allowed:
                found.append((i, "sub_event_type", "unknown-value", f"not a sub-event type of {types[i]}", subs[i]))
            if precision[i] not in vocab.DATE_PRECISIONS:
                found.append((i, "date_precision", "unknown-value", "precision must be day, week, month or year",
                              precision[i]))
    elif table == "event_count":
        category = col("event_category")
        found += [(i, "event_category", "unknown-value", f"not one of {', '.join(vocab.EVENT_CATEGORIES)}",
                   category[i]) for i in live if category[i] not in vocab.EVENT_CATEGORIES]
    elif table == "displacement_figure":
        figure, figure_max, qualifier, term = col("figure"), col("figure_max"), col("qualifier"), col("term")
        vocabularies = [(name, col(name), allowed) for name, allowed in (
            ("figure_kind", vocab.FIGURE_KINDS), ("unit", vocab.UNITS), ("qualifier", vocab.QUALIFIERS))]
        for i in live:
            for name, values, allowed in vocabularies:
                if values[i] not in allowed:
                    found.append((i, name, "unknown-value", f"not one of {', '.join(allowed)}", values[i]))
            if term[i] is not None and term[i] not in vocab.TERMS:
                found.append((i, "term", "unknown-value", f"not one of {', '.join(vocab.TERMS)}", term[i]))
            if (qualifier[i] == "vague") != (figure[i] is None):
                found.append((i, "figure", "missing-cell", "a figure is needed unless the report gives none (vague)",
                              figure[i]))
            if qualifier[i] == "range" and (figure_max[i] is None or figure_max[i] < (figure[i] or 0)):
                found.append((i, "figure_max", "out-of-range",
                              "a range needs an upper bound at or above its lower bound", figure_max[i]))
    elif table == "site_population":
        site_id, site_key = col("site_id"), col("site_key")  # site_key: a site written in the same load
        individuals, households = col("individuals"), col("households")
        for i in live:
            if site_id[i] is None and not site_key[i]:
                found.append((i, "site_id", "missing-cell", "site_id is required", None))
            if individuals[i] is None and households[i] is None:
                found.append((i, "individuals", "missing-cell", "give individuals or households", None))
    found.sort(key=lambda problem: problem[0])  # stable: a row's problems stay in rule order
    return found


def validate_rows(table: str, columns: tuple[str, ...], rows: list, report: LoadReport,
                  limits: PlausibleLimits | None = None) -> list:
    """Keep the rows that break no rule; report the others (one issue per broken rule).

    `rows` are (row number, values tuple in `columns` order). `limits`: the load's (read once
    per load by ingest); None reads them now.
    """
    if table == "place":  # PlaceRecords a source brings along; its adapter checked their parents
        return list(rows)
    problems = _problems(table, columns, rows, limits or plausible_limits())
    if not problems:
        return rows
    for i, column, code, message, value in problems:
        report.add(rows[i][0], column, code, message, value)
    broken = {problem[0] for problem in problems}
    return [row for i, row in enumerate(rows) if i not in broken]
