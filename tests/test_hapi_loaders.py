"""HDX HAPI global files: conflict-event counts and IDP stocks, loaded, re-loaded and judged.

The real files come from ../shared (hdx-scraper-acled and hdx-scraper-iom-dtm test fixtures);
the small files under tests/fixtures/hapi_* are named after the defect they carry.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from db.queries import query_current_idp_stocks
from db.schema import displacement_figure, event_count, load_batch, load_issue, place, unresolved_place_name
from db.writes import RejectedLoad
from loaders.ingest import ingest_file
from loaders.sources.hapi_idps import KEY_LENGTH, record_key
from tests.conftest import FIXTURES_DIR, REPO_ROOT, shared_path

CONFLICT = FIXTURES_DIR / "hapi_conflict_event"
IDPS = FIXTURES_DIR / "hapi_idps"


def _conflict_file():
    return shared_path("fixtures", "data", "hapi_conflict_event_global_2025-01.csv")


def _idps_file():
    return shared_path("fixtures", "data", "hapi_idps_global.csv")


def _pcode_list():
    return shared_path("fixtures", "data", "global_pcodes_adm1_adm2.csv")


def _counts(engine):
    with engine.connect() as conn:
        rows = conn.execute(
            select(event_count, place.c.place_key, place.c.name_en)
            .outerjoin(place, place.c.place_id == event_count.c.place_id)
        ).mappings().all()
    return {(r["area_pcode"], r["event_category"]): r for r in rows}


def _syria_counts(engine):
    return {key: r for key, r in _counts(engine).items() if key[0][:2] == "SY" and key[0][2:].isdigit()}


def _errors(report):
    return sorted([i.row, i.field, i.code] for i in report.issues if i.severity == "error")


def _codes(report):
    return Counter((i.code, i.field, i.severity) for i in report.issues)


def _stored_issues(engine, batch_id):
    """The load's issues as load_issue holds them: all of them, not only those the report kept."""
    with engine.connect() as conn:
        return conn.execute(select(load_issue.c.row_number, load_issue.c.field_name, load_issue.c.code,
                                   load_issue.c.severity)
                            .where(load_issue.c.batch_id == batch_id).order_by(load_issue.c.issue_id)).all()


# --- conflict events: the real global file ---------------------------------------------------

# Level-2 rows without a p-code: South Sudan's former states under SDN, Venezuela's Dependencias
# Federales, Ukraine's Sea of Azov and Black Sea, once per category.
ROWS_WITHOUT_ADMIN2_CODE = [1608, 1619, 1641, 1648, 1718, 1727, 1735, 1837, 4758, 4764,
                            6399, 6410, 6432, 6439, 6509, 6518, 6526, 6628, 9549, 9555,
                            11190, 11201, 11223, 11230, 11300, 11309, 11317, 11419, 14340, 14346]
# Two provider areas coded alike (COL El Tablon/El Tambo → CO52260, NGA Edati/Mokwa → NG027017,
# Ijebu Ode/Ijebu North East → NG028010): the second of each pair repeats the count's key.
ROWS_REPEATING_AN_AREA = [1145, 1367, 4346, 5936, 6158, 9137, 10727, 10949, 13928]


