"""A location below admin 2 that the gazetteer lacks becomes a place at the row's coordinates (issue 17).

HXL sheets tag a row's point `#geo+lat` / `#geo+lon`. A village or neighbourhood (`#adm4`, `#loc`)
the gazetteer does not hold is added under the admin 2 the row names (here, by its own p-code's
prefix), at those coordinates, as an ACLED town is; a row without a point stays at its area with
the name queued; a sheet that tags a finer place of its own (a `#village`) keeps its point to it.
The oracles are the file's own cells (read with openpyxl) and OCHA's p-code list as shipped.
"""

from __future__ import annotations

import csv

import openpyxl
from sqlalchemy import select

from db.schema import displacement_figure, place, unresolved_place_name
from loaders.ingest import ingest_file
from tests.conftest import FIXTURES_DIR, REPO_ROOT

LIBYA = FIXTURES_DIR / "real" / "dtm__LBY__baseline_round39_arabic_hxl_missing_hash_cut.xlsx"
PCODE_LIST = REPO_ROOT / "gazetteer" / "data" / "global_pcodes_adm1_adm2.csv"


def _libya_rows() -> list[dict]:
    """The data sheet's rows by hashtag (row 2), with their spreadsheet row numbers."""
    sheet = openpyxl.load_workbook(LIBYA, read_only=True)["IDPs_Returnees"]
    rows = list(sheet.iter_rows(values_only=True))
    tags = [str(t).strip() if t else "" for t in rows[1]]
    return [{"row": number, **{tag: value for tag, value in zip(tags, cells) if tag}}
            for number, cells in enumerate(rows[2:], start=3) if any(c not in (None, "") for c in cells)]


def _libyan_districts() -> set[str]:
    with open(PCODE_LIST, encoding="utf-8-sig", newline="") as handle:
        return {r["P-Code"] for r in csv.DictReader(handle) if r["Location"] == "LBY" and r["Admin Level"] == "2"}


def _places(engine) -> dict[int, dict]:
    with engine.connect() as conn:
        return {r.place_id: r._asdict() for r in conn.execute(select(place.c.place_id, place.c.place_key, place.c.kind,
                                                                   place.c.parent_id, place.c.lat, place.c.lon))}


def test_libyan_neighbourhoods_are_added_at_their_coordinates_under_their_district(prepared_engine):
    rows = _libya_rows()
    districts = _libyan_districts()
    # The file's own p-codes: a neighbourhood's code begins with its district's (LY0106 → LY010601...).
    district_of = {r["row"]: next(d for d in districts if str(r["#adm4+code"]).startswith(d)) for r in rows}
    with_point = [r for r in rows if r["#geo+lat"] not in (None, "") and r["#geo+lon"] not in (None, "")]
    without = [r for r in rows if r not in with_point]
    assert len(with_point) > 50 and len(without) > 10  # the cut keeps both kinds of row

    before = set(_places(prepared_engine))
    result = ingest_file(prepared_engine, LIBYA)
    assert result.batch.rows_inserted > 0
    places = _places(prepared_engine)
    with prepared_engine.connect() as conn:
        figures = conn.execute(select(displacement_figure.c.record_key, displacement_figure.c.destination_place_id,
                                      displacement_figure.c.destination_name_raw)).all()
        queued = {r.raw_name for r in conn.execute(select(unresolved_place_name.c.raw_name))}

    def country_of(place_id):
        while places[place_id]["parent_id"] is not None:
            place_id = places[place_id]["parent_id"]
        return places[place_id]["place_key"]

    assert {country_of(f.destination_place_id) for f in figures} == {"LY"}  # nothing outside Libya
    by_name = {}
    for figure in figures:
        by_name.setdefault(figure.destination_name_raw, set()).add(figure.destination_place_id)
    new = {pid: p for pid, p in places.items() if pid not in before}
    assert new and all(p["kind"] == "community" for p in new.values())
    for row in with_point:
        [place_id] = by_name[str(row["#adm4+name"]).strip()]
        found = places[place_id]
        assert places[found["parent_id"]]["place_key"] == district_of[row["row"]]
        # the place stands at the point of the first row that named it (a name repeated in a district is one place)
        first = next(r for r in with_point if str(r["#adm4+name"]).strip() == str(row["#adm4+name"]).strip()
                     and district_of[r["row"]] == district_of[row["row"]])
        assert (round(found["lat"], 5), round(found["lon"], 5)) == (round(float(first["#geo+lat"]), 5),
                                                                    round(float(first["#geo+lon"]), 5))
    for row in without:  # no point: the row stays at its district, its name on the review queue
        name = str(row["#adm4+name"]).strip()
        assert {places[pid]["place_key"] for pid in by_name[name]} == {district_of[row["row"]]}
        assert name in queued
    assert len(new) == len({(district_of[r["row"]], str(r["#adm4+name"]).strip()) for r in with_point})

    again = ingest_file(prepared_engine, LIBYA)  # the same file again: nothing changes
    assert again.batch.rows_inserted == 0 and set(_places(prepared_engine)) == set(places)


