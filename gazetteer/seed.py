"""The gazetteer shipped with the project (gazetteer/data/*.csv) → place records.

syria_admin.csv   the country, 14 governorates and 62 districts (p-codes and English names as in
                  OCHA's global p-code list; Arabic names; approximate centroids)
syria_places.csv  cities, towns and sites that matter for the 2024 offensive and its flight routes
syria_aliases.csv other spellings people write (transliterations, Arabic variants, provider names)
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from db.records import PlaceRecord, SourceInfo

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES = ("syria_admin.csv", "syria_places.csv", "syria_aliases.csv")


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _float(text: str) -> float | None:
    return float(text) if text and text.strip() else None


def seed_source_info() -> SourceInfo:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update((DATA_DIR / name).read_bytes())
    return SourceInfo(
        source_kind="gazetteer",
        title="Project gazetteer: Syria admin units, cities and sites",
        publisher="this project (p-codes from OCHA's global p-code list)",
        file_name=", ".join(FILES),
        sha256=digest.hexdigest(),
    )


def read_seed_records() -> list[PlaceRecord]:
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
    return records
