"""CCCM site lists (ISIMM): sites become places with their counts, in one transaction; the list's
month comes from the file name; bad cells are reported by row, column and code."""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db import writes
from db.schema import load_batch, place, place_alias, site, site_population, unresolved_place_name
from db.writes import RejectedLoad
from loaders.ingest import ingest_file
from loaders.readers import read_any
from loaders.report import LoadError
from loaders.sources.cccm_sites import EXPECTED_COLUMNS, reported_date_from_name
from tests.conftest import FIXTURES_DIR, only_revision, shared_path

CCCM = FIXTURES_DIR / "cccm"
THREE_SITES = CCCM / "cccm_three_sites_2020-07.csv"


def _isimm_july_2020():
    return shared_path("fixtures", "data", "nw_syria_isimm_sites_2020-07.csv")


def _sites(engine):
    """place_key → site place joined with its site row, its parent's key and its latest count."""
    parent = place.alias("parent")
    with engine.connect() as conn:
        rows = conn.execute(
            select(place, site.c.site_code, site.c.site_type, parent.c.place_key.label("parent_key"),
                   site_population.c.individuals, site_population.c.girls, site_population.c.reported_date)
            .join(site, site.c.place_id == place.c.place_id)
            .join(parent, parent.c.place_id == place.c.parent_id)
            .outerjoin(site_population, site_population.c.site_id == site.c.place_id)
            .where(place.c.place_key.like("site:%"))
            .order_by(site_population.c.reported_date)
        ).mappings().all()
    return {r["place_key"]: r for r in rows}


def _counts(engine):
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in (place, site, site_population, place_alias, load_batch, unresolved_place_name)}


def test_the_july_2020_list_loads_every_site_and_everyone_in_them(prepared_engine):
    path = _isimm_july_2020()
    assert read_any(path).encoding == "cp1252"
    result = ingest_file(prepared_engine, path)
    assert result.kind == "cccm_sites"
    batch = result.batch
    # 1,116 rows → 1,116 site places and 1,116 counts, all new.
    assert (batch.rows_read, batch.rows_loaded, batch.rows_inserted, batch.rows_rejected) == (1116, 2232, 2232, 0)
    # 86 sites have no TypeSite: loaded as "other", each with a warning. The list's service scores
    # (0 to 1 per sector) are figures the kind does not load: named once each (issue 17).
    assert Counter(map(tuple, result.report.flatten(("field", "code", "severity")))) == {
        ("TypeSite", "missing-cell", "warning"): 86,
        **{(score, "unused-figure-column", "warning"): 1
           for score in ("Shelter", "NFI", "Water", "Sanitation", "Waste_Removal", "Food")}}
    with prepared_engine.connect() as conn:
        individuals, sites_counted, reported = conn.execute(
            select(func.sum(site_population.c.individuals), func.count(), func.max(site_population.c.reported_date))
            .where(site_population.c.batch_id == batch.batch_id)).one()
        types = dict(conn.execute(select(site.c.site_type, func.count()).where(site.c.batch_id == batch.batch_id)
                                  .group_by(site.c.site_type)).all())
        aliases = conn.execute(select(func.count()).select_from(place_alias)
                               .where(place_alias.c.batch_id == batch.batch_id)).scalar()
    assert (individuals, sites_counted, reported) == (1_479_320, 1116, date(2020, 7, 1))
    assert types == {"informal_settlement": 955, "planned_camp": 60, "collective_centre": 10,
                     "transit_centre": 5, "other": 86}
    assert aliases == 323 + 9  # the names written with a stray "*", or with doubled spaces

    sites = _sites(prepared_engine)
    tarheen = sites["site:CP000600"]
    assert (tarheen["name_en"], tarheen["parent_key"], tarheen["site_type"]) == ("Tarheen", "SY0202",
                                                                                 "informal_settlement")
    assert (tarheen["lat"], tarheen["lon"], tarheen["individuals"]) == (36.4937757, 37.5198625, 3275)
    # "Cp000559" in the file; ISIMM's "Azaz" is the gazetteer's A'zaz district.
    assert sites["site:CP000559"]["site_code"] == "CP000559"
    assert sites["site:CP000364"]["parent_key"] == "SY0204"
    assert (sites["site:CP001426"]["name_en"], sites["site:CP001344"]["name_en"]) == (
        "Al Kadaé", "Shuhadaa’ Tal Reffat")  # cp1252 "é" and "’"


