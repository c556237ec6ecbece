"""OCHA Syria IDP Task Force monthly IDP-movement workbook (.xlsx) → displacement figures.

The Task Force (OCHA Turkey hub) publishes one workbook a month; the sheets keep their template
names, only the month prefix changes:

- `<Month>_IDPflow`: one row per community that IDPs arrived in during the month (Mohafaza,
  Mantika, Nahya, Community: names and p-codes; IDP_Flow_Estimation) → figure_kind "arrival",
  destination the community. `<Month>_Retflow` is the same for returns (Ret_Flow_Estimation)
  → "return", destination the community people went back to.
- `Table-Origin_vs_Departure`: governorate of origin (rows) by governorate of arrival (columns)
  → "new_displacement" from origin to destination. `ReturnTABLE-Origin_vs_Departure`: where
  returnees had been displaced (rows) by governorate of return (columns) → "return".
- `IDPFlow_Summarysince2016`, `RetFlow_Summary_SinceAugust2018`: governorate by month since 2016
  (returns since August 2018), with yearly and running totals. **Not loaded.** Each month's
  column is the per-governorate total of that month's community sheet (checked here for the
  month loaded), so loading it would count the same movements twice; earlier months belong to
  earlier workbooks, and the "Total" columns are cumulative sums of the months beside them.
  They are read for the period and as a cross-check only.

The Task Force counts movements, not people (an IDP who moves twice in a month counts twice;
the summary's last lines are "movements per day"), so the unit is "movements".

Do not add the two granularities together: a matrix's column totals equal the community
sheet's totals per governorate: the same movements, grouped twice. Arrivals and new
displacements differ in kind; returns do not, so a sum of returns must take either the
community rows (record_key "...|community|...", no origin) or the governorate matrix
("...|governorate|...", always an origin), never both.

Period. The community sheets hold no date, and their names give a month without a year
("December_IDPflow"). The summary sheet gains one column per month as the Task Force reports
it, so its latest filled month is the month of this workbook's figures; that month is loaded
(first to last day), and its per-governorate figures are checked against the community sheet.
When the sheet names give another month, that is reported as a period-mismatch: the template's
sheet names are not always renamed. syria_idp_flows_ocha_dec2018_modified.xlsx is such a file:
its sheets say December, but the summaries file exactly these totals under January 2019, and
its December 2018 column holds other figures; its figures are loaded as January 2019.

Other quirks of that file:
- Matrix totals are formulas whose saved results are read (never evaluated). The Aleppo row's
  "Grand Total" was overwritten with 3 (its cells add up to 18,831.82), and the corner total
  sums the column above it, so both are reported as total-mismatch. Totals are never loaded.
- The matrices spread community figures over origins, so cells are fractional estimates
  (16034.601...): they are kept as they are with the qualifier "approx". A value within 1e-6
  of a whole number (6.999999999999999) is Excel's rounding of whole shares and is that number.
- A matrix has a cell for every pair of governorates; 0 or empty means no movement was
  recorded, and is not loaded as a figure.
- The "Unknown" origin row is kept: origin_place_id NULL, origin_name_raw "Unknown".
- Community p-codes (C1007) are looked up first; the shipped gazetteer has none, so the name is
  resolved within the sub-district or district p-code given; a name it does not know keeps that
  sub-district or district as the place, the name as written, and is queued for review.
"""

from __future__ import annotations

import calendar
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Iterator

from loaders.context import Chunk, LoadContext
from loaders.parsing import CellError, ImplausibleCount, clean, count_issue_code, parse_count
from loaders.readers.document import Document
from loaders.readers.workbook import FormulaWithoutValue, Sheet, report_hidden_sheets, report_sheet_notes
from loaders.report import LoadError

