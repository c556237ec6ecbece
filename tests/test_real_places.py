"""Places: any country, never the wrong one (issue 17).

Real ACLED exports from six countries (tests/fixtures/real, SOURCES.md there) load with every event
placed inside its own country or left unresolved, never in Syria nor anywhere else; the counts are
computed here with pandas, not by the loaders. The three names that were matched across a border
(Shwebo → Shahba, Shumy → Damascus, Kosti → As-Salamiyeh) stay in their countries; the country
comes from the file, --country or the Upload page, and without one nothing is guessed.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from sqlalchemy import select

from db.schema import conflict_event, place, unresolved_place_name
from gazetteer import load_gazetteer
from loaders.context import LoadContext
from loaders.ingest import ingest_file
from loaders.report import LoadReport
from tests.conftest import FIXTURES_DIR

REAL = FIXTURES_DIR / "real"
# file → the one country its events happen in (SOURCES.md; the corpus's EXPECTED.md)
ACLED_FILES = {
    "acled__UKR__2022_api_pre2023_layout.csv": "UKR",
    "acled__UKR__2022_export_tool_dd_month_yyyy_dates.csv": "UKR",
    "acled__ETH__2022_api_small_extract.csv": "ETH",
    "acled__SOM__2022_api_small_extract.csv": "SOM",
    "acled__KEN__2022_api_small_extract.csv": "KEN",
    "acled__AFG__2020_export_dd_month_yyyy.csv": "AFG",
}
BGD = "acled__BGD__2015_asia_upper_case_gwno_dd_month_yyyy.csv"
UPLOAD_PAGE = "../pages/7_Upload.py"


def _country_of_places(engine) -> dict[int, str | None]:
    """place id → ISO3 of the country above it, walked here from the place table itself."""
    with engine.connect() as conn:
        rows = {r.place_id: r for r in conn.execute(select(place.c.place_id, place.c.parent_id, place.c.country_iso3))}

    def country(place_id):
        seen = set()
        while place_id is not None and place_id not in seen:
            seen.add(place_id)
            if rows[place_id].country_iso3:
                return rows[place_id].country_iso3
            place_id = rows[place_id].parent_id
        return None

    return {place_id: country(place_id) for place_id in rows}


def _events(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(
            conflict_event.c.record_key, conflict_event.c.place_id, conflict_event.c.fatalities,
            conflict_event.c.lat, conflict_event.c.lon)).all(), columns=["record_key", "place_id", "fatalities",
                                                                       "lat", "lon"])


def _acled_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("name", sorted(ACLED_FILES))
def test_real_acled_events_land_only_in_their_own_country(prepared_engine, name):
    iso3 = ACLED_FILES[name]
    expected = pd.read_csv(REAL / name, dtype=str, keep_default_na=False)
    result = ingest_file(prepared_engine, REAL / name)
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (len(expected), 0)
    events = _events(prepared_engine)
    assert len(events) == len(expected)
    assert events["fatalities"].sum() == pd.to_numeric(expected["fatalities"]).sum()
    countries = _country_of_places(prepared_engine)
    placed = events.dropna(subset=["place_id"])
    assert {countries[int(p)] for p in placed["place_id"]} == {iso3}  # nothing outside the file's country
    assert len(placed) >= 0.99 * len(events)  # and nearly every event placed (AFG's "Wardak" is queued)


def test_a_location_the_gazetteer_lacks_becomes_a_place_under_its_admin2_at_the_file_coordinates(prepared_engine):
    name = "acled__UKR__2022_api_pre2023_layout.csv"
    rows = pd.read_csv(REAL / name, dtype=str, keep_default_na=False)
    result = ingest_file(prepared_engine, REAL / name)
    with prepared_engine.connect() as conn:
        added = conn.execute(select(place.c.place_id, place.c.name_en, place.c.lat, place.c.lon, place.c.parent_id)
                             .where(place.c.batch_id == result.batch.batch_id)).all()
        kinds = dict(conn.execute(select(place.c.place_id, place.c.kind)).all())
        pcodes = dict(conn.execute(select(place.c.place_id, place.c.pcode)).all())
    assert added, "the Ukrainian towns are not in OCHA's admin 1-2 list: they become places"
    order = {key: i for i, key in enumerate(rows["event_id_cnty"])}
    by_key = rows.set_index("event_id_cnty")
    events = _events(prepared_engine)
    # under its admin 2, or its admin 1 where ACLED's admin 2 is not one of OCHA's (a city such as Kyiv)
    assert sum(kinds[parent_id] == "district" for *_, parent_id in added) >= 0.9 * len(added)
    for place_id, name_en, lat, lon, parent_id in added:
        assert kinds[parent_id] in ("district", "governorate") and pcodes[parent_id].startswith("UA")
        here = list(events.loc[events["place_id"] == place_id, "record_key"])
        assert set(by_key.loc[here, "location"]) == {name_en}
        first = by_key.loc[min(here, key=order.get)]  # the place stands where the first row naming it says
        assert (lat, lon) == (float(first["latitude"]), float(first["longitude"]))


CROSS_BORDER = [  # the rows that were counted in Syria's charts, as ACLED writes them
    {"event_id_cnty": "MMR1", "event_date": "2022-05-01", "event_type": "Battles", "sub_event_type": "Armed clash",
     "actor1": "A", "country": "Myanmar", "iso": "104", "admin1": "Sagaing", "admin2": "Shwebo",
     "location": "Shwebo", "latitude": "22.5683", "longitude": "95.6982", "fatalities": "2"},
    {"event_id_cnty": "UKR1", "event_date": "2022-05-01", "event_type": "Battles", "sub_event_type": "Armed clash",
     "actor1": "A", "country": "Ukraine", "iso": "804", "admin1": "Donetsk", "admin2": "Bakhmutskyi",
     "location": "Shumy", "latitude": "48.4010", "longitude": "37.8130", "fatalities": "1"},
    {"event_id_cnty": "SDN1", "event_date": "2022-05-01", "event_type": "Battles", "sub_event_type": "Armed clash",
     "actor1": "A", "country": "Sudan", "iso": "729", "admin1": "White Nile", "admin2": "Kosti",
     "location": "Kosti", "latitude": "13.1629", "longitude": "32.6635", "fatalities": "3"},
]


def test_shwebo_shumy_and_kosti_stay_in_their_countries(prepared_engine, tmp_path):
    path = tmp_path / "acled_cross_border.csv"
    path.write_bytes(_acled_csv(CROSS_BORDER))
    ingest_file(prepared_engine, path)
    countries = _country_of_places(prepared_engine)
    placed = {key: None if pd.isna(p) else countries[int(p)]
              for key, p in _events(prepared_engine)[["record_key", "place_id"]].values}
    assert placed == {"MMR1": "MMR", "UKR1": "UKR", "SDN1": "SDN"}


def test_bangladesh_rows_resolve_only_in_bangladesh(prepared_engine):
    """The 2015 upper-case file, row by row through the loaders' resolver (its layout is read elsewhere)."""
    rows = pd.read_csv(REAL / BGD, dtype=str, keep_default_na=False)
    ctx = LoadContext(LoadReport(BGD), load_gazetteer(prepared_engine))
    countries = _country_of_places(prepared_engine)
    found = []
    for number, row in enumerate(rows.itertuples(index=False), start=2):
        country = ctx.row_country(row.COUNTRY)
        place_id, _ = ctx.place_in_country(country, row.ADMIN1, row.ADMIN2, row.LOCATION, float(row.LATITUDE),
                                           float(row.LONGITUDE), row=number, column="LOCATION")
        # a new place is named by its key until written: its country is its parent's
        parent = ctx.new_places[place_id].parent_key if isinstance(place_id, str) else None
        found.append(parent[:2] if parent else countries.get(place_id))
    assert set(found) <= {"BGD", "BD"} and found.count(None) == 0


