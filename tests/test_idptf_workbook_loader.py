"""The Syria IDP Task Force monthly workbook: community arrivals and returns, governorate matrices."""

from __future__ import annotations

import zipfile
from collections import Counter
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from db.schema import displacement_figure, place, unresolved_place_name
from loaders.ingest import ingest_file
from loaders.readers.workbook import read_workbook
from loaders.report import LoadError
from loaders.sources import idptf_workbook
from tests.conftest import FIXTURES_DIR, shared_path

WORKBOOKS = FIXTURES_DIR / "workbook"
SEVERAL_SHEETS = WORKBOOKS / "xlsx_several_sheets.xlsx"
REAL_FILE = ("fixtures", "data", "syria_idp_flows_ocha_dec2018_modified.xlsx")


def _figures(engine) -> dict:
    origin, destination = place.alias("origin"), place.alias("destination")
    query = (select(displacement_figure, origin.c.place_key.label("origin_key"),
                    destination.c.place_key.label("destination_key"))
             .outerjoin(origin, origin.c.place_id == displacement_figure.c.origin_place_id)
             .outerjoin(destination, destination.c.place_id == displacement_figure.c.destination_place_id))
    with engine.connect() as conn:
        return {r["record_key"]: r for r in conn.execute(query).mappings()}


def _queued(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(unresolved_place_name.c.raw_name)).scalars())


def _not_places(report) -> list:
    return [issue for issue in report.flatten(("row", "field", "code", "severity")) if issue[2] != "unresolved-place"]


# --- the real workbook -------------------------------------------------------------------------

@pytest.fixture
def real_load(prepared_engine):
    return ingest_file(prepared_engine, shared_path(*REAL_FILE)), prepared_engine


def test_real_workbook_loads_each_figure_kind_with_exact_counts(real_load):
    result, engine = real_load
    assert result.kind == "idptf_workbook"
    batch = result.batch
    # Rows read: 541 + 278 community rows, 16 + 16 matrix rows, 15 + 15 summary rows up to their Grand Total.
    assert (batch.rows_read, batch.rows_loaded, batch.rows_inserted, batch.rows_rejected) == (881, 895, 895, 0)
    figures = _figures(engine).values()
    kinds = Counter((f["figure_kind"], f["record_key"].split("|")[2]) for f in figures)
    assert kinds == {("arrival", "community"): 541, ("return", "community"): 278,
                     ("new_displacement", "governorate"): 36, ("return", "governorate"): 40}
    # The matrix holds the community arrivals regrouped by origin: the same 110,925 movements.
    assert sum(f["figure"] for f in figures if f["figure_kind"] == "arrival") == 110_925
    assert round(sum(f["figure"] for f in figures if f["figure_kind"] == "new_displacement"), 6) == 110_925
    assert {(f["unit"], f["period_start"], f["period_end"], f["is_cumulative"]) for f in figures} == {
        ("movements", date(2019, 1, 1), date(2019, 1, 31), False)}


def test_real_workbook_reports_its_altered_total_and_its_template_sheet_names(real_load):
    result, _ = real_load
    assert _not_places(result.report) == [
        [None, "December_IDPflow", "period-mismatch", "warning"],
        [None, "December_Retflow", "period-mismatch", "warning"],
        [2, "Table-Origin_vs_Departure!Grand Total", "total-mismatch", "warning"],
        [17, "Table-Origin_vs_Departure!Grand Total", "total-mismatch", "warning"],
    ]
    messages = [i.message for i in result.report.issues if i.code != "unresolved-place"]
    assert messages[0] == ("the sheet name says December, but IDPFlow_Summarysince2016 files this workbook's "
                           "figures under its latest month, January 2019; the figures are loaded as January 2019")
    assert messages[2] == ("the Grand Total is 3, but the row of Aleppo adds up to 18,831.82; the cells are "
                           "loaded, the total is not")
    # 509 of 541 arrival communities and 253 of 278 return communities are not in the shipped gazetteer.
    assert result.report.counts()["unresolved-place"] == 762


def test_grand_total_is_never_a_place_nor_a_flow(real_load):
    _, engine = real_load
    figures = _figures(engine)
    raw_names = {f["origin_name_raw"] for f in figures.values()} | {f["destination_name_raw"] for f in figures.values()}
    assert "Grand Total" not in raw_names
    assert not [key for key in figures if "grand total" in key.casefold()]
    assert not {"Grand Total", "Unknown"} & _queued(engine)
    with engine.connect() as conn:
        assert conn.execute(select(place.c.place_id).where(place.c.name_en == "Grand Total")).first() is None