SHEET = """Region,District,Village area,Village,Lat,Lon,IDPs,Date
#adm1+code,#adm2+code,#adm3+name,#village+name,#geo+lat,#geo+lon,#affected+idps,#date+reported
LY01,LY0106,Muhalla A,Hamlet one,32.7,21.9,120,2021-11-30
LY01,LY0106,Muhalla B,Hamlet two,32.8,21.8,80,2021-11-30
"""


def test_a_point_owned_by_a_finer_place_the_loader_does_not_read_places_nothing(prepared_engine, tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text(SHEET, encoding="utf-8")
    before = set(_places(prepared_engine))
    result = ingest_file(prepared_engine, path)
    assert result.batch.rows_inserted == 2 and set(_places(prepared_engine)) == before
    unused = [value for code, value in result.report.flatten(("code", "value")) if code == "unused-column"]
    assert unused and "#geo+lat" in unused[0] and "#geo+lon" in unused[0]


def test_an_unreadable_coordinate_loses_only_itself(prepared_engine, tmp_path):
    path = tmp_path / "muhallas.csv"
    path.write_text(SHEET.replace("#village+name", "#meta+note").replace("32.8,21.8", "32°48',21.8"),
                    encoding="utf-8")
    before = set(_places(prepared_engine))
    result = ingest_file(prepared_engine, path)
    assert result.batch.rows_inserted == 2
    issues = {(row, code) for row, code in result.report.flatten(("row", "code"))}
    assert (4, "type-error") in issues and (3, "new-place") in issues
    assert len(set(_places(prepared_engine)) - before) == 1  # the first muhalla only; the second stays at LY0106


SUDAN = FIXTURES_DIR / "real" / "dtm__SDN__idps_master_list_round3_summary_sheet_first_cut.xlsx"


def test_a_sheet_without_country_or_pcodes_is_placed_by_its_states_names(prepared_engine):
    """DTM Sudan's master list tags DTM's own codes (DTM12) as #adm1+code and names no country: its
    states' names are Sudan's, and its localities are found by name inside them. The oracle is the
    sheet's own untagged `Pcode` column (each locality's OCHA p-code), which the loader never reads."""
    sheet = openpyxl.load_workbook(SUDAN, read_only=True)["IDPs Dataset"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    data = [dict(zip(header, cells)) for cells in rows[2:] if any(c not in (None, "") for c in cells)]
    assert all(str(r["StateCode"]).startswith("DTM") for r in data)  # no p-code in any tagged column

    result = ingest_file(prepared_engine, SUDAN)
    assert result.batch.rows_inserted == len(data)
    codes = result.report.flatten(("code",))
    assert ["country-from-file"] in codes and ["unknown-country"] not in codes
    places = _places(prepared_engine)
    with prepared_engine.connect() as conn:
        placed = dict(conn.execute(select(displacement_figure.c.destination_name_raw,
                                          displacement_figure.c.destination_place_id)).all())

    def locality_of(place_id):
        found = places[place_id]
        return found["place_key"] if found["kind"] == "district" else places[found["parent_id"]]["place_key"]

    keys = {p["place_key"] for p in places.values()}
    checked = [r for r in data if r["Pcode"] in keys]  # localities OCHA's list (as shipped) holds
    assert len(checked) > len(data) / 2
    for row in checked:
        assert locality_of(placed[str(row["Location"]).strip()]) == row["Pcode"]
