"""Our own field template for NGO staff (CSV or XLSX): one row per figure, written by hand.

Columns (loaders/templates/field_template.csv is the file the upload page offers):

- `record`: `flow` (default) — people moving, a displacement_figure — or `site_count`, the
  population of one site on one day (a site_population row; the destination must be a site).
- `date`, or `period_start` and `period_end`: ISO (2024-12-05) or dd/mm/yyyy. Whether a slashed
  column is day- or month-first is read from the column's own unambiguous dates; when the
  column has none, each ambiguous date is reported, never guessed. A year alone ("2024") is the
  whole year.
- `origin`, `destination`: a city, town, governorate or site as people write it (English or
  Arabic); a name the gazetteer lacks is kept as written and queued for review.
- `individuals`, `households`: "1,200", "١٢٠٠", "about 300" (→ approx). Both on one row are one
  figure, never added together.
- `figure_kind` (new_displacement, idp_stock, return, arrival; default new_displacement),
  `qualifier` (exact, approx, at_least, at_most), `source` (who reported it).
- `notes` is for the person filling the sheet and is not loaded, nor kept with a rejected row:
  free text can hold personal details, which the dashboard does not keep. Nor are columns the
  template does not have (named once per file as a warning).

Re-loading the same rows changes nothing: a row's record key is a digest of what identifies it
(dates, origin, destination, figure kind, unit, source), not of its position in the file.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Iterator

from loaders.context import Chunk, LoadContext
from loaders.figures import count_issue_code, one_fact
from loaders.parsing import (EASTERN_ARABIC_DIGITS, CellError, HedgedCount, clean, infer_day_first, parse_count,
                             parse_date)
from loaders.readers.document import Document
from loaders.readers.workbook import report_hidden_sheets, report_sheet_notes
from loaders.report import LoadError
from loaders.sources.hxl_tagged import hashtag_row

KIND = "field_template"
COUNTRY = "SYR"  # the template ships for the Syria response; --country or the Upload page replaces it
TITLE = "Field template (flows and site counts)"
PUBLISHER = None  # the organisation that filled it in: the `source` column, row by row
FORMAT = "delimited"
FORMATS = ("delimited", "workbook")
TARGET = "facts"
TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "templates" / "field_template.csv"
COLUMNS = ("record", "date", "period_start", "period_end", "origin", "destination", "individuals", "households",
           "figure_kind", "qualifier", "source", "notes")
EXPECTED_COLUMNS = COLUMNS
REQUIRED_COLUMNS = ("origin", "destination", "individuals", "households", "source")
RECORDS = ("flow", "site_count")
TEMPLATE_QUALIFIERS = ("exact", "approx", "at_least", "at_most")
PROVIDER_LENGTH = 40  # displacement_figure.provider / site_population.provider
CHUNK_ROWS = 5_000


def field_template_bytes() -> bytes:
    """The blank template with its two example rows, as the upload page offers it for download."""
    return TEMPLATE_PATH.read_bytes()


def _header_key(name) -> str:
    """A header as staff retype it ("Period start", " Individuals ") → period_start, individuals."""
    return re.sub(r"[\s-]+", "_", str(name or "").strip().lower())


def _matches(table) -> bool:
    keys = {_header_key(c) for c in table.columns}
    shared = keys & (set(COLUMNS) - {"individuals", "households", "notes"})
    # A template keeps its count columns and most of the others, even with one deleted; an HXL
    # sheet with such headers is read by its hashtags instead.
    return bool(keys & {"individuals", "households"}) and len(shared) >= 3 and hashtag_row(table.preview) is None


def _tables(document: Document) -> list:
    return document.tables


def detect(parsed) -> bool:
    return any(_matches(t) for t in _tables(parsed))


def _word(text) -> str:
    return re.sub(r"[\s-]+", "_", clean(text).lower())


def _name_key(text: str) -> str:
    return " ".join(text.casefold().split())


class _RowProblem(Exception):
    def __init__(self, column: str, code: str, message: str, value=None):
        super().__init__(message)
        self.column, self.code, self.value = column, code, value


def _year_only(text) -> int | None:
    raw = clean(text).translate(EASTERN_ARABIC_DIGITS)
    return int(raw) if re.fullmatch(r"\d{4}", raw) else None


def _day(text, column: str, day_first, *, end: bool = False) -> tuple[date | None, bool]:
    """(date, is a whole year); a year alone is its first day, or its last for a period's end."""
    year = _year_only(text)
    if year:
        return date(year, 12, 31) if end else date(year, 1, 1), True
    try:
        return parse_date(text, day_first=day_first), False
    except CellError as exc:
        raise _RowProblem(column, "type-error", str(exc), clean(text)) from None


