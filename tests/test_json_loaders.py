"""JSON API responses: the reader, IOM DTM API v3 (IDP stocks) and IDMC IDU (new displacements)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from db.schema import displacement_figure, load_batch, place, unresolved_place_name
from db.writes import RejectedLoad
from loaders.ingest import ingest_file
from loaders.readers import read_any
from loaders.registry import detect_kind
from loaders.report import LoadError
from loaders.sources.idmc_idu import source_sentence
from tests.conftest import FIXTURES_DIR, only_revision, shared_path

JSON = FIXTURES_DIR / "json"
DTM_FILE = ("fixtures", "data", "dtm_api_v3_admin1_hti.json")
IDU_FILE = ("fixtures", "data", "idmc_idu_ind_sample.json")


def _figures(engine, provider):
    origin, destination = place.alias("origin"), place.alias("destination")
    query = (
        select(displacement_figure, origin.c.place_key.label("origin_key"),
               destination.c.place_key.label("destination_key"))
        .outerjoin(origin, origin.c.place_id == displacement_figure.c.origin_place_id)
        .outerjoin(destination, destination.c.place_id == displacement_figure.c.destination_place_id)
        .where(displacement_figure.c.provider == provider)
    )
    with engine.connect() as conn:
        return {r["record_key"]: r for r in conn.execute(query).mappings()}


def _queued(engine):
    with engine.connect() as conn:
        return sorted(conn.execute(select(unresolved_place_name.c.raw_name, unresolved_place_name.c.scope_key)).all())


def _batches(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(load_batch)).scalar()


# --- the reader ------------------------------------------------------------------------------

def test_reader_counts_the_records_of_a_list_and_of_an_envelope():
    dtm = read_any(shared_path(*DTM_FILE))
    idu = read_any(shared_path(*IDU_FILE))
    assert dtm.format == idu.format == "json" and dtm.tables == idu.tables == []
    assert (dtm.record_count, idu.record_count) == (235, 113)
    assert dtm.columns[:4] == ("id", "operation", "admin0Name", "admin0Pcode")
    assert len(idu.columns) == 24


@pytest.mark.parametrize("file_name, message", [
    ("json_empty.json", "json_empty.json: the file is empty; download the API response again"),
    ("json_truncated.json", "json_truncated.json: the JSON stops before it is complete (the file ends at line 1, "
                            "column 700: inside a string); it looks truncated. Download it again"),
    ("json_trailing_comma.json", "json_trailing_comma.json: not valid JSON at line 3, column 15: Expecting property "
                                 "name enclosed in double quotes (near '}'); fix the file or download it again"),
    ("json_not_utf8.json", "json_not_utf8.json: not UTF-8 text (byte 0xe9 at line 1, column 52); JSON must be "
                           "UTF-8. Download the response again, or re-save the file as UTF-8"),
])
def test_unreadable_json_says_where_and_how_to_fix_it(file_name, message):
    with pytest.raises(LoadError) as caught:
        read_any(JSON / file_name)
    assert str(caught.value) == message


def test_a_json_file_of_no_known_kind_names_its_keys(prepared_engine):
    with pytest.raises(LoadError, match=r"cannot tell what kind of file this is from its columns \(name, population\)"):
        ingest_file(prepared_engine, JSON / "json_unknown_shape.json")


def test_each_json_kind_is_detected_by_its_own_shape():
    assert detect_kind("a.json", read_any(shared_path(*DTM_FILE))).name == "dtm_api"
    assert detect_kind("b.json", read_any(shared_path(*IDU_FILE))).name == "idmc_idu"
    assert detect_kind("c.json", read_any(JSON / "dtm_envelope_is_success_false.json")).name == "dtm_api"


# --- IOM DTM API v3 --------------------------------------------------------------------------

def test_dtm_haiti_admin1_loads_every_record_as_an_idp_stock(prepared_engine):
    result = ingest_file(prepared_engine, shared_path(*DTM_FILE))
    assert result.kind == "dtm_api"
    batch = result.batch
    assert (batch.rows_read, batch.rows_inserted, batch.rows_rejected) == (235, 235, 0)
    figures = _figures(prepared_engine, "IOM DTM")
    assert len(figures) == 235
    first = figures["HT01|Haiti Earthquake|round 1|from Not available|Natural disaster|SA"]
    assert (first["figure_kind"], first["unit"], first["qualifier"], first["figure"], first["term"]) == (
        "idp_stock", "persons", "exact", 1059849, "displaced")
    assert (first["period_start"], first["period_end"], first["destination_name_raw"]) == (
        date(2010, 11, 30), date(2010, 11, 30), "Ouest")
    # Operation + area + round + origin repeat; the displacement reason tells the records apart.
    assert figures["HT01|Countrywide monitoring|round 2|from Not available|Conflict|SA"]["figure"] == 39492
    assert figures["HT01|Countrywide monitoring|round 2|from Not available|Insecurity|BA"]["figure"] == 154846
    assert sum(f["figure"] for f in figures.values()) == 13_831_385
    assert Counter(f["origin_name_raw"] for f in figures.values()) == {
        "Not available": 97, "Ouest": 90, "Artibonite": 22, "Centre": 11, "Nord Ouest": 9, "Sud": 4, "Nord": 2}


def test_dtm_haiti_names_resolve_in_haiti_and_never_in_syria(prepared_engine):
    result = ingest_file(prepared_engine, shared_path(*DTM_FILE))
    # The shipped gazetteer holds Haiti's departments: the names resolve there, none is queued.
    assert result.report.issues == [] and _queued(prepared_engine) == []
    figures = _figures(prepared_engine, "IOM DTM").values()
    # "Centre" sounds like Quneitra (SY14) to the resolver: only Haiti's own places may match.
    assert {f["destination_key"][:2] for f in figures} == {"HT"}
    assert Counter(f["origin_key"] for f in figures) == {
        None: 97, "HT01": 90, "HT05": 22, "HT06": 11, "HT09": 9, "HT07": 4, "HT03": 2}


def test_dtm_not_available_origin_is_kept_as_written_and_never_looked_up(prepared_engine):
    result = ingest_file(prepared_engine, shared_path(*DTM_FILE))
    unknown = [f for f in _figures(prepared_engine, "IOM DTM").values() if f["origin_name_raw"] == "Not available"]
    assert len(unknown) == 97 and {f["origin_place_id"] for f in unknown} == {None}
    assert "Not available" not in {i.value for i in result.report.issues}
    assert "Not available" not in {name for name, _ in _queued(prepared_engine)}


def test_dtm_second_load_of_the_same_file_changes_nothing(prepared_engine):
    ingest_file(prepared_engine, shared_path(*DTM_FILE))
    before = _batches(prepared_engine)
    again = ingest_file(prepared_engine, shared_path(*DTM_FILE)).batch
    assert (again.status, again.rows_read, again.rows_unchanged, again.rows_inserted, again.rows_updated) == (
        "unchanged", 235, 235, 0, 0)
    assert _batches(prepared_engine) == before


def test_dtm_rows_resolve_by_pcode_once_haitis_pcodes_are_loaded(prepared_engine):
    pcodes = ingest_file(prepared_engine, JSON / "pcodes_haiti_admin1.csv")
    # the country and its 10 departments are shipped with the gazetteer already: nothing new
    assert (pcodes.kind, pcodes.batch.rows_inserted, pcodes.batch.rows_unchanged) == ("ocha_pcodes", 0, 10)
    result = ingest_file(prepared_engine, shared_path(*DTM_FILE))
    assert result.report.issues == [] and _queued(prepared_engine) == []
    figures = _figures(prepared_engine, "IOM DTM").values()
    assert Counter(f["destination_key"] for f in figures)["HT01"] == 66
    assert None not in {f["destination_key"] for f in figures}
    assert Counter(f["origin_key"] for f in figures) == {
        None: 97, "HT01": 90, "HT05": 22, "HT06": 11, "HT09": 9, "HT07": 4, "HT03": 2}


@pytest.mark.parametrize("file_name, message", [
    ("dtm_envelope_is_success_false.json",
     "dtm_envelope_is_success_false.json: the DTM API answered with an error (statusCode 400): Admin0Pcode 'HTX' "
     "is not a valid country code. Nothing was loaded; fix the request and download the response again"),
    ("dtm_envelope_error_messages.json",
     "dtm_envelope_error_messages.json: the DTM API answered with an error (statusCode 200): Rate limit exceeded; "
     "retry in 60 seconds. Nothing was loaded; fix the request and download the response again"),
    ("dtm_envelope_count_mismatch.json",
     "dtm_envelope_count_mismatch.json: the response says it has 5 records but holds 2; it is incomplete (a page "
     "or a cut download). Download the whole response again"),
])
def test_dtm_error_envelopes_are_refused_with_the_apis_message(prepared_engine, file_name, message):
    before = _batches(prepared_engine)
    with pytest.raises(LoadError) as caught:
        ingest_file(prepared_engine, JSON / file_name)
    assert str(caught.value) == message
    assert _batches(prepared_engine) == before


def test_dtm_bad_records_are_reported_and_the_good_ones_load(prepared_engine):
    result = ingest_file(prepared_engine, JSON / "dtm_negative_missing_and_mistyped_values.json")
    assert result.report.flatten(("row", "field", "code")) == [
        [2, "numPresentIdpInd", "out-of-range"],
        [3, "reportingDate", "missing-cell"],
        [5, "numPresentIdpInd", "type-error"],
        [6, None, "type-error"],
        [8, "reportingDate", "type-error"],
    ]
    assert (result.batch.rows_read, result.batch.rows_inserted, result.batch.rows_rejected) == (8, 3, 5)
    figures = {f["record_key"].split("|")[2]: f for f in _figures(prepared_engine, "IOM DTM").values()}
    assert figures["round 4"]["figure"] == 1200  # "1,200" as text
    assert figures["round 7"]["period_end"] == date(2010, 11, 30)  # 30/11/2010: only day-first fits


def test_dtm_records_of_a_country_in_the_gazetteer_resolve_by_pcode_or_name(prepared_engine):
    result = ingest_file(prepared_engine, JSON / "dtm_syria_names_and_pcodes.json")
    assert result.report.flatten() == [[3, "admin1Name", "unresolved-place"]]
    figures = {f["figure"]: f for f in _figures(prepared_engine, "IOM DTM").values()}
    assert (figures[1200]["destination_key"], figures[1200]["origin_key"]) == ("SY07", "SY02")
    assert (figures[300]["destination_key"], figures[300]["origin_key"]) == ("SY07", "SY05")  # Idlib, Hama
    assert (figures[40]["destination_key"], figures[40]["origin_name_raw"]) == (None, "Not available")
    assert _queued(prepared_engine) == [("Nord Ouest", "SY|governorate")]


def test_dtm_admin2_records_count_idps_in_the_district(prepared_engine):
    result = ingest_file(prepared_engine, JSON / "dtm_admin2_level_records.json")
    assert result.report.flatten() == []  # Haiti's communes are shipped as its admin 2
    figures = _figures(prepared_engine, "IOM DTM")
    gressier = figures["HT0116|Haiti Earthquake|round 1|from Not available|Natural disaster|SA"]
    assert (gressier["destination_key"], gressier["figure"]) == ("HT0116", 6683)
    assert _queued(prepared_engine) == []


# --- IDMC IDU --------------------------------------------------------------------------------

def _headline_day(record) -> date:
    """The first day IDMC's own popup headline gives, e.g. "07 November - 07 November"."""
    match = re.search(r"(\d{2}) (\w+)\s*-", record["standard_popup_text"])
    return datetime.strptime(f"{match[1]} {match[2]} {record['year']}", "%d %B %Y").date()


