"""Real ACLED files of every year and HDX's ACLED aggregates load as a user expects (issue 17).

The files are in tests/fixtures/real (SOURCES.md says where each comes from). The expected
counts, totals and date ranges are the ones /work/corpus/real/EXPECTED.md computed with pandas,
or are computed here with pandas from the file itself, never by our loaders. "Nothing landed
outside its country": every event or count that has a place is inside the file's (or the row's)
own country, and names that found no place are queued inside a country's scope, never the world.
"""

from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, select

from db.schema import conflict_event, event_count, place, unresolved_place_name
from loaders.ingest import ingest_file
from loaders.report import LoadError
from tests.conftest import FIXTURES_DIR

REAL = FIXTURES_DIR / "real"

# file → (events, fatalities, first date, last date, the countries (ISO3) of its events), from EXPECTED.md
ACLED_FILES = {
    "acled__BEN__2022_current_layout_disorder_type_NA_strings.csv":
        (593, 341, date(2019, 12, 18), date(2022, 12, 28), {"BEN"}),
    "acled__BFA__2022_r_writecsv_subset_cols.csv": (1634, 2660, date(2022, 2, 15), date(2022, 9, 23), {"BFA"}),
    "acled__BGD__2015_asia_upper_case_gwno_dd_month_yyyy.csv":
        (602, 109, date(2015, 1, 1), date(2015, 2, 13), {"BGD"}),
    "acled__ETH__2022_api_small_extract.csv": (7, 11, date(2022, 10, 19), date(2022, 10, 21), {"ETH"}),
    "acled__KEN__2022_api_small_extract.csv": (5, 0, date(2022, 10, 19), date(2022, 10, 19), {"KEN"}),
    "acled__GLOBAL__2016_africa_pandas_dump_index_col_alpha_order.csv":
        (500, 1039, date(2016, 6, 17), date(2016, 7, 2), None),
    "acled__GLOBAL__2020_world_excel_mangled_d_mon_yy_dates.csv":
        (611, 396, date(2020, 5, 8), date(2020, 5, 9), None),
    "acled__UKR__2022_api_pre2023_layout.csv": (687, 942, date(2022, 4, 11), date(2022, 4, 22), {"UKR"}),
    "acled__UKR__2022_export_tool_dd_month_yyyy_dates.csv": (670, 733, date(2022, 5, 4), date(2022, 5, 13), {"UKR"}),
}


def _country_of_place(engine) -> dict[int, str]:
    """Every place's country (ISO3), by walking up its parents to the country row."""
    with engine.connect() as conn:
        rows = conn.execute(select(place.c.place_id, place.c.parent_id, place.c.country_iso3)).all()
    parent = {r.place_id: r.parent_id for r in rows}
    iso3 = {r.place_id: r.country_iso3 for r in rows}
    countries = {}
    for place_id in parent:
        current = place_id
        while iso3.get(current) is None and parent.get(current) is not None:
            current = parent[current]
        countries[place_id] = iso3.get(current)
    return countries


def _queued_scopes(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(unresolved_place_name.c.scope_key)).scalars())


