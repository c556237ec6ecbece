"""ACLED's monthly aggregates as HDX publishes them: events (and fatalities) per area and month.

The files: one event category per file ("political violence events and fatalities",
"civilian targeting events and fatalities", "demonstration events"), as an XLSX workbook or as
a CSV with an HXL hashtag row (`#event+num`, `#fatality+num`, `#date+month`, `#date+year`).
A workbook holds a licence sheet (TOU), which is not data, and one or more data sheets:
- per admin 2 ("HRP" sheets): Country, Admin1, Admin2, ISO3, Admin2 Pcode, Admin1 Pcode,
  Month, Year, Events[, Fatalities];
- per country ("Non_HRP", or "Data" in a single country's file): Country, Month, Year,
  Events[, Fatalities].
The sheets are read by their columns, not their names: a sheet with an area, Month, Year and
Events is data; any other sheet is named in the report as not loaded.

Every row becomes one `event_count` row (like HDX HAPI's conflict_event), keyed by its own area:
the admin-2 p-code, or the country's ISO3 code for a country row. Rows of different levels are
kept apart by `admin_level` and never added together. A month with no events is a row with 0
(the files list them), and loads as 0. Demonstration files have no fatalities column: the
fatalities stay NULL, never 0.

The category is not in the cells: the files say it in their name (HDX names them
"...political_violence...", "...civilian_targeting...", "...demonstration..."), so the file's
name decides, and a file whose name says none of them is refused with how to rename it.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from datetime import date
from typing import Iterator

from loaders.context import Chunk, LoadContext
from loaders.parsing import CellError, clean, count_issue_code, parse_int
from loaders.readers.document import Document
from loaders.readers.workbook import report_hidden_sheets, report_sheet_notes
from loaders.report import LoadError
from loaders.sources._countries import by_iso3, by_name, country_place

KIND = "acled_aggregate"
TITLE = "ACLED monthly events and fatalities per area (HDX)"
PUBLISHER = "ACLED, via HDX"
FORMAT = "workbook"
FORMATS = ("workbook", "delimited")
TARGET = "facts"
EXPECTED_COLUMNS = ("Country", "Admin1", "Admin2", "ISO3", "Admin2 Pcode", "Admin1 Pcode", "Month", "Year", "Events",
                    "Fatalities")
PROVIDER = "ACLED (HDX)"
CHUNK_ROWS = 5_000
# The file name words that say the category (HDX's names use '_', '-' or spaces between words).
CATEGORY_WORDS = (
    ("political_violence", re.compile(r"political[\W_]*violence", re.I)),
    ("civilian_targeting", re.compile(r"civilian[\W_]*targeting", re.I)),
    ("demonstration", re.compile(r"demonstration", re.I)),
)
# The columns of each level, by the names the files use (any case) or their HXL hashtags.
_ALIASES = {
    "country": ("country", "#country+name"),
    "iso3": ("iso3", "#country+code"),
    "admin1": ("admin1", "#adm1+name"),
    "admin2": ("admin2", "#adm2+name"),
    "admin1_pcode": ("admin1 pcode", "#adm1+code"),
    "admin2_pcode": ("admin2 pcode", "#adm2+code"),
    "month": ("month", "#date+month"),
    "year": ("year", "#date+year"),
    "events": ("events", "#event+num"),
    "fatalities": ("fatalities", "#fatality+num"),
}
_PLACE_KIND = {1: "governorate", 2: "district"}
_MONTHS = {name.casefold(): number for number, name in enumerate(calendar.month_name) if name}


def _columns(names, hashtags=()) -> dict[str, str]:
    """Our name → the sheet's column, found by its header or by the hashtag under it."""
    found: dict[str, str] = {}
    by_header = {str(n).strip().casefold(): n for n in names if n}
    by_tag = {str(t).strip().casefold().replace(" ", ""): n for n, t in zip(names, hashtags) if n and t}
    for ours, spellings in _ALIASES.items():
        for spelling in spellings:
            column = by_header.get(spelling) or by_tag.get(spelling)
            if column is not None:
                found[ours] = column
                break
    return found


