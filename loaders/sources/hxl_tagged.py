"""Any HXL-tagged sheet (CSV or XLSX) → displacement figures.

HXL files carry a row of hashtags (`#affected+idps`, `#adm1+code`, `#date+reported`) somewhere in
their first 25 rows, under or instead of the human header. The columns are found by their tags,
not their names, so a file from any organisation loads if it tags its figures, places and dates:

- figures: `#affected+idps` (also spelt `+idp` or `+displaced`; persons, `+ind`; an IDP stock),
  `+hh` for households, `+new`/`+newdisp` for new displacement, `+stock` for a stock,
  `#affected+returnees` for returns. Persons and households of one row are one fact (figure +
  alt_figure), never a sum. Counts split by sex or age (`+f`, `+m`, `+children`, ...) are parts of
  the total and not loaded; so are columns that qualify a total the sheet also has
  (`#affected+idps+hh+cause+conflict` beside `#affected+idps+hh`). Qualified columns with no plain
  total beside them (IDMC's `+stock+conflict` and `+stock+disaster`) are figures of their own,
  kept apart in the record key.
- places: `#adm1`…`#adm4`, `#loc` and `#country`, each `+code` (p-code) or `+name`; with
  `+origin` they are where people came from. The finest level given is the place, coarser
  p-codes narrow the name search; a place the gazetteer lacks keeps its name and is queued.
- dates: `#date+reported`, `#date+start`, `#date+end`; a sheet with no date column takes the date
  in its file name (YYYY-MM-DD, or YYYY-MM for the 1st of the month), else it is refused. A stock
  is counted on a day; a flow with no start date has an unknown start, not the reported day. A sheet whose only date is a year
  (`#date+year`, IDMC's country-year tables) counts new displacement over that year and a stock
  at its end (31 December).
- `#adm+level` says which level a row is about (0 country, 1, 2, ...): the row's place is taken at
  that level, whatever finer columns it fills, and the level is part of its record key, so a
  country row and its provinces' rows stay separate rows, never one sum.
- `#geo+lat` and `#geo+lon` (both) place a location the gazetteer lacks: a village or site named
  below admin 2 (`#loc`, `#adm4`, `#adm3`) that is not in the gazetteer becomes a place of its own
  under the admin 2 (else admin 1) the row names, at the row's coordinates, as an ACLED town does
  (LoadContext.place_in_country). The point is never used to pick the nearest known place: that
  would be a guess. A coordinate that cannot be read is dropped with a warning; the row still
  loads, at its area.
- `#cause`, `#operation`, `#org`, `#id`, `#crisis`, `#event`, `#assessment` (DTM's baseline
  and site assessments of the same area overlap) identify a row (its record key) but
  have no column of their own. Every other tag is reported once per file as not loaded.

libhxl parses the hashtags (case, spacing and attribute grammar are its business); a cell of the
hashtag row that lost its `#` (`Country+name` in a DTM Libya sheet) is read as the tag it spells.
A code column whose cells hold names while its name column holds p-codes (DTM Nigeria's swapped
`#adm2` tags) is read the other way round, row by row. the rows
come from our own streaming reader, because `hxl.data()` opens and sniffs the file again,
keeps it in memory to be read twice (`.cache()`), and knows nothing of cp1252/cp1256 exports
or of spreadsheet row numbers for the report.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Iterator

from loaders.context import Chunk, LoadContext, with_new_places
from loaders.figures import count_issue_code, one_fact
from loaders.parsing import CellError, clean, date_in_name, infer_day_first, parse_count, parse_date, parse_float
from loaders.readers.workbook import report_hidden_sheets, report_sheet_notes
from loaders.report import LoadError
from loaders.sources._countries import country_of_admin1_names

KIND = "hxl"
TITLE = "HXL-tagged displacement sheet"
PUBLISHER = None  # whoever tagged the file; HXL itself names no publisher
FORMAT = "delimited"
FORMATS = ("delimited", "workbook")
TARGET = "facts"
EXPECTED_COLUMNS = ("#affected+idps", "#affected+idps+hh", "#adm1+code", "#adm2+code", "#adm1+name",
                    "#loc+name", "#date+reported")
PROVIDER = "HXL"
TAG_ROWS = 25  # HXL's own rule: the hashtag row is one of the first 25
CHUNK_ROWS = 5_000

# Finest first; kinds as the gazetteer knows them (#loc may be a town or a site).
PLACE_LEVELS = (("#loc", None), ("#adm4", "community"), ("#adm3", "subdistrict"), ("#adm2", "district"),
                ("#adm1", "governorate"), ("#country", "country"))
# Places below any admin level that a sheet may tag outside HXL's core list: when a row names one,
# its coordinates are that place's, never an area's.
FINER_PLACE_TAGS = {"village", "site", "settlement", "camp", "community", "town", "city", "neighbourhood",
                    "neighborhood", "quarter", "locality", "hamlet", "facility"}
# Describe a place rather than name it: DTM Sudan's #loc+type is "Rural" or "Urban".
NOT_A_PLACE_ATTRIBUTES = {"type", "class", "category", "status", "level"}
KEY_TAGS = ("#cause", "#operation", "#org", "#id", "#crisis", "#event", "#assessment")
# ... but not their state: DTM's #operation+status turns "Active" to "Inactive" on the same figures.
STATE_ATTRIBUTES = {"status"}
IDP_ATTRIBUTES = {"idps", "idp", "displaced"}
RETURN_ATTRIBUTES = {"returnees", "returnee", "returned"}
NEW_ATTRIBUTES = {"new", "newdisp"}
HOUSEHOLD_ATTRIBUTES = {"hh", "households"}
# Say what a figure is without qualifying it: left out when telling a total from its parts.
PLAIN_ATTRIBUTES = (IDP_ATTRIBUTES | RETURN_ATTRIBUTES | NEW_ATTRIBUTES | HOUSEHOLD_ATTRIBUTES
                    | {"stock", "ind", "individuals", "persons", "total", "num"})
PART_ATTRIBUTES = {"f", "m", "female", "male", "children", "adults", "adult", "elderly", "infants", "girls",
                   "boys", "women", "men"}
# The IOM DTM exports (dtm_hxl_tagged_quickcharts.csv) write "Not available" where the origin
# is unknown: it is no place name.
NOT_GIVEN = {"not available"}


def _parse_tag(text: str):
    """libhxl's own tag parser. Imported here, not at the top: libhxl pulls in requests and
    structlog (~30 MB), which the loaders need only for a file that has a hashtag row."""
    import hxl.model

    return hxl.model.Column.parse(text)


@dataclass(frozen=True)
class TaggedColumn:
    index: int
    tag: str
    attributes: frozenset[str]
    display: str  # the hashtag as libhxl normalises it: "#adm1+name+origin"


@dataclass
class Plan:
    """Which tagged column plays which part, read from the hashtag row."""

    tag_row: int  # 1-based row number of the hashtag row
    # (kind, qualifying attributes) → unit → column; see _figure_role
    figures: dict[tuple[str, frozenset], dict[str, TaggedColumn]] = field(default_factory=dict)
    # side ("destination"/"origin") → level tag → "code"/"name" → column
    places: dict[str, dict[str, dict[str, TaggedColumn]]] = field(default_factory=dict)
    dates: dict[str, TaggedColumn] = field(default_factory=dict)  # "reported"/"start"/"end"/"year"
    level: TaggedColumn | None = None  # #adm+level
    point: tuple[TaggedColumn, TaggedColumn] | None = None  # (#geo+lat, #geo+lon) of the row's own place
    file_date: date | None = None  # the date in the file's name, for a sheet without a date column
    identifying: list[TaggedColumn] = field(default_factory=list)
    unused: list[TaggedColumn] = field(default_factory=list)
    tagged: list[TaggedColumn] = field(default_factory=list)


def _text(cell) -> str:
    return "" if cell is None else str(cell)


def hashtag_row(preview) -> int | None:
    """Index in `preview` of the first row whose non-empty cells are mostly hashtags."""
    for index, cells in enumerate(preview[:TAG_ROWS]):
        filled = [_text(c).strip() for c in cells if _text(c).strip()]
        tagged = [c for c in filled if c.startswith("#")]
        if tagged and len(tagged) * 2 > len(filled) and any(_parse_tag(c) for c in tagged):
            return index
    return None


def _tagged_sheets(parsed) -> list:
    """The CSV itself, or the workbook's sheets that carry hashtags."""
    return [t for t in parsed.tables if hashtag_row(getattr(t, "preview", ())) is not None]


