"""Real files of the HXL, DTM, IDMC and CCCM kinds, and the dates and report dates every source shares.

Each real file (tests/fixtures/real/, provenance in SOURCES.md there) is checked against figures
computed here with pandas or written in /work/corpus/real/EXPECTED.md, never against our loaders.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from db.schema import displacement_figure, place, site_population
from loaders.ingest import ingest_file
from loaders.parsing import parse_date
from loaders.readers.report_text import read_report
from loaders.report import LoadError
from tests.conftest import FIXTURES_DIR, shared_path

REAL = FIXTURES_DIR / "real"


# --- dates as the field writes them ----------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("31-Dec-21", date(2021, 12, 31)),  # Excel's d-mmm-yy
    ("9-May-20", date(2020, 5, 9)),
    ("1-Jan-95", date(1995, 1, 1)),  # Excel's pivot: 30-99 are the 1900s
    ("44561", date(2021, 12, 31)),  # an Excel serial that lost its format
    ("44561.0", date(2021, 12, 31)),
    ("May 13, 2022", date(2022, 5, 13)),
    ("28/4/23", date(2023, 4, 28)),  # a two-digit year, day first as 28 proves
])
def test_dates_as_excel_and_the_field_write_them(text, expected):
    assert parse_date(text) == expected


# --- text reports: the publication date from the file's metadata or name ---------------------

@pytest.mark.parametrize("name, expected", [
    ("report__MMR__2017-10-04_hiu_rohingya_crisis_front_matter.md", date(2017, 10, 4)),
    ("report__SDN__2025-01-16_hiu_west_darfur_yaml_comments_space_in_name.md", date(2025, 1, 16)),
    ("report__SYR__2015-04-17_hiu_displacement_refugees_front_matter.md", date(2015, 4, 17)),
])
def test_real_reports_take_their_date_from_date_published_in_front_matter(name, expected):
    document = read_report(REAL / name)
    assert (document.published, document.published_from) == (expected, "the file's front matter")


def test_front_matter_post_date_and_a_commented_key(tmp_path):
    path = tmp_path / "flash.md"
    path.write_text("---\ntitle: Flash\n# date: 2020-01-01\npost_date: '2023-03-09 10:12:00' # local\n---\n"
                    "Families fled.\n", encoding="utf-8")
    assert read_report(path).published == date(2023, 3, 9)


def test_a_report_without_metadata_takes_the_date_in_its_file_name(tmp_path):
    path = tmp_path / "flash_update_2024-12-05.txt"
    path.write_text("Families fled the town.\n", encoding="utf-8")
    document = read_report(path)
    assert (document.published, document.published_from) == (
        date(2024, 12, 5), "the file name 'flash_update_2024-12-05.txt'")


# --- real files: counts from pandas, the file's own country, nothing placed outside it ----------

def _figures(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(displacement_figure)).mappings()]


def _countries_of(engine, place_ids) -> set[str]:
    """The ISO3 of the country each place lies in (walking up its parents); unresolved rows add nothing."""
    with engine.connect() as conn:
        rows = conn.execute(select(place.c.place_id, place.c.parent_id, place.c.country_iso3)).all()
    parent = {r.place_id: r.parent_id for r in rows}
    iso3 = {r.place_id: r.country_iso3 for r in rows}
    found = set()
    for place_id in place_ids:
        while place_id is not None and iso3.get(place_id) is None:
            place_id = parent.get(place_id)
        found.add(iso3.get(place_id) if place_id is not None else "no country above the place")
    return found


def _assert_inside(engine, figures, countries: set[str]) -> None:
    placed = {f[c] for f in figures for c in ("origin_place_id", "destination_place_id") if f[c] is not None}
    assert _countries_of(engine, placed) <= countries


def _hxl_frame(name: str, sheet=None) -> pd.DataFrame:
    """The file's rows under its header, the HXL hashtag row (the first row) dropped."""
    path = REAL / name
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, sheet_name=sheet)
    else:
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return frame.iloc[1:]