def test_unknown_origin_is_kept_without_a_place(real_load):
    _, engine = real_load
    unknown = sorted((f["record_key"], f["figure"], f["qualifier"], f["origin_place_id"])
                     for f in _figures(engine).values() if f["origin_name_raw"] == "Unknown")
    assert unknown == [
        ("2019-01|return|governorate|Unknown>SY04", 5029.307583608102, "approx", None),
        ("2019-01|return|governorate|Unknown>SY05", 475.5166411629686, "approx", None),
    ]


def test_fractional_estimates_stay_fractional_and_float_noise_is_whole(real_load):
    _, engine = real_load
    figures = _figures(engine)
    aleppo = figures["2019-01|new_displacement|governorate|SY02>SY02"]
    assert (aleppo["figure"], aleppo["qualifier"], aleppo["origin_key"], aleppo["destination_key"]) == (
        16034.601123595507, "approx", "SY02", "SY02")
    to_raqqa = figures["2019-01|new_displacement|governorate|SY02>SY11"]  # 6.999999999999999 in the sheet
    assert (to_raqqa["figure"], to_raqqa["qualifier"]) == (7.0, "exact")


def test_communities_resolve_or_keep_their_district_and_name(real_load):
    _, engine = real_load
    figures = _figures(engine)
    aleppo_city = figures["2019-01|arrival|community|C1007"]
    assert (aleppo_city["figure"], aleppo_city["destination_key"]) == (1714, "SY0200:aleppo")
    al_hol = figures["2019-01|return|community|C4519"]  # written "Hole"
    assert (al_hol["figure"], al_hol["destination_key"], al_hol["destination_name_raw"]) == (
        19452, "SY0800:al-hol", "Hole")
    sheetat = figures["2019-01|arrival|community|C6807"]  # Hajin sub-district is not in the gazetteer
    assert (sheetat["figure"], sheetat["destination_key"], sheetat["destination_name_raw"]) == (
        12300, "SY0902", "Al Sheetat")
    assert "Al Sheetat" in _queued(engine)


def test_second_load_of_the_real_workbook_changes_nothing(real_load, tmp_path):
    first, engine = real_load
    again = ingest_file(engine, shared_path(*REAL_FILE)).batch
    assert (again.status, again.batch_id, again.rows_unchanged, again.rows_inserted) == (
        "unchanged", first.batch.batch_id, 895, 0)
    # The same cells in other bytes (saved again, compressed differently) match by their record keys.
    resaved = tmp_path / "resaved.xlsx"
    with zipfile.ZipFile(shared_path(*REAL_FILE)) as source, zipfile.ZipFile(resaved, "w", zipfile.ZIP_STORED) as copy:
        for item in source.infolist():
            copy.writestr(item.filename, source.read(item.filename))
    by_key = ingest_file(engine, resaved).batch
    assert (by_key.status, by_key.rows_inserted, by_key.rows_updated, by_key.rows_unchanged) == (
        "loaded", 0, 0, 895)


# --- small workbooks -------------------------------------------------------------------------

def test_a_clean_workbook_of_several_sheets(prepared_engine):
    result = ingest_file(prepared_engine, SEVERAL_SHEETS)
    assert result.kind == "idptf_workbook"
    assert result.report.flatten() == [[3, "March_IDPflow!Community", "unresolved-place"]]
    assert (result.batch.rows_read, result.batch.rows_inserted, result.batch.rows_rejected) == (20, 13, 0)
    figures = _figures(prepared_engine)
    assert Counter(f["figure_kind"] for f in figures.values()) == {"arrival": 3, "return": 5, "new_displacement": 5}
    assert {(f["period_start"], f["period_end"]) for f in figures.values()} == {(date(2024, 3, 1), date(2024, 3, 31))}
    takharim = figures["2024-03|arrival|community|C9002"]
    assert (takharim["destination_key"], takharim["destination_name_raw"]) == ("SY0703", "Kafr Takharim")
    assert figures["2024-03|arrival|community|C9001"]["destination_key"] == "SY0703:sarmada"
    idleb_to_aleppo = figures["2024-03|new_displacement|governorate|SY07>SY02"]
    assert (idleb_to_aleppo["figure"], idleb_to_aleppo["qualifier"]) == (99.5, "approx")
    unknown = figures["2024-03|return|governorate|Unknown>SY12"]
    assert (unknown["origin_place_id"], unknown["origin_name_raw"], unknown["figure"]) == (None, "Unknown", 20)
    assert _queued(prepared_engine) == {"Kafr Takharim"}


