"""The gazetteer shipped with the project (gazetteer/data/*.csv) → place records.

syria_admin.csv   the country, 14 governorates and 62 districts (p-codes and English names as in
                  OCHA's global p-code list; Arabic names; approximate centroids)
syria_places.csv  cities, towns and sites that matter for the 2024 offensive and its flight routes
syria_aliases.csv other spellings people write (transliterations, Arabic variants, provider names)
world_countries.csv every country: ISO codes and names (scripts/make_world_countries.py, from
                  hdx-python-country)
global_pcodes_adm1_adm2.csv OCHA's global p-code list: admin 1 and 2 of every country with a COD

Syria's own files win over the world files (they add Arabic names, centroids, towns and sites):
the world files' Syrian rows are skipped.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from db.records import PlaceRecord, SourceInfo

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES = ("syria_admin.csv", "syria_places.csv", "syria_aliases.csv", "world_countries.csv", "global_pcodes_adm1_adm2.csv")
PCODE_LIST = "global_pcodes_adm1_adm2.csv"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _float(text: str) -> float | None:
    return float(text) if text and text.strip() else None


@lru_cache(maxsize=1)
def seed_source_info() -> SourceInfo:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update((DATA_DIR / name).read_bytes())
    return SourceInfo(
        source_kind="gazetteer",
        title="Project gazetteer: every country, admin 1 and 2 of every country with p-codes; Syria's cities and sites",
        publisher="this project (p-codes from OCHA's global p-code list)",
        file_name=", ".join(FILES),
        sha256=digest.hexdigest(),
    )


@lru_cache(maxsize=1)
def read_seed_records() -> tuple[PlaceRecord, ...]:
    """The shipped places, read once per process (every new database, and every test's, starts here)."""
    aliases: dict[str, list[tuple[str, str]]] = {}
    for row in _rows("syria_aliases.csv"):
        aliases.setdefault(row["place_key"], []).append((row["alias"], row["language"]))
    records = []
    for name in ("syria_admin.csv", "syria_places.csv"):
        for row in _rows(name):
            key = row["place_key"]
            records.append(
                PlaceRecord(
                    place_key=key,
                    pcode=row.get("pcode") or None,
                    kind=row["kind"],
                    name_en=row["name_en"],
                    name_ar=row.get("name_ar") or None,
                    parent_key=row.get("parent_key") or None,
                    lat=_float(row.get("lat", "")),
                    lon=_float(row.get("lon", "")),
                    country_iso3=row.get("country_iso3") or None,
                    site_type=row.get("site_type") or None,
                    aliases=tuple(aliases.get(key, ())),
                )
            )
    # A country Syria's files give keeps their record, with the names OCHA's country list knows it by
    world = {row["iso3"]: row for row in _rows("world_countries.csv")}
    records = [replace(r, aliases=r.aliases + tuple((a, _alias_language(a))
                                                     for a in world[r.country_iso3]["aliases"].split("|") if a))
               if r.country_iso3 in world else r for r in records]
    return tuple(records) + tuple(_world_records({r.place_key for r in records}, {r.country_iso3 for r in records} - {None}))


def _alias_language(name: str) -> str:
    return "ar" if any("\u0600" <= ch <= "\u06ff" for ch in name) else "provider"


def _world_records(known_keys: set[str], known_countries: set[str]) -> list[PlaceRecord]:
    """Every country, then admin 1 and 2 from OCHA's global p-code list, for the countries
    Syria's richer files do not already give."""
    records, country_key = [], {}
    for row in _rows("world_countries.csv"):
        country_key[row["iso3"]] = row["place_key"]
        if row["iso3"] in known_countries or row["place_key"] in known_keys:
            continue
        records.append(PlaceRecord(
            place_key=row["place_key"], pcode=row["pcode"] or None, kind="country", name_en=row["name_en"],
            name_ar=row["name_ar"] or None, lat=_float(row["lat"]), lon=_float(row["lon"]),
            country_iso3=row["iso3"],
            aliases=tuple((a, _alias_language(a)) for a in row["aliases"].split("|") if a)))
    rows = [r for r in _rows(PCODE_LIST) if r["Location"] not in known_countries]
    admin1: dict[str, list[str]] = {}
    for r in rows:
        if r["Admin Level"] == "1":
            admin1.setdefault(r["Location"], []).append(r["P-Code"])
    seen = set(known_keys)
    for level in ("1", "2"):
        for row in rows:
            code = row["P-Code"].strip()
            # The list repeats two Ecuadorian codes (ECISLA, ECNO APLICA) at level 2 with the
            # country as parent: the level-1 row keeps the code.
            if row["Admin Level"] != level or code in seen:
                continue
            seen.add(code)
            parent = row["Parent P-Code"].strip()
            if parent == row["Location"]:  # a country's ISO3: its place is keyed by its admin-0 code
                parent = country_key[parent]
                if level == "2":  # Ecuador's districts name the country: their code starts with their province's
                    parent = max((c for c in admin1.get(row["Location"], ()) if code.startswith(c) and c != code),
                                 key=len, default=parent)
            records.append(PlaceRecord(place_key=code, pcode=code, kind="governorate" if level == "1" else "district",
                                       name_en=row["Name"].strip(), parent_key=parent))
    return records