def _period(cell, day_first) -> tuple[date, date, bool]:
    """(start, end, is a single day) from `date` or from `period_start` + `period_end`."""
    day_text, start_text, end_text = cell("date"), cell("period_start"), cell("period_end")
    if day_text and (start_text or end_text):
        raise _RowProblem("date", "conflicting-cells", "fill in either date or period_start and period_end, "
                          "not both", day_text)
    if day_text:
        day, whole_year = _day(day_text, "date", day_first["date"])
        return day, date(day.year, 12, 31) if whole_year else day, not whole_year
    if not start_text and not end_text:
        raise _RowProblem("date", "missing-cell", "the row has no date; fill in date, or period_start and "
                          "period_end")
    for column, text in (("period_start", start_text), ("period_end", end_text)):
        if not text:
            raise _RowProblem(column, "missing-cell", f"{column} is empty; a period needs its start and its end")
    start, _ = _day(start_text, "period_start", day_first["period_start"])
    end, _ = _day(end_text, "period_end", day_first["period_end"], end=True)
    return start, end, False


def _counts(cell, *, plain: bool) -> dict[str, tuple[float | None, str]]:
    counts = {}
    for column in ("individuals", "households"):
        text = cell(column)
        try:
            value, qualifier = parse_count(text, allow_hedge=not plain)
        except CellError as exc:
            if plain and isinstance(exc, HedgedCount):
                raise _RowProblem(column, "type-error", f"{text!r}: a site count is a head count; write the "
                                  "number alone", text) from None
            raise _RowProblem(column, count_issue_code(exc), str(exc), text) from None
        if value is not None and value != int(value):
            raise _RowProblem(column, "type-error", f"{text!r} is not a whole number of {column}", text)
        counts[column] = (value, qualifier)
    if counts["individuals"][0] is None and counts["households"][0] is None:
        raise _RowProblem("individuals", "missing-cell", "give individuals or households (or both)")
    return counts


def record_key(start: date, end: date, origin: str, destination: str, figure_kind: str, unit: str,
               source: str) -> str:
    """A digest of what identifies a flow; names as written, compared without case or extra spaces."""
    parts = (start.isoformat(), end.isoformat(), _name_key(origin), _name_key(destination), figure_kind, unit,
             _name_key(source))
    return "tpl:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]


def _flow(ctx: LoadContext, cell, number: int, day_first, source: str) -> tuple[str, dict]:
    start, end, _ = _period(cell, day_first)
    counts = _counts(cell, plain=False)
    try:
        fact = one_fact(counts["individuals"], counts["households"])
    except CellError as exc:
        raise _RowProblem("individuals", count_issue_code(exc), str(exc), cell("individuals")) from None
    qualifier = _word(cell("qualifier"))
    if qualifier:
        if qualifier not in TEMPLATE_QUALIFIERS:
            raise _RowProblem("qualifier", "unknown-value", f"not one of {', '.join(TEMPLATE_QUALIFIERS)}",
                              cell("qualifier"))
        if fact["qualifier"] not in ("exact", qualifier):
            raise _RowProblem("qualifier", "conflicting-cells", f"the qualifier says {qualifier} but the count "
                              f"says {fact['qualifier']}; make them agree", cell("qualifier"))
        fact["qualifier"] = qualifier
    origin, destination = cell("origin"), cell("destination")
    if not origin and not destination:
        raise _RowProblem("origin", "missing-cell", "a flow needs an origin or a destination (or both)")
    figure_kind = _word(cell("figure_kind")) or "new_displacement"
    return "displacement_figure", {
        "provider": source,
        "record_key": record_key(start, end, origin, destination, figure_kind, fact["unit"], source),
        "figure_kind": figure_kind,
        **fact,
        "figure_max": None,
        "is_cumulative": False,
        "origin_place_id": ctx.place_id(origin, row=number, column="origin") if origin else None,
        "origin_name_raw": origin or None,
        "destination_place_id": ctx.place_id(destination, row=number, column="destination") if destination else None,
        "destination_name_raw": destination or None,
        "period_start": start,
        "period_end": end,
        "term": None,
        "review_status": "not_required",
    }