def test_idu_india_sample_loads_both_conflict_and_disaster_figures(prepared_engine):
    records = json.loads(shared_path(*IDU_FILE).read_text(encoding="utf-8"))
    assert Counter(r["displacement_type"] for r in records) == {"Disaster": 107, "Conflict": 6}
    result = ingest_file(prepared_engine, shared_path(*IDU_FILE))
    assert result.kind == "idmc_idu"
    assert (result.batch.rows_read, result.batch.rows_inserted, result.batch.rows_rejected) == (113, 113, 0)
    assert result.report.flatten(("field", "code", "value")) == []  # India is in the shipped gazetteer
    assert _queued(prepared_engine) == []
    figures = _figures(prepared_engine, "IDMC")
    assert set(figures) == {str(r["id"]) for r in records}
    assert Counter(f["qualifier"] for f in figures.values()) == {"exact": 100, "approx": 10, "at_least": 3}
    assert {(f["figure_kind"], f["unit"], f["term"], f["origin_name_raw"]) for f in figures.values()} == {
        ("new_displacement", "movements", "displaced", "India")}
    conflict = figures["119537"]
    assert (conflict["figure"], conflict["qualifier"]) == (500, "at_least")
    assert conflict["quote"] == ("According to government, more than 500 people were homeless in Nuh due to "
                                 "communal violence on 3 August")