def _total(column) -> float:
    return float(pd.to_numeric(column.replace({"": None, "nan": None}), errors="coerce").sum())


def _sum(figures, kind, unit="persons", field="figure") -> float:
    return sum(f[field] or 0 for f in figures if f["figure_kind"] == kind and f["unit"] == unit)


def test_a_row_is_placed_at_the_level_its_adm_level_names(prepared_engine, tmp_path):
    path = tmp_path / "levels.csv"
    path.write_text("country,admin1,admin2,level,assessment,idps,date\n"
                    "#country+code,#adm1+name,#adm2+name,#adm+level,#assessment+type,#affected+idps,#date+reported\n"
                    "AFG,Kabul,Paghman,1,BA,500,2024-01-31\n"
                    "AFG,Kabul,Paghman,2,BA,200,2024-01-31\n"
                    "AFG,Kabul,Paghman,2,SA,150,2024-01-31\n", encoding="utf-8")
    result = ingest_file(prepared_engine, path)
    assert result.batch.rows_rejected == 0
    figures = sorted(_figures(prepared_engine), key=lambda f: -f["figure"])
    # The level-1 row is Kabul's count even though it fills admin2; the baseline (BA) and site (SA)
    # assessments of Paghman are two records, not one overwritten by the other.
    assert [(f["destination_name_raw"], f["figure"]) for f in figures] == [
        ("Kabul", 500), ("Paghman", 200), ("Paghman", 150)]


@pytest.mark.parametrize("name, sheet, country, persons, households, returns", [
    ("dtm__ETH__site_assessment_round28_hxl.xlsx", "Sites", "ETH",
     "2.1.b.1: Total IDP (Individuals)", "2.1.a.1: Total IDP (Households)", None),
    # Its IDPs by cause are parts of the total beside them, never added to it.
    ("dtm__NGA__baseline_round38_hxl_ward_level.xlsx", "Baseline Assessment Dataset", "NGA",
     "Estimated Number of IDP", "Estimated Household Number", None),
    # "#affected+idp+ind": the singular spelling
    ("dtm__UKR__idp_estimation_round14_nonstandard_hxl.xlsx", "Estimated Population", "UKR",
     "Estimated max. de facto IDPs present", None, "Estimated max. returnee pop. Present"),
])
def test_dtm_hdx_sheets_load_their_idp_figures(prepared_engine, name, sheet, country, persons, households, returns):
    result = ingest_file(prepared_engine, REAL / name)
    assert result.kind == "hxl"
    frame = _hxl_frame(name, sheet)
    figures = _figures(prepared_engine)
    stocks = [f for f in figures if f["figure_kind"] == "idp_stock"]
    assert len(stocks) == int(pd.to_numeric(frame[persons], errors="coerce").notna().sum())
    assert _sum(figures, "idp_stock") == _total(frame[persons])
    if households:
        assert _sum(figures, "idp_stock", field="alt_figure") == _total(frame[households])
    if returns:
        assert _sum(figures, "return") == _total(frame[returns])
    _assert_inside(prepared_engine, figures, {country})


def test_idmc_gidd_hxl_keeps_conflict_and_disaster_apart_by_year(prepared_engine):
    name = "idmc__GLOBAL__gidd_displacement_data_hxl.csv"
    result = ingest_file(prepared_engine, REAL / name)
    assert result.kind == "hxl"
    frame = _hxl_frame(name)
    figures = _figures(prepared_engine)
    stock = _total(frame["Conflict Stock Displacement"]) + _total(frame["Disaster Stock Displacement"])
    new = _total(frame["Conflict New Displacements"]) + _total(frame["Disaster New Displacements"])
    assert (_sum(figures, "idp_stock"), _sum(figures, "new_displacement")) == (stock, new)
    cells = sum(int(pd.to_numeric(frame[c], errors="coerce").notna().sum()) for c in frame.columns[3:])
    assert len(figures) == len({f["record_key"] for f in figures}) == cells  # conflict and disaster: two records
    # A year's new displacements span the year; its stock is counted on 31 December.
    first = frame.iloc[0]
    year = int(first["Year"])
    assert {(f["figure_kind"], f["period_start"], f["period_end"]) for f in figures
            if f["destination_name_raw"] == first["Name"] and f["period_end"].year == year} <= {
        ("idp_stock", date(year, 12, 31), date(year, 12, 31)),
        ("new_displacement", date(year, 1, 1), date(year, 12, 31))}