def test_global_conflict_file_loads_every_countable_row(prepared_engine):
    result = ingest_file(prepared_engine, _conflict_file())
    assert result.kind == "hapi_conflict_event"
    batch = result.batch
    assert (batch.rows_read, batch.rows_inserted, batch.rows_rejected) == (14_373, 14_334, 39)
    assert _errors(result.report) == sorted(
        [[n, "admin2_code", "missing-cell"] for n in ROWS_WITHOUT_ADMIN2_CODE]
        + [[n, "period_end", "duplicate-key"] for n in ROWS_REPEATING_AN_AREA])
    # Every country's admin 2 is shipped: each code has its place; 294 rows name theirs otherwise than
    # OCHA's list (warned, placed by the code). Kosovo's country rows carry HAPI's "Non matching
    # p-code" error and still load, without a place: XKX is not in OCHA's country list.
    expected = Counter({
        ("pcode-name-mismatch", "provider_admin2_name", "warning"): 294,
        ("missing-cell", "admin2_code", "error"): 30,
        ("duplicate-key", "period_end", "error"): 9,
        ("provider-error", "error", "warning"): 3,
        ("unknown-country", "location_code", "warning"): 3,
    })
    stored = _stored_issues(prepared_engine, batch.batch_id)
    assert Counter((code, field, severity) for _, field, code, severity in stored) == expected
    assert result.report.tally() == expected
    assert Counter(i.severity for i in result.report.issues) == {"warning": 294 + 3 + 3, "error": 39}
    assert [row for row, _, code, _ in stored if code == "provider-error"] == [106, 4897, 9688]
    counts = _counts(prepared_engine)
    assert counts[("XKX", "political_violence")]["admin_level"] == 0
    assert counts[("CO52260", "demonstration")]["area_name_raw"] == "El Tablon"  # the first of the pair


def test_syria_counts_keep_the_provider_names_and_find_their_districts(prepared_engine):
    ingest_file(prepared_engine, _conflict_file())
    syria = _syria_counts(prepared_engine)
    assert len(syria) == 186 and all(r["place_key"] == r["area_pcode"] for r in syria.values())
    assert {r["admin_level"] for r in syria.values()} == {2}
    assert {(r["period_start"], r["period_end"]) for r in syria.values()} == {(date(2025, 1, 1), date(2025, 1, 31))}
    suqaylabiyah = syria[("SY0502", "political_violence")]
    assert (suqaylabiyah["area_name_raw"], suqaylabiyah["name_en"]) == ("As Suqaylabiyah", "As-Suqaylabiyah")


def test_the_three_categories_stay_separate_rows_and_are_never_added(prepared_engine):
    ingest_file(prepared_engine, _conflict_file())
    syria = _syria_counts(prepared_engine)
    hama = {category: (r["events"], r["fatalities"]) for (area, category), r in syria.items() if area == "SY0501"}
    # ACLED gives no fatalities for demonstrations: NULL, not 0.
    assert hama == {"political_violence": (4, 4), "civilian_targeting": (4, 4), "demonstration": (0, None)}
    per_area = Counter(area for area, _ in syria)
    assert set(per_area.values()) == {3} and len(per_area) == 62
    totals = Counter()
    for (area, category), r in syria.items():
        totals[category] += r["events"]
    assert totals == {"political_violence": 302, "civilian_targeting": 124, "demonstration": 13}
    # Civilian targeting is part of political violence, which is why the two are never summed.
    for area in per_area:
        assert syria[(area, "civilian_targeting")]["events"] <= syria[(area, "political_violence")]["events"]


def test_a_second_load_of_the_conflict_file_changes_nothing(prepared_engine):
    path = _conflict_file()
    first = ingest_file(prepared_engine, path).batch
    again = ingest_file(prepared_engine, path).batch
    assert (again.status, again.batch_id, again.rows_unchanged, again.rows_inserted) == (
        "unchanged", first.batch_id, 14_334, 0)
    # The same rows in a file with other bytes go through the writer: every key is found unchanged.
    resaved = ingest_file(prepared_engine, path, data=path.read_bytes() + b"\r\n").batch
    assert (resaved.status, resaved.rows_inserted, resaved.rows_updated, resaved.rows_unchanged) == (
        "loaded", 0, 0, 14_334)
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(event_count)).scalar() == 14_334


