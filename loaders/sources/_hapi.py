"""What the HDX HAPI global files have in common: their area columns, periods and error column.

Both hapi_conflict_event and hapi_idps read files in HAPI's table layout: a row is about one
area at one admin level (`admin_level` 0, 1 or 2), named by the provider (`provider_admin1_name`,
`provider_admin2_name`) and coded by HAPI (`location_code` ISO3, `admin1_code`, `admin2_code`).
HAPI has already rewritten provider codes into its p-code format (its `warning` column says so,
e.g. "PCode length TD07->TCD07"); those notes are not row problems and are not reported.

Places come from the p-code. A code the gazetteer does not know is kept as given; its name is
looked up only inside an area the gazetteer does hold (its governorate, or its country), so
"Ouest" in Haiti can never become a place elsewhere. Otherwise the row is kept without a place
and reported as `unknown-pcode`: loading the OCHA p-code list for that country before the file
links it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Mapping

from loaders.context import LoadContext
from loaders.parsing import CellError, clean, parse_date, parse_int

PROVIDER = "HDX HAPI"
PERIOD_COLUMNS = ("reference_period_start", "reference_period_end")
_CODE_COLUMN = {0: "location_code", 1: "admin1_code", 2: "admin2_code"}
_PLACE_KIND = {1: "governorate", 2: "district"}


@dataclass(frozen=True)
class Area:
    level: int
    pcode: str  # as HAPI gave it: ISO3 at level 0, else the admin-1 or admin-2 p-code
    name_raw: str | None
    code_column: str


class RowProblem(Exception):
    """One cell makes the row unusable: (column, issue code, message, raw value)."""

    def __init__(self, column: str, code: str, message: str, value=None):
        super().__init__(message)
        self.column, self.code, self.value = column, code, value


def read_area(row: Mapping[str, str]) -> Area:
    try:
        level = parse_int(row.get("admin_level"))
    except CellError as exc:
        raise RowProblem("admin_level", "type-error", str(exc), row.get("admin_level")) from None
    if level is None:
        raise RowProblem("admin_level", "missing-cell", "admin_level is empty; HAPI rows are at level 0, 1 or 2")
    if level not in _CODE_COLUMN:
        raise RowProblem("admin_level", "out-of-range", "admin_level must be 0, 1 or 2", row.get("admin_level"))
    column = _CODE_COLUMN[level]
    pcode = clean(row.get(column))
    if not pcode:
        # hapi_conflict_event_global_2025-01.csv: ACLED areas without a p-code (South Sudan's former
        # states under SDN, Ukraine's "Black Sea") stand at level 2 with empty codes. A count
        # needs its area's code as its key, so such a row cannot be stored.
        raise RowProblem(column, "missing-cell",
                         f"{column} is empty, so this admin-{level} row has no area to count for; "
                         "give the area's p-code", None)
    names = {0: None, 1: clean(row.get("provider_admin1_name")),
             2: clean(row.get("provider_admin2_name")) or clean(row.get("provider_admin1_name"))}
    return Area(level, pcode, names[level] or None, column)


def read_period(row: Mapping[str, str]) -> tuple[date, date]:
    dates = []
    for column in PERIOD_COLUMNS:
        try:
            value = parse_date(row.get(column))
        except CellError as exc:
            raise RowProblem(column, "type-error", str(exc), row.get(column)) from None
        if value is None:
            raise RowProblem(column, "missing-cell", f"{column} is empty; every HAPI row covers a period")
        dates.append(value)
    return dates[0], dates[1]


def check_provider_error(row: Mapping[str, str], number: int, ctx: LoadContext,
                         tolerated: Mapping[str, str]) -> bool:
    """Report HAPI's own `error` cell; True when the row must not be loaded.

    `tolerated` maps the error texts whose rows are still sound to the reason why; those become
    warnings. Any other text is an error: HAPI leaves such rows out of its own API.
    """
    text = clean(row.get("error"))
    if not text:
        return False
    if text in tolerated:
        ctx.report.add(number, "error", "provider-error", f"HDX HAPI flags this row ({text}); "
                       f"it is loaded because {tolerated[text]}", text, severity="warning")
        return False
    ctx.report.add(number, "error", "provider-error", f"HDX HAPI flags this row as wrong ({text}); "
                   "it is not loaded", text, raw_row=dict(row))
    return True


def _country_prefix(pcode: str) -> str:
    """The admin-0 p-code a p-code starts with (SY0501 → SY), as the gazetteer keys countries."""
    return re.match(r"[A-Za-z]*", pcode).group(0)


def area_place_id(ctx: LoadContext, area: Area, row: Mapping[str, str], number: int) -> int | None:
    if area.level == 0:
        # Country rows carry an ISO3 code: the country itself (db/levels.py keeps its total apart
        # from its provinces' rows of the same day).
        country = ctx.gazetteer.find_country(area.pcode)
        if country is not None:
            return country.place_id
        ctx.report.add(number, area.code_column, "unknown-country",
                       f"{area.pcode} is not a country code the gazetteer knows (ISO3, ISO2 or the admin-0 "
                       "p-code); the row is kept with the code as given and no place. Correct the code",
                       area.pcode, severity="warning")
        return None
    # The row's location_code is its country: an admin code of another country does not move the
    # row there (LoadContext.pcode_place reports the conflict and the name decides, inside it).
    country = clean(row.get("location_code")) or None
    ref, above = ctx.pcode_place(area.pcode, country, row=number, column=area.code_column)
    if ref is not None:
        # the level's own name only: a level-2 row without one borrows its governorate's name above
        own_name = f"provider_admin{area.level}_name"
        ctx.check_pcode_name(ref, area.pcode, clean(row.get(own_name)), row=number, column=own_name)
        return ref.place_id
    parent = clean(row.get("admin1_code")) if area.level == 2 else ""
    within = next((code for code in (parent, above.place_key if above else "", country,
                                     _country_prefix(area.pcode))
                   if code and ctx.gazetteer.by_key(code) is not None), None)
    if within is not None and area.name_raw:
        # A country the gazetteer holds, with a code it does not: the name decides, inside it.
        return ctx.place_id(area.name_raw, within=within, kind=_PLACE_KIND[area.level], row=number,
                            column=area.code_column, country=country)
    # hapi_idps_global.csv: HAPI writes Chad's codes TCD07/TCD0701 where the OCHA global list has
    # TD07/TD0701, so these stay without a place even with the list loaded.
    ctx.report.add(number, area.code_column, "unknown-pcode",
                   f"{area.pcode} is not in the gazetteer, nor is a country its code starts with; the row is "
                   "kept with the code as given and no place. Load the OCHA global p-code list (kind "
                   "ocha_pcodes) before this file if its country is missing", area.pcode, severity="warning")
    return None