KIND = "idptf_workbook"
COUNTRY = "SYR"  # the Syria IDP Task Force's workbook: its rows are Syrian unless --country says otherwise
TITLE = "OCHA Syria IDP Task Force monthly IDP movements workbook"
PUBLISHER = "OCHA (Syria IDP Task Force)"
FORMAT = "workbook"
TARGET = "facts"
EXPECTED_COLUMNS = ("Mohafaza", "Mohafaza PCODE", "Mantika", "Mantika PCODE", "Nahya", "Nahya PCODE",
                    "Community", "Community PCODE", "IDP_Flow_Estimation or Ret_Flow_Estimation")
PROVIDER = "OCHA IDP Task Force"
UNIT = "movements"
CHUNK_ROWS = 5_000
TOTAL_LABEL = "grand total"
UNKNOWN_ORIGIN = "unknown"
MONTHS = {name.casefold(): number for number, name in enumerate(calendar.month_name) if name}
_SUMMARY_MONTH = re.compile(r"((?:19|20)\d\d) ([A-Za-z]+)")
_NAME_MONTH = re.compile(r"^([A-Za-z]+)[_ ]")


class UncachedFormula(CellError):
    """A formula cell whose result was never saved: there is no value to load."""


@dataclass(frozen=True)
class Flow:
    """IDP movements or returns: each has a community list, a governorate matrix and a summary."""

    community_kind: str  # figure_kind of the community rows (the matrix rows: new_displacement or return)
    value_column: str
    is_return: bool


IDP = Flow("arrival", "IDP_Flow_Estimation", False)
RETURN = Flow("return", "Ret_Flow_Estimation", True)


def detect(workbook) -> bool:
    return any("Community PCODE" in s.columns and (IDP.value_column in s.columns or RETURN.value_column in s.columns)
               for s in workbook.tables)


# --- cells -------------------------------------------------------------------------------------

def read_figure(value) -> tuple[float | None, str]:
    """A movement estimate as (figure, qualifier): fractional estimates stay fractional, "approx"."""
    if isinstance(value, FormulaWithoutValue):
        raise UncachedFormula(f"cell {value.cell} holds the formula {value.formula} but no saved result; open "
                              "the workbook in Excel or LibreOffice and save it, so the result is stored")
    if isinstance(value, bool):
        raise CellError(f"{value!r} is not a number")
    if isinstance(value, str):
        value, _ = parse_count(value)
    if value is None:
        return None, "exact"
    if not isinstance(value, (int, float)):
        raise CellError(f"{value!r} is not a number")
    if not math.isfinite(value):
        raise ImplausibleCount(f"{value!r} is not a finite number; write the count as digits")
    if value < 0:
        raise CellError(f"{value!r} is negative; a count cannot be below zero")
    if abs(value - round(value)) < 1e-6:
        return float(round(value)), "exact"
    return float(value), "approx"


def _issue_code(error: CellError) -> str:
    if isinstance(error, UncachedFormula):
        return "uncached-formula"
    return count_issue_code(error)


def _shown(number: float) -> str:
    return f"{number:,.0f}" if abs(number - round(number)) < 1e-6 else f"{number:,.2f}"


def _same_total(stated: float, summed: float) -> bool:
    return math.isclose(stated, summed, rel_tol=1e-9, abs_tol=1e-6)


# --- sheets and period ---------------------------------------------------------------------------

def _one_sheet(workbook: Document, role: str, matches) -> Sheet | None:
    found = [s for s in workbook.tables if matches(s)]
    if len(found) > 1:
        raise LoadError(f"{workbook.file_name}: several sheets look like the {role} "
                        f"({', '.join(s.sheet for s in found)}); keep one month's sheets per workbook")
    return found[0] if found else None


def _community_sheet(workbook: Document, flow: Flow) -> Sheet | None:
    return _one_sheet(workbook, f"{flow.value_column} list", lambda s: flow.value_column in s.columns)


def _matrix_sheet(workbook: Document, flow: Flow) -> Sheet | None:
    return _one_sheet(workbook, "return matrix" if flow.is_return else "IDP movement matrix",
                      lambda s: s.columns[:1] == ("Origin",) and ("return" in s.sheet.casefold()) == flow.is_return)