@pytest.mark.parametrize("name", ["idmc__GLOBAL__gidd_conflict_country_year.csv",
                                  "idmc__GLOBAL__gidd_api_conflicts_page0.json"])
def test_idmc_gidd_country_year_tables(prepared_engine, name):
    result = ingest_file(prepared_engine, REAL / name)
    assert result.kind == "idmc_gidd"
    if name.endswith(".json"):
        frame = pd.DataFrame(json.loads((REAL / name).read_text(encoding="utf-8"))["results"])
        assert result.report.counts()["partial-response"] == 1  # page 1 of 10: said, not hidden
    else:
        frame = pd.read_csv(REAL / name)
    figures = _figures(prepared_engine)
    assert _sum(figures, "new_displacement", "movements") == frame["new_displacement"].sum()
    assert _sum(figures, "idp_stock") == frame["total_displacement"].sum()
    assert len(figures) == frame["new_displacement"].notna().sum() + frame["total_displacement"].notna().sum()
    assert all("|conflict|" in f["record_key"] for f in figures)
    assert {f["period_end"] for f in figures} == {date(int(y), 12, 31) for y in frame["year"].unique()}
    places = {f["origin_place_id"] or f["destination_place_id"] for f in figures} - {None}
    assert _countries_of(prepared_engine, places) <= set(frame["iso3"])


def test_idmc_idu_as_hdx_csv_loads_like_the_api_json(prepared_engine):
    name = "idmc__IND__idu_events_hdx.csv"
    result = ingest_file(prepared_engine, REAL / name)
    assert result.kind == "idmc_idu"
    frame = pd.read_csv(REAL / name)
    figures = _figures(prepared_engine)
    assert (len(figures), _sum(figures, "new_displacement", "movements")) == (113, frame["figure"].sum()) == (
        113, 112_759)
    # The day IDMC meant (see idmc_idu.idu_date): 2023-11-06T11:00Z is 7 November.
    by_key = {f["record_key"]: f for f in figures}
    assert by_key["126716"]["period_start"] == date(2023, 11, 7)
    assert by_key["126716"]["quote"].startswith("India: 2 displacements")
    _assert_inside(prepared_engine, figures, {"IND"})


@pytest.mark.parametrize("given", ["IRQ", None], ids=["country-given", "country-from-its-governorates"])
def test_cccm_list_without_pcodes_keys_sites_by_name_within_their_district(prepared_engine, tmp_path, given):
    # Iraq's admin 1 and 2 from OCHA's global p-code list, as a user in Iraq would have them.
    pcodes = shared_path("fixtures", "data", "global_pcodes_adm1_adm2.csv")
    lines = pcodes.read_text(encoding="utf-8-sig").splitlines()
    iraq = tmp_path / "irq_pcodes.csv"
    iraq.write_text("\n".join([lines[0]] + [line for line in lines if line.startswith("IRQ,")]) + "\n",
                    encoding="utf-8")
    ingest_file(prepared_engine, iraq)
    # The list has no date: its month goes in the file name, as the loader asks.
    path = tmp_path / "cccm__IRQ__camp_list_2020-08.csv"
    shutil.copy(REAL / "cccm__IRQ__2020_camp_list_no_pcode_reach_sampling.csv", path)
    # The list names no country: the user says it, or its governorates (Iraq's admin 1 names) do.
    result = ingest_file(prepared_engine, path, country=given)
    assert result.kind == "cccm_sites"
    frame = pd.read_csv(path)
    camps = frame[frame["Camp long name"].notna()]
    with prepared_engine.connect() as conn:
        sites = conn.execute(select(place.c.place_id, place.c.place_key, site_population.c.individuals,
                                    site_population.c.reported_date)
                             .join(site_population, site_population.c.site_id == place.c.place_id)).all()
    assert len(sites) == len(camps) == 40
    assert sum(s.individuals for s in sites) == camps["Population"].sum() == 54_946
    assert {s.reported_date for s in sites} == {date(2020, 8, 1)}
    assert all(s.place_key.startswith("site:IQG") for s in sites)  # under an Iraqi district's p-code
    assert _countries_of(prepared_engine, [s.place_id for s in sites]) <= {"IRQ", "no country above the place"}
    # The totals row under the list names no camp: it is reported, not loaded.
    # The sampling frame's column of planned surveys is a figure the kind does not read: named, not loaded.
    assert result.report.flatten(("field", "code")) == [[None, "country-from-file"]] * (given is None) + [
        [None, "missing-cell"], ["camp_name", "missing-cell"], ["# target surveys", "unused-figure-column"]]