@pytest.mark.parametrize("name", sorted(ACLED_FILES))
def test_an_acled_file_of_any_year_loads_every_event_inside_its_own_country(prepared_engine, name):
    events, fatalities, first, last, countries = ACLED_FILES[name]
    result = ingest_file(prepared_engine, REAL / name)
    assert result.kind == "acled"
    assert (result.batch.rows_read, result.batch.rows_inserted, result.batch.rows_rejected) == (events, events, 0)
    with prepared_engine.connect() as conn:
        total, earliest, latest = conn.execute(select(
            func.sum(conflict_event.c.fatalities), func.min(conflict_event.c.event_date),
            func.max(conflict_event.c.event_date))).one()
        placed = conn.execute(select(conflict_event.c.lat, conflict_event.c.lon, conflict_event.c.place_id)
                              .where(conflict_event.c.place_id.is_not(None))).all()
    assert (total, earliest, latest) == (fatalities, first, last)
    country_of_place = _country_of_place(prepared_engine)
    if countries is None:  # a file of many countries: each event's own, as the file gives it
        frame = pd.read_csv(REAL / name, dtype=str, keep_default_na=False)
        frame.columns = [c.lower() for c in frame.columns]
        if "iso3" in frame:
            iso3 = list(frame["iso3"])
        else:  # no ISO3 column (2016): the country's name as the file writes it, through OCHA's own library
            from hdx.location.country import Country

            Country.set_use_live_default(False)
            iso3 = [Country.get_iso3_country_code_fuzzy(name)[0] for name in frame["country"]]
        # Events are matched to their rows by coordinates (some rows have no event id): a point lies in one country.
        own = {(round(float(lat), 3), round(float(lon), 3)): code
               for lat, lon, code in zip(frame["latitude"], frame["longitude"], iso3)}
        for lat, lon, place_id in placed:
            assert country_of_place[place_id] == own[(round(lat, 3), round(lon, 3))], (lat, lon, place_id)
    else:
        assert {country_of_place[place_id] for _, _, place_id in placed} <= countries
    # a name that found no place waits for review inside an area, never in the whole world's scope
    assert not [scope for scope in _queued_scopes(prepared_engine) if scope.startswith("*")]


def test_ukrainian_events_are_never_placed_in_syria(prepared_engine):
    """The issue's worst failure: Ukrainian towns fuzzy-matched to Syrian places and counted in
    Syria's charts. The shipped gazetteer holds Syria: no Ukrainian event may land there."""
    for name in ("acled__UKR__2022_api_pre2023_layout.csv", "acled__UKR__2022_export_tool_dd_month_yyyy_dates.csv"):
        ingest_file(prepared_engine, REAL / name)
    country_of_place = _country_of_place(prepared_engine)
    with prepared_engine.connect() as conn:
        place_ids = conn.execute(select(conflict_event.c.place_id).where(conflict_event.c.place_id.is_not(None)))
        assert {country_of_place[p] for p in place_ids.scalars()} <= {"UKR"}
    scopes = {scope.split("|")[0].split(":")[0] for scope in _queued_scopes(prepared_engine)}
    assert scopes and scopes <= {"UA", "UKR"}  # Ukraine's own key (its admin-0 p-code UA), never wider


def test_syrian_events_in_a_world_file_are_placed_in_syria(prepared_engine):
    name = "acled__GLOBAL__2020_world_excel_mangled_d_mon_yy_dates.csv"
    frame = pd.read_csv(REAL / name, dtype=str, keep_default_na=False)
    syrian = set(frame.loc[frame["iso3"] == "SYR", "event_id_cnty"])
    ingest_file(prepared_engine, REAL / name)
    country_of_place = _country_of_place(prepared_engine)
    with prepared_engine.connect() as conn:
        placed = conn.execute(select(conflict_event.c.record_key, conflict_event.c.place_id)
                              .where(conflict_event.c.place_id.is_not(None))).all()
    in_syria = {key for key, place_id in placed if country_of_place[place_id] == "SYR"}
    assert in_syria and in_syria <= syrian  # every event placed in Syria is a Syrian one
    assert syrian <= {key for key, _ in placed}  # and every Syrian one is placed


def test_a_2016_file_keeps_its_events_under_today_s_types(prepared_engine):
    name = "acled__BGD__2015_asia_upper_case_gwno_dd_month_yyyy.csv"
    frame = pd.read_csv(REAL / name, dtype=str, keep_default_na=False)
    riots_or_protests = frame[frame["EVENT_TYPE"] == "Riots/Protests"]
    # ACLED's actor types: 5 rioters, 6 protesters; rioters on either side make a riot
    rioters = (riots_or_protests["INTER1"] == "5") | (riots_or_protests["INTER2"] == "5")
    ingest_file(prepared_engine, REAL / name)
    with prepared_engine.connect() as conn:
        types = dict(conn.execute(select(conflict_event.c.event_type, func.count())
                                  .group_by(conflict_event.c.event_type)).all())
    assert types["Riots"] == rioters.sum() and types["Protests"] == (~rioters).sum()
    assert types["Battles"] == (frame["EVENT_TYPE"] == "Battle-No change of territory").sum()
    assert types["Explosions/Remote violence"] == (frame["EVENT_TYPE"] == "Remote violence").sum()