def detect(parsed) -> bool:
    return bool(_tagged_sheets(parsed))


_LOST_HASH = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\s*\+\s*[A-Za-z0-9_]+)+")


def _columns(cells) -> list[TaggedColumn]:
    columns = []
    for index, cell in enumerate(cells):
        text = _text(cell).strip()
        if _LOST_HASH.fullmatch(text):  # "Country+name": a hashtag whose "#" was lost
            text = "#" + text
        parsed = _parse_tag(text)
        if parsed:  # an untagged column is not data in HXL
            columns.append(TaggedColumn(index, parsed.tag, frozenset(parsed.attributes), parsed.display_tag))
    return columns


def _figure_role(column: TaggedColumn) -> tuple[str, frozenset, str] | None:
    """(figure kind, qualifying attributes, unit) of a figure column, or None.

    The qualifying attributes are what is left once the kind and unit are read: none for a
    total, {"conflict"} for IDMC's conflict figures, {"cause", "conflict", "insurgency"} for
    DTM's breakdown of a total by cause.
    """
    a = column.attributes
    if column.tag != "#affected" or a & PART_ATTRIBUTES or any(x.startswith("age") for x in a):
        return None
    if a & RETURN_ATTRIBUTES:
        kind = "return"
    elif a & IDP_ATTRIBUTES:
        kind = "new_displacement" if a & NEW_ATTRIBUTES else "idp_stock"
    else:
        return None
    return kind, frozenset(a - PLAIN_ATTRIBUTES), "households" if a & HOUSEHOLD_ATTRIBUTES else "persons"