def test_uncached_formulas_reject_their_figure_and_leave_totals_unchecked(prepared_engine):
    result = ingest_file(prepared_engine, WORKBOOKS / "xlsx_formula_without_cached_value.xlsx")
    assert result.report.flatten(("row", "field", "code", "severity")) == [
        [3, "January_IDPflow!IDP_Flow_Estimation", "uncached-formula", "error"],
        [2, "Table-Origin_vs_Departure!Grand Total", "uncached-formula", "warning"],
        [3, "Table-Origin_vs_Departure!Grand Total", "uncached-formula", "warning"],
        [4, "Table-Origin_vs_Departure!Aleppo", "uncached-formula", "warning"],
        [4, "Table-Origin_vs_Departure!Idleb", "uncached-formula", "warning"],
        [4, "Table-Origin_vs_Departure!Grand Total", "uncached-formula", "warning"],
    ]
    assert result.report.issues[0].message == (
        "cell I3 holds the formula =1000+200 but no saved result; open the workbook in Excel or LibreOffice and "
        "save it, so the result is stored")
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (3, 1)


def _edited(tmp_path, edit) -> str:
    book = load_workbook(SEVERAL_SHEETS)
    edit(book)
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path


def test_an_overwritten_total_is_reported_and_never_loaded(prepared_engine, tmp_path):
    def overwrite(book):
        book["Table-Origin_vs_Departure"]["D3"] = 3  # the Idleb row adds up to 1,649.25

    result = ingest_file(prepared_engine, _edited(tmp_path, overwrite))
    # The corner total (2,350) is checked against the cells, not the row totals, so it still agrees.
    assert _not_places(result.report) == [[3, "Table-Origin_vs_Departure!Grand Total", "total-mismatch", "warning"]]
    assert result.batch.rows_inserted == 13


def test_sheet_names_of_another_month_are_reported_and_the_summary_month_loaded(prepared_engine, tmp_path):
    def rename(book):
        book["March_IDPflow"].title = "February_IDPflow"

    result = ingest_file(prepared_engine, _edited(tmp_path, rename))
    assert _not_places(result.report) == [[None, "February_IDPflow", "period-mismatch", "warning"]]
    assert {f["period_start"] for f in _figures(prepared_engine).values()} == {date(2024, 3, 1)}


def test_summary_figures_that_differ_from_the_communities_are_reported(prepared_engine, tmp_path):
    def revise(book):
        book["IDPFlow_Summarysince2016"]["D4"] = 1500  # Idleb, March 2024; its communities add up to 1,550

    result = ingest_file(prepared_engine, _edited(tmp_path, revise))
    assert _not_places(result.report) == [[4, "IDPFlow_Summarysince2016!2024 March", "total-mismatch", "warning"]]
    assert result.report.issues[-1].message == ("IDPFlow_Summarysince2016 gives Idleb 1,500 for 2024 March, but the "
                                                "rows of March_IDPflow add up to 1,550")


def test_a_workbook_without_its_summary_sheets_is_refused(prepared_engine, tmp_path):
    def drop(book):
        del book["IDPFlow_Summarysince2016"], book["RetFlow_Summary_SinceAugust2018"]

    with pytest.raises(LoadError) as refused:
        ingest_file(prepared_engine, _edited(tmp_path, drop))
    assert str(refused.value) == (
        "edited.xlsx: cannot tell which month the figures are for: the sheets name a month but no year, and "
        "there is no IDPFlow_Summary or RetFlow_Summary sheet with a month filled in; load the workbook as the "
        "Task Force published it, with its summary sheets")


def test_detect_matches_only_task_force_workbooks():
    assert idptf_workbook.detect(read_workbook(SEVERAL_SHEETS))
    assert not idptf_workbook.detect(read_workbook(WORKBOOKS / "xlsx_merged_headers.xlsx"))


def test_a_text_file_named_xlsx_is_refused_before_any_write(prepared_engine):
    with pytest.raises(LoadError, match="xlsx_not_a_zip.xlsx: this is not an Excel workbook"):
        ingest_file(prepared_engine, WORKBOOKS / "xlsx_not_a_zip.xlsx", kind="idptf_workbook")