def test_a_second_load_of_the_list_changes_nothing(prepared_engine, tmp_path):
    path = _isimm_july_2020()
    first = ingest_file(prepared_engine, path).batch
    before = _counts(prepared_engine)
    again = ingest_file(prepared_engine, path).batch
    assert (again.status, again.batch_id, again.rows_unchanged, again.rows_inserted) == (
        "unchanged", first.batch_id, 2232, 0)
    assert _counts(prepared_engine) == before
    # The same list exported again (other bytes, ISIMM's own file name): every site and count unchanged.
    copy = tmp_path / "ISIMM_2020July.csv"
    shutil.copyfile(path, copy)
    with open(copy, "ab") as handle:
        handle.write(b"\r\n")
    reexport = ingest_file(prepared_engine, copy).batch
    assert (reexport.status, reexport.rows_loaded, reexport.rows_unchanged, reexport.rows_updated) == (
        "loaded", 2232, 2232, 0)
    assert _counts(prepared_engine) == {**before, "load_batch": before["load_batch"] + 1}


def test_a_revised_list_updates_the_count_and_keeps_the_previous_one(prepared_engine):
    first = ingest_file(prepared_engine, THREE_SITES).batch
    revised = ingest_file(prepared_engine, CCCM / "cccm_three_sites_revised_individuals_2020-07.csv").batch
    assert (revised.rows_loaded, revised.rows_updated, revised.rows_unchanged, revised.rows_inserted) == (6, 1, 5, 0)
    assert _sites(prepared_engine)["site:CP900053"]["individuals"] == 1080
    table_name, previous = only_revision(prepared_engine)
    assert (table_name, previous["individuals"], previous["batch_id"]) == ("site_population", 1070, first.batch_id)


def test_the_next_month_adds_counts_to_the_same_sites(prepared_engine):
    ingest_file(prepared_engine, THREE_SITES)
    august = ingest_file(prepared_engine, CCCM / "cccm_three_sites_2020-08.csv").batch
    # Places unchanged, three new counts; an empty site counts 0 people, not "unknown".
    assert (august.rows_unchanged, august.rows_inserted) == (3, 3)
    with prepared_engine.connect() as conn:
        counts = conn.execute(select(site_population.c.reported_date, func.sum(site_population.c.individuals))
                              .group_by(site_population.c.reported_date).order_by(site_population.c.reported_date)
                              ).all()
    assert counts == [(date(2020, 7, 1), 1782 + 209 + 1070), (date(2020, 8, 1), 1810 + 0 + 1070)]
    assert _sites(prepared_engine)["site:CP900052"]["site_type"] == "transit_centre"  # "T/RC"


def test_geo_that_is_not_lat_lon_drops_the_coordinate_and_keeps_the_site(prepared_engine):
    result = ingest_file(prepared_engine, CCCM / "cccm_geo_not_lat_lon_2020-07.csv")
    # One bad cell spoils only itself: each is a warning, and every site loads with its people.
    assert result.report.flatten(("row", "field", "code", "severity", "value")) == [
        [3, "geo", "type-error", "warning", "36.3096"],
        [4, "geo", "type-error", "warning", "Atma"],
        [5, "geo", "type-error", "warning", "36.3096;36.6625"],
        [6, "geo", "out-of-range", "warning", "96.3096,36.6625"],
        [7, "geo", "type-error", "warning", "36.3096,"],
    ]
    assert (result.batch.rows_read, result.batch.rows_rejected, result.batch.rows_inserted) == (7, 0, 14)
    sites = _sites(prepared_engine)
    assert set(sites) == {f"site:CP90000{n}" for n in range(1, 8)}
    assert sum(s["individuals"] for s in sites.values()) == 7 * 30
    assert (sites["site:CP900001"]["lat"], sites["site:CP900001"]["lon"]) == (36.3096, 36.6625)
    for code in range(2, 8):  # unreadable, or blank (no error at all)
        assert (sites[f"site:CP90000{code}"]["lat"], sites[f"site:CP90000{code}"]["lon"]) == (None, None)


