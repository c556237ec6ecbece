"""IDMC Internal Displacement Updates (IDU): the API's JSON or HDX's CSV, one record per event figure.

A response is a list of records with IDMC's 24 IDU fields; HDX publishes the same records as a CSV
(without the HTML popup, with a plain `description`, and sometimes an HXL hashtag row under the
header, which is skipped). Each becomes a `new_displacement`
figure keyed by the IDU `id`: IDMC revises a figure under the same id, so a later response with
new values updates the row (its previous values are kept in record_revision).

Choices, made on the India sample (idmc_idu_ind_sample.json, 107 Disaster and 6 Conflict records):
- Both displacement types are stored. displacement_figure has no column for the cause, so
  Conflict and Disaster figures are told apart only by their quote ("due to flood ...").
- The unit is "movements", not persons: IDMC counts displacements ("2 displacements (in relief
  camp)"), and one person displaced twice is counted twice; the schema never adds movements to
  persons.
- `standard_popup_text` is HTML: a bold headline IDMC generates from the figure, the sentence
  IDMC wrote from its source ("A total of 2 people were in relief camp due to flood on 7 November
  in Kerala, according to ..."), and a link to the source. Only that sentence is kept, as plain
  text, in `quote` (the stdlib's html.parser reads the HTML; nothing is rendered). It is IDMC's
  sentence, not a span of a report we hold, so quote_start/quote_end stay NULL; it is scrubbed
  of personal data like every quote (textfacts.scrub).
- Dates carry a time and `Z`, but stand for calendar days written as New Zealand midnight: the
  period is read from displacement_start/end_date as the day IDMC meant (see idu_date).
- Places: IDU records give the country and a point (latitude/longitude); displacement_figure
  holds no point, so the country is the origin (origin_name_raw "India"), looked up among
  countries only. Not in the shipped gazetteer, it warns per row and is queued once.
"""

from __future__ import annotations

import re
from datetime import date, timedelta, timezone
from html.parser import HTMLParser
from typing import Iterator

from loaders.context import Chunk, LoadContext, chunked
from loaders.parsing import CellError, clean, count_issue_code, parse_json_count, parse_timestamp
from loaders.report import LoadError
from textfacts.scrub import scrub_quote

KIND = "idmc_idu"
TITLE = "IDMC Internal Displacement Updates (IDU) response"
PUBLISHER = "Internal Displacement Monitoring Centre (IDMC)"
FORMAT = "json"
FORMATS = ("json", "delimited")
TARGET = "facts"
PROVIDER = "IDMC"
UNIT = "movements"  # see the module docstring
EXPECTED_COLUMNS = ("id", "country", "iso3", "figure", "qualifier", "displacement_type",
                    "displacement_start_date", "displacement_end_date", "standard_popup_text")
DETECT_FIELDS = ("id", "figure", "qualifier", "displacement_type", "displacement_start_date")
# IDU qualifier → db/vocab QUALIFIERS. The India sample has "total", "approximately" and "more
# than"; the others are the same words parsing._HEDGES reads in text.
QUALIFIERS = {
    "total": "exact",
    "approximately": "approx",
    "more than": "at_least",
    "at least": "at_least",
    "less than": "at_most",
    "fewer than": "at_most",
    "up to": "at_most",
}
IDU_DAY_OFFSET = timezone(timedelta(hours=13))  # see idu_date


def detect(document) -> bool:
    if document.format != "json":  # HDX's CSV
        return set(DETECT_FIELDS) <= set(document.columns)
    data = document.data
    return (isinstance(data, list) and bool(data) and isinstance(data[0], dict)
            and set(DETECT_FIELDS) <= set(data[0]))


