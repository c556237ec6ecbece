"""Country codes from the shipped country list (gazetteer/data/world_countries.csv).

The database keeps a country's ISO3 code on its place; files also name countries by ISO2 and by
numeric code (ACLED's `iso` column is the M49 number), which this table supplies.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

COUNTRIES_FILE = Path(__file__).resolve().parent / "data" / "world_countries.csv"


@lru_cache(maxsize=1)
def country_codes() -> dict[str, tuple[str, ...]]:
    """ISO3 → (ISO2, numeric code without leading zeros)."""
    with open(COUNTRIES_FILE, encoding="utf-8", newline="") as handle:
        return {row["iso3"]: tuple(c for c in (row["iso2"], row["m49"].lstrip("0")) if c)
                for row in csv.DictReader(handle)}
