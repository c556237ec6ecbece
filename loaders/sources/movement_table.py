"""Origin → destination movement tables (CSV or XLSX) → displacement figures.

One row per (date, destination area, origin area) with a count of people, in columns named in
plain English and no HXL row (IOM DTM's flash tables: "STATE PCODE OF AFFECTED POPULATION",
"LOCALITY OF ORIGIN", "# IDP INDIVIDUALS"). Columns are found by the words of their headers, never
by one publisher's spelling:

- a date column (its header says "date"); slashed dates are read day- or month-first from the
  column's own unambiguous dates (as the field template does), an ambiguous one is reported;
- exactly one count of people (idp, idps, individuals, persons, people, displaced; households or
  hh for families). What the count is: with "new", "arrival", "movement" or "flow" in its header
  it is new displacement over the period ending on the row's date; otherwise it is an IDP stock —
  the people at the destination on that date, by where they came from (idp_stock);
- place columns by their level words (state, region, governorate, province, oblast, department,
  admin 1 → admin 1; locality, district, county, lga, raion, admin 2 → admin 2; location, site,
  village, town, city, camp → a location) and p-code words (pcode, p-code, p_code, code). A place
  column whose header says "origin" or starts with "from" is where people came from; the others
  are where they are (destination, to, affected population, current, host, "of displacement",
  arrival). A table needs one of each side, and at least one header that says destination.
  Columns that describe a place ("location type", "location classification") are not places.

Each side is placed inside its country: by p-code first (OCHA's convention tells a p-code's
country), else by its names down the country's hierarchy (admin 1, admin 2 within it, the
location within that); a location the gazetteer lacks is queued and the row keeps its admin 2.
A row's country is its p-codes', else the load's (--country, the Upload page, or the country
whose admin 1 units the file's admin 1 names are: country_named); an origin without p-codes is
looked for in its destination's country. An admin 1 cell that is no admin 1 unit of that country
but names a country ("Sudan" as the state of origin of people counted in "South Sudan") places
that side at the country. A cell that lists several areas ("SD01001, SD01003, SD01006") places
its side at the area they all lie in (their common known parent), never at one of them.

A zero is a real zero and is loaded. A row's record key is a digest of its date and both sides'
codes, names and location, so loading a table again changes nothing; a row that repeats an
earlier row's key is reported by the writer (duplicate-key) and not loaded, never summed into
it. A cell that cannot be read (a count, a date) rejects its row only, with its column named.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Iterator

from loaders.context import Chunk, LoadContext, with_new_places
from loaders.figures import count_issue_code, one_fact
from loaders.parsing import CellError, clean, infer_day_first, parse_count, parse_date
from loaders.report import LoadError
from loaders.sources import field_template
from loaders.sources._countries import country_of_admin1_names
from loaders.sources.hxl_tagged import hashtag_row

KIND = "movement_table"
TITLE = "Origin → destination movement table"
PUBLISHER = None  # the table names none; DTM's, a cluster's or an NGO's
FORMAT = "delimited"
FORMATS = ("delimited",)
TARGET = "facts"
# Headers this kind recognises (others are recognised by the same words); also the fields --map offers.
EXPECTED_COLUMNS = ("Date", "State of destination", "State pcode of destination", "Locality of destination",
                    "Locality pcode of destination", "Location of destination", "State of origin",
                    "State pcode of origin", "Locality of origin", "Locality pcode of origin", "IDP individuals",
                    "IDP households")
PROVIDER = "Movement table"
CHUNK_ROWS = 5_000

# Header words (lower case, split on anything but letters and digits). Kept small on purpose: a
# word here must say the same thing in every table that uses it.
PERSON_WORDS = {"idp", "idps", "individuals", "individual", "persons", "people", "displaced", "ind"}
HOUSEHOLD_WORDS = {"households", "household", "hh", "hhs"}
# A count whose header says one of these is a movement over the period, not the people present.
NEW_WORDS = {"new", "arrival", "arrivals", "movement", "movements", "flow", "flows"}
ORIGIN_WORDS = {"origin", "origins"}
DESTINATION_WORDS = {"destination", "to", "current", "host", "arrival", "arrivals"}
DESTINATION_PHRASES = ("affected population", "of displacement")
LEVEL_WORDS = {
    "admin1": {"state", "region", "governorate", "province", "oblast", "department", "adm1", "admin1"},
    "admin2": {"locality", "district", "county", "lga", "raion", "adm2", "admin2"},
    "location": {"location", "site", "village", "town", "city", "camp"},
}
CODE_WORDS = {"pcode", "code", "pcod"}
# Describe a place rather than name it ("LOCATION TYPE": Rural/Urban).
NOT_A_PLACE_WORDS = {"type", "class", "classification", "category", "status", "level", "lat", "latitude", "lon",
                     "long", "longitude", "number", "count", "total"}
LEVELS = ("admin1", "admin2", "location")
LIST_SEPARATORS = re.compile(r"\s*[,;]\s*")


def _words(header) -> list[str]:
    text = str(header or "").lower()
    text = re.sub(r"\bp[\s_-]+code", "pcode", text)
    text = re.sub(r"\badmin(?:istrative)?[\s_-]*(?:level[\s_-]*)?([12])\b", r"admin\1", text)
    return re.findall(r"[a-z0-9]+", text)


def _side(header) -> str:
    words = _words(header)
    if set(words) & ORIGIN_WORDS or (words and words[0] == "from"):
        return "origin"
    return "destination"


def _says_destination(header) -> bool:
    words = _words(header)
    return bool(set(words) & DESTINATION_WORDS) or any(p in " ".join(words) for p in DESTINATION_PHRASES)


def _place_role(header) -> tuple[str, str, str] | None:
    """(side, level, "code"/"name") of a place column, or None."""
    words = set(_words(header))
    if words & NOT_A_PLACE_WORDS:
        return None
    if words & (PERSON_WORDS | HOUSEHOLD_WORDS) - {"displaced"}:
        return None
    levels = [level for level in LEVELS if words & LEVEL_WORDS[level]]
    if len(levels) != 1:
        return None
    return _side(header), levels[0], "code" if words & CODE_WORDS else "name"


def _count_unit(header) -> str | None:
    words = set(_words(header))
    if _place_role(header) or words & CODE_WORDS or "date" in words:
        return None
    if words & HOUSEHOLD_WORDS:
        return "households"
    if words & PERSON_WORDS:
        return "persons"
    return None


class Plan:
    """Which column plays which part, read from the header."""

    def __init__(self, columns):
        self.date = next((c for c in columns if "date" in _words(c)), None)
        self.counts = [c for c in columns if _count_unit(c)]
        self.places: dict[str, dict[str, dict[str, str]]] = {}
        for column in columns:
            role = _place_role(column)
            if role:
                side, level, part = role
                self.places.setdefault(side, {}).setdefault(level, {}).setdefault(part, column)
        self.says_destination = any(_says_destination(c) for c in columns if _place_role(c))

    @property
    def count(self) -> str | None:
        return self.counts[0] if len(self.counts) == 1 else None

    def matches(self) -> bool:
        return bool(self.date and self.count and "origin" in self.places and "destination" in self.places
                    and self.says_destination)

    def used(self) -> set[str]:
        return {self.date, self.count} | {c for side in self.places.values() for parts in side.values()
                                          for c in parts.values()}


def detect(table) -> bool:
    if not getattr(table, "columns", None) or not Plan(table.columns).matches():
        return False
    # An HXL sheet is read by its hashtags, our field template by its own columns.
    return hashtag_row(getattr(table, "preview", ())) is None and not field_template._matches(table)


class _RowProblem(Exception):
    def __init__(self, column: str | None, code: str, message: str, value=None):
        super().__init__(message)
        self.column, self.code, self.value = column, code, value


def _parts(text: str) -> list[str]:
    return [p for p in LIST_SEPARATORS.split(text) if p]


def _common_area(ctx: LoadContext, place_ids: list[int]) -> int | None:
    """The finest place every one of these lies in (itself when they are one)."""
    gazetteer = ctx.gazetteer
    chains = [[place_id] + [a.place_id for a in gazetteer.ancestors(place_id)] for place_id in place_ids]
    shared = set(chains[0]).intersection(*chains[1:])
    return next((p for p in chains[0] if p in shared), None)


class _Side:
    """One side of a row: its cells by level, and how to place it."""

    def __init__(self, plan: Plan, side: str, row: dict):
        self.columns = plan.places.get(side, {})
        self.cells = {(level, part): clean(row.get(column)) for level, parts in self.columns.items()
                      for part, column in parts.items()}

    def cell(self, level: str, part: str) -> str:
        return self.cells.get((level, part), "")

    def column(self, level: str) -> str | None:
        parts = self.columns.get(level, {})
        return parts.get("name") or parts.get("code")

    def finest_column(self) -> str | None:
        for level in reversed(LEVELS):
            if self.cell(level, "name") or self.cell(level, "code"):
                return self.column(level)
        return None

    def is_empty(self) -> bool:
        return not any(self.cells.values())

    def raw_name(self) -> str | None:
        for level in reversed(LEVELS):
            if self.cell(level, "name") or self.cell(level, "code"):
                return self.cell(level, "name") or self.cell(level, "code")
        return None

    def key_parts(self, prefix: str) -> list[str]:
        return [f"{prefix}:{level}:{part}=" + " ".join(value.casefold().split())
                for (level, part), value in sorted(self.cells.items()) if value]

    def country_by_code(self, ctx: LoadContext):
        for level in reversed(LEVELS):
            for code in _parts(self.cell(level, "code")):
                area = ctx.pcode_area(code)
                if area is not None:
                    return ctx.gazetteer.country_of(area.place_id)
        return None


def _listed_area(ctx: LoadContext, side: _Side, country, level: str) -> int | None:
    """The common known parent of the areas a cell lists, by their p-codes, else by their names in the
    admin 1 the row names; None when the cell lists one area or none could be found."""
    codes, names = _parts(side.cell(level, "code")), _parts(side.cell(level, "name"))
    if len(codes) > 1:
        found = [ctx.pcode_area(code) for code in codes]
        found = [area.place_id for area in found if area is not None
                 and ctx.gazetteer.country_of(area.place_id) == country]
        return _common_area(ctx, found) if found else None
    if not codes and len(names) > 1 and level == "admin2":
        found = []
        for name in names:
            place, _ = ctx.place_in_country(country, side.cell("admin1", "name") or None, name, None,
                                            admin1_code=side.cell("admin1", "code") or None)
            if isinstance(place, int):
                found.append(place)
        return _common_area(ctx, found) if found else None
    return None


def _place(ctx: LoadContext, side: _Side, country, number: int) -> int | str | None:
    if side.is_empty():
        return None
    column = side.finest_column()
    if country is None:  # queued with unknown-country by place_in_country
        place, _ = ctx.place_in_country(None, side.cell("admin1", "name") or None,
                                        side.cell("admin2", "name") or None, side.cell("location", "name") or None,
                                        row=number, column=column)
        return place
    # A cell listing several areas: the side is the area they all lie in.
    for level in ("location", "admin2", "admin1"):
        names = _parts(side.cell(level, "name")) if level == "admin2" else []
        if len(_parts(side.cell(level, "code"))) > 1 or len(names) > 1:
            listed = _listed_area(ctx, side, country, level)
            if listed is not None:
                return listed
            coarser = LEVELS[:LEVELS.index(level)]
            if not any(side.cell(c, "code") or side.cell(c, "name") for c in coarser):
                return country.place_id
            return _down(ctx, side, country, number, column, upto=coarser)
    return _down(ctx, side, country, number, column, upto=LEVELS)


def _down(ctx: LoadContext, side: _Side, country, number: int, column, upto) -> int | str | None:
    admin1 = side.cell("admin1", "name") if "admin1" in upto else ""
    admin1_code = side.cell("admin1", "code") if "admin1" in upto else ""
    admin2 = side.cell("admin2", "name") if "admin2" in upto else ""
    admin2_code = side.cell("admin2", "code") if "admin2" in upto else ""
    location = side.cell("location", "name") if "location" in upto else ""
    if admin2_code:  # by its p-code first (the name is checked against it)
        ref, _ = ctx.pcode_place(admin2_code, row=number, column=side.column("admin2"))
        if ref is not None and ctx.gazetteer.country_of(ref.place_id) == country:
            ctx.check_pcode_name(ref, admin2_code, admin2, row=number, column=side.column("admin2"))
    if admin1 and not (admin1_code or admin2 or admin2_code or location) and ctx.find_country(admin1) == country:
        return country.place_id  # "Sudan" as the state of origin: the country itself (see _admin1_country)
    place, _ = ctx.place_in_country(country, admin1 or None, admin2 or None, location or None,
                                    admin1_code=admin1_code or None, admin2_code=admin2_code or None,
                                    row=number, column=column)
    found = ctx.gazetteer.places.get(place) if isinstance(place, int) else None
    if (admin2 or admin2_code) and found is not None and found.kind in ("country", "governorate"):
        # The admin 2 unit was found neither by code nor by name: the row keeps the area above it,
        # and the name is queued for review (place_in_country queues locations only).
        again = ctx.place_id(admin2 or admin2_code, within=found.place_key, kind="district", row=number,
                             column=side.column("admin2"), only_within=True)
        place = again if again is not None else place
    return place


def _row_country(ctx: LoadContext, side: _Side, fallback):
    by_code = side.country_by_code(ctx)
    if by_code is not None:
        return by_code
    if fallback is not None:
        return fallback
    return ctx.load_country()


def _admin1_country(ctx: LoadContext, side: _Side, country):
    """The country an admin 1 cell names instead of an admin 1 unit (destination "South Sudan"), when
    nothing finer is given and no admin 1 of `country` has the name."""
    admin1 = side.cell("admin1", "name")
    if not admin1 or side.cell("admin1", "code") or any(side.cell(l, p) for l in ("admin2", "location")
                                                          for p in ("name", "code")):
        return country
    if country is not None and ctx.gazetteer.resolve(admin1, within=country.place_key,
                                                     kind="governorate").is_resolved:
        return country
    return ctx.find_country(admin1) or country


def record_key(day: date, figure_kind: str, unit: str, destination: _Side, origin: _Side) -> str:
    parts = [day.isoformat(), figure_kind, unit, *destination.key_parts("to"), *origin.key_parts("from")]
    return "od:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]


def _figure_kind(count_column: str) -> str:
    return "new_displacement" if set(_words(count_column)) & NEW_WORDS else "idp_stock"


def _fact(plan: Plan, ctx: LoadContext, row: dict, number: int, day_first) -> dict:
    text = clean(row.get(plan.date))
    if not text:
        raise _RowProblem(plan.date, "missing-cell", "the row has no date")
    try:
        day = parse_date(text, day_first=day_first)
    except CellError as exc:
        raise _RowProblem(plan.date, exc.code, str(exc), text) from None
    count_text = clean(row.get(plan.count))
    try:
        value, qualifier = parse_count(count_text)
    except CellError as exc:
        raise _RowProblem(plan.count, count_issue_code(exc), str(exc), count_text) from None
    if value is None:
        raise _RowProblem(plan.count, "missing-cell", "the row has no count", count_text or None)
    unit = _count_unit(plan.count)
    fact = one_fact((value, qualifier), (None, "vague")) if unit == "persons" else \
        one_fact((None, "vague"), (value, qualifier))
    destination, origin = _Side(plan, "destination", row), _Side(plan, "origin", row)
    if destination.is_empty():
        column = next(iter(next(iter(plan.places["destination"].values())).values()))
        raise _RowProblem(column, "missing-cell", "the row names no destination (where the people are)")
    to_country = _admin1_country(ctx, destination, _row_country(ctx, destination, None))
    from_country = _admin1_country(ctx, origin, _row_country(ctx, origin, to_country))
    figure_kind = _figure_kind(plan.count)
    return {
        "provider": PROVIDER,
        "record_key": record_key(day, figure_kind, fact["unit"], destination, origin),
        "figure_kind": figure_kind,
        **fact,
        "figure_max": None,
        "is_cumulative": False,
        "origin_place_id": _place(ctx, origin, from_country, number),
        "origin_name_raw": origin.raw_name(),
        "destination_place_id": _place(ctx, destination, to_country, number),
        "destination_name_raw": destination.raw_name(),
        # A stock is counted on the day; a movement over a period whose start the table does not give.
        "period_start": day if figure_kind == "idp_stock" else None,
        "period_end": day,
        "term": None,
        "review_status": "not_required",
    }


def country_named(table, gazetteer) -> tuple[bool, str | None, str, set[str]]:
    """(whether the table's admin 1 names are some country's admin 1 units, the ISO3 code of the one
    they are of or None, why, every country they name). The rows are read here and handed to
    normalise again (normalise holds them anyway, to read the date column's order)."""
    columns = getattr(table, "columns", None)
    plan = Plan(columns) if columns else None
    names_at = [side.get("admin1", {}).get("name") for side in (plan.places.values() if plan else ())]
    names_at = [c for c in names_at if c]
    if not names_at or not hasattr(table, "rows"):
        return False, None, "the table has no admin 1 name column", set()
    rows = list(table.rows)
    table.rows = iter(rows)
    names = {clean(row.get(c)) for _, row in rows for c in names_at} - {""}
    names = {n for part in names for n in _parts(part)}
    if not names:
        return False, None, "the table names no admin 1 unit", set()
    return country_of_admin1_names(gazetteer, names, f"the table's {len(names)} admin 1 names")


def normalise(table, ctx: LoadContext) -> Iterator[Chunk]:
    plan = Plan(table.columns)
    if not plan.matches():
        raise LoadError(f"{table.file_name}: a movement table needs a date column, one count of people "
                        "(IDP individuals or households) and place columns of the origin and of the destination "
                        f"(columns found: {', '.join(table.columns)})")
    unused = [c for c in table.columns if c and c not in plan.used()]
    if unused:
        ctx.report.add(None, None, "unused-column", f"{len(unused)} column(s) are not loaded: this kind reads the "
                       "date, the count and the places of each side", ", ".join(unused), severity="warning")
    # Whether 4/5/2023 is day- or month-first is read from the whole column, so the rows are held.
    rows = list(table.rows)
    day_first = infer_day_first(row.get(plan.date) for _, row in rows)
    batch: list = []
    for number, row in rows:
        try:
            values = _fact(plan, ctx, row, number, day_first)
        except _RowProblem as problem:
            raw = {c: row.get(c) for c in table.columns if c}
            ctx.report.add(number, problem.column, problem.code, str(problem), problem.value, raw_row=raw)
            continue
        batch.append((number, values))
        if len(batch) >= CHUNK_ROWS:
            yield from with_new_places(Chunk("displacement_figure", batch), ctx)
            batch = []
    if batch:
        yield from with_new_places(Chunk("displacement_figure", batch), ctx)
