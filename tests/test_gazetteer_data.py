"""The shipped Syria gazetteer agrees with OCHA's global p-code list and with itself."""

from __future__ import annotations

import csv
import math

from gazetteer.seed import read_seed_records
from tests.conftest import shared_path

SYRIA_BOX = {"lat": (32.3, 37.35), "lon": (35.7, 42.4)}


def syria_records():
    """The shipped places inside Syria (the gazetteer also holds every other country's)."""
    records = read_seed_records()
    by_key = {r.place_key: r for r in records}

    def top(r):
        while r.parent_key:
            r = by_key[r.parent_key]
        return r.place_key

    return [r for r in records if top(r) == "SY"]


def _km(a, b) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def test_admin_units_match_the_ocha_global_pcode_list():
    path = shared_path("fixtures", "data", "global_pcodes_adm1_adm2.csv")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        official = {r["P-Code"]: r for r in csv.DictReader(handle) if r["Location"] == "SYR"}
    ours = {r.pcode: r for r in syria_records() if r.kind in ("governorate", "district")}
    assert len(official) == 76 and set(ours) == set(official)
    for pcode, row in official.items():
        record = ours[pcode]
        assert record.name_en == row["Name"], pcode
        assert record.kind == {"1": "governorate", "2": "district"}[row["Admin Level"]]
        assert record.parent_key == ("SY" if row["Parent P-Code"] == "SYR" else row["Parent P-Code"])


def test_counts_names_and_coordinates():
    records = syria_records()
    kinds = [r.kind for r in records]
    assert (kinds.count("country"), kinds.count("governorate"), kinds.count("district")) == (1, 14, 62)
    assert kinds.count("community") >= 60 and kinds.count("site") >= 10
    for r in records:
        assert r.name_ar, r.place_key
        assert SYRIA_BOX["lat"][0] <= r.lat <= SYRIA_BOX["lat"][1], r.place_key
        assert SYRIA_BOX["lon"][0] <= r.lon <= SYRIA_BOX["lon"][1], r.place_key


def test_towns_lie_near_their_district():
    by_key = {r.place_key: r for r in syria_records()}
    # Desert districts (Duma, Tadmor) are wide: their towns sit far from the centroid.
    far = [(r.place_key, round(_km(r, by_key[r.parent_key]))) for r in by_key.values()
           if r.kind in ("community", "site") and _km(r, by_key[r.parent_key]) > 120]
    assert far == []


def test_the_cities_of_the_2024_offensive_are_there():
    names = {r.name_en for r in syria_records() if r.kind == "community"}
    required = {"Aleppo", "Idleb", "Hama", "Homs", "Damascus", "Ar-Raqqa", "Tabqa", "Al-Hasakeh", "Qamishli",
                "Deir-ez-Zor", "Lattakia", "Tartous", "Dar'a", "As-Sweida", "Manbij", "Tell Rifaat", "Saraqab",
                "Maarrat An-Nu'man", "Khan Shaykhun", "As-Salamiyeh", "Masyaf", "Sayyida Zaynab"}
    assert required - names == set()