def _date_role(column: TaggedColumn) -> str | None:
    a = column.attributes
    if "year" in a and not a & {"month", "week", "day"}:
        return "year"  # used only when the sheet has no full date (see make_plan)
    if a & {"year", "month", "week", "day"}:  # a part of a date, beside the full one
        return None
    return "start" if "start" in a else "end" if "end" in a else "reported"


def _refuse_repeated_hashtags(file_name: str, tag_row: int, tagged: list[TaggedColumn]) -> None:
    """The same hashtag (with the same attributes) on two columns: which one is the place, the date
    or the figure would be a guess, so the file is refused naming both columns."""
    first: dict[str, TaggedColumn] = {}
    for column in tagged:
        earlier = first.setdefault(column.display, column)
        if earlier is not column:
            raise LoadError(f"{file_name}: the HXL hashtag row (row {tag_row}) gives {column.display} to two columns "
                            f"({earlier.index + 1} and {column.index + 1}); tag one of them differently (add an "
                            "attribute such as +origin) or delete the copy")


def _drop_parts_of_totals(plan: Plan) -> None:
    """A qualified figure beside the plain total of its kind is a part of that total (DTM Nigeria's
    IDPs by cause beside all IDPs): loading both would count the same people twice."""
    totals = {kind for kind, qualifiers in plan.figures if not qualifiers}
    for key in [k for k in plan.figures if k[1] and k[0] in totals]:
        plan.unused.extend(plan.figures.pop(key).values())


