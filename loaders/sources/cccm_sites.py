"""CCCM site list (ISIMM, NW Syria): each row is an IDP site and the people living in it.

A site becomes a place of kind "site" (place_key "site:<PCODE>") under its district, with a
`site` row (site_code, site_type) and a `site_population` count for the list's month; places
and counts are written in the same load, so a rejected load leaves neither behind.

Quirks of the July 2020 list (nw_syria_isimm_sites_2020-07.csv) handled here:
- The list has no date column. Its month is read from the file name, as the cluster names its
  files: "..._2020-07.csv" (or a full YYYY-MM-DD) or ISIMM's own "ISIMM_2020July.csv"; the
  count is dated the first day of that month. A name without a month is refused with a
  message asking to add it (the CLI has no date option on purpose: the file name travels with
  the file).
- TypeSite writes transit and reception centres as one category, "T/RC"; it is stored as
  transit_centre (the category cannot be split without guessing from the site's name).
- 86 sites have no TypeSite: they are loaded as "other" with a warning, so their people are
  counted, and a later list that gives the type corrects it.
- Names carry stray "*" marks and spaces ("Tarheen* "): they are stripped from the name, and
  the name as written is kept as a provider alias. A name in Arabic script (a cp1256 list) is
  also the site's Arabic name; there is no Latin spelling to put beside it.
- A few codes are written "Cp000559"; codes are upper-cased.
- `geo` holds "lat,lon" in one cell. `cluster` (an operational group of camps) and the
  service-coverage scores are not loaded.

Lists of other months and other clusters name the same things their own way, so columns are
found by any of their usual names, in any case (COLUMN_NAMES): "Camp long name" or "Site Name"
for camp_name, "Population" for individual, "Latitude"/"Longitude" as two columns, KoBo/ODK's
geopoint ("lat lon altitude accuracy" in one cell). Lists without PCODE (the 2017 lists, REACH's
camp lists) key a site by its name within its district ("site:<district>:<name>"), so the next
month's list finds the same site. A coordinate that cannot be read is dropped with a warning and
the site and its people still load: one bad cell spoils only itself.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Iterator

from db.records import PlaceRecord
from loaders.context import Chunk, LoadContext
from loaders.parsing import CellError, clean, parse_date, parse_float, parse_int
from loaders.readers.delimited import Table
from loaders.report import LoadError
from loaders.sources._countries import country_of_admin1_names

KIND = "cccm_sites"
# ISIMM's NW Syria site list: its governorates and districts are Syrian. A list whose governorates
# are another country's admin 1 units is of that country (country_named); --country replaces both.
COUNTRY = "SYR"
TITLE = "CCCM IDP site list (ISIMM)"
PUBLISHER = "CCCM Cluster (Turkey cross-border)"
FORMAT = "delimited"
TARGET = "facts"
EXPECTED_COLUMNS = ("PCODE", "governorate", "district", "camp_name", "geo", "TypeSite",
                    "girls", "boys", "women", "men", "individual")
REQUIRED = ("camp_name", "individual")
# Our name for a column → the names lists give it (compared without case, spaces or underscores).
COLUMN_NAMES = {
    "PCODE": ("PCODE", "site_pcode", "site_code", "site_id", "cccm_site_id", "camp_pcode", "cccm_pcode"),
    "governorate": ("governorate", "admin1", "admin1_name", "adm1_en", "province", "state"),
    "district": ("district", "admin2", "admin2_name", "adm2_en"),
    "camp_name": ("camp_name", "camp_long_name", "site_name", "name_of_site", "camp_site_name"),
    "geo": ("geo", "geopoint", "_geopoint", "gps", "coordinates"),
    "latitude": ("latitude", "lat", "_gps_latitude", "gps_latitude"),
    "longitude": ("longitude", "lon", "long", "_gps_longitude", "gps_longitude"),
    "TypeSite": ("TypeSite", "site_type", "type_of_site", "camp_type"),
    "individual": ("individual", "individuals", "population", "total_individuals", "total_population"),
    "girls": ("girls",), "boys": ("boys",), "women": ("women",), "men": ("men",),
}
PROVIDER = "CCCM ISIMM"
SITE_TYPE_BY_CODE = {
    "IS": "informal_settlement",
    "PC": "planned_camp",
    "CC": "collective_centre",
    "T": "transit_centre",
    "RC": "reception_centre",
    "T/RC": "transit_centre",
}
BLANK_SITE_TYPE = "other"
COUNT_COLUMNS = {"girls": "girls", "boys": "boys", "women": "women", "men": "men", "individual": "individuals"}
CHUNK_ROWS = 5_000
KEY_LENGTH = 80  # place.place_key

_ISO_MONTH_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)-(0[1-9]|1[0-2])(?:-(\d\d))?(?!\d)")
_WORD_MONTH_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_ ]?([A-Za-z]{3,9})(?![A-Za-z])")
_ARABIC = re.compile(r"[\u0600-\u06FF]")


def _simple(name: str) -> str:
    return re.sub(r"[\s_]+", "", str(name)).casefold()


def column_map(columns) -> dict[str, str]:
    """Our column name → the file's, for the columns the file has."""
    by_simple = {}
    for column in columns:
        by_simple.setdefault(_simple(column), column)
    found = {}
    for ours, names in COLUMN_NAMES.items():
        for name in names:
            if _simple(name) in by_simple:
                found[ours] = by_simple[_simple(name)]
                break
    return found


