"""Canonical records: what the loaders hand to the writer (db.writes), one class per table.

Loaders produce these from any source; only db.writes turns them into rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class SourceInfo:
    source_kind: str
    title: str
    sha256: str
    publisher: str | None = None
    url: str | None = None
    published_date: date | None = None
    file_name: str | None = None
    is_demo: bool = False


@dataclass(frozen=True)
class PlaceRecord:
    place_key: str
    kind: str
    name_en: str
    name_ar: str | None = None
    pcode: str | None = None
    parent_key: str | None = None
    lat: float | None = None
    lon: float | None = None
    country_iso3: str | None = None
    # Only for kind "site": the site's type (vocab.SITE_TYPES) and the provider's site code.
    site_type: str | None = None
    site_code: str | None = None
    # (alias, language) pairs; the names above are indexed anyway.
    aliases: tuple[tuple[str, str], ...] = field(default=())