def _hashtag_row(sheet) -> list[str]:
    """The HXL row under the header (HDX's CSV form), if the sheet's first row is one."""
    preview = getattr(sheet, "preview", None) or []
    first = (sheet.header_row or 1) if hasattr(sheet, "header_row") else 1
    if len(preview) > first:
        cells = [str(c).strip() if c is not None else "" for c in preview[first]]
        if any(cells) and all(c.startswith("#") for c in cells if c):
            return cells
    return []


def _is_data(columns: dict) -> bool:
    return {"month", "year", "events"} <= set(columns) and bool({"country", "iso3", "admin2_pcode"} & set(columns))


def _tables(document: Document) -> list:
    return document.tables


def detect(parsed) -> bool:
    return any(_is_data(_columns(t.columns, _hashtag_row(t))) for t in _tables(parsed))


def category_of(file_name: str) -> str:
    for category, words in CATEGORY_WORDS:
        if words.search(file_name):
            return category
    raise LoadError(
        f"{file_name}: an ACLED aggregate file does not say its event category in its cells, only in its name, and "
        "this name says none. Rename the file to say which it holds, as HDX names them: 'political_violence', "
        "'civilian_targeting' or 'demonstration' (e.g. acled_political_violence_events_by_month.xlsx)")


def _period(month, year) -> tuple[date, date]:
    text = clean(month)
    number = _MONTHS.get(text.casefold())
    if number is None:
        try:
            number = parse_int(text)
        except CellError:
            number = None
    if number is None or not 1 <= number <= 12:
        raise CellError(f"{text!r} is not a month; write its name (January) or number (1)")
    try:
        year_number = parse_int(year)
    except CellError:
        year_number = None
    if year_number is None or not 1900 <= year_number <= 2100:
        raise CellError(f"{clean(year)!r} is not a year; write it as four digits (2024)")
    return date(year_number, number, 1), date(year_number, number, calendar.monthrange(year_number, number)[1])


def _named_area_key(country, admin1: str, admin2: str | None) -> str | None:
    """A stable key, within the area code's 20 characters, for an area the file gives no p-code."""
    if country is None or not (admin1 or admin2):
        return None
    digest = hashlib.sha256(f"{admin1}|{admin2 or ''}".casefold().encode("utf-8")).hexdigest()[:12]
    return f"{country.iso3}-{digest}"


class _Areas:
    """Each row's area: its admin-2 p-code or its country's ISO3, and the place, once per area."""

    def __init__(self, ctx: LoadContext):
        self.ctx = ctx
        self.places: dict = {}

    def country(self, iso3, name):
        return by_iso3(iso3) or by_name(name)

    def place_id(self, level: int, pcode: str, country, name: str | None, admin1_pcode: str, row: int,
                 column: str) -> int | None:
        gazetteer = self.ctx.gazetteer
        if level == 0:
            ref = country_place(gazetteer, country)
            return ref.place_id if ref else None
        ref = gazetteer.by_key(pcode) if not pcode.startswith(f"{getattr(country, 'iso3', '')}-") else None
        if ref is not None:
            self.ctx.check_pcode_name(ref, pcode, name, row=row, column=column)
            return ref.place_id
        home = country_place(gazetteer, country)
        within = admin1_pcode if admin1_pcode and gazetteer.by_key(admin1_pcode) is not None else (
            home.place_key if home else None)
        if within is not None and name:
            # A country the gazetteer holds, with a code it does not: the name decides, inside it only.
            return self.ctx.place_id(name, within=within, kind=_PLACE_KIND[level], row=row, column=column,
                                     only_within=True)
        self.ctx.report.add(row, column, "unknown-pcode", (
            f"{pcode} is not in the gazetteer, nor is its country; the count is kept with the code as given and "
            "no place. Load the OCHA p-code list of its country before this file to place it"), pcode,
            severity="warning")
        return None


