"""A file that names no country takes it from its p-codes, by OCHA's convention (issue 17).

OCHA p-codes begin with the country's admin-0 p-code (ET0201 is Ethiopia's) and a unit's code
begins with its parent's (woreda ET020102 lies in zone ET0201). A code tells a row's country only
when the gazetteer holds it, or holds the area above it in the country its letters name; a code of
an unknown prefix tells nothing, and a row's own country cell wins over its p-code. The oracles are
the files' own columns (read here with csv) and the shipped p-code list, never the loaders.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from db.schema import displacement_figure, place, unresolved_place_name
from loaders.ingest import ingest_file
from tests.conftest import FIXTURES_DIR, REPO_ROOT

REAL = FIXTURES_DIR / "real"
WOREDAS = REAL / "hxl__ETH__drought_idp_estimates_woreda_partial_hxl_row.csv"
PCODE_LIST = REPO_ROOT / "gazetteer" / "data" / "global_pcodes_adm1_adm2.csv"


def _woreda_rows() -> list[dict]:
    """The file's rows under its header, the hashtag row (the first) left out."""
    with open(WOREDAS, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["Woreda p-code"] == "#adm3+code"
    return rows[1:]


def _shipped_pcodes() -> dict[str, tuple[str, str, str]]:
    """p-code → (country ISO3, admin level, parent p-code), from OCHA's list as shipped."""
    with open(PCODE_LIST, encoding="utf-8-sig", newline="") as handle:
        return {r["P-Code"]: (r["Location"], r["Admin Level"], r["Parent P-Code"]) for r in csv.DictReader(handle)}


def _places(engine) -> dict[int, tuple]:
    with engine.connect() as conn:
        return {r.place_id: (r.place_key, r.parent_id, r.country_iso3, r.pcode)
                for r in conn.execute(select(place.c.place_id, place.c.place_key, place.c.parent_id,
                                             place.c.country_iso3, place.c.pcode))}


def _country(places, place_id) -> str | None:
    while place_id is not None and places[place_id][2] is None:
        place_id = places[place_id][1]
    return places[place_id][2] if place_id is not None else None


def _figures(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(displacement_figure)).mappings()]


def _issues(result, code: str) -> list[list]:
    return [i for i in result.report.flatten(("row", "field", "code", "severity", "value")) if i[2] == code]


# --- the rule, on the shipped gazetteer ----------------------------------------------------------

def test_a_pcode_names_its_area_or_the_area_above_it_in_the_country_its_letters_name(seeded_gazetteer):
    def area(code):
        found = seeded_gazetteer.pcode_area(code)
        return (found[0].place_key, found[1]) if found else None

    assert area("ET0201") == ("ET0201", True)  # held: the zone itself
    assert area("et0201") == ("ET0201", True)
    assert area("ET020102") == ("ET0201", False)  # a woreda: its zone
    assert area("ET02019901") == ("ET0201", False)  # finer still
    assert area("TUR001001007") == ("TUR001001", False)  # Türkiye's codes begin with its ISO3
    assert area("ET99") is None  # only the country's letters: no admin 1 of that code
    assert area("XQ0101") is None  # no country's admin-0 p-code
    assert area("ET0201A") is None  # not digits under the zone
    assert area("020102") is None  # no letters: no country


# --- the Ethiopian woredas --------------------------------------------------------------------

def test_ethiopian_woredas_land_in_their_zones_in_ethiopia(prepared_engine):
    rows = _woreda_rows()
    shipped = _shipped_pcodes()
    result = ingest_file(prepared_engine, WOREDAS, published=date(2022, 9, 1))
    assert not _issues(result, "unknown-country")
    figures = _figures(prepared_engine)
    places = _places(prepared_engine)
    by_key = {key: place_id for place_id, (key, *_rest) in places.items()}
    assert len(figures) == len(rows) == 87
    assert sum(f["figure"] for f in figures) == sum(int(r["IDP estimates"]) for r in rows)
    # each row in the zone its own "Zone p-code" column names (that column is not tagged), whose
    # region is its "Region p-code" column; the woreda kept as written
    placed = sorted((f["destination_name_raw"], places[f["destination_place_id"]][0]) for f in figures)
    assert placed == sorted((r["Woreda p-code"], r["Zone p-code"]) for r in rows)
    for row in rows:
        zone = by_key[row["Zone p-code"]]
        assert shipped[row["Zone p-code"]] == ("ETH", "2", row["Region p-code"])
        assert places[places[zone][1]][0] == row["Region p-code"]
    assert {_country(places, f["destination_place_id"]) for f in figures} == {"ETH"}
    # the woredas the gazetteer lacks wait for review in their zones
    with prepared_engine.connect() as conn:
        queued = {(r.raw_name, places[r.within_place_id][0]) for r in conn.execute(
            select(unresolved_place_name.c.raw_name, unresolved_place_name.c.within_place_id))}
    assert queued == {(r["Woreda p-code"], r["Zone p-code"]) for r in rows}


def test_the_dry_run_says_the_country_it_understood_from_the_pcodes(prepared_engine):
    rows = _woreda_rows()
    result = ingest_file(prepared_engine, WOREDAS, published=date(2022, 9, 1), dry_run=True)
    assert f"countries: Ethiopia ({len(rows)} rows)" in result.understood.lines()


def test_the_upload_preview_names_the_country_of_the_pcodes(app_on, prepared_engine):
    rows = _woreda_rows()
    at = app_on(prepared_engine, "../pages/7_Upload.py")
    at.file_uploader[0].upload(WOREDAS.name, WOREDAS.read_bytes(), "text/csv")
    at.run()
    [day] = [d for d in at.date_input if d.label == "Date of the file, when it has no date column"]
    day.set_value(date(2022, 9, 1)).run()
    assert not at.exception
    assert f"countries: Ethiopia ({len(rows)} rows)" in [t.value for t in at.text]