def test_idu_dates_with_z_are_the_days_idmc_meant(prepared_engine):
    records = json.loads(shared_path(*IDU_FILE).read_text(encoding="utf-8"))
    ingest_file(prepared_engine, shared_path(*IDU_FILE))
    figures = _figures(prepared_engine, "IDMC")
    # "2023-11-06T11:00:00.000Z" is 7 November: the headline, the event name and the sentence say so.
    first = figures["126716"]
    assert (first["period_start"], first["period_end"]) == (date(2023, 11, 7), date(2023, 11, 7))
    assert all(figures[str(r["id"])]["period_start"] == _headline_day(r) for r in records)
    period = figures["120949"]  # start 2 September, end 5 September (UTC dates), a day later each
    assert (period["period_start"], period["period_end"]) == (date(2023, 9, 3), date(2023, 9, 6))


def test_idu_quotes_are_the_source_sentence_without_html(prepared_engine):
    ingest_file(prepared_engine, shared_path(*IDU_FILE))
    quotes = [f["quote"] for f in _figures(prepared_engine, "IDMC").values()]
    assert all(q and not re.search(r"[<>]|&\w+;|https?:|displacements \(", q) for q in quotes)
    assert _figures(prepared_engine, "IDMC")["126716"]["quote"] == (
        "A total of 2 people were in relief camp due to flood on 7 November in Kerala, according to "
        "national/regional disaster authorities.")


