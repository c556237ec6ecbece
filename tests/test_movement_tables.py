"""Origin → destination movement tables (loaders/sources/movement_table.py): a real DTM Sudan flash
table and synthetic ones. Expected values come from the files themselves, read with the csv module."""

from __future__ import annotations

import csv
import glob
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from db.schema import displacement_figure, place
from loaders.ingest import ingest_file
from loaders.readers import read_any
from loaders.registry import SOURCE_KINDS
from loaders.report import LoadError
from tests.conftest import FIXTURES_DIR, REPO_ROOT, SHARED_DIR

REAL = FIXTURES_DIR / "real" / "dtmflow__SDN__2023_origin_destination_mdy_dates_hash_header_cut.csv"
GAZETTEER_PCODES = REPO_ROOT / "gazetteer" / "data" / "global_pcodes_adm1_adm2.csv"
COUNT = "# IDP INDIVIDUALS"


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _count(text: str) -> int | None:
    digits = text.replace(",", "").strip()
    return int(digits) if digits.isdigit() else None


def _places(engine) -> dict[int, dict]:
    with engine.connect() as conn:
        return {r["place_id"]: dict(r) for r in conn.execute(select(place)).mappings()}


def _figures(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(displacement_figure).order_by(displacement_figure.c.figure_id)).mappings()]


def _country(places: dict[int, dict], place_id: int) -> str:
    """The ISO3 code of the country row reached by walking parent_id up from the place."""
    seen = set()
    while places[place_id]["kind"] != "country":
        assert place_id not in seen
        seen.add(place_id)
        place_id = places[place_id]["parent_id"]
    return places[place_id]["country_iso3"]


def _ancestry(places: dict[int, dict], place_id: int) -> list[str]:
    keys = []
    while place_id is not None:
        keys.append(places[place_id]["place_key"])
        place_id = places[place_id]["parent_id"]
    return keys


def test_the_real_dtm_sudan_flow_table_loads_every_row_in_its_places(prepared_engine):
    rows = _rows(REAL)
    expected_rows = [r for r in rows if _count(r[COUNT]) is not None]
    assert len(expected_rows) == len(rows) == 243  # the cut has no unreadable count

    result = ingest_file(prepared_engine, REAL)

    assert result.kind == "movement_table"
    batch = result.batch
    assert (batch.rows_read, batch.rows_inserted, batch.rows_rejected) == (len(rows), len(rows), 0)
    figures = _figures(prepared_engine)
    assert len(figures) == len(rows)
    assert sum(f["figure"] for f in figures) == sum(_count(r[COUNT]) for r in rows)
    assert {f["figure_kind"] for f in figures} == {"idp_stock"}  # "# IDP INDIVIDUALS" counts people present
    assert {f["unit"] for f in figures} == {"persons"}
    assert sum(1 for f in figures if f["figure"] == 0) == sum(1 for r in rows if _count(r[COUNT]) == 0) > 0

    # Dates are month-first (4/28/2023), read from the column's own 7/23/2023-like dates.
    by_key_row = sorted(figures, key=lambda f: f["figure_id"])
    assert [f["period_end"] for f in by_key_row] == [datetime.strptime(r["Date"], "%m/%d/%Y").date() for r in rows]
    assert all(f["period_start"] == f["period_end"] for f in figures)

    places = _places(prepared_engine)
    with open(GAZETTEER_PCODES, newline="", encoding="utf-8-sig") as handle:
        shipped = {r["P-Code"] for r in csv.DictReader(handle)}
    destination_locality = "LOCALITY PCODE OF AFFECTED POPULATION"
    checked = 0
    for row, figure in zip(rows, figures):
        destination = figure["destination_place_id"]
        if row["STATE PCODE OF AFFECTED POPULATION"]:
            assert _country(places, destination) == "SDN"
        else:  # the table's own cross-border rows: "South Sudan" as the state, "Sudan" as the origin
            assert (row["STATE OF AFFECTED POPULATION"], row["STATE OF ORIGIN"]) == ("South Sudan", "Sudan")
            assert places[destination]["kind"] == "country" and _country(places, destination) == "SSD"
        if row[destination_locality] in shipped:  # the locality, or a place inside it
            assert row[destination_locality] in _ancestry(places, destination)
            checked += 1
        if figure["origin_place_id"] is not None:
            assert _country(places, figure["origin_place_id"]) == "SDN"
        else:
            assert not any(row[c] for c in ("STATE OF ORIGIN", "STATE PCODE OF ORIGIN", "LOCALITY OF ORIGIN",
                                            "LOCALITY PCODE OF ORIGIN"))
        codes = [c.strip() for c in row["LOCALITY PCODE OF ORIGIN"].split(",") if c.strip()]
        if len(codes) > 1:  # several localities: the state all their codes begin with
            state = codes[0][:4]
            assert all(code.startswith(state) for code in codes)
            assert places[figure["origin_place_id"]]["place_key"] == state
    assert checked > 200
    assert any("," in r["LOCALITY PCODE OF ORIGIN"] for r in rows)

    # A second load of the same rows (other bytes: LF line ends) changes nothing.
    again = ingest_file(prepared_engine, REAL, data=REAL.read_bytes().replace(b"\r\n", b"\n")).batch
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged, again.rows_rejected) == (
        0, 0, len(rows), 0)