class _SourceSentence(HTMLParser):
    """Collects the text outside the popup's bold headline and its source link (and any script)."""

    SKIPPED = {"b", "strong", "a", "script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.depth += 1
        elif tag in ("br", "p", "div", "li"):
            self.parts.append(" ")  # a line break separates words, inline tags do not

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def source_sentence(popup_html) -> str | None:
    """The plain-text source sentence of an IDU `standard_popup_text`, or None."""
    if not isinstance(popup_html, str) or not popup_html.strip():
        return None
    parser = _SourceSentence()
    parser.feed(popup_html)
    parser.close()
    text = re.sub(r"\s+", " ", "".join(parser.parts)).strip()
    return text or None


def idu_date(text: str) -> date:
    """The calendar day of an IDU timestamp: "2023-11-06T11:00:00.000Z" is 7 November 2023.

    IDU writes each day as its midnight in New Zealand time (11:00Z under NZ summer time, 12:00Z
    otherwise): in the India sample every popup headline, event_name and sentence gives the day
    after the UTC date. Read at UTC+13, both forms fall on the intended day.
    """
    instant = parse_timestamp(text)
    if instant.tzinfo is None:  # a plain date or local time: the day as written
        return instant.date()
    return instant.astimezone(IDU_DAY_OFFSET).date()


def _date(record: dict, *columns: str):
    """(column, day) from the first of `columns` that holds a timestamp."""
    for column in columns:
        if isinstance(record.get(column), str) and clean(record[column]):
            return column, idu_date(record[column])
    return columns[0], None


def _normalise_record(ctx: LoadContext, record, number: int) -> dict | None:
    if not isinstance(record, dict):
        ctx.report.add(number, None, "type-error", "an IDU record must be a JSON object", str(record)[:80])
        return None
    record_id = record.get("id")
    if isinstance(record_id, bool) or not isinstance(record_id, (int, str)) or not str(record_id).strip():
        ctx.report.add(number, "id", "missing-cell", "id is empty; every IDU record has one", record_id,
                       raw_row=record)
        return None
    column = "figure"
    try:
        figure = parse_json_count(record.get("figure"))
        column = "displacement_start_date"
        start_column, start = _date(record, "displacement_start_date", "displacement_date")
        column = "displacement_end_date"
        _, end = _date(record, "displacement_end_date", "displacement_date")
    except CellError as exc:
        code = count_issue_code(exc)
        ctx.report.add(number, column, code, str(exc), record.get(column), raw_row=record)
        return None
    written = clean(record.get("qualifier")) if isinstance(record.get("qualifier"), str) else ""
    for column, missing in (("figure", figure is None), ("qualifier", not written),
                            (start_column, start is None)):
        if missing:
            ctx.report.add(number, column, "missing-cell", f"{column} is empty; every IDU record has one",
                           record.get(column), raw_row=record)
            return None
    qualifier = QUALIFIERS.get(written.casefold())
    if qualifier is None:
        ctx.report.add(number, "qualifier", "unknown-value",
                       f"not an IDU qualifier this loader knows ({', '.join(QUALIFIERS)}); add its meaning to "
                       "loaders/sources/idmc_idu.py", written, raw_row=record)
        return None
    country = clean(record.get("country")) if isinstance(record.get("country"), str) else ""
    return {
        "provider": PROVIDER,
        "record_key": str(record_id).strip(),
        "figure_kind": "new_displacement",
        "unit": UNIT,
        "qualifier": qualifier,
        "figure": figure,
        "is_cumulative": False,
        "origin_place_id": ctx.place_id(country, pcode=clean(str(record.get("iso3") or "")) or None, kind="country",
                                        row=number, column="country"),
        "origin_name_raw": country or None,
        "destination_place_id": None,
        "destination_name_raw": None,
        "period_start": start,
        "period_end": end or start,
        "term": "displaced",
        "review_status": "not_required",
        "quote": scrub_quote(source_sentence(record.get("standard_popup_text"))
                             or (clean(record.get("description")) if isinstance(record.get("description"), str)
                                 else None) or None),
    }


def _is_hashtag_row(row: dict) -> bool:
    values = [v.strip() for v in row.values() if isinstance(v, str) and v.strip()]
    return bool(values) and all(v.startswith("#") for v in values)


def normalise(document, ctx: LoadContext) -> Iterator[Chunk]:
    if document.format != "json":  # HDX's CSV: rows keyed by the same field names
        rows = ((number, row) for number, row in document.tables[0].rows if not _is_hashtag_row(row))
        yield from chunked("displacement_figure", ((number, _normalise_record(ctx, dict(row), number))
                                                   for number, row in rows))
        return
    records = document.data
    if not isinstance(records, list):
        raise LoadError(f"{document.file_name}: an IDU response is a JSON list of records; save the API's "
                        "whole answer")
    if not records:
        raise LoadError(f"{document.file_name}: the IDU response holds no records; check the request's country "
                        "and dates")
    yield from chunked("displacement_figure", ((number, _normalise_record(ctx, record, number))
                                               for number, record in enumerate(records, start=1)))
