"""OCHA global p-code list (admin levels 1-2 for every country with a COD) → gazetteer places.

Columns: Location (ISO3), Admin Level, P-Code, Name, Parent P-Code, Valid from date. Admin-1 rows
name their country by ISO3 ("SYR") as parent; the country place itself is keyed by its admin-0
p-code, the letters that start its admin-1 p-codes ("SY01" → "SY"). Countries the gazetteer
already holds keep their names; new ones are named by ISO3 until someone adds a proper name.
"""

from __future__ import annotations

from dataclasses import replace

from db import vocab
from db.records import PlaceRecord
from gazetteer.countries import admin0_code
from loaders.context import PlaceContext
from loaders.readers.delimited import Table
from loaders.report import LoadReport

KIND = "ocha_pcodes"
TITLE = "OCHA global p-code list (admin 1-2)"
PUBLISHER = "OCHA"
EXPECTED_COLUMNS = ("Location", "Admin Level", "P-Code", "Name", "Parent P-Code")


FORMAT = "delimited"
TARGET = "places"


def detect(table) -> bool:
    return set(EXPECTED_COLUMNS) <= set(table.columns)


def _admin0_code(iso3: str, admin1_codes: list[str]) -> str:
    # as the shipped gazetteer keys countries (Ecuador's EC01 and ECISLA → EC)
    return admin0_code(admin1_codes) or iso3


def _parent_key(record: PlaceRecord, countries: dict[str, str], admin1_by_country: dict[str, list[str]]) -> str:
    """A row whose parent is its country's ISO3: an admin 1 stands under the country; an admin 2
    (Ecuador's list names the country as every district's parent) under the admin 1 whose code
    starts its own, as the shipped gazetteer places it (gazetteer/seed.py)."""
    country = countries[record.parent_key]
    if record.kind == "governorate":
        return country
    codes = admin1_by_country.get(record.parent_key, ())
    return max((c for c in codes if record.pcode.startswith(c) and c != record.pcode), key=len, default=country)


def normalise(table: Table, ctx: PlaceContext) -> list[PlaceRecord]:
    """Rows → the places to write, countries first; rows with problems go to the report (the same
    face as every kind: normalise(parsed, context))."""
    records = read_places(table, ctx.report, ctx.known_keys)
    return validate(records, ctx.report, ctx.known_keys)


def read_places(table: Table, report: LoadReport, known_keys: set[str]) -> list[tuple[int | None, PlaceRecord]]:
    """Rows → (row number, PlaceRecord), countries first; rows with problems go to the report."""
    records: list[tuple[int | None, PlaceRecord]] = []
    admin1_by_country: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for number, row in table.rows:
        pcode, name = row.get("P-Code", "").strip(), row.get("Name", "").strip()
        iso3, parent = row.get("Location", "").strip().upper(), row.get("Parent P-Code", "").strip()
        level_text = row.get("Admin Level", "").strip()
        problem = None
        for field_name, value in (("P-Code", pcode), ("Name", name), ("Location", iso3),
                                  ("Parent P-Code", parent), ("Admin Level", level_text)):
            if not value:
                problem = (field_name, "missing-cell", f"{field_name} is empty; fill it in or delete the row", value)
                break
        if problem is None and not level_text.isdigit():
            problem = ("Admin Level", "type-error", "Admin Level must be a whole number (1 or 2)", level_text)
        if problem is None and int(level_text) not in (1, 2, 3):
            problem = ("Admin Level", "out-of-range", "Admin Level must be 1, 2 or 3", level_text)
        if problem is None and pcode in seen:
            problem = ("P-Code", "duplicate-key", f"P-Code repeats row {seen[pcode]}; keep one of the rows", pcode)
        if problem:
            report.add(number, *problem, raw_row=dict(row))
            continue
        seen[pcode] = number
        level = int(level_text)
        if level == 1:
            admin1_by_country.setdefault(iso3, []).append(pcode)
        records.append(
            (number, PlaceRecord(place_key=pcode, pcode=pcode, kind=vocab.KIND_BY_ADMIN_LEVEL[level],
                                 name_en=name, parent_key=parent))
        )
    countries = {iso3: _admin0_code(iso3, codes) for iso3, codes in admin1_by_country.items()}
    records = [(n, replace(r, parent_key=_parent_key(r, countries, admin1_by_country)) if r.parent_key in countries
                else r) for n, r in records]
    country_records = [
        (None, PlaceRecord(place_key=code, pcode=code, kind="country", name_en=iso3, country_iso3=iso3))
        for iso3, code in sorted(countries.items())
        if code not in known_keys
    ]
    return country_records + records


def validate(records, report: LoadReport, known_keys: set[str]) -> list[PlaceRecord]:
    """Keep places whose parent exists (in this file or the gazetteer); report the others."""
    available = set(known_keys) | {r.place_key for _, r in records}
    kept = []
    for number, r in records:
        if r.parent_key and r.parent_key not in available:
            report.add(number, "Parent P-Code", "unknown-parent",
                       f"parent p-code {r.parent_key} is not in this file nor in the gazetteer; "
                       "add the parent's row or load its country's list", r.parent_key)
        else:
            kept.append(r)
    return kept