def make_plan(file_name: str, tag_index: int, cells, given_date: date | None = None) -> Plan:
    plan = Plan(tag_row=tag_index + 1, tagged=_columns(cells))
    _refuse_repeated_hashtags(file_name, plan.tag_row, plan.tagged)
    level_tags = {tag for tag, _ in PLACE_LEVELS}
    geo: dict[str, TaggedColumn] = {}
    for column in plan.tagged:
        used = False
        if role := _figure_role(column):
            kind, qualifiers, unit = role
            earlier = plan.figures.setdefault((kind, qualifiers), {}).get(unit)
            if earlier:
                raise LoadError(f"{file_name}: columns {earlier.index + 1} and {column.index + 1} both hold the "
                                f"{unit} count ({earlier.display}, {column.display}); tag one of them differently "
                                "or delete it")
            plan.figures[(kind, qualifiers)][unit] = column
            used = True
        elif column.tag == "#adm" and "level" in column.attributes:
            used = plan.level is None
            plan.level = plan.level or column
            if used:
                plan.identifying.append(column)
        elif column.tag in level_tags and not column.attributes & NOT_A_PLACE_ATTRIBUTES:
            side = "origin" if "origin" in column.attributes else "destination"
            part = "code" if "code" in column.attributes else "name"
            used = plan.places.setdefault(side, {}).setdefault(column.tag, {}).setdefault(part, column) is column
        elif column.tag == "#geo" and not column.attributes & {"origin"} and column.attributes & {"lat", "lon"}:
            geo.setdefault("lat" if "lat" in column.attributes else "lon", column)
            used = True
        elif column.tag == "#date" and (role := _date_role(column)):
            used = plan.dates.setdefault(role, column) is column
        elif column.tag in KEY_TAGS and not column.attributes & STATE_ATTRIBUTES:
            plan.identifying.append(column)
            used = True
        if not used:
            plan.unused.append(column)
    # The point is the finest place's the row names. A tagged place finer than the levels read
    # (DTM Cameroon's #village beside its #adm3 communes) owns it: it is not an area's point.
    finer = [c for c in plan.unused if c.tag[1:] in FINER_PLACE_TAGS]
    if len(geo) == 2 and not finer:
        plan.point = (geo["lat"], geo["lon"])
    else:  # a latitude without its longitude places nothing
        plan.unused.extend(geo.values())
    _drop_parts_of_totals(plan)
    if "year" in plan.dates and len(plan.dates) > 1:  # a year beside a full date is a part of it
        plan.unused.append(plan.dates.pop("year"))
    plan.unused.sort(key=lambda c: c.index)  # named in the file's order
    if not plan.figures:
        return plan  # a valid HXL sheet of something else: normalise reports that it holds nothing to load
    missing = []
    if not plan.places:
        missing.append("a place (#adm1+code, #adm2+code, #adm1+name, #loc+name or #country+code)")
    if not plan.dates:
        # A sheet tagged on a few columns only (a place and a figure) takes the date given at load,
        # else the one in its name, as CCCM site lists do: "drought_idps_2022-09.csv".
        plan.file_date = given_date or date_in_name(file_name)
    if not plan.dates and plan.file_date is None:
        missing.append("a date (#date+reported, or #date+start and #date+end; or give the file's date with "
                       "--published YYYY-MM-DD or on the Upload page, or put it in the file's name as YYYY-MM-DD "
                       "or YYYY-MM)")
    if missing:
        found = ", ".join(c.display for c in plan.tagged)
        raise LoadError(f"{file_name}: the HXL hashtag row (row {plan.tag_row}) has no column for "
                        f"{'; nor for '.join(missing)}. Tags found: {found}")
    return plan


def _cells(row, columns) -> list:
    cells = getattr(row, "cells", None)  # by position: HXL headers may be blank or repeated
    return cells if cells is not None else [row.get(c, "") for c in columns]


def _value(cells, column: TaggedColumn | None) -> str:
    if column is None or column.index >= len(cells):
        return ""
    value = clean(cells[column.index])
    return "" if value.casefold() in NOT_GIVEN else value


def _day_first(table, plan: Plan) -> dict[str, bool | None]:
    """dd/mm or mm/dd per date column, from the rows of the preview (the file is streamed)."""
    body = table.preview[plan.tag_row:]
    return {role: infer_day_first(_value(cells, column) for cells in body) for role, column in plan.dates.items()}


class _RowProblem(Exception):
    def __init__(self, column: TaggedColumn, code: str, message: str, value):
        super().__init__(message)
        self.column, self.code, self.value = column, code, value