def test_loading_an_acled_extract_without_ids_again_changes_nothing(prepared_engine):
    name = "acled__BFA__2022_r_writecsv_subset_cols.csv"
    ingest_file(prepared_engine, REAL / name)
    again = ingest_file(prepared_engine, REAL / name).batch
    assert (again.status, again.rows_inserted) == ("unchanged", 0)


def _workbook(frame: pd.DataFrame, path, first_sheet: str, first_text: str, *, empty_cells: bool = False):
    """The frame as a workbook's "Data" sheet, after a sheet of text only (a licence, a read-me); with
    `empty_cells`, blank cells are left empty rather than written as empty strings."""
    workbook = openpyxl.Workbook()
    workbook.active.title = first_sheet
    workbook.active.append([first_text])
    data = workbook.create_sheet("Data")
    data.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        data.append([None if empty_cells and cell == "" else cell for cell in row])
    workbook.save(path)
    return path


def test_an_acled_workbook_loads_its_data_sheet_and_names_the_licence_sheet(prepared_engine, tmp_path):
    name = "acled__KEN__2022_api_small_extract.csv"
    frame = pd.read_csv(REAL / name, dtype=str, keep_default_na=False)
    path = _workbook(frame, tmp_path / "acled_kenya.xlsx", "TOU",
                     "By using ACLED data you agree to abide by the Terms of Use")
    result = ingest_file(prepared_engine, path)
    assert result.kind == "acled"
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (5, 0)
    unused = [i for i in result.report.issues if i.code == "unused-column"]
    assert [i.value for i in unused] == ["TOU"]


AGGREGATES = {
    "acledagg__GTM__political_violence_country_month_year.xlsx": "political_violence",
    "acledagg__GLOBAL__political_violence_by_admin2_month_multisheet_cut.xlsx": "political_violence",
    "acledagg__GLOBAL__demonstrations_by_admin2_month_no_fatalities_cut.xlsx": "demonstration",
}


def _aggregate_frame(name: str) -> pd.DataFrame:
    """The file's data sheets as pandas reads them, with the row each keeps in the table: its
    admin-2 p-code, else its country and names; a repeat of an earlier key is not loaded."""
    sheets = pd.read_excel(REAL / name, sheet_name=None, dtype=str)
    frames = []
    for sheet, frame in sheets.items():
        if sheet == "TOU":
            continue
        frame = frame.assign(sheet=sheet, level=2 if "Admin2 Pcode" in frame else 0)
        if "Admin2 Pcode" in frame:
            frame["key"] = frame["Admin2 Pcode"].fillna(frame["ISO3"] + "|" + frame["Admin1"].fillna("") + "|"
                                                         + frame["Admin2"].fillna(""))
        else:
            frame["key"] = frame["Country"]
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    return frame[~frame.duplicated(["key", "Month", "Year"], keep="first")]