def test_with_the_ocha_pcode_list_loaded_every_coded_area_has_its_place(prepared_engine):
    ingest_file(prepared_engine, _pcode_list())
    result = ingest_file(prepared_engine, _conflict_file())
    assert "unknown-pcode" not in result.report.counts()
    with prepared_engine.connect() as conn:
        placed = dict(conn.execute(
            select(event_count.c.admin_level, func.count(event_count.c.place_id)).group_by(event_count.c.admin_level)
        ).all())
    # country rows are placed at their country by ISO3: those of every country OCHA's list holds
    with open(REPO_ROOT / "gazetteer" / "data" / "world_countries.csv", encoding="utf-8", newline="") as handle:
        countries = {row["iso3"] for row in csv.DictReader(handle)}
    with open(_conflict_file(), encoding="utf-8-sig", newline="") as handle:
        country_rows = [row for row in csv.DictReader(handle) if row["admin_level"] == "0"]
    assert placed == {0: sum(row["location_code"] in countries for row in country_rows), 2: 13_683 - 9}
    assert 0 < placed[0] < len(country_rows)  # Kosovo (XKX) is not in the list


# --- conflict events: defects --------------------------------------------------------------------

def test_negative_events_reject_the_row(prepared_engine):
    result = ingest_file(prepared_engine, CONFLICT / "conflict_event_negative_events.csv")
    assert result.kind == "hapi_conflict_event"
    assert result.report.flatten() == [[3, "events", "out-of-range"]]
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (1, 1)
    assert result.report.issues[0].raw_row["events"] == "-2"


def test_a_missing_reference_period_rejects_the_row(prepared_engine):
    result = ingest_file(prepared_engine, CONFLICT / "conflict_event_missing_reference_period.csv")
    assert result.report.flatten() == [[3, "reference_period_start", "missing-cell"]]
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (1, 1)


def test_an_unknown_event_type_is_not_a_category(prepared_engine):
    result = ingest_file(prepared_engine, CONFLICT / "conflict_event_unknown_event_type.csv")
    assert result.report.flatten() == [[3, "event_category", "unknown-value"]]
    assert result.report.issues[0].value == "battles"
    assert list(_counts(prepared_engine)) == [("SY0501", "demonstration")]


def test_hapi_error_column_rejects_duplicates_and_tolerates_kosovo(prepared_engine):
    result = ingest_file(prepared_engine, CONFLICT / "conflict_event_provider_errors.csv")
    assert result.report.flatten(("row", "field", "code", "severity")) == [
        [2, "error", "provider-error", "error"],
        [3, "error", "provider-error", "error"],
        [4, "error", "provider-error", "warning"],
        [4, "location_code", "unknown-country", "warning"],
    ]
    assert list(_counts(prepared_engine)) == [("XKX", "political_violence")]


def test_codes_the_gazetteer_lacks_are_kept_and_syrian_ones_resolved_by_name_inside_their_governorate(
        prepared_engine):
    result = ingest_file(prepared_engine, CONFLICT / "conflict_event_pcodes_not_in_gazetteer.csv")
    assert result.report.flatten(("row", "field", "code", "severity")) == [
        [3, "admin2_code", "unresolved-place", "warning"],
        [4, "provider_admin2_name", "pcode-name-mismatch", "warning"],  # Iraq's code is shipped; its name differs
    ]
    counts = _counts(prepared_engine)
    assert counts[("SY0299", "political_violence")]["place_key"] == "SY0202"  # "Al Bab" in Aleppo
    assert counts[("SY0298", "political_violence")]["place_key"] is None
    assert counts[("IQG15Q02", "political_violence")]["place_key"] == "IQG15Q02"
    with prepared_engine.connect() as conn:
        queued = conn.execute(select(unresolved_place_name.c.raw_name, unresolved_place_name.c.scope_key)).all()
    assert queued == [("Nowhere Valley", "SY02|district")]


# --- IDP stocks: the real global file ----------------------------------------------------------

def _figures(engine):
    with engine.connect() as conn:
        rows = conn.execute(select(displacement_figure)).mappings().all()
    return {r["record_key"]: r for r in rows}