def _parse_counts(plan: Plan, cells) -> dict[str, dict]:
    facts = {}
    for figure, by_unit in plan.figures.items():
        counts = {}
        for unit in ("persons", "households"):
            column = by_unit.get(unit)
            try:
                counts[unit] = parse_count(_value(cells, column), allow_hedge=True)
            except CellError as exc:
                raise _RowProblem(column, count_issue_code(exc), str(exc), _value(cells, column)) from None
        try:
            fact = one_fact(counts["persons"], counts["households"])
        except CellError as exc:
            column = by_unit.get("persons")
            raise _RowProblem(column, count_issue_code(exc), str(exc), _value(cells, column)) from None
        if fact:
            facts[figure] = fact
    if not facts:
        first = next(iter(next(iter(plan.figures.values())).values()))
        figures = ", ".join(c.display for by_unit in plan.figures.values() for c in by_unit.values())
        raise _RowProblem(first, "missing-cell", f"the row has no count in {figures}; fill one in or delete "
                          "the row", None)
    return facts


def _parse_dates(plan: Plan, cells, day_first) -> dict:
    if plan.file_date is not None:
        return {"reported": plan.file_date}
    dates = {}
    for role, column in plan.dates.items():
        try:
            if role == "year":
                dates.update(_year(_value(cells, column)))
                continue
            dates[role] = parse_date(_value(cells, column), day_first=day_first[role])
        except CellError as exc:
            raise _RowProblem(column, "type-error", str(exc), _value(cells, column)) from None
    if not any(dates.values()):
        column = plan.dates.get("reported") or next(iter(plan.dates.values()))
        raise _RowProblem(column, "missing-cell", "the row has no date; fill in "
                          f"{', '.join(c.display for c in plan.dates.values())}", None)
    return dates


def _year(text: str) -> dict:
    """A year alone: the new displacements of that year, and the stock at its end."""
    if not text:
        return {}
    if not re.fullmatch(r"\d{4}(\.0+)?", text):
        raise CellError(f"{text!r} is not a year; write it as four digits, e.g. 2023")
    year = int(float(text))
    return {"start": date(year, 1, 1), "end": date(year, 12, 31)}


_PCODE_LIKE = re.compile(r"[A-Za-z]{2,3}\d+")


def _code_and_name(cells, parts: dict[str, TaggedColumn]) -> tuple[str, str]:
    code, name = _value(cells, parts.get("code")), _value(cells, parts.get("name"))
    # Swapped tags: the "code" column holds a name and the "name" column a p-code.
    if code and name and not any(ch.isdigit() for ch in code) and _PCODE_LIKE.fullmatch(name):
        code, name = name, code
    return code, name


def _point(ctx: LoadContext, plan: Plan, cells, number: int) -> tuple[float, float] | None:
    """The row's (lat, lon), or None; a coordinate that cannot be read is dropped with a warning."""
    if plan.point is None:
        return None
    found = []
    for column, low, high, what in zip(plan.point, (-90, -180), (90, 180), ("latitude", "longitude")):
        text = _value(cells, column)
        try:
            found.append(parse_float(text, low, high, what))
        except CellError as exc:
            ctx.report.add(number, column.display, exc.code, f"{exc}; the row is loaded at its area, without "
                           "coordinates", text, severity="warning")
            return None
    return (found[0], found[1]) if None not in found else None


# Levels below admin 2: a name there the gazetteer lacks may be added at the row's coordinates.
_BELOW_ADMIN2 = ("#loc", "#adm4", "#adm3")