def _summary_sheet(workbook: Document, flow: Flow) -> Sheet | None:
    prefix = "retflow_summary" if flow.is_return else "idpflow_summary"
    return _one_sheet(workbook, f"{prefix} sheet", lambda s: s.sheet.casefold().startswith(prefix))


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    column: str | None = None  # the summary column the month was read from
    by_governorate: dict | None = None  # casefolded governorate → (summary row number, name, figure)


def _latest_summary_month(sheet: Sheet) -> Period | None:
    """The summary's latest month with a figure for any governorate, and that month's figures.

    Its columns are "<year> <month>" (the reader joins the merged year row to the month row).
    """
    months = {}
    for column in sheet.columns:
        match = _SUMMARY_MONTH.fullmatch(column)
        if match and match[2].casefold() in MONTHS:
            months[column] = (int(match[1]), MONTHS[match[2].casefold()])
    label = sheet.columns[0] if sheet.columns else None
    governorates = []
    for number, row in sheet.rows:
        name = clean(row.get(label))
        if name.casefold() == TOTAL_LABEL:
            break  # below: the Grand Total, averages per day and per month
        if name:
            governorates.append((number, name, row))
    filled = [column for column in months
              if any(isinstance(row.get(column), (int, float)) for _, _, row in governorates)]
    if not filled:
        return None
    column = max(filled, key=months.get)
    year, month = months[column]
    values = {name.casefold(): (number, name, row.get(column)) for number, name, row in governorates}
    return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), column, values)


def _periods(workbook: Document, ctx: LoadContext) -> dict[Flow, Period]:
    found = {}
    for flow in (IDP, RETURN):
        summary = _summary_sheet(workbook, flow)
        period = _latest_summary_month(summary) if summary else None
        if period:
            found[flow] = (summary, period)
    if not found:
        raise LoadError(f"{workbook.file_name}: cannot tell which month the figures are for: the sheets name a "
                        "month but no year, and there is no IDPFlow_Summary or RetFlow_Summary sheet with a "
                        "month filled in; load the workbook as the Task Force published it, with its summary "
                        "sheets")
    periods = {}
    for flow in (IDP, RETURN):
        if flow in found:
            summary, period = found[flow]
        else:  # e.g. returns without their summary: the same month, nothing to check against
            summary, period = next(iter(found.values()))
            period = Period(period.start, period.end)
        periods[flow] = period
        community = _community_sheet(workbook, flow)
        named = _NAME_MONTH.match(community.sheet) if community else None
        if named and named[1].casefold() in MONTHS and MONTHS[named[1].casefold()] != period.start.month:
            ctx.report.add(None, community.sheet, "period-mismatch",
                           f"the sheet name says {named[1]}, but {summary.sheet} files this workbook's figures "
                           f"under its latest month, {period.start:%B %Y}; the figures are loaded as "
                           f"{period.start:%B %Y}", community.sheet, severity="warning")
    return periods


# --- rows --------------------------------------------------------------------------------------

def _figure_row(flow_kind: str, key: str, figure: float, qualifier: str, period: Period, *,
                origin_id=None, origin_raw=None, destination_id=None, destination_raw=None) -> dict:
    return {
        "provider": PROVIDER,
        "record_key": f"{period.start:%Y-%m}|{flow_kind}|{key}",
        "figure_kind": flow_kind,
        "unit": UNIT,
        "qualifier": qualifier,
        "figure": figure,
        "is_cumulative": False,
        "origin_place_id": origin_id,
        "origin_name_raw": origin_raw,
        "destination_place_id": destination_id,
        "destination_name_raw": destination_raw,
        "period_start": period.start,
        "period_end": period.end,
        "review_status": "not_required",
    }


@dataclass
class GovernorateSums:
    """The community rows added up per governorate, to hold against the summary sheet."""

    names: dict[str, str] = field(default_factory=dict)  # casefolded → as the sheet writes it
    totals: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    incomplete: set[str] = field(default_factory=set)  # a row could not be read: the total is unknown