def test_negative_or_missing_individuals(prepared_engine):
    result = ingest_file(prepared_engine, CCCM / "cccm_negative_individuals_2020-07.csv")
    assert result.report.flatten() == [
        [3, "individual", "out-of-range"],
        [4, "girls", "out-of-range"],
        [5, "individual", "missing-cell"],
        [6, "individual", "type-error"],
    ]
    assert (result.batch.rows_rejected, result.batch.rows_inserted) == (4, 2)
    assert set(_sites(prepared_engine)) == {"site:CP900011"}  # a rejected row leaves no site behind


def test_site_types_known_unknown_and_blank(prepared_engine):
    result = ingest_file(prepared_engine, CCCM / "cccm_unknown_site_type_2020-07.csv")
    assert result.report.flatten(("row", "field", "code", "severity")) == [
        [3, "TypeSite", "unknown-value", "error"],
        [5, "TypeSite", "missing-cell", "warning"],
    ]
    types = {key: s["site_type"] for key, s in _sites(prepared_engine).items()}
    assert types == {"site:CP900021": "planned_camp", "site:CP900023": "transit_centre",
                     "site:CP900024": "other", "site:CP900025": "reception_centre"}


def test_an_unknown_district_places_the_site_in_its_governorate_and_queues_the_name(prepared_engine):
    result = ingest_file(prepared_engine, CCCM / "cccm_unknown_district_2020-07.csv")
    assert result.report.flatten(("row", "field", "code", "severity")) == [
        [3, "district", "unresolved-place", "warning"],
        [4, "governorate", "unresolved-place", "warning"],
        [4, "district", "unresolved-place", "warning"],
        [4, "district", "unknown-parent", "error"],  # nowhere to put it: rejected, not guessed
    ]
    parents = {key: s["parent_key"] for key, s in _sites(prepared_engine).items()}
    assert parents == {"site:CP900031": "SY0703", "site:CP900032": "SY07"}
    with prepared_engine.connect() as conn:
        queued = set(conn.execute(select(unresolved_place_name.c.raw_name, unresolved_place_name.c.scope_key)))
    assert queued == {("Wadi Nowhere", "SY07|district"), ("Atlantis", "SY|governorate"),
                      ("Wadi Nowhere", "SY|district")}  # looked for in Syria: the list is NW Syria's


def test_repeated_codes_empty_codes_and_names_that_are_only_marks(prepared_engine):
    result = ingest_file(prepared_engine, CCCM / "cccm_repeated_site_code_2020-07.csv")
    assert result.report.flatten(("row", "field", "code", "value")) == [
        [3, "PCODE", "duplicate-key", "CP900041"],  # "cp900041": codes are upper-cased
        [5, "PCODE", "missing-cell", None],
        [6, "camp_name", "missing-cell", "*"],
    ]
    stray = _sites(prepared_engine)["site:CP900042"]
    assert stray["name_en"] == "Stray Spaces"
    with prepared_engine.connect() as conn:
        aliases = conn.execute(select(place_alias.c.alias, place_alias.c.language)
                               .where(place_alias.c.place_id == stray["place_id"])).all()
    assert aliases == [("Stray  Spaces *", "provider")]


def test_an_arabic_list_in_cp1256(prepared_engine):
    path = CCCM / "cccm_cp1256_arabic_names_2020-07.csv"
    assert read_any(path).encoding == "cp1256"
    result = ingest_file(prepared_engine, path)
    assert result.report.issues == [] and result.batch.rows_inserted == 4
    sites = _sites(prepared_engine)
    hope = sites["site:CP900061"]
    assert (hope["name_en"], hope["name_ar"], hope["parent_key"]) == ("مخيم الأمل", "مخيم الأمل", "SY0703")
    assert sites["site:CP900062"]["parent_key"] == "SY0700"