def test_kobo_geopoints_and_unreadable_coordinates(prepared_engine, tmp_path):
    path = tmp_path / "sites_2021-03.csv"
    path.write_text("PCODE,governorate,district,camp_name,geo,TypeSite,individual\n"
                    "CP990001,Idleb,Harim,Kobo Site,36.3096 36.6625 210.5 4.9,IS,100\n"
                    "CP990002,Idleb,Harim,Bad Point,north of the road,IS,40\n", encoding="utf-8")
    result = ingest_file(prepared_engine, path)
    assert result.report.flatten(("row", "field", "code", "severity")) == [[3, "geo", "type-error", "warning"]]
    with prepared_engine.connect() as conn:
        rows = dict(((r.place_key, (r.lat, r.lon, r.individuals)) for r in conn.execute(
            select(place.c.place_key, place.c.lat, place.c.lon, site_population.c.individuals)
            .join(site_population, site_population.c.site_id == place.c.place_id))))
    assert rows == {"site:CP990001": (36.3096, 36.6625, 100), "site:CP990002": (None, None, 40)}


def test_a_sheet_tagged_on_two_columns_takes_its_date_from_its_name(prepared_engine, tmp_path):
    name = "hxl__ETH__drought_idp_estimates_woreda_partial_hxl_row.csv"
    # Only the woreda p-code and the figure are tagged, and no column holds a date.
    with pytest.raises(LoadError, match="or give the file's date with --published YYYY-MM-DD or on the Upload page"):
        ingest_file(prepared_engine, REAL / name)
    path = tmp_path / "eth_drought_idps_2022-09.csv"
    shutil.copy(REAL / name, path)
    result = ingest_file(prepared_engine, path)
    frame = _hxl_frame(name)
    figures = _figures(prepared_engine)
    assert (result.kind, len(figures)) == ("hxl", len(frame)) == ("hxl", 87)
    assert _sum(figures, "idp_stock") == _total(frame["IDP estimates"]) == 344_609
    assert {(f["period_start"], f["period_end"]) for f in figures} == {(date(2022, 9, 1), date(2022, 9, 1))}
    assert {f["destination_name_raw"] for f in figures} == set(frame["Woreda p-code"])
    _assert_inside(prepared_engine, figures, {"ETH"})


def test_a_sheet_without_dates_takes_the_date_given_at_load(prepared_engine):
    name = "hxl__ETH__drought_idp_estimates_woreda_partial_hxl_row.csv"
    result = ingest_file(prepared_engine, REAL / name, published=date(2022, 10, 15))
    figures = _figures(prepared_engine)
    assert (result.kind, len(figures)) == ("hxl", len(_hxl_frame(name)))
    assert {(f["period_start"], f["period_end"]) for f in figures} == {(date(2022, 10, 15), date(2022, 10, 15))}
    # the same bytes with another date are another load of that date, not "already loaded"
    again = ingest_file(prepared_engine, REAL / name, published=date(2022, 11, 15))
    assert again.batch.status == "loaded" and again.batch.rows_inserted == len(figures)


