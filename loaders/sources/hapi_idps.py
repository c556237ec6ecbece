"""HDX HAPI `idps` (CSV): IOM DTM counts of internally displaced people present in an area.

One row is a stock: the IDPs present in an admin area (level 0, 1 or 2) on the date of one
reporting round of one DTM operation and assessment type (BA baseline area assessment, SA site
assessment). Every round is stored, so the history stays; only the latest round of an operation
is a current total, which db.queries.query_current_idp_stocks picks. Levels are never added
together: a country row already contains its admin-1 rows.

The record key holds what makes a row unique, `ISO3|operation|assessment|area|round|start|end`;
query_current_idp_stocks reads operation, area and round back from it (displacement_figure has
no columns of their own for them).

The `error` column (see hdx-scraper-iom-dtm): "Duplicate row" means DTM returned the same record
twice and HAPI summed the copies into this row's population, so the figure may count people
twice; it is rejected, as is any other error HAPI raises.
"""

from __future__ import annotations

import hashlib
from typing import Iterator

from loaders.context import Chunk, LoadContext
from loaders.parsing import CellError, clean, count_issue_code, parse_count, parse_int
from loaders.readers.delimited import Table
from loaders.report import LoadError
from loaders.sources._hapi import PROVIDER, RowProblem, area_place_id, check_provider_error, read_area, read_period

KIND = "hapi_idps"
TITLE = "HDX HAPI internally displaced persons (IOM DTM)"
PUBLISHER = "HDX HAPI (OCHA), from IOM DTM"
FORMAT = "delimited"
TARGET = "facts"
EXPECTED_COLUMNS = ("location_code", "provider_admin1_name", "provider_admin2_name", "admin1_code", "admin2_code",
                    "admin_level", "operation", "assessment_type", "population", "reporting_round",
                    "reference_period_start", "reference_period_end", "error")
REQUIRED = ("location_code", "admin_level", "admin1_code", "operation", "assessment_type", "population",
            "reporting_round", "reference_period_start", "reference_period_end")
KEY_LENGTH = 160  # displacement_figure.record_key
CHUNK_ROWS = 5_000


def detect(table: Table) -> bool:
    return {"location_code", "admin_level", "operation", "assessment_type", "population",
            "reporting_round"} <= set(table.columns)


def record_key(iso3: str, operation: str, assessment: str, area_pcode: str, reporting_round: int,
               period: tuple) -> str:
    """The row's natural key; an operation name too long for the column keeps a digest of itself."""
    fixed = [assessment, area_pcode, str(reporting_round), period[0].isoformat(), period[1].isoformat()]
    room = KEY_LENGTH - len(iso3) - sum(len(part) + 1 for part in fixed) - 1
    if len(operation) > room:
        digest = hashlib.sha1(operation.encode("utf-8")).hexdigest()[:10]
        operation = f"{operation[:room - 11]}~{digest}"
    return "|".join([iso3, operation, *fixed])


def _text(row: dict, column: str) -> str:
    value = clean(row.get(column))
    if not value:
        raise RowProblem(column, "missing-cell", f"{column} is empty; it is part of what identifies the count")
    return value


def _round_and_population(row: dict) -> tuple[int, float]:
    try:
        reporting_round = parse_int(row.get("reporting_round"))
    except CellError as exc:
        raise RowProblem("reporting_round", "type-error", str(exc), row.get("reporting_round")) from None
    if reporting_round is None:
        raise RowProblem("reporting_round", "missing-cell", "reporting_round is empty; DTM numbers every round")
    try:
        population, _ = parse_count(row.get("population"))
    except CellError as exc:
        code = count_issue_code(exc)
        raise RowProblem("population", code, str(exc), row.get("population")) from None
    if population is None:
        # A table cell left empty is a missing number, not a vague report: nothing to store.
        raise RowProblem("population", "missing-cell", "population is empty; give the number of IDPs")
    return reporting_round, population


def normalise(table: Table, ctx: LoadContext) -> Iterator[Chunk]:
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise LoadError(f"{table.file_name}: the HDX HAPI idps file has no column {', '.join(missing)}; "
                        "download the file again from HDX with all its columns")
    rows: list = []
    for number, row in table.rows:
        if check_provider_error(row, number, ctx, tolerated={}):
            continue
        try:
            iso3 = _text(row, "location_code").upper()
            operation, assessment = _text(row, "operation"), _text(row, "assessment_type")
            area = read_area(row)
            period = read_period(row)
            reporting_round, population = _round_and_population(row)
        except RowProblem as problem:
            ctx.report.add(number, problem.column, problem.code, str(problem), problem.value, raw_row=dict(row))
            continue
        rows.append((number, {
            "provider": PROVIDER,
            "record_key": record_key(iso3, operation, assessment, area.pcode, reporting_round, period),
            "figure_kind": "idp_stock",
            "unit": "persons",
            "qualifier": "exact",
            "figure": population,
            "is_cumulative": False,
            "destination_place_id": area_place_id(ctx, area, row, number),
            # Country rows have no provider name: the ISO3 code is what the file writes for them.
            "destination_name_raw": area.name_raw or area.pcode,
            "period_start": period[0],
            "period_end": period[1],
            "review_status": "not_required",
        }))
        if len(rows) >= CHUNK_ROWS:
            yield Chunk("displacement_figure", rows)
            rows = []
    if rows:
        yield Chunk("displacement_figure", rows)