def _without_country_columns(name: str, tmp_path):
    frame = pd.read_csv(REAL / name, dtype=str, keep_default_na=False)
    path = tmp_path / name.replace(".csv", "_no_country.csv")
    frame.drop(columns=[c for c in ("country", "iso", "iso3", "region") if c in frame]).to_csv(path, index=False)
    return path, frame


def test_without_a_country_a_row_stays_unresolved_and_queued(prepared_engine, tmp_path):
    path, frame = _without_country_columns("acled__ETH__2022_api_small_extract.csv", tmp_path)
    result = ingest_file(prepared_engine, path)
    assert result.batch.rows_inserted == len(frame)
    assert _events(prepared_engine)["place_id"].isna().all()
    assert {code for _, _, code in result.report.flatten()} == {"unknown-country"}
    with prepared_engine.connect() as conn:
        queued = conn.execute(select(unresolved_place_name.c.raw_name, unresolved_place_name.c.scope_key)).all()
    assert sorted(queued) == sorted({(loc, "*|community") for loc in frame["location"]})


def test_the_command_line_country_places_rows_that_name_none(prepared_engine, tmp_path, monkeypatch, capsys):
    from loaders.__main__ import main

    path, frame = _without_country_columns("acled__ETH__2022_api_small_extract.csv", tmp_path)
    monkeypatch.setenv("DATABASE_URL", prepared_engine.url.render_as_string(hide_password=False))
    assert main(["ingest", str(path), "--country", "ETH"]) == 0
    countries = _country_of_places(prepared_engine)
    assert {countries[int(p)] for p in _events(prepared_engine)["place_id"]} == {"ETH"}