def detect(table: Table) -> bool:
    found = column_map(table.columns)
    return set(REQUIRED) <= set(found) and bool({"district", "governorate"} & set(found))


def reported_date_from_name(file_name: str) -> date:
    """The list's month from its file name: 2020-07, 2020-07-15 or ISIMM's "2020July"."""
    for match in _ISO_MONTH_IN_NAME.finditer(file_name):
        try:
            return date(int(match[1]), int(match[2]), int(match[3] or 1))
        except ValueError:
            continue
    for match in _WORD_MONTH_IN_NAME.finditer(file_name):
        try:
            return parse_date(f"1 {match[2]} {match[1]}")
        except CellError:
            continue
    raise LoadError(f"{file_name}: a CCCM site list has no date column, so its month is the one given at load "
                    "(--published YYYY-MM-DD, or on the Upload page) or read from the file name; give it, or add "
                    "the month to the name as YYYY-MM (e.g. nw_syria_isimm_sites_2020-07.csv), and load it again")


def country_named(table, gazetteer) -> tuple[bool, str | None, str, set[str]]:
    """(whether the governorate column names some country's admin 1 units, the ISO3 code of the one
    it is of or None, why, every country it names). A site list is small: its rows are read here and
    handed to normalise again."""
    column = column_map(getattr(table, "columns", ())).get("governorate")
    if not isinstance(table, Table) or column is None:
        return False, None, "the list has no governorate column", set()
    rows = list(table.rows)
    table.rows = iter(rows)
    names = {clean(row.get(column)) for _, row in rows} - {None, ""}
    return country_of_admin1_names(gazetteer, names, f"the list's {len(names)} governorate names")


def normalise(table: Table, ctx: LoadContext) -> Iterator[Chunk]:
    """Check the file as a whole now (before any write), then stream its chunks."""
    found = column_map(table.columns)
    missing = [c for c in REQUIRED if c not in found]
    if not {"district", "governorate"} & set(found):
        missing.append("district")
    if missing:
        raise LoadError(f"{table.file_name}: the site list has no column {', '.join(missing)}; "
                        f"a CCCM ISIMM list has the columns {', '.join(EXPECTED_COLUMNS)}")
    if "TypeSite" not in found:
        ctx.report.add(None, None, "missing-cell", f"the list has no site type column (TypeSite); its sites are "
                       f"loaded as {BLANK_SITE_TYPE!r} until a list gives their type", severity="warning")
    reported_date = ctx.file_date or reported_date_from_name(table.file_name)
    rows = ((number, {ours: row.get(theirs) for ours, theirs in found.items()}) for number, row in table.rows)
    return _chunks(rows, ctx, reported_date, has_type="TypeSite" in found)


def _chunks(rows, ctx: LoadContext, reported_date: date, *, has_type: bool = True) -> Iterator[Chunk]:
    places: list = []
    counts: list = []
    seen: dict[str, int] = {}
    for number, row in rows:
        site = _normalise_row(ctx, number, row, seen, has_type)
        if site is None:
            continue
        record, population = site
        seen[record.site_code or record.place_key] = number
        places.append((number, record))
        counts.append((number, {"site_key": record.place_key, "provider": PROVIDER,
                                "reported_date": reported_date, **population}))
        if len(places) >= CHUNK_ROWS:
            yield Chunk("place", places)  # the sites first: their counts refer to them
            yield Chunk("site_population", counts)
            places, counts = [], []
    if places:
        yield Chunk("place", places)
        yield Chunk("site_population", counts)


