"""Four more real files (tests/fixtures/real, SOURCES.md there): their counts, their country, and
nothing outside it (issue 17). The oracles are read from the files here, with pandas and json.
"""

from __future__ import annotations

import csv
import json

import pandas as pd
from sqlalchemy import select

from db.schema import event_count, place
from loaders.ingest import ingest_file
from tests.test_real_hxl_idmc_cccm import REAL, _assert_inside, _countries_of, _figures, _sum


def test_a_dtm_baseline_with_formulas_loads_its_idps_and_returnees_in_mali(prepared_engine):
    name = "dtm__MLI__baseline_round72_hxl_formulas.xlsx"
    frame = pd.read_excel(REAL / name).iloc[1:]  # under the header, the hashtag row dropped
    result = ingest_file(prepared_engine, REAL / name)
    assert (result.kind, result.batch.rows_rejected) == ("hxl", 0)
    figures = _figures(prepared_engine)
    idps = pd.to_numeric(frame["Total No# of IDPs Ind#"]).sum()
    returnees = pd.to_numeric(frame["Total No# of Returnees Ind#"]).sum()  # cached values of the formulas
    assert _sum(figures, "idp_stock") == idps
    assert _sum(figures, "return") == returnees
    assert len(figures) == 2 * len(frame)
    _assert_inside(prepared_engine, figures, {"MLI"})


def test_a_dtm_api_country_response_loads_in_chad(prepared_engine):
    name = "dtmapi__TCD__v3_admin0_response.json"
    records = json.loads((REAL / name).read_text(encoding="utf-8"))["result"]
    result = ingest_file(prepared_engine, REAL / name)
    assert (result.kind, result.batch.rows_inserted) == ("dtm_api", len(records))
    figures = _figures(prepared_engine)
    assert _sum(figures, "idp_stock") == sum(r["numPresentIdpInd"] for r in records)
    assert all(f["destination_place_id"] is not None for f in figures)
    _assert_inside(prepared_engine, figures, {"TCD"})


def test_hapi_conflict_counts_of_1997_land_in_their_own_countries(prepared_engine):
    name = "hapi__GLOBAL__conflict_event_1997_admin0_bom.csv"
    with open(REAL / name, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    without_area = [r for r in rows if r["admin_level"] == "2" and not r["admin2_code"]]  # refused: no area
    result = ingest_file(prepared_engine, REAL / name)
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (len(rows) - len(without_area),
                                                                        len(without_area))
    with prepared_engine.connect() as conn:
        counts = conn.execute(select(event_count.c.area_pcode, event_count.c.place_id,
                                     event_count.c.admin_level, event_count.c.events)).all()
    country_of_code = {r["admin2_code"] or r["location_code"]: r["location_code"] for r in rows}
    for count in counts:  # each count in the country its row names, country rows included
        assert _countries_of(prepared_engine, [count.place_id]) == {country_of_code[count.area_pcode]}
    for level in ("0", "2"):
        expected = sum(int(r["events"]) for r in rows if r["admin_level"] == level and r not in without_area)
        assert sum(c.events for c in counts if c.admin_level == int(level)) == expected


def test_a_dtm_table_of_three_countries_and_three_levels_keeps_each_row_in_its_country(prepared_engine):
    name = "dtm__GLOBAL__hdx_from_api_admin0_2_hxl.csv"
    with open(REAL / name, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[1:]  # the hashtag row dropped
    result = ingest_file(prepared_engine, REAL / name)
    assert (result.kind, result.batch.rows_inserted, result.batch.rows_rejected) == ("hxl", len(rows), 0)
    figures = _figures(prepared_engine)
    expected: dict[str, float] = {}
    for row in rows:
        expected[row["admin0Pcode"]] = expected.get(row["admin0Pcode"], 0) + int(row["numPresentIdpInd"] or 0)
    found: dict[str, float] = {}
    for figure in figures:  # every row, held in finer rows or not, in the country its own row names
        (country,) = _countries_of(prepared_engine, [figure["destination_place_id"]])
        found[country] = found.get(country, 0) + figure["figure"]
    assert found == expected
    # the file gives the same IDPs at admin 0, 1 and 2: some coarser rows are held, no admin 2 row is
    held = {f["destination_place_id"] for f in figures if f["held_in_finer"]}
    with prepared_engine.connect() as conn:
        kinds = set(conn.execute(select(place.c.kind).where(place.c.place_id.in_(held))).scalars())
    assert held and kinds <= {"country", "governorate"}