# --- codes that tell nothing, and a country cell that contradicts its p-code --------------------

def test_pcodes_of_no_known_prefix_leave_their_rows_unplaced_and_queued(prepared_engine):
    sheet = ("Woreda,IDPs,Date\n#adm3+code,#affected+idps,#date+reported\n"
             "XQ010203,100,2024-05-01\n"  # no country's admin-0 p-code is XQ
             "ET990101,200,2024-05-01\n"  # Ethiopia's letters, no area of Ethiopia above it
             "70010203,300,2024-05-01\n")  # digits only
    result = ingest_file(prepared_engine, "woredas.csv", data=sheet.encode())
    assert result.batch.rows_loaded == 3
    figures = _figures(prepared_engine)
    assert {f["destination_name_raw"]: f["destination_place_id"] for f in figures} == {
        "XQ010203": None, "ET990101": None, "70010203": None}
    assert [i[:3] for i in _issues(result, "unknown-country")] == [[3, "#adm3+code", "unknown-country"],
                                                                   [4, "#adm3+code", "unknown-country"],
                                                                   [5, "#adm3+code", "unknown-country"]]
    with prepared_engine.connect() as conn:
        queued = dict(conn.execute(select(unresolved_place_name.c.raw_name,
                                          unresolved_place_name.c.within_place_id)).all())
    assert queued == {"XQ010203": None, "ET990101": None, "70010203": None}


def test_a_country_cell_wins_over_a_pcode_of_another_country_with_a_warning(prepared_engine):
    shipped = _shipped_pcodes()
    assert shipped["SO1101"][0] == "SOM" and shipped["ET0201"][0] == "ETH"
    sheet = ("Country,District,IDPs,Date\n#country+code,#adm2+code,#affected+idps,#date+reported\n"
             "ETH,SO1101,100,2024-05-01\n"  # a Somali district in an Ethiopian row
             "ETH,ET0201,200,2024-05-01\n"
             ",SO1101,300,2024-05-01\n")  # no country cell: the p-code tells it
    result = ingest_file(prepared_engine, "districts.csv", data=sheet.encode())
    assert result.batch.rows_loaded == 3
    places = _places(prepared_engine)
    by_figure = {f["figure"]: f["destination_place_id"] for f in _figures(prepared_engine)}
    assert places[by_figure[100]][0] == "ET"  # kept in Ethiopia, at the country it names
    assert places[by_figure[200]][0] == "ET0201"
    assert places[by_figure[300]][0] == "SO1101"
    assert _issues(result, "pcode-country-conflict") == [[3, "#adm2+code", "pcode-country-conflict", "warning",
                                                         "SO1101"]]


def test_a_dtm_record_stays_in_its_admin0_country_whatever_its_admin1_pcode(prepared_engine):
    records = [{"id": n, "operation": "Drought", "admin0Name": "Ethiopia", "admin0Pcode": "ETH",
                "admin1Name": name, "admin1Pcode": code, "numPresentIdpInd": figure,
                "reportingDate": "2024-05-01T00:00:00", "roundNumber": 1, "displacementReason": "Drought"}
               for n, (name, code, figure) in enumerate([("Afar", "ET02", 100), ("Awdal", "SO11", 200)], start=1)]
    document = {"result": records, "statusCode": 200, "isSuccess": True, "errorMessages": [],
                "totalRecordsCount": len(records)}
    result = ingest_file(prepared_engine, "dtm_eth_admin1.json", data=json.dumps(document).encode())
    assert result.kind == "dtm_api" and result.batch.rows_loaded == 2
    places = _places(prepared_engine)
    by_figure = {f["figure"]: f["destination_place_id"] for f in _figures(prepared_engine)}
    assert places[by_figure[100]][0] == "ET02"
    assert by_figure[200] is None  # never Somalia's Awdal: the name is looked for in Ethiopia only
    assert [i[:3] for i in _issues(result, "pcode-country-conflict")] == [[2, "admin1Name", "pcode-country-conflict"]]


@pytest.mark.parametrize("country", ["ETH", None])
def test_a_hapi_row_stays_in_its_location_code_country(prepared_engine, country):
    header = ("location_code,has_hrp,in_gho,provider_admin1_name,provider_admin2_name,admin1_code,admin1_name,"
              "admin2_code,admin2_name,admin_level,operation,assessment_type,population,reporting_round,"
              "reference_period_start,reference_period_end,dataset_hdx_id,resource_hdx_id,warning,error\n")
    body = io.StringIO()
    csv.writer(body, lineterminator="\n").writerows([
        [country or "SOM", "Y", "Y", "Awdal", "", "SO11", "Awdal", "", "", 1, "Drought", "BA", 500, 1,
         "2024-05-01", "2024-05-31", "ds", "res", "", ""]])
    result = ingest_file(prepared_engine, "hapi_idps.csv", data=(header + body.getvalue()).encode())
    assert result.kind == "hapi_idps" and result.batch.rows_loaded == 1
    places = _places(prepared_engine)
    [figure] = _figures(prepared_engine)
    if country == "ETH":  # Awdal is no Ethiopian region: not placed in Somalia
        assert figure["destination_place_id"] is None
        assert [i[2] for i in _issues(result, "pcode-country-conflict")] == ["pcode-country-conflict"]
    else:
        assert places[figure["destination_place_id"]][0] == "SO11"
        assert not _issues(result, "pcode-country-conflict")