def test_global_idps_file_stores_every_round(prepared_engine):
    result = ingest_file(prepared_engine, _idps_file())
    assert result.kind == "hapi_idps"
    batch = result.batch
    assert (batch.rows_read, batch.rows_inserted, batch.rows_rejected) == (6_854, 6_854, 0)
    # AFG, HTI and TCD are shipped; two districts' names differ from the list's (see below).
    assert _codes(result.report) == Counter({("pcode-name-mismatch", "provider_admin2_name", "warning"): 6 + 5})
    figures = _figures(prepared_engine)
    first = figures["AFG|Returns and displacement in Afghanistan|BA|AFG|1|2017-03-30|2017-03-30"]
    assert (first["figure"], first["figure_kind"], first["unit"], first["qualifier"], first["is_cumulative"]) == (
        246_362, "idp_stock", "persons", "exact", False)
    assert (first["destination_name_raw"], first["period_start"], first["provider"]) == (
        "AFG", date(2017, 3, 30), "HDX HAPI")
    delmas = figures["HTI|Countrywide monitoring|SA|HT0112|2|2022-11-30|2022-11-30"]
    assert (delmas["destination_name_raw"], delmas["figure"]) == ("Delmas", 7_956)


def test_a_second_load_of_the_idps_file_changes_nothing(prepared_engine):
    path = _idps_file()
    first = ingest_file(prepared_engine, path).batch
    again = ingest_file(prepared_engine, path).batch
    assert (again.status, again.batch_id, again.rows_unchanged) == ("unchanged", first.batch_id, 6_854)
    resaved = ingest_file(prepared_engine, path, data=path.read_bytes() + b"\r\n").batch
    assert (resaved.rows_inserted, resaved.rows_updated, resaved.rows_unchanged) == (0, 0, 6_854)
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(displacement_figure)).scalar() == 6_854


def test_current_stocks_are_the_latest_round_of_each_operation_and_area(prepared_engine):
    ingest_file(prepared_engine, _idps_file())
    current = query_current_idp_stocks(prepared_engine)
    assert len(current) == 687
    assert not current.duplicated(["country_iso3", "operation", "area_pcode"]).any()
    per_operation = current.groupby(["country_iso3", "operation", "assessment_type"]).size().to_dict()
    assert per_operation == {
        ("AFG", "Returns and displacement in Afghanistan", "BA"): 436,
        ("HTI", "Countrywide monitoring", "BA"): 150,
        ("HTI", "Earthquake (August-2021)", "SA"): 12,
        ("HTI", "Haiti Earthquake", "SA"): 16,
        ("HTI", "Hurricane Matthew", "SA"): 31,
        ("HTI", "Hurricane Season in the Caribbean (2017)", "BA"): 37,
        ("TCD", "Lake Chad Basin Crisis", "BA"): 5,
    }
    haiti = current[(current.operation == "Countrywide monitoring") & (current.area_pcode == "HTI")].iloc[0]
    assert (haiti.reporting_round, haiti.period_end, haiti.area_name_raw) == (10, date(2025, 6, 30), "HTI")
    chad = query_current_idp_stocks(prepared_engine, country_iso3="tcd")
    assert sorted(chad.area_pcode) == ["TCD", "TCD07", "TCD0701", "TCD0703", "TCD0704"]
    assert set(chad.reporting_round) == {24} and set(chad.period_end) == {date(2025, 1, 31)}


def test_with_the_ocha_pcode_list_loaded_chads_rewritten_codes_resolve_by_name_in_chad(prepared_engine):
    ingest_file(prepared_engine, _pcode_list())
    result = ingest_file(prepared_engine, _idps_file())
    # HAPI writes Chad's codes TCD07…, the OCHA list TD07…: their names are found inside Chad.
    # Two districts' names disagree with the list's names for their codes: HT0542 cut short ("Petite
    # Riviere De L'Art", 6 rows) and AF1722 "Darwaz-e-Balla" where the list has Darwaz-e-Payin (5 rows).
    assert _codes(result.report) == Counter({("pcode-name-mismatch", "provider_admin2_name", "warning"): 6 + 5})
    current = query_current_idp_stocks(prepared_engine, "HTI")
    delmas = current[(current.operation == "Countrywide monitoring") & (current.area_pcode == "HT0112")].iloc[0]
    assert delmas.place_key == "HT0112"