@pytest.mark.parametrize("name", sorted(AGGREGATES))
def test_hdx_acled_aggregates_load_as_counts_per_area_and_level(prepared_engine, name):
    frame = _aggregate_frame(name)
    result = ingest_file(prepared_engine, REAL / name)
    assert result.kind == "acled_aggregate"
    assert result.batch.rows_inserted == len(frame)
    with prepared_engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(select(event_count)).mappings().all())
        assert conn.execute(select(func.count()).select_from(conflict_event)).scalar() == 0  # never single events
    assert set(rows["event_category"]) == {AGGREGATES[name]}
    # each level's total is its own sheets' total: a country row is never added to its areas'
    country_rows = rows[rows["admin_level"] == 0]
    area_rows = rows[rows["admin_level"] > 0]
    events = pd.to_numeric(frame["Events"])
    assert country_rows["events"].sum() == events[frame["level"] == 0].sum()
    assert area_rows["events"].sum() == events[frame["level"] == 2].sum()
    if "Fatalities" in frame:
        assert rows["fatalities"].sum() == pd.to_numeric(frame["Fatalities"]).sum()
    else:  # ACLED publishes no fatalities for demonstrations: unknown, not 0
        assert rows["fatalities"].isna().all()
    months = pd.to_datetime(frame["Month"] + " " + frame["Year"], format="%B %Y")
    assert (rows["period_start"].min(), rows["period_start"].max()) == (months.min().date(), months.max().date())
    country_of_place = _country_of_place(prepared_engine)
    placed = rows[rows["place_id"].notna()]
    own = dict(zip(frame["key"], frame["ISO3"])) if "ISO3" in frame else {}
    from hdx.location.country import Country  # OCHA's own library: the oracle for a country's name

    Country.set_use_live_default(False)
    for pcode, place_id in zip(placed["area_pcode"], placed["place_id"]):
        expected = own.get(pcode) if isinstance(own.get(pcode), str) else None
        if expected is None and pcode[:3].isupper() and pcode[3:4] in ("", "-", "|"):
            expected = pcode[:3]  # a country's ISO3, or an area without a p-code keyed under its country's ISO3
        elif expected is None:  # a country row keyed by the country's name
            expected = Country.get_iso3_country_code_fuzzy(pcode)[0]
        assert country_of_place[int(place_id)] == expected, pcode


def test_a_country_file_of_the_aggregates_gives_exactly_its_published_totals(prepared_engine):
    ingest_file(prepared_engine, REAL / "acledagg__GTM__political_violence_country_month_year.xlsx")
    with prepared_engine.connect() as conn:
        totals = conn.execute(select(func.count(), func.sum(event_count.c.events), func.sum(event_count.c.fatalities),
                                     func.min(event_count.c.period_start), func.max(event_count.c.period_end))
                              .where(event_count.c.area_pcode == "GTM", event_count.c.admin_level == 0)).one()
    # EXPECTED.md: 77 months from January 2018 to May 2024, 5,206 events and 4,813 fatalities
    assert tuple(totals) == (77, 5206, 4813, date(2018, 1, 1), date(2024, 5, 31))


def test_issues_on_a_sheet_name_the_sheet(prepared_engine):
    result = ingest_file(prepared_engine, REAL / "acledagg__GLOBAL__political_violence_by_admin2_month_multisheet_cut.xlsx")
    fields = {i.field for i in result.report.issues if i.code == "missing-cell"}
    assert fields and all(f.split("!")[0] in ("HRP_1", "HRP_2") for f in fields)


def test_the_aggregates_as_hxl_csv_load_like_the_workbook(prepared_engine, tmp_path):
    sheet = pd.read_excel(REAL / "acledagg__GTM__political_violence_country_month_year.xlsx", sheet_name="Data",
                          dtype=str)
    tags = ["#country+name", "#date+month", "#date+year", "#event+num", "#fatality+num"]
    path = tmp_path / "guatemala_political_violence_events_and_fatalities_by_month-year.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(sheet.columns) + "\n" + ",".join(tags) + "\n")
        sheet.to_csv(handle, index=False, header=False)
    result = ingest_file(prepared_engine, path)
    assert result.kind == "acled_aggregate"
    assert (result.batch.rows_read, result.batch.rows_inserted) == (77, 77)
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.sum(event_count.c.events))).scalar() == pd.to_numeric(sheet["Events"]).sum()


def test_an_aggregate_whose_name_says_no_category_is_refused_with_how_to_fix_it(prepared_engine, tmp_path):
    path = tmp_path / "monthly_counts.xlsx"
    path.write_bytes((REAL / "acledagg__GTM__political_violence_country_month_year.xlsx").read_bytes())
    with pytest.raises(LoadError) as refused:
        ingest_file(prepared_engine, path)
    assert str(refused.value).startswith("monthly_counts.xlsx: an ACLED aggregate file does not say its event "
                                         "category in its cells, only in its name")
    assert "'political_violence', 'civilian_targeting' or 'demonstration'" in str(refused.value)


