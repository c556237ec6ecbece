"""Country codes from the shipped country list (gazetteer/data/world_countries.csv).

The database keeps a country's ISO3 code on its place; files also name countries by ISO2 and by
numeric code (ACLED's `iso` column is the M49 number), which this table supplies.
"""

from __future__ import annotations

import csv
import os
import re
from functools import lru_cache
from pathlib import Path

COUNTRIES_FILE = Path(__file__).resolve().parent / "data" / "world_countries.csv"


@lru_cache(maxsize=1)
def country_codes() -> dict[str, tuple[str, ...]]:
    """ISO3 → (ISO2, numeric code without leading zeros)."""
    with open(COUNTRIES_FILE, encoding="utf-8", newline="") as handle:
        return {row["iso3"]: tuple(c for c in (row["iso2"], row["m49"].lstrip("0")) if c)
                for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def country_names() -> tuple[tuple[str, str], ...]:
    """(ISO3, English name) of every country, by name: the Upload page's choice."""
    with open(COUNTRIES_FILE, encoding="utf-8", newline="") as handle:
        return tuple(sorted(((row["iso3"], row["name_en"]) for row in csv.DictReader(handle)), key=lambda c: c[1]))


def admin0_code(admin1_codes) -> str:
    """A country's admin-0 p-code: the letters all its admin-1 p-codes start with ("SY01" → "SY";
    Ecuador's "EC01" and "ECISLA" → "EC"); "" when they share fewer than two."""
    letters = sorted({re.match(r"[A-Za-z]*", code).group(0) for code in admin1_codes})
    prefix = os.path.commonprefix(letters) if letters else ""
    return prefix if len(prefix) >= 2 else ""