HEADER = ["Date", "Region of destination", "District pcode of destination", "Village of destination",
          "Region of origin", "District pcode of origin", "Individuals"]


def _table(tmp_path: Path, rows: list[list[str]], header=HEADER, name="flows.csv") -> Path:
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def test_a_garbage_count_rejects_only_its_row_and_a_zero_is_kept(prepared_engine, tmp_path):
    path = _table(tmp_path, [
        ["28/04/2023", "White Nile", "SD09048", "", "Khartoum", "SD01007", "120"],
        ["28/04/2023", "White Nile", "SD09048", "", "Khartoum", "SD01006", "many"],
        ["29/04/2023", "White Nile", "SD09048", "", "Khartoum", "SD01006", "0"],
        ["30/04/2023", "River Nile", "SD16009", "", "Khartoum", "SD01001, SD01003", "1,500"],
    ])
    result = ingest_file(prepared_engine, path)
    batch = result.batch
    assert (batch.rows_read, batch.rows_inserted, batch.rows_rejected) == (4, 3, 1)
    errors = [i for i in result.report.issues if i.severity == "error"]
    assert [(i.row, i.field, i.code, i.value) for i in errors] == [(3, "Individuals", "type-error", "many")]
    figures = _figures(prepared_engine)
    assert [f["figure"] for f in figures] == [120, 0, 1500]
    assert [str(f["period_end"]) for f in figures] == ["2023-04-28", "2023-04-29", "2023-04-30"]  # day-first here
    places = _places(prepared_engine)
    assert places[figures[2]["origin_place_id"]]["place_key"] == "SD01"
    assert places[figures[0]["destination_place_id"]]["place_key"] == "SD09048"


def test_a_repeated_row_is_reported_not_merged_and_arrivals_are_new_displacement(prepared_engine, tmp_path):
    header = ["Date", "State of destination", "Locality of destination", "State of origin", "Locality of origin",
              "New arrivals (households)"]
    path = _table(tmp_path, [
        ["2023-05-01", "White Nile", "Kosti", "Khartoum", "Bahri", "40"],
        ["2023-05-01", "White Nile", "Kosti", "Khartoum", "Bahri", "55"],
    ], header=header)
    result = ingest_file(prepared_engine, path, country="SDN")
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (1, 1)
    assert [(i.row, i.code) for i in result.report.issues if i.severity == "error"] == [(3, "duplicate-key")]
    (figure,) = _figures(prepared_engine)
    assert (figure["figure_kind"], figure["unit"], figure["figure"]) == ("new_displacement", "households", 40)
    assert figure["period_start"] is None and str(figure["period_end"]) == "2023-05-01"
    places = _places(prepared_engine)
    assert places[figure["origin_place_id"]]["kind"] == "district"
    assert _country(places, figure["origin_place_id"]) == _country(places, figure["destination_place_id"]) == "SDN"


@pytest.mark.parametrize("header", [
    ["Date", "State of origin", "Individuals"],  # no destination
    ["Date", "State of destination", "Individuals"],  # no origin
    ["State of destination", "State of origin", "Individuals"],  # no date
    ["Date", "State of destination", "State of origin", "Individuals", "Households"],  # two counts
    ["Date", "State", "State of origin", "Individuals"],  # no column says it is the destination
])
def test_a_table_without_each_part_is_not_a_movement_table(tmp_path, header):
    path = _table(tmp_path, [["x"] * len(header)], header=header)
    assert not SOURCE_KINDS["movement_table"].detect(read_any(path))


def _fixtures() -> list[Path]:
    found = [Path(p) for p in glob.glob(str(FIXTURES_DIR / "**" / "*"), recursive=True)]
    found += [Path(p) for p in glob.glob(str(SHARED_DIR / "fixtures" / "data" / "*"))]
    return sorted(p for p in found if p.is_file() and p.suffix.lower() in (".csv", ".xlsx", ".json", ".txt", ".md",
                                                                          ".html") and p.name != "SOURCES.md")


def test_every_other_fixture_keeps_its_kind_and_only_the_flow_table_is_a_movement_table():
    checked = 0
    for path in _fixtures():
        try:
            document = read_any(path)
        except LoadError:
            continue  # the unreadable fixtures stay unreadable
        kinds = [k.name for k in SOURCE_KINDS.values() if k.detect(document)]
        if path == REAL:
            assert kinds == ["movement_table"]
        else:
            assert "movement_table" not in kinds, path
            assert len(kinds) <= 1, (path, kinds)  # as before: one kind, or none for the files of no kind
        checked += 1
    assert checked > 80


def test_a_workbook_sheet_is_read_like_the_csv(prepared_engine, tmp_path):
    from datetime import date

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Flows"
    sheet.append(HEADER)
    sheet.append([date(2023, 4, 28), "White Nile", "SD09048", "", "Khartoum", "SD01007", 120])
    sheet.append([date(2023, 4, 29), "White Nile", "SD09047", "", "Khartoum", "SD01003", 35])
    notes = book.create_sheet("Read me")
    notes.append(["Date", "note"])
    path = tmp_path / "flows.xlsx"
    book.save(path)

    result = ingest_file(prepared_engine, path)

    assert result.kind == "movement_table"
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (2, 0)
    figures = _figures(prepared_engine)
    assert [(f["figure"], str(f["period_end"])) for f in figures] == [(120, "2023-04-28"), (35, "2023-04-29")]
