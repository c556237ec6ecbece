"""HDX HAPI `conflict_event` (CSV): ACLED event and fatality counts per area and month.

One row counts one category of events in one area (admin-2, or the whole country where ACLED
gives no breakdown) over `reference_period_start`..`reference_period_end`. The categories
political_violence, civilian_targeting and demonstration overlap (civilian targeting is part of
political violence), so each stays its own `event_count` row and nothing here adds them up.
ACLED publishes no fatalities for demonstrations: that cell is empty and stays NULL, never 0.

The `error` column (see hdx-scraper-acled): "Duplicate row" marks every row of a repeated
area/category/month, so none of them can be trusted over the other and they are rejected;
"Non matching p-code" marks Kosovo's country rows (XKX has no OCHA p-code), whose counts are
sound, so they load with a warning.
"""

from __future__ import annotations

from typing import Iterator

from loaders.context import Chunk, LoadContext
from loaders.parsing import CellError, clean, count_issue_code, parse_int
from loaders.readers.delimited import Table
from loaders.report import LoadError
from loaders.sources._hapi import PROVIDER, RowProblem, area_place_id, check_provider_error, read_area, read_period

KIND = "hapi_conflict_event"
TITLE = "HDX HAPI conflict events (ACLED counts per area and month)"
PUBLISHER = "HDX HAPI (OCHA), from ACLED"
FORMAT = "delimited"
TARGET = "facts"
EXPECTED_COLUMNS = ("location_code", "provider_admin1_name", "provider_admin2_name", "admin1_code", "admin2_code",
                    "admin_level", "event_type", "events", "fatalities", "reference_period_start",
                    "reference_period_end", "error")
REQUIRED = ("location_code", "admin_level", "admin1_code", "admin2_code", "event_type", "events",
            "reference_period_start", "reference_period_end")
TOLERATED_ERRORS = {"Non matching p-code": "only the country code has no OCHA p-code (Kosovo, XKX); the "
                                           "counts are sound"}
CHUNK_ROWS = 5_000


def detect(table: Table) -> bool:
    return {"location_code", "admin_level", "event_type", "events", "reference_period_start"} <= set(table.columns)


def _counts(row: dict) -> tuple[int | None, int | None]:
    counts = []
    for column in ("events", "fatalities"):
        try:
            counts.append(parse_int(row.get(column)))
        except CellError as exc:
            code = count_issue_code(exc)
            raise RowProblem(column, code, str(exc), row.get(column)) from None
    return counts[0], counts[1]


def normalise(table: Table, ctx: LoadContext) -> Iterator[Chunk]:
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise LoadError(f"{table.file_name}: the HDX HAPI conflict-event file has no column {', '.join(missing)}; "
                        "download the file again from HDX with all its columns")
    rows: list = []
    for number, row in table.rows:
        if check_provider_error(row, number, ctx, TOLERATED_ERRORS):
            continue
        try:
            area = read_area(row)
            period_start, period_end = read_period(row)
            events, fatalities = _counts(row)
        except RowProblem as problem:
            ctx.report.add(number, problem.column, problem.code, str(problem), problem.value, raw_row=dict(row))
            continue
        rows.append((number, {
            "provider": PROVIDER,
            "area_pcode": area.pcode,
            "area_name_raw": area.name_raw,
            "place_id": area_place_id(ctx, area, row, number),
            "admin_level": area.level,
            "event_category": clean(row.get("event_type")),  # vocabulary checked by loaders.validate
            "period_start": period_start,
            "period_end": period_end,
            "events": events,
            "fatalities": fatalities,
        }))
        if len(rows) >= CHUNK_ROWS:
            yield Chunk("event_count", rows)
            rows = []
    if rows:
        yield Chunk("event_count", rows)