def _rows(table, columns: dict, category: str, areas: _Areas, ctx: LoadContext, where) -> Iterator:
    level = 2 if "admin2_pcode" in columns else 0
    has_fatalities = "fatalities" in columns
    hashtags = bool(_hashtag_row(table))
    for number, row in table.rows:
        row_level = level
        if hashtags:  # the HXL row under the header is not data
            hashtags = False
            ctx.header_rows += 1
            continue
        get = lambda ours: row.get(columns[ours]) if ours in columns else None  # noqa: E731
        try:
            period_start, period_end = _period(get("month"), get("year"))
        except CellError as exc:
            ctx.report.add(number, where(columns["month"]), "type-error", str(exc), clean(get("month")),
                           raw_row=dict(row))
            continue
        counts = []
        for ours in ("events", "fatalities"):
            try:
                counts.append(parse_int(get(ours)))
            except CellError as exc:
                ctx.report.add(number, where(columns[ours]), count_issue_code(exc), str(exc), clean(get(ours)),
                               raw_row=dict(row))
                break
        else:
            events, fatalities = counts
            if events is None:
                ctx.report.add(number, where(columns["events"]), "missing-cell",
                               "Events is empty; write the month's count, 0 when there were none", raw_row=dict(row))
                continue
            country = areas.country(get("iso3"), get("country"))
            if level == 2:
                pcode, name = clean(get("admin2_pcode")), clean(get("admin2")) or None
                column = columns["admin2_pcode"]
                if not pcode:
                    # ACLED counts some areas that have no OCHA p-code (South Sudan's states under
                    # Sudan before 2011, Myanmar's self-administered zones): the count is sound.
                    pcode = _named_area_key(country, clean(get("admin1")), name)
                    if name is None:  # an area of admin 1 only (Ukraine's "Black Sea"): counted at that level
                        name, row_level = clean(get("admin1")) or None, 1
                    if pcode is None:
                        ctx.report.add(number, where(column), "missing-cell", (
                            "the admin 2 p-code is empty and the row names no country and area, so the count has "
                            "no area; give the area's p-code"), raw_row=dict(row))
                        continue
                    ctx.report.add(number, where(column), "missing-cell", (
                        "the admin 2 p-code is empty; the count is kept under a key made from its country and "
                        f"area names ({pcode}) and placed by its name inside its country"), name, severity="warning")
            else:
                if country is None:
                    ctx.report.add(number, where(columns.get("country") or columns.get("iso3")), "unknown-value", (
                        "the country is not one the country table knows, so the count has no area; write the "
                        "country's ISO3 code or its English name"), clean(get("country")) or clean(get("iso3")),
                        raw_row=dict(row))
                    continue
                pcode, name, column = country.iso3, country.name, columns.get("country") or columns.get("iso3")
            yield number, {
                "provider": PROVIDER,
                "area_pcode": pcode,
                "area_name_raw": name,
                "place_id": areas.place_id(row_level, pcode, country, name, clean(get("admin1_pcode")), number,
                                           where(column)),
                "admin_level": row_level,
                "event_category": category,
                "period_start": period_start,
                "period_end": period_end,
                "events": events,
                "fatalities": fatalities if has_fatalities else None,
            }


def normalise(parsed, ctx: LoadContext) -> Iterator[Chunk]:
    category = category_of(parsed.file_name)
    tables = _tables(parsed)
    in_workbook = parsed.format == "workbook"
    data, skipped = [], []
    for table in tables:
        columns = _columns(table.columns, _hashtag_row(table))
        (data if _is_data(columns) else skipped).append((table, columns))
    if not data:
        raise LoadError(f"{parsed.file_name}: no sheet has the columns of an ACLED aggregate (Country or ISO3 or "
                        "Admin2 Pcode, with Month, Year and Events); export the file again from HDX")
    report_hidden_sheets(parsed, ctx.report)
    if in_workbook and skipped:
        ctx.report.add(None, None, "unused-column", "these sheets hold no monthly counts (a licence, notes or a "
                       "summary) and are not loaded", ", ".join(t.sheet for t, _ in skipped), severity="warning")
    areas = _Areas(ctx)
    batch: list = []
    for table, columns in data:
        sheet = table.sheet if in_workbook else None
        where = (lambda column, sheet=sheet: f"{sheet}!{column}") if sheet else (lambda column: column)
        report_sheet_notes(table, ctx.report, (table.header_row or 0) + 1)
        for item in _rows(table, columns, category, areas, ctx, where):
            batch.append(item)
            if len(batch) >= CHUNK_ROWS:
                yield Chunk("event_count", batch)
                batch = []
    if batch:
        yield Chunk("event_count", batch)