def _place(ctx: LoadContext, levels: dict[str, dict[str, TaggedColumn]], cells, number: int,
           country: str | None = None, level: int | None = None, point: tuple[float, float] | None = None):
    """(place id, name as written) for one side of the row: the finest level it gives.

    `country` narrows an origin that names no wider area of its own: internally displaced
    people come from their own country, and DTM's Haitian "Centre" must not become a Syrian
    governorate. `point`: the row's coordinates, for a place below admin 2 the gazetteer lacks
    (a place id may then be the new place's key, which the writer turns into its id).
    """
    given = []
    for tag, kind in PLACE_LEVELS:
        if level is not None and _level_number(tag) > level:  # finer than the row says it is about
            continue
        parts = levels.get(tag, {})
        code, name = _code_and_name(cells, parts)
        if code or name:
            given.append((kind, code, name, parts.get("name") or parts.get("code")))
    if not given:
        return None, None
    (kind, code, name, column), coarser = given[0], given[1:]
    # The row's own #country cell: a p-code of another country never moves the row there.
    written = next((c or n for k, c, n, _ in coarser if k == "country"), None) or country
    finest = _finest_tag(levels, cells)
    if point is not None and name and finest in _BELOW_ADMIN2:
        placed = _place_at_point(ctx, coarser, code, name, written, point, number, column, kind or "community")
        if placed is not None:
            return placed, name
    # Codes that are no p-code the gazetteer knows (DTM Sudan's own "DTM12" state codes) narrow nothing:
    # the coarser names do, down the row's country (admin 1 by name, admin 2 within it).
    area_codes = ([c for _, c, _, _ in coarser if c and ctx.pcode_area(c, written)]
                  or _areas_by_name(ctx, coarser, written)
                  or ([country] if country and kind != "country" else []))
    within = area_codes[0] if area_codes else None
    place_id = ctx.place_id(name or code, pcode=code or None, within=within, kind=kind, row=number,
                            column=column.display, only_within=bool(within), country=written)
    if place_id is None:
        # Like an ACLED town the gazetteer lacks: the row keeps the coarser area it names by
        # p-code (in its own columns, or above its own p-code: a woreda's zone), and the finer
        # name as written (queued for review above).
        areas = [ctx.pcode_area(c, written) for c in ([code] if code else []) + area_codes]
        place_id = next((ref.place_id for ref in areas if ref), None)
    return place_id, name or code


def _areas_by_name(ctx: LoadContext, coarser: list, written: str | None) -> list[str]:
    """[the place key of the finest coarser area found by name in the row's country], or []."""
    names = {kind: n for kind, _, n, _ in coarser if n}
    if not (names.get("governorate") or names.get("district")):
        return []
    country = ctx.row_country(written)
    if country is None:
        return []
    area_id, _ = ctx.place_in_country(country, names.get("governorate"), names.get("district"), None)
    area = ctx.gazetteer.places.get(area_id) if isinstance(area_id, int) else None
    return [area.place_key] if area is not None and area.kind != "country" else []


def _finest_tag(levels: dict[str, dict[str, TaggedColumn]], cells) -> str | None:
    return next((tag for tag, _ in PLACE_LEVELS if any(_code_and_name(cells, levels.get(tag, {})))), None)


def _place_at_point(ctx: LoadContext, coarser: list, code: str, name: str, written: str | None,
                    point: tuple[float, float], number: int, column: TaggedColumn, kind: str) -> int | str | None:
    """A place below admin 2, down its country's hierarchy: found by its name inside the admin 2
    (else admin 1) the row names, else added there at the row's coordinates. None when the row's
    country is not known (the caller then queues the name, as for any row)."""
    areas = {area_kind: (c, n) for area_kind, c, n, _ in coarser}
    admin1_code, admin1 = areas.get("governorate", ("", ""))
    admin2_code, admin2 = areas.get("district", ("", ""))
    told = ctx.pcode_area(code or admin2_code or admin1_code, written)
    country = ctx.row_country(written, within=told.place_key if told is not None else None)
    if country is None:
        return None
    if told is not None and not (admin1_code or admin1 or admin2_code or admin2):  # only its own p-code says where
        admin1_code = told.place_key if told.kind == "governorate" else ""
        admin2_code = told.place_key if told.kind == "district" else ""
    place, _ = ctx.place_in_country(country, admin1 or None, admin2 or None, name, point[0], point[1],
                                    admin1_code=admin1_code or None, admin2_code=admin2_code or None,
                                    row=number, column=column.display, kind=kind)
    return place


def _level_number(tag: str) -> int:
    """0 for #country, 1 for #adm1 ... and 99 for #loc (finer than any admin level)."""
    if tag == "#country":
        return 0
    return int(tag[4:]) if tag.startswith("#adm") and tag[4:].isdigit() else 99


def _row_level(plan: Plan, cells) -> int | None:
    text = _value(cells, plan.level)
    if not text:
        return None
    try:
        level = int(float(text))
    except ValueError:
        raise _RowProblem(plan.level, "type-error", f"{text!r} is not an admin level; write 0 for the country, "
                          "1 or 2 for its areas", text) from None
    if not 0 <= level <= 4:
        raise _RowProblem(plan.level, "out-of-range", f"{text!r} is not an admin level between 0 and 4", text)
    return level