def test_idu_html_entities_are_decoded_and_scripts_dropped():
    popup = json.loads((JSON / "idu_popup_html_entities_and_script.json").read_text())[0]["standard_popup_text"]
    assert source_sentence(popup) == "A total of 2 people & their neighbours were in relief camp in Kerala"
    assert source_sentence("") is None and source_sentence(None) is None


def test_idu_second_load_of_the_same_file_changes_nothing(prepared_engine):
    ingest_file(prepared_engine, shared_path(*IDU_FILE))
    again = ingest_file(prepared_engine, shared_path(*IDU_FILE)).batch
    assert (again.status, again.rows_read, again.rows_unchanged, again.rows_inserted) == ("unchanged", 113, 113, 0)


def test_idu_revised_figure_under_the_same_id_updates_the_row(prepared_engine):
    first = ingest_file(prepared_engine, JSON / "idu_three_records.json").batch
    assert first.rows_inserted == 3
    revised = ingest_file(prepared_engine, JSON / "idu_revised_figure_same_id.json").batch
    assert (revised.rows_read, revised.rows_updated, revised.rows_unchanged, revised.rows_inserted) == (3, 1, 2, 0)
    figure = _figures(prepared_engine, "IDMC")["119537"]
    assert (figure["figure"], figure["batch_id"]) == (650, revised.batch_id)
    table_name, previous = only_revision(prepared_engine)
    assert (table_name, previous["figure"], previous["batch_id"]) == ("displacement_figure", 500, first.batch_id)


def test_idu_unknown_qualifier_rejects_the_row(prepared_engine):
    result = ingest_file(prepared_engine, JSON / "idu_qualifier_unknown.json")
    assert result.report.flatten(("row", "field", "code", "value")) == [[2, "qualifier", "unknown-value", "between"]]
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (1, 1)


def test_idu_missing_dates_reversed_periods_and_missing_figures_are_reported(prepared_engine):
    # every record is rejected, so the load is refused and records nothing; the report comes with it
    with pytest.raises(RejectedLoad, match=r"every row \(3\) has problems; nothing was loaded") as refused:
        ingest_file(prepared_engine, JSON / "idu_missing_start_end_before_start_and_no_figure.json")
    assert refused.value.report.flatten() == [
        [1, "displacement_start_date", "missing-cell"],
        [3, "figure", "missing-cell"],
        [2, "period_end", "out-of-range"],
    ]