def _community_rows(sheet: Sheet, flow: Flow, period: Period, ctx: LoadContext,
                    sums: GovernorateSums) -> Iterator[tuple[int, dict]]:
    """One figure per community row."""
    field_name = f"{sheet.sheet}!{flow.value_column}"
    for number, row in sheet.rows:
        governorate = clean(row.get("Mohafaza"))
        sums.names.setdefault(governorate.casefold(), governorate)
        try:
            figure, qualifier = read_figure(row.get(flow.value_column))
            if figure is None:
                raise CellError(f"{flow.value_column} is empty; every community row gives its number of movements")
        except CellError as exc:
            code = "missing-cell" if row.get(flow.value_column) in (None, "") else _issue_code(exc)
            ctx.report.add(number, field_name, code, str(exc), row.get(flow.value_column), raw_row=row)
            sums.incomplete.add(governorate.casefold())
            continue
        sums.totals[governorate.casefold()] += figure
        name, pcode = clean(row.get("Community")), clean(row.get("Community PCODE")).upper()
        areas = [code for code in (clean(row.get(c)).upper() for c in ("Nahya PCODE", "Mantika PCODE",
                                                                           "Mohafaza PCODE"))
                 if code and ctx.gazetteer.by_key(code) is not None]
        place_id = ctx.place_id(name, pcode=pcode or None, within=areas[0] if areas else None, kind="community",
                                row=number, column=f"{sheet.sheet}!Community")
        if place_id is None and areas:
            # The community is queued for review; meanwhile the row counts in its sub-district or district.
            place_id = ctx.gazetteer.by_key(areas[0]).place_id
        # The community p-code is the row's identity; without one, its area and name are.
        key = f"community|{pcode}" if pcode else f"community|{areas[0] if areas else governorate}:{name.casefold()}"
        yield number, _figure_row(flow.community_kind, key, figure, qualifier, period,
                                  destination_id=place_id, destination_raw=name or None)


def _check_summary(summary: Sheet | None, period: Period, sums: GovernorateSums, ctx: LoadContext,
                   community: Sheet) -> None:
    """The summary's figure for the month loaded, per governorate, against the community rows."""
    if summary is None or period.by_governorate is None:
        return
    for key in sorted((set(sums.totals) | set(period.by_governorate)) - sums.incomplete):
        number, name, stated = period.by_governorate.get(key, (None, sums.names.get(key, key), None))
        stated_value = stated if isinstance(stated, (int, float)) else 0.0
        summed = sums.totals.get(key, 0.0)
        if not _same_total(stated_value, summed):
            ctx.report.add(number, f"{summary.sheet}!{period.column}", "total-mismatch",
                           f"{summary.sheet} gives {name} {_shown(stated_value)} for {period.column}, but the rows "
                           f"of {community.sheet} add up to {_shown(summed)}", stated, severity="warning")