def test_a_file_name_without_a_month_is_refused_before_anything_is_written(prepared_engine):
    before = _counts(prepared_engine)
    with pytest.raises(LoadError) as refused:
        ingest_file(prepared_engine, CCCM / "cccm_no_month_in_file_name.csv")
    assert str(refused.value) == (
        "cccm_no_month_in_file_name.csv: a CCCM site list has no date column, so its month is the one given at "
        "load (--published YYYY-MM-DD, or on the Upload page) or read from the file name; give it, or add the month "
        "to the name as YYYY-MM (e.g. nw_syria_isimm_sites_2020-07.csv), and load it again")
    assert _counts(prepared_engine) == before


def test_the_month_given_at_load_dates_a_list_without_one(prepared_engine):
    result = ingest_file(prepared_engine, CCCM / "cccm_no_month_in_file_name.csv", published=date(2021, 4, 1))
    assert result.batch.status == "loaded" and result.batch.rows_inserted > 0
    with prepared_engine.connect() as conn:
        days = set(conn.execute(select(site_population.c.reported_date)).scalars())
    assert days == {date(2021, 4, 1)}


@pytest.mark.parametrize(("file_name", "expected"), [
    ("nw_syria_isimm_sites_2020-07.csv", date(2020, 7, 1)),
    ("sites_2020-07-15.csv", date(2020, 7, 15)),
    ("ISIMM_2020July.csv", date(2020, 7, 1)),
    ("ISIMM_2020Feb.csv", date(2020, 2, 1)),
    ("sites_v2_2019-13_2019-12.csv", date(2019, 12, 1)),  # "2019-13" is no month
])
def test_the_month_is_read_from_the_file_name(file_name, expected):
    assert reported_date_from_name(file_name) == expected


def test_sites_and_counts_are_written_together_or_not_at_all(prepared_engine, monkeypatch):
    before = _counts(prepared_engine)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writes, "_write_chunk", broken)  # fails after the sites were upserted
    with pytest.raises(RuntimeError):
        ingest_file(prepared_engine, THREE_SITES)
    assert _counts(prepared_engine) == before


def test_strict_rejects_the_whole_list_sites_included(prepared_engine):
    before = _counts(prepared_engine)
    with pytest.raises(RejectedLoad, match="4 row\\(s\\) have problems and --strict is on"):
        ingest_file(prepared_engine, CCCM / "cccm_negative_individuals_2020-07.csv", strict=True)
    assert _counts(prepared_engine) == before


def test_dry_run_reports_and_writes_nothing(prepared_engine):
    before = _counts(prepared_engine)
    result = ingest_file(prepared_engine, CCCM / "cccm_negative_individuals_2020-07.csv", dry_run=True)
    assert result.batch is None and len(result.report.issues) == 4
    assert _counts(prepared_engine) == before


_CELL = st.one_of(st.text(max_size=12), st.sampled_from([
    "", "CP000001", "cp000001", "Idleb", "Harim", "Aleppo", "Azaz", "IS", "T/RC", "*", " Camp * ", "-5", "1,200",
    "36.3,36.6", "36.3", "96,36", "١٢٠٠"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_CELL, min_size=len(EXPECTED_COLUMNS), max_size=len(EXPECTED_COLUMNS)), max_size=8))
def test_random_rows_are_written_or_reported_never_crash(prepared_engine, rows):
    """Written for real (not a dry run), so the schema's constraints judge what the adapter lets through."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPECTED_COLUMNS)
    writer.writerows(rows)
    try:
        result = ingest_file(prepared_engine, "random_2020-07.csv", "cccm_sites", data=buffer.getvalue().encode())
    except (LoadError, RejectedLoad) as exc:  # RejectedLoad: every row was rejected, nothing is recorded
        assert str(exc).startswith("random_2020-07.csv")
    else:
        assert result.batch.rows_loaded == 2 * (result.batch.rows_read - result.batch.rows_rejected)