def test_the_upload_page_takes_the_date_of_a_sheet_without_one(app_on, prepared_engine):
    name = "hxl__ETH__drought_idp_estimates_woreda_partial_hxl_row.csv"
    at = app_on(prepared_engine, "../pages/7_Upload.py")
    at.file_uploader[0].upload(name, (REAL / name).read_bytes(), "text/csv")
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.label == "Load this file"]  # refused, with the way out named
    assert any("give the file's date" in e.value for e in at.error)
    [day] = [d for d in at.date_input if d.label == "Date of the file, when it has no date column"]
    day.set_value(date(2022, 10, 15)).run()
    [load] = [b for b in at.button if b.label == "Load this file"]
    load.click().run()
    assert not at.exception
    figures = _figures(prepared_engine)
    assert len(figures) == len(_hxl_frame(name))
    assert {f["period_end"] for f in figures} == {date(2022, 10, 15)}


# --- UNHCR's country names: short forms and former names are their countries ------------------

def test_unhcr_short_and_former_country_names_are_their_countries(prepared_engine):
    name = "unhcr__SYR__persons_of_concern_2017_origin_syria_hxl_short_names.csv"
    with open(REAL / name, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[1:]  # the hashtag row left out
    residence, origin, idps = "Country / territory of asylum/residence", "Origin", "Internally displaced persons (IDPs)"
    assert {r[origin] for r in rows} == {"Syrian Arab Rep."}
    result = ingest_file(prepared_engine, REAL / name)
    figures = _figures(prepared_engine)
    assert len(figures) == len(rows) == 136
    with prepared_engine.connect() as conn:
        countries = dict(conn.execute(select(place.c.place_id, place.c.country_iso3)
                                      .where(place.c.kind == "country")).all())
    # every row's origin is Syria as UNHCR writes it; each residence is its own country
    assert {countries.get(f["origin_place_id"]) for f in figures} == {"SYR"}
    by_residence = {f["destination_name_raw"]: countries.get(f["destination_place_id"]) for f in figures}
    for written, iso3 in {"Syrian Arab Rep.": "SYR", "Turkey": "TUR", "Dem. Rep. of the Congo": "COD",
                          "Rep. of Korea": "KOR", "Rep. of Moldova": "MDA", "Czech Rep.": "CZE",
                          "The former Yugoslav Republic of Macedonia": "MKD", "China, Macao SAR": "MAC"}.items():
        assert by_residence[written] == iso3, written
    # "Serbia and Kosovo" names two countries: no country, never a guess
    serbia = "Serbia and Kosovo (S/RES/1244 (1999))"
    assert by_residence[serbia] is None
    assert [i[:3] for i in result.report.flatten(("row", "field", "code")) if i[2] == "unknown-country"] == [
        [number, "#country+residence", "unknown-country"]
        for number, row in enumerate(rows, start=3) if row[residence] == serbia]
    [syria] = [f for f in figures if f["destination_name_raw"] == "Syrian Arab Rep."]
    [syria_row] = [r for r in rows if r[residence] == "Syrian Arab Rep."]
    assert (syria["figure_kind"], syria["figure"]) == ("idp_stock", float(syria_row[idps]))
    _assert_inside(prepared_engine, figures, {r for r in countries.values() if r} - {"SRB", "XKX"})


def test_the_country_given_at_load_may_be_written_as_a_former_name(prepared_engine):
    sheet = "Province,IDPs,Date\n#adm1+name,#affected+idps,#date+reported\nAdana,100,2024-05-01\n"
    result = ingest_file(prepared_engine, "provinces.csv", data=sheet.encode(), country="Turkey")
    assert result.batch.rows_loaded == 1
    [figure] = _figures(prepared_engine)
    with prepared_engine.connect() as conn:
        placed = conn.execute(select(place.c.pcode).where(place.c.place_id == figure["destination_place_id"])).scalar()
    assert placed == "TUR001"  # Adana, in OCHA's p-code list of Türkiye