def _matrix_rows(sheet: Sheet, flow: Flow, period: Period, ctx: LoadContext) -> Iterator[tuple[int, dict]]:
    figure_kind = "return" if flow.is_return else "new_displacement"
    origin_column = sheet.columns[0]
    total_column = next((c for c in sheet.columns if c.casefold() == TOTAL_LABEL), None)
    destinations = [c for c in sheet.columns[1:] if c and c != total_column]
    destination_ids = {c: ctx.place_id(c, kind="governorate", row=sheet.header_row, column=f"{sheet.sheet}!{c}")
                       for c in destinations}
    column_sums: dict[str, float] = defaultdict(float)
    unreadable: set[str] = set()  # rows and columns with a cell that could not be read: not checked
    total_row = None
    for number, row in sheet.rows:
        origin = clean(row.get(origin_column))
        if origin.casefold() == TOTAL_LABEL:
            total_row = (number, row)
            continue
        if not origin:
            ctx.report.add(number, f"{sheet.sheet}!{origin_column}", "missing-cell",
                           "the row has figures but no origin governorate; write the origin or delete the row",
                           None, raw_row=row)
            continue
        is_unknown = origin.casefold() == UNKNOWN_ORIGIN
        origin_id = None if is_unknown else ctx.place_id(origin, kind="governorate", row=number,
                                                          column=f"{sheet.sheet}!{origin_column}")
        origin_key = "Unknown" if is_unknown else (ctx.gazetteer.places[origin_id].place_key if origin_id else origin)
        row_sum = 0.0
        for column in destinations:
            try:
                figure, qualifier = read_figure(row.get(column))
            except CellError as exc:
                ctx.report.add(number, f"{sheet.sheet}!{column}", _issue_code(exc), str(exc), row.get(column),
                               raw_row=row)
                unreadable.update((origin, column))
                continue
            if not figure:
                continue  # no movement recorded between the two
            row_sum += figure
            column_sums[column] += figure
            destination_id = destination_ids[column]
            destination_key = ctx.gazetteer.places[destination_id].place_key if destination_id else column
            yield number, _figure_row(figure_kind, f"governorate|{origin_key}>{destination_key}", figure,
                                      qualifier, period, origin_id=origin_id, origin_raw=origin,
                                      destination_id=destination_id, destination_raw=column)
        if total_column and origin not in unreadable:
            _check_total(ctx, sheet, number, total_column, row.get(total_column), row_sum, f"the row of {origin}")
    if total_row and total_column:
        number, row = total_row
        for column in destinations:
            if column not in unreadable:
                _check_total(ctx, sheet, number, column, row.get(column), column_sums[column],
                             f"the column of {column}")
        if not unreadable:
            _check_total(ctx, sheet, number, total_column, row.get(total_column), sum(column_sums.values()),
                         "every cell of the table")


def _check_total(ctx: LoadContext, sheet: Sheet, number: int, column: str, stated, summed: float, what: str) -> None:
    field = f"{sheet.sheet}!{column}"
    if isinstance(stated, FormulaWithoutValue):
        ctx.report.add(number, field, "uncached-formula", f"the total in cell {stated.cell} is the formula "
                       f"{stated.formula} with no saved result, so it cannot be checked; totals are not loaded",
                       stated.formula, severity="warning")
        return
    try:
        value, _ = read_figure(stated)
    except CellError as exc:
        ctx.report.add(number, field, "type-error", f"the total cannot be read: {exc}", stated, severity="warning")
        return
    if not _same_total(value or 0.0, summed):
        ctx.report.add(number, field, "total-mismatch",
                       f"the Grand Total is {_shown(value or 0.0)}, but {what} adds up to {_shown(summed)}; the "
                       "cells are loaded, the total is not", stated, severity="warning")


# --- the adapter -------------------------------------------------------------------------------

def normalise(workbook: Document, ctx: LoadContext) -> Iterator[Chunk]:
    periods = _periods(workbook, ctx)
    report_hidden_sheets(workbook, ctx.report)
    rows: list = []
    for flow in (IDP, RETURN):
        community = _community_sheet(workbook, flow)
        if community is not None:
            report_sheet_notes(community, ctx.report, (community.header_row or 0) + 1)
            sums = GovernorateSums()
            for item in _community_rows(community, flow, periods[flow], ctx, sums):
                rows.append(item)
                if len(rows) >= CHUNK_ROWS:
                    yield Chunk("displacement_figure", rows)
                    rows = []
            _check_summary(_summary_sheet(workbook, flow), periods[flow], sums, ctx, community)
    for flow in (IDP, RETURN):
        matrix = _matrix_sheet(workbook, flow)
        if matrix is not None:
            report_sheet_notes(matrix, ctx.report, (matrix.header_row or 0) + 1)
            for item in _matrix_rows(matrix, flow, periods[flow], ctx):
                rows.append(item)
                if len(rows) >= CHUNK_ROWS:
                    yield Chunk("displacement_figure", rows)
                    rows = []
    if rows:
        yield Chunk("displacement_figure", rows)
