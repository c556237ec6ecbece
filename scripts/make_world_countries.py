"""Write gazetteer/data/world_countries.csv: every country with its codes and the names people use.

Run once when OCHA's country list or the global p-code list changes (the CSV is committed; the
dashboard does not need hdx-python-country at run time):

    .venv/bin/python scripts/make_world_countries.py

Names and codes come from hdx-python-country (OCHA's own library), read offline: its bundled
country table, not the live one (online it would stall ~30 s without a network).

A country's place key is its admin-0 p-code where OCHA's global p-code list has its admin 1
(the letters its admin-1 p-codes share: "SY01" → "SY", Ecuador's "EC01"/"ECISLA" → "EC");
a country without p-codes is keyed by its ISO3 code and has no p-code.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere
DATA_DIR = Path(__file__).resolve().parent.parent / "gazetteer" / "data"
PCODES = DATA_DIR / "global_pcodes_adm1_adm2.csv"
OUT = DATA_DIR / "world_countries.csv"
# Columns of hdx-python-country's table that hold other English (or Latin-script) names.
NAME_COLUMNS = ("Preferred Term", "ISO Alt Term", "DGACM Alt Term", "HPC Tools Alt Term", "RW Short Name",
                "RW API Alt Term", "English Short", "English Formal", "M49 English", "French Short",
                "Spanish Short")


def admin0_codes() -> dict[str, str]:
    """ISO3 → the letters every admin-1 p-code of that country starts with."""
    from gazetteer.countries import admin0_code

    codes: dict[str, list[str]] = {}
    with open(PCODES, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Admin Level"] == "1":
                codes.setdefault(row["Location"], []).append(row["P-Code"])
    return {iso3: prefix for iso3, admin1 in codes.items() if (prefix := admin0_code(admin1))}


def _longitude(text: str | None) -> str:
    """OCHA's table gives some Pacific centroids east of 180 (Fiji 195.3): wrap them into -180..180."""
    if not text:
        return ""
    value = float(text)
    return repr(round(value - 360 if value > 180 else value, 6))


def main() -> int:
    from hdx.location.country import Country

    Country.set_use_live_default(False)
    data = Country.countriesdata(use_live=False)
    names_by_iso3: dict[str, set[str]] = {}
    for name, iso3 in data["countrynames2iso3"].items():
        names_by_iso3.setdefault(iso3, set()).add(name)
    codes = admin0_codes()
    rows = []
    for iso3, info in sorted(data["countries"].items()):
        if info.get("Deprecated") == "Y":
            continue
        name_en = info["Preferred Term"]
        aliases = {info[c] for c in NAME_COLUMNS if info.get(c)} | names_by_iso3.get(iso3, set())
        aliases = sorted(a for a in aliases if a and a.casefold() != name_en.casefold())
        pcode = codes.get(iso3)
        rows.append({
            "place_key": pcode or iso3, "pcode": pcode or "", "iso3": iso3,
            "iso2": info.get("ISO 3166-1 Alpha 2-Codes") or "", "m49": info.get("m49 numerical code") or "",
            "name_en": name_en, "name_ar": info.get("Arabic Short") or "",
            "lat": info.get("Latitude") or "", "lon": _longitude(info.get("Longitude")),
            "aliases": "|".join(aliases),
        })
    missing = sorted(set(codes) - {r["iso3"] for r in rows})
    if missing:
        print(f"the p-code list has countries hdx-python-country does not know: {missing}", file=sys.stderr)
        return 1
    with open(OUT, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUT}: {len(rows)} countries, {sum(1 for r in rows if r['pcode'])} with admin p-codes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