@pytest.mark.parametrize("cells, iso3", [
    ({"gwno": "771"}, "BGD"),  # Gleditsch & Ward: 771 Bangladesh, 652 Syria, 260 (West) Germany, 625 Sudan
    ({"gwno": "652"}, "SYR"),
    ({"gwno": 260}, "DEU"),
    ({"gwno": "625"}, "SDN"),
    ({"iso_numeric": "204"}, "BEN"),  # ISO 3166 numeric: 204 Benin, 804 Ukraine, 104 Myanmar
    ({"iso_numeric": 804.0}, "UKR"),
    ({"iso_numeric": "104"}, "MMR"),
    ({"name": "Democratic Republic of Congo"}, "COD"),  # ACLED's spellings
    ({"name": "Republic of Congo"}, "COG"),
    ({"name": "Ivory Coast"}, "CIV"),
    ({"name": "eSwatini"}, "SWZ"),
    ({"iso3": "ssd", "name": "Sudan"}, "SSD"),  # the most exact code first
    ({"name": "Atlantis"}, None),
    ({"gwno": "0"}, None),
])
def test_a_row_s_country_is_read_from_any_code_or_name(cells, iso3):
    from loaders.sources._countries import country_of

    found = country_of(**cells)
    assert (found.iso3 if found else None) == iso3


# One file of each kind that reads tables, written into a workbook behind a licence sheet.
TABLE_KIND_FILES = {
    "acled": (FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv", "acled_syria.xlsx"),
    "hapi_conflict_event": (FIXTURES_DIR / "hapi_conflict_event" / "conflict_event_provider_errors.csv",
                            "conflict_event.xlsx"),
    "hapi_idps": (FIXTURES_DIR / "hapi_idps" / "idps_rounds_restart_per_assessment_type.csv", "idps.xlsx"),
    "cccm_sites": (FIXTURES_DIR / "cccm" / "cccm_three_sites_2020-07.csv", "cccm_sites_2020-07.xlsx"),
}


@pytest.mark.parametrize("kind", sorted(TABLE_KIND_FILES))
def test_every_table_kind_reads_the_same_rows_from_a_workbook(prepared_engine, tmp_path, kind):
    source, workbook_name = TABLE_KIND_FILES[kind]
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    path = _workbook(frame, tmp_path / workbook_name, "Read me", "What these columns mean, and the terms of use",
                     empty_cells=True)
    from_workbook = ingest_file(prepared_engine, path)
    assert from_workbook.kind == kind
    assert from_workbook.batch.rows_inserted > 0
    assert [i.value for i in from_workbook.report.issues if i.code == "unused-column"] == ["Read me"]
    # the CSV then finds every record the workbook stored, unchanged
    from_csv = ingest_file(prepared_engine, source).batch
    assert (from_csv.rows_inserted, from_csv.rows_updated) == (0, 0)
    assert from_csv.rows_unchanged == from_workbook.batch.rows_inserted


def test_an_event_of_no_known_country_is_never_placed_and_waits_for_review(prepared_engine, tmp_path):
    # A Syrian town's name in a row whose country cannot be read: matching it in Syria would be a guess.
    header = "event_id_cnty,event_date,event_type,sub_event_type,actor1,country,admin1,admin2,location,fatalities"
    path = tmp_path / "acled_country_unreadable.csv"
    path.write_text(f"{header}\nXX1,2024-12-01,Battles,Armed clash,Unknown armed group,Atlantis,Aleppo,Jebel Saman,"
                    "Aleppo,1\n", encoding="utf-8")
    result = ingest_file(prepared_engine, path)
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (1, 0)
    with prepared_engine.connect() as conn:
        assert conn.execute(select(conflict_event.c.place_id, conflict_event.c.place_name_raw)).one() == (None, "Aleppo")
    assert _queued_scopes(prepared_engine) == ["*|community"]  # the scope of no known country