def _normalise_row(ctx: LoadContext, number: int, row: dict, seen: dict,
                   has_type: bool = True) -> tuple[PlaceRecord, dict] | None:
    """One row → (site place, population counts), or None when the row was reported."""

    def reject(column, code, message, value=None) -> None:  # the row is left out
        ctx.report.add(number, column, code, message, value, raw_row=row)

    has_code = "PCODE" in row
    code = clean(row.get("PCODE")).upper()
    written_name = clean(row.get("camp_name"))
    name = re.sub(r"\s+", " ", written_name.replace("*", "")).strip()
    if has_code and not code:
        return reject("PCODE", "missing-cell", "PCODE is empty; every site has a code like CP000457")
    if has_code and not re.fullmatch(r"[A-Z0-9-]{1,40}", code):
        return reject("PCODE", "type-error", "PCODE is not a site code; write it like CP000457", row.get("PCODE"))
    if code in seen:
        return reject("PCODE", "duplicate-key", f"this site code repeats row {seen[code]}; keep one of the rows", code)
    if not name:
        return reject("camp_name", "missing-cell", "camp_name is empty; give the site's name", written_name or None)

    site_type = _site_type(ctx, number, row) if has_type else BLANK_SITE_TYPE
    if site_type is None:
        return None
    lat, lon = _coordinates(ctx, number, row)
    population, problem = {}, False
    for column, field_name in COUNT_COLUMNS.items():
        try:
            population[field_name] = parse_int(row.get(column))
        except CellError as exc:
            reject(column, _code_of(exc), str(exc), row.get(column))
            problem = True
    if problem:
        return None
    if population["individuals"] is None:
        return reject("individual", "missing-cell", "individual is empty; give the number of people at the site")

    parent_key = _parent_key(ctx, number, row)
    if parent_key is None:
        return reject("district", "unknown-parent", "neither the district nor the governorate matched the "
                      "gazetteer, so the site cannot be placed; correct the names (they are queued for review) "
                      "and load the file again", clean(row.get("district")) or None)
    place_key = f"site:{code}" if code else _name_key(parent_key, name)
    if not code and place_key in seen:
        return reject("camp_name", "duplicate-key", f"this site's name repeats row {seen[place_key]} in the same "
                      "district; keep one of the rows", name)
    record = PlaceRecord(
        place_key=place_key, kind="site", name_en=name,
        name_ar=name if _ARABIC.search(name) else None,
        parent_key=parent_key, lat=lat, lon=lon, site_type=site_type, site_code=code or None,
        aliases=((written_name, "provider"),) if written_name != name else (),
    )
    return record, population


def _site_type(ctx: LoadContext, number: int, row: dict) -> str | None:
    written = clean(row.get("TypeSite"))
    if not written:
        ctx.report.add(number, "TypeSite", "missing-cell", f"TypeSite is empty; the site is loaded as "
                       f"{BLANK_SITE_TYPE!r} until a list gives its type", severity="warning", raw_row=row)
        return BLANK_SITE_TYPE
    site_type = SITE_TYPE_BY_CODE.get(re.sub(r"\s+", "", written).upper())
    if site_type is None:
        ctx.report.add(number, "TypeSite", "unknown-value", "TypeSite must be one of "
                       f"{', '.join(SITE_TYPE_BY_CODE)}", written, raw_row=row)
    return site_type


def _name_key(parent_key: str, name: str) -> str:
    """A site without a code: its name within its district, the same however the name is spaced or cased."""
    key = f"site:{parent_key}:{' '.join(name.casefold().split())}"
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return f"{key[:KEY_LENGTH - 17]}~{digest}"


def _coordinates(ctx: LoadContext, number: int, row: dict) -> tuple[float | None, float | None]:
    """The site's point, or (None, None) with a warning: a bad coordinate never costs the site its people."""
    column, text = "geo", row.get("geo")
    try:
        if clean(text) or "latitude" not in row:
            return _lat_lon(text)
        column, text = "latitude", row.get("latitude")
        lat = parse_float(text, -90, 90, "latitude")
        column, text = "longitude", row.get("longitude")
        lon = parse_float(text, -180, 180, "longitude")
    except CellError as exc:
        ctx.report.add(number, column, _code_of(exc), f"{exc}; the site is loaded without coordinates",
                       text, severity="warning", raw_row=row)
        return None, None
    return (lat, lon) if lat is not None and lon is not None else (None, None)


def _lat_lon(text) -> tuple[float | None, float | None]:
    raw = clean(text)
    if not raw:
        return None, None
    # KoBo/ODK geopoint: "lat lon altitude accuracy", separated by spaces
    parts = raw.split(",") if "," in raw else raw.split()
    if "," not in raw and 2 <= len(parts) <= 4:
        parts = parts[:2]
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise CellError(f"{raw!r} is not a \"lat,lon\" pair nor a geopoint \"lat lon alt accuracy\"; write it "
                        "like 36.3862,37.5052")
    return parse_float(parts[0], -90, 90, "latitude"), parse_float(parts[1], -180, 180, "longitude")


def _code_of(exc: CellError) -> str:
    return exc.code


def _parent_key(ctx: LoadContext, number: int, row: dict) -> str | None:
    """The site's district, found by name within its governorate; the governorate if only it matches."""
    governorate_id = ctx.place_id(clean(row.get("governorate")), kind="governorate", row=number,
                                  column="governorate")
    within = ctx.gazetteer.places[governorate_id].place_key if governorate_id else None
    district_id = ctx.place_id(clean(row.get("district")), within=within, kind="district", row=number,
                               column="district")
    parent_id = district_id or governorate_id
    return ctx.gazetteer.places[parent_id].place_key if parent_id else None