def test_the_command_line_refuses_a_country_it_does_not_know(prepared_engine, tmp_path, monkeypatch, capsys):
    from loaders.__main__ import main

    path, _ = _without_country_columns("acled__ETH__2022_api_small_extract.csv", tmp_path)
    monkeypatch.setenv("DATABASE_URL", prepared_engine.url.render_as_string(hide_password=False))
    assert main(["ingest", str(path), "--country", "Atlantis"]) == 1
    assert ("the country 'Atlantis' is not one the gazetteer knows; give its name or ISO3 code (e.g. SDN for "
            "Sudan)") in capsys.readouterr().err
    assert _events(prepared_engine).empty


def test_the_upload_pages_country_places_rows_that_name_none(app_on, prepared_engine, tmp_path):
    path, frame = _without_country_columns("acled__SOM__2022_api_small_extract.csv", tmp_path)
    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.file_uploader[0].upload(path.name, path.read_bytes(), "text/csv")
    at.run()
    [choice] = [s for s in at.selectbox if s.label == "Country of rows that name none"]
    choice.select("SOM").run()
    [load] = [b for b in at.button if b.label == "Load this file"]
    load.click().run()
    assert not at.exception
    countries = _country_of_places(prepared_engine)
    events = _events(prepared_engine)
    assert len(events) == len(frame)
    assert {countries[int(p)] for p in events["place_id"]} == {"SOM"}


@pytest.mark.parametrize("name", sorted(ACLED_FILES), ids=lambda name: ACLED_FILES[name])
def test_the_dry_run_says_every_event_is_in_the_files_country(prepared_engine, name):
    """What the Upload preview and --dry-run print: the rows' country, counting the events placed
    at towns the load would add (they are not in the gazetteer before it)."""
    rows = len(pd.read_csv(REAL / name, dtype=str, keep_default_na=False))
    result = ingest_file(prepared_engine, REAL / name, dry_run=True)
    assert result.rows_would_load == rows
    country = load_gazetteer(prepared_engine).find_country(ACLED_FILES[name]).name_en
    assert dict(result.understood.countries) == {country: rows}
