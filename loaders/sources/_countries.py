"""Which country a row is about, from whatever code or name its file gives.

Files name countries four ways: ISO 3166 alpha-3 (`iso3`), ISO 3166 numeric (ACLED's `iso`,
e.g. 204 for Benin), a Gleditsch–Ward state number (ACLED's `GWNO` before 2017, e.g. 771 for
Bangladesh) or a name ("Democratic Republic of Congo", "Ivory Coast"). `country_of` reads the
first of these a row has and answers one ISO3 code or None: never a guess between two countries.

The table, data/country_codes.csv, is derived (not hand-typed) from two public sources:
- ISO2/ISO3, ISO numeric (M49), names and name patterns: OCHA's Countries & Territories
  Taxonomy as shipped in hdx-python-country 4.2.5 (MIT; the file "Countries & Territories
  Taxonomy MVP - C&T Taxonomy.csv"), deprecated entries left out;
- Gleditsch–Ward numbers: the states current at the end of Kristian S. Gleditsch and Michael D.
  Ward's list of independent states ("A revised list of independent states since 1816",
  International Interactions 25, 1999; ksgleditsch.com/statelist.html, 2020 revision), each
  matched to its ISO3 code by the taxonomy's name pattern (Germany 260, Kosovo 347, Serbia 340).
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from gazetteer.normalise import name_key

TABLE = Path(__file__).parent / "data" / "country_codes.csv"


@dataclass(frozen=True)
class Country:
    iso3: str
    iso2: str
    name: str


@dataclass(frozen=True)
class _Tables:
    by_iso3: dict
    by_numeric: dict
    by_gwno: dict
    by_name: dict  # name_key(name) → iso3, names that belong to one country only
    patterns: tuple  # (compiled regex, iso3)


@functools.cache
def _tables() -> _Tables:
    by_iso3, by_numeric, by_gwno, by_name, patterns = {}, {}, {}, {}, []
    clashing: set[str] = set()
    with open(TABLE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            country = Country(row["iso3"], row["iso2"], row["name"])
            by_iso3[country.iso3] = country
            if row["iso_numeric"]:
                by_numeric[int(row["iso_numeric"])] = country
            if row["gwno"]:
                by_gwno[int(row["gwno"])] = country
            for name in [row["name"], *filter(None, row["other_names"].split("|"))]:
                key = name_key(name)
                if by_name.get(key, country) is not country:
                    clashing.add(key)
                by_name[key] = country
            if row["regex"]:
                patterns.append((re.compile(row["regex"], re.IGNORECASE), country))
    for key in clashing:
        del by_name[key]
    return _Tables(by_iso3, by_numeric, by_gwno, by_name, tuple(patterns))


def _whole_number(text) -> int | None:
    text = str(text).strip() if text is not None else ""
    if re.fullmatch(r"\d+(\.0+)?", text):  # "204", or 204.0 from a sheet
        return int(float(text))
    return None


def by_iso3(text) -> Country | None:
    return _tables().by_iso3.get(str(text or "").strip().upper())


def by_numeric(text) -> Country | None:
    number = _whole_number(text)
    return _tables().by_numeric.get(number) if number else None


def by_gwno(text) -> Country | None:
    number = _whole_number(text)
    return _tables().by_gwno.get(number) if number else None


def by_name(text) -> Country | None:
    """A name as the table writes it, else the one country whose name pattern it fits."""
    name = str(text or "").strip()
    if not name:
        return None
    tables = _tables()
    found = tables.by_name.get(name_key(name))
    if found is not None:
        return found
    hits = {country for pattern, country in tables.patterns if pattern.search(name)}
    return hits.pop() if len(hits) == 1 else None


def country_of(*, iso3=None, iso_numeric=None, gwno=None, name=None) -> Country | None:
    """The country the first readable code names, most exact first (ISO3, ISO numeric, GW, name)."""
    for value, lookup in ((iso3, by_iso3), (iso_numeric, by_numeric), (gwno, by_gwno), (name, by_name)):
        if value not in (None, ""):
            found = lookup(value)
            if found is not None:
                return found
    return None


def country_place(gazetteer, country: Country | None):
    """The gazetteer's place for the country (keyed by ISO3 or by its admin-0 p-code, the ISO2
    code, as OCHA's p-codes are), or None when the gazetteer does not hold it."""
    if country is None:
        return None
    for key in (country.iso3, country.iso2):
        ref = gazetteer.by_key(key) if key else None
        if ref is not None and ref.kind == "country":
            return ref
    return None


def leading_country(gazetteer, votes: dict[int, int], total: int, share: float) -> tuple[str | None, set[str], str]:
    """From country place id → votes (a report's mentions, a list's governorate names that are its
    admin 1 units): the ISO3 code of the one with at least `share` of `total` and more votes than any
    other, else None; the ISO3 codes of every country voted for; the leaders, as "Sudan (4), Chad (1)"."""
    ranked = sorted(votes.items(), key=lambda item: -item[1])
    among = {gazetteer.places[place_id].country_iso3 for place_id in votes}
    listing = ", ".join(f"{gazetteer.places[place_id].name_en} ({n})" for place_id, n in ranked[:4])
    place_id, leading = ranked[0]
    alone = len(ranked) == 1 or ranked[1][1] < leading
    return (gazetteer.places[place_id].country_iso3 if alone and leading / total >= share else None), among, listing


# A table is of the country whose admin 1 units its area column names, when at least this share of
# its distinct names are that country's exactly (a site list's governorates, an HXL sheet's #adm1).
ADMIN1_SHARE = 2 / 3


def country_of_admin1_names(gazetteer, names: set[str], what: str) -> tuple[bool, str | None, str, set[str]]:
    """(whether `names` are some country's admin 1 units, the ISO3 code of the one they are of or None,
    why, every country they name): a table's `country_named`, from its area names. `what` says whose
    names they are in the message ("the list's 12 governorate names")."""
    votes = gazetteer.countries_of_admin1_names(names)
    if not votes:
        return False, None, f"{what} are no country's admin 1 names", set()
    country, among, listing = leading_country(gazetteer, votes, len(names), ADMIN1_SHARE)
    why = f"of {what}, countries' admin 1 units: {listing}"
    return True, country, why if country else why + ", too few to tell its country", among
