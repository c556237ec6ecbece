"""Each named CHECK and UNIQUE constraint rejects a row broken in exactly one field.

Every case starts from a valid row (which must insert), changes one thing, and expects the
database to refuse it by that constraint's name. A last test fails when a constraint is added to
db/schema.py without a case here.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import CheckConstraint, UniqueConstraint, insert, select
from sqlalchemy.exc import IntegrityError

from db import schema
from db.migrate import upgrade

NOW = datetime(2024, 12, 9, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def engine(databases):
    engine = databases.new_engine()
    upgrade(engine)
    # Fresh database: the ids come out as 1, 2, 3, which valid_rows() refers to.
    with engine.begin() as conn:
        conn.execute(insert(schema.source).values(
            source_kind="test", title="constraint tests", sha256="a" * 64, is_demo=False,
            added_at=NOW))
        conn.execute(insert(schema.load_batch).values(
            source_id=1, source_kind="test", started_at=NOW, finished_at=NOW, rows_read=3,
            rows_loaded=3, rows_rejected=0, status="loaded"))
        conn.execute(insert(schema.place).values(
            place_key="SY", pcode="SY", country_iso3="SYR", kind="country",
            name_en="Syrian Arab Republic", source_id=1, batch_id=1))
        conn.execute(insert(schema.place).values(
            place_key="SY05", pcode="SY05", kind="governorate", name_en="Hama", parent_id=1,
            lat=35.2, lon=37.1, source_id=1, batch_id=1))
        conn.execute(insert(schema.place).values(
            place_key="SY0501:hama", kind="community", name_en="Hama", parent_id=2,
            lat=35.13, lon=36.75, source_id=1, batch_id=1))
        conn.execute(insert(schema.site).values(
            place_id=3, site_code="EXISTING", site_type="planned_camp", source_id=1, batch_id=1))
        for key in ("fixture-1", "fixture-2"):  # figure ids 1 and 2, a pair for duplicate_decision
            conn.execute(insert(schema.displacement_figure).values(
                provider="DTM", record_key=key, figure_kind="new_displacement", unit="persons", qualifier="exact",
                figure=100.0, is_cumulative=False, review_status="not_required", source_id=1, batch_id=1))
        assert conn.execute(select(schema.place.c.place_id).order_by(schema.place.c.place_id)).scalars().all() == [1, 2, 3]
    return engine


@pytest.fixture
def conn(engine):
    """A connection whose changes are rolled back after each test."""
    with engine.connect() as connection:
        outer = connection.begin()
        yield connection
        outer.rollback()


def valid_rows():
    """One valid row per table, as a fresh dict each call."""
    provenance = {"source_id": 1, "batch_id": 1}
    return {
        "source": {"source_kind": "test", "title": "a file", "sha256": "b" * 64, "is_demo": False,
                   "added_at": NOW},
        "load_batch": {"source_id": 1, "source_kind": "test", "started_at": NOW, "finished_at": NOW,
                       "rows_read": 10, "rows_loaded": 8, "rows_rejected": 2, "status": "loaded"},
        "load_issue": {"batch_id": 1, "row_number": 4, "field_name": "figure", "code": "type-error",
                       "severity": "error", "message": "not a number", "raw_value": "abc"},
        "place": {"place_key": "SY0501:suran", "kind": "community", "name_en": "Suran", "parent_id": 2,
                  "lat": 35.29, "lon": 36.74, **provenance},
        "place_alias": {"place_id": 3, "alias": "Hamah", "alias_key": "hamah", "language": "en"},
        "unresolved_place_name": {"raw_name": "Hamra", "name_key": "hamra", "scope_key": "*|*",
                                  "occurrences": 1, "first_seen_at": NOW, "last_seen_at": NOW,
                                  "status": "open", "best_score": 88.9},
        "site": {"place_id": 2, "site_type": "informal_settlement", "site_code": "CP1", **provenance},
        "site_population": {"site_id": 3, "provider": "CCCM", "reported_date": date(2024, 12, 1),
                            "individuals": 120, "households": 24, "girls": 30, "boys": 30, "women": 30,
                            "men": 30, **provenance},
        "conflict_event": {"provider": "ACLED", "record_key": "SYR1", "event_date": date(2024, 12, 5),
                           "date_precision": "day", "event_type": "Battles", "sub_event_type": "Armed clash",
                           "place_id": 3, "lat": 35.13, "lon": 36.75, "fatalities": 3,
                           "review_status": "not_required", **provenance},
        "event_count": {"provider": "HDX HAPI", "area_pcode": "SY0501", "admin_level": 2,
                        "event_category": "political_violence", "period_start": date(2024, 12, 1),
                        "period_end": date(2024, 12, 31), "events": 40, "fatalities": 12, **provenance},
        "duplicate_decision": {"first_id": 1, "second_id": 2, "decision": "duplicate", "kept_id": 1,
                               "decided_by": "officer@example.org", "decided_at": NOW},
        "audit_event": {"occurred_at": NOW, "actor": "im@field.ngo.example", "role": "editor", "how": "signed in",
                        "action": "review", "target_table": "displacement_figure", "target_id": 1, "detail": "{}"},
        "record_revision": {"table_name": "conflict_event", "row_id": 1, "replaced_by_batch_id": 1,
                            "previous_values": "{}", "replaced_at": NOW},
        "record_holder": {"batch_id": 1, "table_name": "conflict_event", "row_id": 1, "content_hash": "0" * 32},
        "summary_flow_place_week": {"week_start": date(2024, 12, 2), "side": "origin", "place_id": 3,
                                    "figure_kind": "new_displacement", "unit": "persons", "provider": "DTM",
                                    "from_text": False, "value": 1200.0, "reports": 2},
        "summary_flow_pair_week": {"week_start": date(2024, 12, 2), "origin_place_id": 3,
                                   "destination_name_raw": "safer areas", "figure_kind": "new_displacement",
                                   "unit": "persons", "provider": "DTM", "from_text": False, "value": 1200.0,
                                   "reports": 2},
        "summary_flow_pair_to_date": {"week_start": date(2024, 12, 9), "origin_place_id": 3,
                                      "destination_name_raw": "safer areas", "figure_kind": "new_displacement",
                                      "unit": "persons", "provider": "DTM", "from_text": False, "value": 2400.0,
                                      "reports": 5},
        "summary_event_week": {"week_start": date(2024, 12, 2), "event_type": "Battles",
                               "sub_event_type": "Armed clash", "place_id": 3, "provider": "ACLED",
                               "from_text": False, "events": 4, "fatalities": 3},
        "summary_event_location_week": {"week_start": date(2024, 12, 2), "place_id": 3, "lat": 35.13, "lon": 36.75,
                                        "event_type": "Battles", "provider": "ACLED", "from_text": False,
                                        "events": 4, "fatalities": 3},
        "summary_figure_day": {"day": date(2024, 12, 5), "review_status": "not_required",
                               "figure_kind": "new_displacement", "unit": "persons", "is_cumulative": False,
                               "reports": 3, "reports_with_figure": 2, "value": 1200.0, "provider": "DTM",
                               **provenance},
        "summary_event_day": {"day": date(2024, 12, 5), "review_status": "pending", "provider": "text",
                              "events": 2, "fatalities": None, **provenance},
        "displacement_figure": {"provider": "DTM", "record_key": "r1", "figure_kind": "new_displacement",
                                "unit": "persons", "qualifier": "exact", "figure": 1200.0,
                                "is_cumulative": False, "origin_place_id": 3, "period_start": date(2024, 12, 5),
                                "period_end": date(2024, 12, 6), "term": "fled",
                                "review_status": "not_required", **provenance},
    }


# (constraint name, table, changes that break only that rule). For UNIQUE constraints the valid
# row is inserted first and then inserted again with the changes.
CASES = [
    ("ck_source_sha256_length", "source", {"sha256": "abc"}),
    ("ck_source_source_kind_not_empty", "source", {"source_kind": ""}),
    ("uq_source_sha256", "source", {}),
    ("ck_load_batch_status_vocab", "load_batch", {"status": "half-done"}),
    ("ck_load_batch_rows_rejected_non_negative", "load_batch", {"rows_rejected": -1}),
    ("ck_load_batch_rejected_within_read", "load_batch", {"rows_rejected": 11}),
    ("ck_load_batch_rows_inserted_non_negative", "load_batch", {"rows_inserted": -1}),
    ("ck_load_batch_rows_updated_non_negative", "load_batch", {"rows_updated": -1}),
    ("ck_load_batch_rows_unchanged_non_negative", "load_batch", {"rows_unchanged": -1}),
    ("ck_load_batch_changes_within_loaded", "load_batch", {"rows_inserted": 5, "rows_updated": 2, "rows_unchanged": 2}),
    ("ck_load_batch_finished_after_start", "load_batch", {"finished_at": datetime(2024, 1, 1, tzinfo=timezone.utc)}),
    ("ck_load_issue_severity_vocab", "load_issue", {"severity": "fatal"}),
    ("ck_load_issue_row_number_positive", "load_issue", {"row_number": 0}),
    ("ck_place_kind_vocab", "place", {"kind": "town"}),
    ("ck_place_parent_unless_country", "place", {"parent_id": None}),
    ("ck_place_not_own_parent", "place", {"place_id": 50, "parent_id": 50}),
    ("ck_place_iso3_only_on_country", "place", {"country_iso3": "SYR"}),
    ("ck_place_name_en_not_empty", "place", {"name_en": ""}),
    ("ck_place_lat_range", "place", {"lat": 135.0}),
    ("ck_place_lon_range", "place", {"lon": -200.0}),
    ("ck_place_lat_lon_together", "place", {"lon": None}),
    ("uq_place_place_key", "place", {"pcode": None}),
    ("uq_place_pcode", "place", {"place_key": "other-key", "pcode": "SY05"}),
    ("uq_place_country_iso3", "place", {"place_key": "SYR-2", "kind": "country", "parent_id": None,
                                                "country_iso3": "SYR"}),
    ("ck_place_alias_language_vocab", "place_alias", {"language": "klingon"}),
    ("ck_place_alias_alias_key_not_empty", "place_alias", {"alias_key": ""}),
    ("uq_place_alias_place_id_alias_key", "place_alias", {"alias": "HAMAH"}),
    ("ck_unresolved_place_name_status_vocab", "unresolved_place_name", {"status": "maybe"}),
    ("ck_unresolved_place_name_kind_vocab", "unresolved_place_name", {"kind": "town"}),
    ("ck_unresolved_place_name_linked_has_place", "unresolved_place_name", {"status": "linked"}),
    ("ck_unresolved_place_name_occurrences_positive", "unresolved_place_name", {"occurrences": 0}),
    ("ck_unresolved_place_name_score_range", "unresolved_place_name", {"best_score": 101.0}),
    ("uq_unresolved_place_name_name_key_scope_key", "unresolved_place_name", {"raw_name": "HAMRA"}),
    ("ck_site_site_type_vocab", "site", {"site_type": "camp-ish"}),
    ("uq_site_site_code", "site", {"place_id": 1, "site_code": "EXISTING"}),
    ("ck_site_population_individuals_non_negative", "site_population", {"individuals": -5}),
    ("ck_site_population_households_non_negative", "site_population", {"households": -1}),
    ("ck_site_population_girls_non_negative", "site_population", {"girls": -1}),
    ("ck_site_population_boys_non_negative", "site_population", {"boys": -1}),
    ("ck_site_population_women_non_negative", "site_population", {"women": -1}),
    ("ck_site_population_men_non_negative", "site_population", {"men": -1}),
    ("ck_site_population_has_a_count", "site_population", {"individuals": None, "households": None}),
    ("uq_site_population_site_id_reported_date_provider", "site_population", {"individuals": 130}),
    ("ck_conflict_event_event_type_vocab", "conflict_event", {"event_type": "Skirmish", "sub_event_type": None}),
    ("ck_conflict_event_sub_event_type_of_type", "conflict_event", {"sub_event_type": "Air/drone strike"}),
    ("ck_conflict_event_date_precision_vocab", "conflict_event", {"date_precision": "fortnight"}),
    ("ck_conflict_event_review_status_vocab", "conflict_event", {"review_status": "ok"}),
    ("ck_conflict_event_fatalities_non_negative", "conflict_event", {"fatalities": -2}),
    ("ck_conflict_event_lat_range", "conflict_event", {"lat": -95.0}),
    ("ck_conflict_event_lon_range", "conflict_event", {"lon": 181.0}),
    ("ck_conflict_event_lat_lon_together", "conflict_event", {"lat": None}),
    # An undated event may wait for review; it cannot be counted (not_required or accepted).
    ("ck_conflict_event_dated_once_counted", "conflict_event", {"event_date": None}),
    ("ck_conflict_event_quote_offsets", "conflict_event", {"quote": "They fled.", "quote_start": 10, "quote_end": 4}),
    ("uq_conflict_event_provider_record_key", "conflict_event", {"fatalities": 4}),
    ("ck_event_count_event_category_vocab", "event_count", {"event_category": "battles"}),
    ("ck_event_count_period_order", "event_count", {"period_end": date(2024, 11, 30)}),
    ("ck_event_count_admin_level_range", "event_count", {"admin_level": 7}),
    ("ck_event_count_events_non_negative", "event_count", {"events": -1}),
    ("ck_event_count_fatalities_non_negative", "event_count", {"fatalities": -1}),
    ("uq_event_count_natural_key", "event_count", {"events": 41}),
    ("ck_displacement_figure_figure_kind_vocab", "displacement_figure", {"figure_kind": "flow"}),
    ("ck_displacement_figure_unit_vocab", "displacement_figure", {"unit": "people"}),
    ("ck_displacement_figure_qualifier_vocab", "displacement_figure", {"qualifier": "roughly"}),
    ("ck_displacement_figure_term_vocab", "displacement_figure", {"term": "relocated"}),
    ("ck_displacement_figure_review_status_vocab", "displacement_figure", {"review_status": "maybe"}),
    # A vague report ("hundreds of families") must not be stored as a number, not even 0 ...
    ("ck_displacement_figure_vague_iff_no_figure", "displacement_figure", {"qualifier": "vague", "figure": 0.0}),
    ("ck_displacement_figure_range_has_upper_bound", "displacement_figure", {"qualifier": "range"}),
    ("ck_displacement_figure_alt_figure_other_unit", "displacement_figure", {"alt_figure": 200.0, "alt_unit": "persons"}),
    ("ck_displacement_figure_figure_non_negative", "displacement_figure", {"figure": -10.0}),
    ("ck_displacement_figure_alt_figure_non_negative", "displacement_figure", {"alt_figure": -1.0, "alt_unit": "households"}),
    ("ck_displacement_figure_period_order", "displacement_figure", {"period_end": date(2024, 12, 1)}),
    ("ck_displacement_figure_quote_offsets", "displacement_figure", {"quote_start": 5, "quote_end": 9}),
    ("uq_displacement_figure_provider_record_key", "displacement_figure", {"figure": 1300.0}),
    ("ck_record_revision_table_name_vocab", "record_revision", {"table_name": "place"}),
    ("ck_record_holder_table_name_vocab", "record_holder", {"table_name": "place"}),
    ("ck_audit_event_action_vocab", "audit_event", {"action": "drop_table"}),
    ("ck_audit_event_role_vocab", "audit_event", {"role": "owner"}),
    ("ck_audit_event_actor_not_empty", "audit_event", {"actor": ""}),
    ("ck_duplicate_decision_ordered_pair", "duplicate_decision", {"first_id": 2, "second_id": 1}),
    ("ck_duplicate_decision_decision_vocab", "duplicate_decision", {"decision": "maybe", "kept_id": None}),
    # A duplicate keeps one of its pair counted; "distinct" keeps both, so names none.
    ("ck_duplicate_decision_kept_one_of_pair", "duplicate_decision", {"decision": "distinct"}),
    ("uq_duplicate_decision_first_id_second_id", "duplicate_decision", {"decision": "distinct", "kept_id": None}),
    # Weekly summaries (db/summary.py): a resolved place is its id; only an unresolved one keeps its name.
    ("ck_summary_flow_place_week_side_vocab", "summary_flow_place_week", {"side": "both"}),
    ("ck_summary_flow_place_week_place_name_raw_only_unplaced", "summary_flow_place_week",
     {"place_name_raw": "Hama"}),
    ("ck_summary_flow_place_week_value_non_negative", "summary_flow_place_week", {"value": -1.0}),
    ("ck_summary_flow_place_week_reports_positive", "summary_flow_place_week", {"reports": 0}),
    ("ck_summary_flow_pair_week_origin_name_raw_only_unplaced", "summary_flow_pair_week",
     {"origin_name_raw": "Hama"}),
    ("ck_summary_flow_pair_week_destination_name_raw_only_unplaced", "summary_flow_pair_week",
     {"destination_place_id": 3}),
    ("ck_summary_flow_pair_week_value_non_negative", "summary_flow_pair_week", {"value": -1.0}),
    ("ck_summary_flow_pair_week_reports_positive", "summary_flow_pair_week", {"reports": 0}),
    ("ck_summary_flow_pair_to_date_origin_name_raw_only_unplaced", "summary_flow_pair_to_date",
     {"origin_name_raw": "Hama"}),
    ("ck_summary_flow_pair_to_date_destination_name_raw_only_unplaced", "summary_flow_pair_to_date",
     {"destination_place_id": 4}),
    ("ck_summary_flow_pair_to_date_value_non_negative", "summary_flow_pair_to_date", {"value": -1.0}),
    ("ck_summary_flow_pair_to_date_reports_positive", "summary_flow_pair_to_date", {"reports": 0}),
    ("ck_summary_event_week_place_name_raw_only_unplaced", "summary_event_week", {"place_name_raw": "Hama"}),
    ("ck_summary_event_week_events_positive", "summary_event_week", {"events": 0}),
    ("ck_summary_event_week_fatalities_non_negative", "summary_event_week", {"fatalities": -1}),
    ("ck_summary_event_location_week_place_name_raw_only_unplaced", "summary_event_location_week",
     {"place_name_raw": "Hama"}),
    ("ck_summary_event_location_week_events_positive", "summary_event_location_week", {"events": 0}),
    ("ck_summary_event_location_week_fatalities_non_negative", "summary_event_location_week", {"fatalities": -1}),
    # Day summaries: every dated row per day, batch and review status; a sum only of numbers given.
    ("ck_summary_figure_day_review_status_vocab", "summary_figure_day", {"review_status": "maybe"}),
    ("ck_summary_figure_day_reports_positive", "summary_figure_day",
     {"reports": 0, "reports_with_figure": 0, "value": None}),  # only this check broken: no figure either
    ("ck_summary_figure_day_reports_with_figure_range", "summary_figure_day", {"reports_with_figure": 4}),
    ("ck_summary_figure_day_value_iff_figures", "summary_figure_day", {"reports_with_figure": 0}),
    ("ck_summary_figure_day_value_non_negative", "summary_figure_day", {"value": -1.0}),
    ("ck_summary_event_day_review_status_vocab", "summary_event_day", {"review_status": "maybe"}),
    ("ck_summary_event_day_events_positive", "summary_event_day", {"events": 0}),
    ("ck_summary_event_day_fatalities_non_negative", "summary_event_day", {"fatalities": -1}),
]


def _expect_refusal(conn, table_name: str, row: dict, constraint: str) -> None:
    table = schema.metadata.tables[table_name]
    savepoint = conn.begin_nested()
    with pytest.raises(IntegrityError) as refused:
        conn.execute(insert(table).values(**row))
    savepoint.rollback()
    message = str(refused.value.orig)
    if constraint.startswith("uq_") and conn.dialect.name == "sqlite":
        # SQLite names the columns of a failed UNIQUE constraint, not the constraint.
        unique = next(c for c in table.constraints if c.name == constraint)
        expected = ", ".join(f"{table_name}.{c.name}" for c in unique.columns)
        assert f"UNIQUE constraint failed: {expected}" in message
    else:
        assert constraint in message, message


@pytest.mark.parametrize("constraint, table_name, changes", CASES, ids=[c[0] for c in CASES])
def test_constraint_rejects_row_broken_in_one_field(conn, constraint, table_name, changes):
    valid = valid_rows()[table_name]
    table = schema.metadata.tables[table_name]
    savepoint = conn.begin_nested()
    conn.execute(insert(table).values(**valid))  # the valid row goes in
    savepoint.rollback()
    if constraint.startswith("uq_"):
        conn.execute(insert(table).values(**valid))
    _expect_refusal(conn, table_name, {**valid, **changes}, constraint)


# Constraints that cannot be broken alone, and the test that covers why they exist.
COVERED_ELSEWHERE = {
    # batch_id is already the primary key; this pair is the target of every data row's
    # (batch_id, source_id) foreign key.
    "uq_load_batch_batch_id_source_id": "test_a_row_cannot_claim_a_batch_of_another_source",
    # Admin 1 boundaries: one broken field each, on a row a boundaries load wrote (tests/test_boundaries.py).
    "ck_admin_boundary_geometry_not_empty": "test_boundaries.py::test_one_broken_field_breaks_its_named_constraint",
    "ck_admin_boundary_name_in_file_not_empty": "test_boundaries.py::test_one_broken_field_breaks_its_named_constraint",
    "uq_admin_boundary_place_id": "test_boundaries.py::test_one_broken_field_breaks_its_named_constraint",
}


def test_every_named_constraint_has_a_case():
    named = {
        c.name
        for table in schema.metadata.tables.values()
        for c in table.constraints
        if isinstance(c, (CheckConstraint, UniqueConstraint))
    }
    assert named == {c[0] for c in CASES} | set(COVERED_ELSEWHERE)


def test_vague_figure_is_stored_as_null_with_qualifier_vague(conn):
    row = {**valid_rows()["displacement_figure"], "record_key": "vague-1", "qualifier": "vague", "figure": None,
           "unit": "households", "term": "fled"}
    conn.execute(insert(schema.displacement_figure).values(**row))
    stored = conn.execute(
        select(schema.displacement_figure.c.figure, schema.displacement_figure.c.qualifier)
        .where(schema.displacement_figure.c.record_key == "vague-1")
    ).one()
    assert stored.figure is None and stored.qualifier == "vague"


def test_a_row_cannot_claim_a_batch_of_another_source(conn):
    conn.execute(insert(schema.source).values(source_id=2, **valid_rows()["source"]))
    row = {**valid_rows()["conflict_event"], "source_id": 2, "batch_id": 1}  # batch 1 belongs to source 1
    savepoint = conn.begin_nested()
    with pytest.raises(IntegrityError) as refused:
        conn.execute(insert(schema.conflict_event).values(**row))
    savepoint.rollback()
    if conn.dialect.name == "postgresql":
        assert "fk_conflict_event_batch_of_source" in str(refused.value.orig)
    else:
        assert "FOREIGN KEY constraint failed" in str(refused.value.orig)


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_postgresql_connections_run_without_jit(engine):
    """JIT compilation cost a year of possible duplicates 122 of its 130 ms (db/engine.py)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL settings only")
    with engine.connect() as c:
        assert c.exec_driver_sql("SHOW jit").scalar() == "off"