def _record_key(figure: tuple[str, frozenset], plan: Plan, cells, dates: dict) -> str:
    """A digest of what identifies the row: its places, dates and identifying tags, never its position."""
    kind, qualifiers = figure
    parts = [f"date:{role}={value.isoformat()}" for role, value in dates.items() if value]
    if qualifiers:  # IDMC's conflict and disaster figures of one country-year are two records
        parts.append("figure:" + "+".join(sorted(qualifiers)))
    columns = [c for side in plan.places.values() for by_part in side.values() for c in by_part.values()]
    columns += plan.identifying
    for column in columns:
        value = " ".join(_value(cells, column).casefold().split())
        if value:
            parts.append(f"{column.display}={value}")
    # Sorted, so that moving a column leaves the keys as they were.
    text = "\x1f".join(sorted(parts))
    return f"{kind}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:40]}"


def _facts(plan: Plan, ctx: LoadContext, cells, number: int, day_first) -> list[dict]:
    counts = _parse_counts(plan, cells)
    dates = _parse_dates(plan, cells, day_first)
    level = _row_level(plan, cells) if plan.level else None
    point = _point(ctx, plan, cells, number) if level is None or level > 2 else None
    destination_id, destination = _place(ctx, plan.places.get("destination", {}), cells, number, level=level,
                                         point=point)
    country = _value(cells, plan.places.get("destination", {}).get("#country", {}).get("code"))
    origin_id, origin = _place(ctx, plan.places.get("origin", {}), cells, number, country or None)
    if destination is None and origin is None:
        columns = [c for side in plan.places.values() for parts in side.values() for c in parts.values()]
        raise _RowProblem(columns[0], "missing-cell", "the row names no place; fill in "
                          f"{', '.join(c.display for c in columns)}", None)
    rows = []
    for figure, fact in counts.items():
        kind = figure[0]
        period_end = dates.get("end") or dates.get("reported")
        # A stock is counted on a day; a flow without a start date started when nobody said.
        period_start = dates.get("start") or (period_end if kind == "idp_stock" else None)
        if kind == "idp_stock" and "year" in plan.dates:  # a year's stock is the stock at its end
            period_start = period_end
        rows.append({
            "provider": PROVIDER,
            "record_key": _record_key(figure, plan, cells, dates),
            "figure_kind": kind,
            **fact,
            "figure_max": None,
            "is_cumulative": False,
            "origin_place_id": origin_id,
            "origin_name_raw": origin,
            "destination_place_id": destination_id,
            "destination_name_raw": destination,
            "period_start": period_start,
            "period_end": period_end,
            "term": None,
            "review_status": "not_required",
        })
    return rows


def _tags_a_figure(table) -> bool:
    cells = table.preview[hashtag_row(table.preview)]
    return any(_figure_role(column) for column in _columns(cells))


def _loaded_sheet(document):
    """The tagged sheet normalise loads: the first whose hashtags name a displacement figure."""
    sheets = _tagged_sheets(document)
    with_figures = [t for t in sheets if _tags_a_figure(t)]
    return (with_figures or sheets or [None])[0]


def country_named(document, gazetteer) -> tuple[bool, str | None, str, set[str]]:
    """(whether the sheet's #adm1 names are some country's admin 1 units, the ISO3 code of the one
    they are of or None, why, every country they name), from the rows under the hashtag row that the
    reader previewed (the file is streamed). Rows that name their own country (#country) or give a
    p-code of a known country are placed by those; this is the country of the others."""
    table = _loaded_sheet(document)
    if table is None:
        return False, None, "the sheet has no hashtag row", set()
    tag_index = hashtag_row(table.preview)
    tagged = _columns(table.preview[tag_index])
    if any(c.tag == "#country" and "origin" not in c.attributes for c in tagged):
        return False, None, "its rows name their country (#country)", set()
    columns = [c for c in tagged
               if c.tag == "#adm1" and not c.attributes & ({"code", "origin"} | NOT_A_PLACE_ATTRIBUTES)]
    names = {clean(_text(cells[c.index])) for cells in table.preview[tag_index + 1:] for c in columns
             if c.index < len(cells)} - {""}
    if not names:
        return False, None, "the sheet names no admin 1 unit (#adm1+name)", set()
    return country_of_admin1_names(gazetteer, names, f"the first rows' {len(names)} #adm1 names")