# --- IDP stocks: defects and rules ---------------------------------------------------------------

def test_a_negative_population_rejects_the_row(prepared_engine):
    result = ingest_file(prepared_engine, IDPS / "idps_negative_population.csv")
    assert result.kind == "hapi_idps"
    assert [row for row in result.report.flatten() if row[2] != "unknown-pcode"] == [[3, "population", "out-of-range"]]
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (1, 1)


def test_a_row_hapi_marks_as_duplicate_is_rejected(prepared_engine):
    # HAPI summed the repeated DTM records into this row's population: it may count people twice.
    result = ingest_file(prepared_engine, IDPS / "idps_provider_duplicate_row.csv")
    assert [row for row in result.report.flatten() if row[2] != "unknown-pcode"] == [[2, "error", "provider-error"]]
    assert list(_figures(prepared_engine)) == ["HTI|Countrywide monitoring|BA|HT0118|3|2023-02-28|2023-02-28"]


def test_missing_round_period_or_population_reject_the_row(prepared_engine):
    # every row is rejected, so the load is refused and records nothing; the report comes with it
    with pytest.raises(RejectedLoad, match=r"every row \(3\) has problems; nothing was loaded") as refused:
        ingest_file(prepared_engine, IDPS / "idps_missing_round_period_and_population.csv")
    assert [row for row in refused.value.report.flatten() if row[2] != "unknown-pcode"] == [
        [2, "reporting_round", "missing-cell"],
        [3, "reference_period_start", "missing-cell"],
        [4, "population", "missing-cell"],
    ]


def test_rounds_restart_per_assessment_type_so_dates_decide_what_is_current(prepared_engine):
    ingest_file(prepared_engine, IDPS / "idps_rounds_restart_per_assessment_type.csv")
    current = query_current_idp_stocks(prepared_engine)
    picked = {(r.operation, r.area_pcode): (r.assessment_type, r.reporting_round, r.figure)
              for r in current.itertuples()}
    assert picked == {
        # BA and SA on the same day: the baseline counts the whole area, the site assessment sites only.
        ("Lake Chad Basin Crisis", "TCD0701"): ("BA", 3, 27_082),
        # SA round 2 is later than BA round 4.
        ("Lake Chad Basin Crisis", "TCD0703"): ("SA", 2, 9_000),
        ("Other Operation", "TCD0703"): ("BA", 1, 500),
    }
    assert query_current_idp_stocks(prepared_engine, "AFG").empty


def test_a_long_operation_name_still_gives_a_key_that_fits():
    period = (date(2024, 1, 31), date(2024, 1, 31))
    key = record_key("HTI", "Operation " * 30, "BA", "HT0112", 12, period)
    assert len(key) == KEY_LENGTH and key.endswith("|BA|HT0112|12|2024-01-31|2024-01-31")
    assert key != record_key("HTI", "Operation " * 29 + "Other", "BA", "HT0112", 12, period)


def test_both_kinds_are_detected_from_their_columns(prepared_engine):
    with prepared_engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(load_batch)).scalar()
    assert ingest_file(prepared_engine, IDPS / "idps_negative_population.csv", dry_run=True).kind == "hapi_idps"
    assert ingest_file(prepared_engine, CONFLICT / "conflict_event_negative_events.csv",
                       dry_run=True).kind == "hapi_conflict_event"
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(load_batch)).scalar() == before


@pytest.mark.parametrize("kind", ["hapi_conflict_event", "hapi_idps"])
def test_a_file_without_the_kinds_columns_is_refused_with_the_fix(prepared_engine, kind):
    from loaders.report import LoadError

    with pytest.raises(LoadError, match="has no column .*; download the file again from HDX with all its columns"):
        ingest_file(prepared_engine, FIXTURES_DIR / "pcodes" / "not_a_pcode_list.csv", kind=kind)
