"""ACLED event exports, both column sets: loaded, re-loaded, revised, and refused cleanly."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import func, select

from db.schema import conflict_event, load_batch, place, unresolved_place_name
from db.writes import RejectedLoad
from loaders.ingest import ingest_file
from tests.conftest import FIXTURES_DIR, REPO_ROOT, only_revision

ACLED = FIXTURES_DIR / "acled"


def _events(engine):
    with engine.connect() as conn:
        rows = conn.execute(
            select(conflict_event, place.c.place_key).outerjoin(place, place.c.place_id == conflict_event.c.place_id)
        ).mappings().all()
    return {r["record_key"]: r for r in rows}


def test_post_2023_export_loads_with_places_resolved(prepared_engine):
    result = ingest_file(prepared_engine, ACLED / "acled_2023_format_syria.csv")
    assert result.kind == "acled"
    batch = result.batch
    assert (batch.rows_read, batch.rows_inserted, batch.rows_rejected) == (4, 4, 0)
    events = _events(prepared_engine)
    assert events["SYR900002"]["place_key"] == "SY0200:aleppo"
    assert events["SYR900003"]["sub_event_type"] == "Non-violent transfer of territory"
    assert events["SYR900003"]["event_date"] == date(2024, 12, 5)
    assert events["SYR900002"]["assoc_actors"] == "Turkish-backed factions"
    assert events["SYR900004"]["date_precision"] == "week"


def test_an_unknown_village_becomes_a_place_under_its_district_at_its_coordinates(prepared_engine):
    result = ingest_file(prepared_engine, ACLED / "acled_2023_format_syria.csv")
    assert result.report.flatten() == [[5, "location", "new-place"]]
    event = _events(prepared_engine)["SYR900004"]
    assert (event["place_name_raw"], event["place_key"]) == ("Kafr Takharim", "SY0700:kafr-takharim")
    with prepared_engine.connect() as conn:
        village = conn.execute(select(place.c.name_en, place.c.kind, place.c.lat, place.c.lon, place.c.parent_id)
                               .where(place.c.place_key == "SY0700:kafr-takharim")).one()
        district = conn.execute(select(place.c.place_id).where(place.c.place_key == "SY0700")).scalar()
        queued = conn.execute(select(unresolved_place_name.c.raw_name)).all()
    # the file's own coordinates, under the district the row names (Idleb, SY0700)
    assert tuple(village) == ("Kafr Takharim", "community", 36.12, 36.52, district)
    assert queued == []


def test_a_village_without_coordinates_keeps_its_district_and_is_queued(prepared_engine, tmp_path):
    lines = (ACLED / "acled_2023_format_syria.csv").read_text(encoding="utf-8").splitlines()
    uncoordinated = tmp_path / "acled_syria_village_without_coordinates.csv"
    uncoordinated.write_text("\n".join([lines[0], lines[4].replace(",36.1200,36.5200,", ",,,")]) + "\n",
                             encoding="utf-8")
    result = ingest_file(prepared_engine, uncoordinated)
    assert result.report.flatten() == [[2, "location", "unresolved-place"]]
    event = _events(prepared_engine)["SYR900004"]
    assert (event["place_name_raw"], event["place_key"]) == ("Kafr Takharim", "SY0700")
    with prepared_engine.connect() as conn:
        queued = conn.execute(select(unresolved_place_name.c.raw_name, unresolved_place_name.c.scope_key)).all()
    assert queued == [("Kafr Takharim", "SY0700|community")]


def test_pre_2023_export_with_dates_in_words(prepared_engine):
    result = ingest_file(prepared_engine, ACLED / "acled_pre2023_format_dates_in_words.csv")
    assert result.batch.rows_inserted == 2 and result.report.issues == []
    events = _events(prepared_engine)
    assert events["SYR800001"]["event_date"] == date(2019, 12, 5)
    assert events["SYR800002"]["date_precision"] == "month"
    assert events["SYR800001"]["place_key"] == "SY0702:maarrat-an-numan"


def test_second_load_of_the_same_file_changes_nothing(prepared_engine):
    ingest_file(prepared_engine, ACLED / "acled_2023_format_syria.csv")
    with prepared_engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(load_batch)).scalar()
    again = ingest_file(prepared_engine, ACLED / "acled_2023_format_syria.csv").batch
    assert (again.status, again.rows_unchanged, again.rows_inserted) == ("unchanged", 4, 0)
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(load_batch)).scalar() == before


def test_a_revised_event_updates_the_row_and_keeps_its_previous_values(prepared_engine):
    first = ingest_file(prepared_engine, ACLED / "acled_2023_format_syria.csv").batch
    revised = ingest_file(prepared_engine, ACLED / "acled_revised_event_same_id.csv").batch
    assert (revised.rows_read, revised.rows_updated, revised.rows_unchanged, revised.rows_inserted) == (2, 1, 1, 0)
    event = _events(prepared_engine)["SYR900001"]
    assert event["fatalities"] == 9 and event["batch_id"] == revised.batch_id
    table_name, previous = only_revision(prepared_engine)
    assert (table_name, previous["fatalities"], previous["batch_id"]) == ("conflict_event", 7, first.batch_id)


def test_bad_rows_are_reported_and_the_good_ones_load(prepared_engine):
    result = ingest_file(prepared_engine, ACLED / "acled_negative_fatalities.csv")
    assert result.report.flatten() == [[3, "fatalities", "out-of-range"]]
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (1, 1)


def test_strict_rejects_the_whole_file_and_writes_nothing(prepared_engine):
    def snapshot():
        with prepared_engine.connect() as conn:
            return [conn.execute(select(func.count()).select_from(t)).scalar()
                    for t in (conflict_event, load_batch, unresolved_place_name)]

    before = snapshot()
    with pytest.raises(RejectedLoad, match="1 row\\(s\\) have problems and --strict is on; nothing was loaded"):
        ingest_file(prepared_engine, ACLED / "acled_negative_fatalities.csv", strict=True)
    assert snapshot() == before


def _cli(tmp_path, *args):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_exit_codes_and_counts(tmp_path):
    loaded = _cli(tmp_path, "ingest", str(ACLED / "acled_2023_format_syria.csv"))
    assert loaded.returncode == 0, loaded.stderr
    assert "[acled]: 4 rows read, 4 inserted, 0 updated, 0 unchanged, 0 rejected (batch 2)" in loaded.stdout
    again = _cli(tmp_path, "ingest", str(ACLED / "acled_2023_format_syria.csv"))
    assert "4 rows read, 0 inserted, 0 updated, 4 unchanged, 0 rejected (already loaded as batch 2" in again.stdout
    strict = _cli(tmp_path, "ingest", "--strict", str(ACLED / "acled_negative_fatalities.csv"))
    assert strict.returncode == 1 and "rejected:" in strict.stderr
    assert _cli(tmp_path, "ingest", "--kind", "no-such-kind", "x.csv").returncode == 2
    kinds = _cli(tmp_path, "kinds")
    assert kinds.returncode == 0 and "acled" in kinds.stdout and "ocha_pcodes" in kinds.stdout


def test_a_place_one_file_added_is_found_by_the_next(prepared_engine):
    ingest_file(prepared_engine, ACLED / "acled_unknown_village_twice.csv")
    second = ingest_file(prepared_engine, ACLED / "acled_2023_format_syria.csv")
    assert second.report.flatten() == []
    with prepared_engine.connect() as conn:
        villages = conn.execute(select(place.c.place_key).where(place.c.name_en == "Kafr Takharim")).all()
        queued = conn.execute(select(unresolved_place_name.c.raw_name)).all()
    assert villages == [("SY0700:kafr-takharim",)] and queued == []
    assert _events(prepared_engine)["SYR900004"]["place_key"] == "SY0700:kafr-takharim"


def _index_names(engine):
    from sqlalchemy import inspect

    # PostgreSQL lists the unique constraint's own index too; the secondary indexes are the point here
    return sorted(ix["name"] for ix in inspect(engine).get_indexes("conflict_event") if not ix["unique"])


def test_a_bulk_load_builds_the_indexes_again_and_a_rejected_one_keeps_them(prepared_engine, monkeypatch):
    # Any file counts as bulk here: the secondary indexes are dropped before the rows and built after.
    import db.writes

    monkeypatch.setattr(db.writes, "REINDEX_ABOVE_ROWS", 0)
    rebuilt = []
    original = db.writes._SecondaryIndexes.rebuild

    def rebuild(self):
        rebuilt.append(sorted(ix.name for ix in self.dropped))
        original(self)

    monkeypatch.setattr(db.writes._SecondaryIndexes, "rebuild", rebuild)
    declared = sorted(ix.name for ix in conflict_event.indexes)
    assert _index_names(prepared_engine) == declared
    with pytest.raises(RejectedLoad):
        ingest_file(prepared_engine, ACLED / "acled_negative_fatalities.csv", strict=True)
    assert _index_names(prepared_engine) == declared
    result = ingest_file(prepared_engine, ACLED / "acled_2023_format_syria.csv")
    assert result.batch.rows_inserted == 4
    assert _index_names(prepared_engine) == declared
    # SQLite drops and rebuilds; PostgreSQL keeps its indexes (dropping one would block readers).
    assert rebuilt == ([declared] if prepared_engine.dialect.name == "sqlite" else [])


def test_an_event_repeated_in_a_later_chunk_of_a_first_load_is_reported_and_the_rest_load(prepared_engine, tmp_path,
                                                                                          monkeypatch):
    """A first load inserts its chunks without looking their keys up (db.writes._write_chunk); a row
    repeating an event of an earlier chunk is still told apart: the chunk's insert is undone and the
    chunk compared row by row, as any other."""
    from loaders.sources import acled

    monkeypatch.setattr(acled, "CHUNK_ROWS", 2)
    lines = (ACLED / "acled_2023_format_syria.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:5]
    path = tmp_path / "acled_repeated_event.csv"
    path.write_text("\n".join([header, rows[0], rows[1], rows[2], rows[0], rows[3]]) + "\n", encoding="utf-8")
    result = ingest_file(prepared_engine, path)
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (4, 1)
    assert [5, "record_key", "duplicate-key"] in result.report.flatten()
    assert len(_events(prepared_engine)) == 4