def normalise(parsed, ctx: LoadContext) -> Iterator[Chunk]:
    sheets = _tagged_sheets(parsed)
    if not sheets:
        raise LoadError(f"{parsed.file_name}: no row of HXL hashtags in the first {TAG_ROWS} rows; add a row "
                        "such as #adm1+code, #date+reported, #affected+idps under the header")
    # A workbook's first tagged sheet may be a summary whose tags name no figure (DTM Sudan's
    # master list opens with "#States, #Individuals"): the sheet loaded is the first whose
    # hashtags name a displacement figure.
    table = _loaded_sheet(parsed)
    others = [t for t in sheets if t is not table]
    if others:  # row numbers would not say which sheet a problem is on
        ctx.report.add(None, None, "unused-column", f"only the tagged sheet {table.sheet} is loaded; "
                       "put each of the other tagged sheets in a file of its own",
                       ", ".join(t.sheet for t in others), severity="warning")
    tag_index = hashtag_row(table.preview)
    plan = make_plan(table.file_name, tag_index, table.preview[tag_index], given_date=ctx.file_date)
    # Columns are found by their hashtags (checked just above), not by the human header, which may
    # repeat a name over columns the tags tell apart ("Affected" over #affected+f and #affected+m).
    table.duplicate_columns = ()
    report_hidden_sheets(parsed, ctx.report)
    report_sheet_notes(table, ctx.report, plan.tag_row + 1)
    if not plan.figures:
        ctx.report.add(None, None, "nothing-to-load", f"the HXL hashtag row (row {plan.tag_row}) has no column for "
                       "a displacement figure (tag it #affected+idps for persons or #affected+idps+hh for "
                       "households), so no row holds anything to load. Tags found: "
                       + ", ".join(c.display for c in plan.tagged), severity="warning")
        for number, _ in table.rows:  # read to the end: the batch records how many rows the file has
            if number <= plan.tag_row:
                ctx.header_rows += 1
        return
    if plan.unused:
        ctx.report.add(None, None, "unused-column",
                       f"{len(plan.unused)} tagged column(s) are not loaded: this loader reads displacement "
                       "figures, places, dates and the tags that identify a row",
                       ", ".join(c.display for c in plan.unused), severity="warning")
    day_first = _day_first(table, plan)
    rows: list = []
    # Site-level sheets may give no column that tells two sites of one area apart (DTM Ethiopia's
    # site assessment tags only the woreda): such rows are records of their own, numbered in the
    # file's order, never one overwriting the other.
    first_row: dict[str, int] = {}
    repeats: dict[str, int] = {}
    shared = []
    for number, row in table.rows:
        if number <= plan.tag_row:  # the human header rows and the hashtags themselves
            ctx.header_rows += 1
            continue
        cells = _cells(row, table.columns)
        try:
            facts = _facts(plan, ctx, cells, number, day_first)
        except _RowProblem as problem:
            raw = {c.display: _text(cells[c.index]) if c.index < len(cells) else "" for c in plan.tagged}
            ctx.report.add(number, problem.column.display, problem.code, str(problem), problem.value, raw_row=raw)
            continue
        for values in facts:
            key = values["record_key"]
            if key in first_row:
                repeats[key] = repeats.get(key, 0) + 1
                values["record_key"] = f"{key}~{repeats[key]}"
                shared.append(number)
            else:
                first_row[key] = number
            rows.append((number, values))
        if len(rows) >= CHUNK_ROWS:
            yield from with_new_places(Chunk("displacement_figure", rows), ctx)
            rows = []
    if shared:
        rows_shared = sorted(set(shared))
        ctx.report.add(None, None, "duplicate-key", f"{len(rows_shared)} row(s) give the same places, dates and "
                       "identifying tags as an earlier row, and no tagged column tells them apart: each is kept "
                       "as a record of its own, numbered in the file's order (tag a column such as #loc+name "
                       "or #id to name them)", ", ".join(map(str, rows_shared[:10])), severity="warning")
    if rows:
        yield from with_new_places(Chunk("displacement_figure", rows), ctx)
