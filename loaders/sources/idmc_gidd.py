"""IDMC Global Internal Displacement Database (GIDD) tables, CSV or the API's JSON.

GIDD publishes figures per country and year (and, for disasters, per event):
- `new_displacement`: the displacements (movements) recorded during the year; one person fled
  twice counts twice, so the unit is "movements", never added to persons. The period is the
  year, 1 January to 31 December.
- `total_displacement`: the people still displaced at the end of the year, an IDP stock of
  persons counted on 31 December.
The `*_rounded` columns are IDMC's published roundings of the same figures; the exact ones are
loaded and the rounded ones named as not loaded.

Conflict and disaster figures are kept apart in the record key (displacement_figure has no
column for the cause): a row of a disaster table names its hazard (`hazard_category`,
`event_name`); a country-year table has no column saying which it is, so its cause comes from the
API's own address (`next`/`previous` of the JSON envelope: `/gidd/conflicts/`) or the file's name
("…conflict…", "…disaster…"). A table that says neither is refused with the fix, never guessed.

Places: the row's country (ISO3 and name), looked up among countries only. A row of HXL-tagged
GIDD data (`#affected+idps+ind+stock+conflict`) is read by the HXL loader instead.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Iterator

from loaders.context import Chunk, LoadContext, chunked
from loaders.parsing import CellError, clean, count_issue_code, parse_json_count
from loaders.readers.json_document import records_of
from loaders.report import LoadError

KIND = "idmc_gidd"
TITLE = "IDMC GIDD country-year or disaster-event table"
PUBLISHER = "Internal Displacement Monitoring Centre (IDMC)"
FORMAT = "delimited"
FORMATS = ("delimited", "json")
TARGET = "facts"
PROVIDER = "IDMC GIDD"
EXPECTED_COLUMNS = ("iso3", "country_name", "year", "new_displacement", "total_displacement")
DETECT_FIELDS = ("iso3", "year", "new_displacement", "total_displacement")
DISASTER_FIELDS = ("hazard_category", "hazard_type", "event_name")
NOT_LOADED = ("new_displacement_rounded", "total_displacement_rounded")
_CAUSE_WORDS = re.compile(r"(conflict|disaster)s?", re.I)


def _records(parsed) -> tuple[list | None, tuple[str, ...]]:
    if parsed.format == "json":
        records = records_of(parsed.data)
        first = records[0] if records and isinstance(records[0], dict) else {}
        return records, tuple(first)
    return None, parsed.columns


def detect(parsed) -> bool:
    _, columns = _records(parsed)
    return set(DETECT_FIELDS) <= {c.strip().lower() for c in columns}


def _cause(parsed, columns) -> str | None:
    """"disaster" or "conflict", from the table's columns, the API's address or the file's name."""
    if any(c in columns for c in DISASTER_FIELDS):
        return "disaster"
    hints = [parsed.file_name]
    if parsed.format == "json" and isinstance(parsed.data, dict):
        hints += [str(parsed.data.get(k) or "") for k in ("next", "previous")]
    for hint in hints:
        found = {m.lower().rstrip("s") for m in _CAUSE_WORDS.findall(hint)}
        if len(found) == 1:
            return found.pop()
    return None


def _count(value, column: str):
    if isinstance(value, str):
        value = clean(value) or None
    try:
        return parse_json_count(value)
    except CellError as exc:
        raise _RowProblem(column, count_issue_code(exc), str(exc), value) from None


class _RowProblem(Exception):
    def __init__(self, column: str, code: str, message: str, value=None):
        super().__init__(message)
        self.column, self.code, self.value = column, code, value


def _year(value) -> int:
    text = clean(value) if value is not None else ""
    if not re.fullmatch(r"\d{4}(\.0+)?", text):
        raise _RowProblem("year", "type-error" if text else "missing-cell",
                          f"{text!r} is not a year; GIDD rows give it as four digits, e.g. 2023", value)
    return int(float(text))


def _figures(ctx: LoadContext, record: dict, number: int, cause: str) -> list[dict]:
    iso3 = clean(record.get("iso3")).upper()
    if not iso3:
        raise _RowProblem("iso3", "missing-cell", "iso3 is empty; every GIDD row names its country")
    year = _year(record.get("year"))
    name = clean(record.get("country_name")) or iso3
    place_id = ctx.place_id(name, pcode=iso3, kind="country", row=number, column="country_name")
    # A disaster event is its own record; a country-year row is one per country, year and cause.
    event = " ".join(clean(record.get(k)) for k in ("event_name", "start_date") if clean(record.get(k)))
    key = "|".join(p for p in (iso3, str(year), cause, event) if p)
    rows = []
    new = _count(record.get("new_displacement"), "new_displacement")
    if new is not None:
        rows.append({"record_key": f"{key}|new", "figure_kind": "new_displacement", "unit": "movements",
                     "figure": new, "origin_place_id": place_id, "origin_name_raw": name,
                     "destination_place_id": None, "destination_name_raw": None,
                     "period_start": date(year, 1, 1), "period_end": date(year, 12, 31), "term": "displaced"})
    stock = _count(record.get("total_displacement"), "total_displacement")
    if stock is not None:
        year_end = date(year, 12, 31)
        rows.append({"record_key": f"{key}|stock", "figure_kind": "idp_stock", "unit": "persons",
                     "figure": stock, "origin_place_id": None, "origin_name_raw": None,
                     "destination_place_id": place_id, "destination_name_raw": name,
                     "period_start": year_end, "period_end": year_end, "term": None})
    if not rows:
        raise _RowProblem("new_displacement", "missing-cell", "the row has neither new_displacement nor "
                          "total_displacement; IDMC leaves both blank where it has no figure")
    for row in rows:
        row.update(provider=PROVIDER, qualifier="exact", figure_max=None, is_cumulative=False,
                   review_status="not_required")
    return rows


def _numbered(parsed, records):
    if records is not None:
        return enumerate(records, start=1)
    return parsed.tables[0].rows


def normalise(parsed, ctx: LoadContext) -> Iterator[Chunk]:
    records, columns = _records(parsed)
    if parsed.format == "json" and not records:
        raise LoadError(f"{parsed.file_name}: the GIDD response holds no records; check the request")
    columns = tuple(c.strip().lower() for c in columns)
    cause = _cause(parsed, columns)
    if cause is None:
        raise LoadError(f"{parsed.file_name}: this GIDD table does not say whether its figures are conflict or "
                        "disaster displacement; put 'conflict' or 'disaster' in the file's name and load it again")
    unused = [c for c in NOT_LOADED if c in columns]
    if unused:
        ctx.report.add(None, None, "unused-column", "IDMC's rounded figures are not loaded: the exact figures "
                       "beside them are", ", ".join(unused), severity="warning")
    if parsed.format == "json" and isinstance(parsed.data, dict) and parsed.data.get("next"):
        ctx.report.add(None, None, "partial-response", "the response is one page of several (its `next` link is "
                       "set): only this page's rows are loaded; download the other pages and load them too",
                       f"{len(records)} of {parsed.data.get('count', '?')} records", severity="warning")

    def rows():
        for number, record in _numbered(parsed, records):
            if not isinstance(record, dict):
                ctx.report.add(number, None, "type-error", "a GIDD record must be a JSON object", str(record)[:80])
                continue
            record = {str(k).strip().lower(): v for k, v in record.items()}
            try:
                figures = _figures(ctx, record, number, cause)
            except _RowProblem as problem:
                ctx.report.add(number, problem.column, problem.code, str(problem), problem.value, raw_row=record)
                continue
            for figure in figures:
                yield number, figure

    yield from chunked("displacement_figure", rows())