def _site_count(ctx: LoadContext, cell, number: int, day_first, source: str) -> tuple[str, dict]:
    if not cell("date"):
        raise _RowProblem("date", "missing-cell", "a site count needs the date of the count in the date column")
    day, _, is_day = _period(cell, day_first)
    if not is_day:
        raise _RowProblem("date", "type-error", "a site count needs the day of the count, not a year; write it "
                          "as YYYY-MM-DD", cell("date"))
    counts = _counts(cell, plain=True)
    if _word(cell("qualifier")) not in ("", "exact"):
        raise _RowProblem("qualifier", "conflicting-cells", "a site count is stored as counted; leave qualifier "
                          "empty (or exact)", cell("qualifier"))
    destination = cell("destination")
    if not destination:
        raise _RowProblem("destination", "missing-cell", "a site count needs the site in the destination column")
    site_id = ctx.place_id(destination, kind="site", row=number, column="destination")
    if site_id is None:
        raise _RowProblem("destination", "unknown-value", "a site count needs a destination that is a site in the "
                          "gazetteer; the name is queued for review: load the row again once it is linked",
                          destination)
    individuals, households = counts["individuals"][0], counts["households"][0]
    return "site_population", {
        "site_id": site_id,
        "provider": source,
        "reported_date": day,
        "individuals": None if individuals is None else int(individuals),
        "households": None if households is None else int(households),
    }


def _check_columns(table, by_key: dict[str, str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in by_key]
    if "date" not in by_key and not {"period_start", "period_end"} <= set(by_key):
        missing.insert(0, "date (or period_start and period_end)")
    if missing:
        raise LoadError(f"{table.file_name}: the field template has no column {', '.join(missing)}; add the "
                        f"column{'s' if len(missing) > 1 else ''} or start again from the template download "
                        f"(columns: {', '.join(COLUMNS)})")


def normalise(parsed, ctx: LoadContext) -> Iterator[Chunk]:
    table = next((t for t in _tables(parsed) if _matches(t)), None)
    if table is None:
        raise LoadError(f"{parsed.file_name}: no sheet has the field template's columns "
                        f"({', '.join(COLUMNS)}); start again from the template download")
    by_key = {}
    for column in table.columns:
        by_key.setdefault(_header_key(column), column)
    _check_columns(table, by_key)
    report_hidden_sheets(parsed, ctx.report)
    report_sheet_notes(table, ctx.report, (table.header_row or 0) + 1)
    unknown = [c for c in table.columns if c and _header_key(c) not in COLUMNS]
    if unknown:
        ctx.report.add(None, None, "unused-column", f"{len(unknown)} column(s) are not part of the field template "
                       "and are not loaded", ", ".join(unknown), severity="warning")
    # Whether 05/12/2024 is day- or month-first is read from the whole column, so the rows are
    # held: a hand-filled template has hundreds of rows, not millions.
    rows = list(table.rows)
    if not rows:
        raise LoadError(f"{table.file_name}: the field template has its header but no rows; add one row per "
                        "figure under the header (the template's example rows show how)")
    day_first = {c: infer_day_first(row.get(by_key[c]) for _, row in rows) if c in by_key else None
                 for c in ("date", "period_start", "period_end")}
    chunks: dict[str, list] = {"displacement_figure": [], "site_population": []}
    for number, row in rows:
        def cell(column: str, row=row) -> str:
            return clean(row.get(by_key[column])) if column in by_key else ""

        try:
            record = _word(cell("record")) or "flow"
            if record not in RECORDS:
                raise _RowProblem("record", "unknown-value", f"not one of {', '.join(RECORDS)}", cell("record"))
            source = cell("source")
            if not source:
                raise _RowProblem("source", "missing-cell", "source is empty; write who reported the figure")
            if len(source) > PROVIDER_LENGTH:
                raise _RowProblem("source", "out-of-range", f"source is longer than {PROVIDER_LENGTH} characters; "
                                  "shorten it (an acronym will do)", source)
            table_name, values = (_flow if record == "flow" else _site_count)(ctx, cell, number, day_first, source)
        except _RowProblem as problem:
            # The rejected row is kept for review without its notes or extra columns (see above).
            raw = {c: row.get(by_key[c]) for c in COLUMNS if c in by_key and c != "notes"}
            ctx.report.add(number, problem.column, problem.code, str(problem), problem.value, raw_row=raw)
            continue
        chunks[table_name].append((number, values))
        if len(chunks[table_name]) >= CHUNK_ROWS:
            yield Chunk(table_name, chunks[table_name])
            chunks[table_name] = []
    for table_name, values in chunks.items():
        if values:
            yield Chunk(table_name, values)

