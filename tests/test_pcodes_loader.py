"""The OCHA global p-code list extends the gazetteer to any country: idempotent, transactional,
and with a report of every bad row."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from db import writes
from db.schema import load_batch, load_issue, place, source
from gazetteer import load_gazetteer
from loaders.ingest import ingest_file
from loaders.registry import SOURCE_KINDS
from loaders.report import LoadError
from tests.conftest import FIXTURES_DIR, REPO_ROOT, shared_path

BAD_ROWS = FIXTURES_DIR / "pcodes" / "pcodes_with_bad_rows.csv"


def _snapshot(engine):
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in (source, load_batch, load_issue, place)}


def test_global_list_loads_every_country_and_keeps_what_the_gazetteer_knew(prepared_engine):
    path = shared_path("fixtures", "data", "global_pcodes_adm1_adm2.csv")
    result = ingest_file(prepared_engine, path)
    assert result.kind == "ocha_pcodes" and result.rows_read == 33_453
    # Ecuador's placeholder codes ECISLA and "ECNO APLICA" stand at admin 1 and again at admin 2.
    assert result.report.flatten() == [[12752, "P-Code", "duplicate-key"], [12753, "P-Code", "duplicate-key"]]
    # A fresh database ships this list (gazetteer/data): its 33,451 good rows are all known as they are.
    batch = result.batch
    assert (batch.rows_read, batch.rows_rejected, batch.rows_loaded) == (33_453, 2, 33_451)
    assert (batch.rows_inserted, batch.rows_updated, batch.rows_unchanged) == (0, 0, 33_451)
    with prepared_engine.connect() as conn:
        hama = conn.execute(select(place).where(place.c.pcode == "SY05")).mappings().one()
        kabul = conn.execute(select(place).where(place.c.pcode == "AF01")).mappings().one()
        afghanistan = conn.execute(select(place).where(place.c.place_id == kabul["parent_id"])).mappings().one()
    assert hama["name_ar"] == "حماة" and hama["lat"] is not None  # not erased by a list without them
    assert (kabul["kind"], afghanistan["kind"], afghanistan["country_iso3"]) == ("governorate", "country", "AFG")
    assert load_gazetteer(prepared_engine).resolve("Kabul", within="AFG", kind="governorate").pcode == "AF01"


def test_loading_the_same_file_again_changes_nothing(prepared_engine):
    path = shared_path("fixtures", "data", "global_pcodes_adm1_adm2.csv")
    first = ingest_file(prepared_engine, path)
    before = _snapshot(prepared_engine)
    again = ingest_file(prepared_engine, path)
    assert again.batch.status == "unchanged" and again.batch.batch_id == first.batch.batch_id
    assert _snapshot(prepared_engine) == before


def test_bad_rows_are_reported_by_row_field_and_code_and_kept_with_their_values(prepared_engine):
    result = ingest_file(prepared_engine, BAD_ROWS)
    assert result.report.flatten() == [
        [5, "Name", "missing-cell"],
        [6, "Admin Level", "type-error"],
        [7, "P-Code", "duplicate-key"],
        [8, "Parent P-Code", "unknown-parent"],
    ]
    assert result.batch.rows_read == 8 and result.batch.rows_rejected == 4
    with prepared_engine.connect() as conn:
        loaded = set(conn.execute(select(place.c.pcode).where(place.c.pcode.like("XY%"))).scalars())
        issues = conn.execute(select(load_issue).where(load_issue.c.batch_id == result.batch.batch_id)
                              .order_by(load_issue.c.row_number)).mappings().all()
    assert loaded == {"XY", "XY01", "XY02", "XY0101", "XY0201"}
    assert [i["row_number"] for i in issues] == [5, 6, 7, 8]
    assert json.loads(issues[1]["raw_row"])["Admin Level"] == "two" and issues[1]["raw_value"] == "two"
    assert "Admin Level must be a whole number" in issues[1]["message"]


def test_report_summary_groups_problems_with_examples(prepared_engine):
    result = ingest_file(prepared_engine, BAD_ROWS, dry_run=True)
    assert [line for line in result.report.summary() if "type-error" in line] == [
        "1 row(s) [type-error] in column 'Admin Level': Admin Level must be a whole number (1 or 2). "
        "First 1 values: 'two'"
    ]


def test_dry_run_writes_nothing(prepared_engine):
    before = _snapshot(prepared_engine)
    result = ingest_file(prepared_engine, BAD_ROWS, dry_run=True)
    assert result.batch is None and len(result.report.issues) == 4
    assert _snapshot(prepared_engine) == before


def test_a_load_that_fails_midway_leaves_the_database_as_it_was(prepared_engine, monkeypatch):
    before = _snapshot(prepared_engine)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writes, "_add_aliases", broken)
    with pytest.raises(RuntimeError):
        ingest_file(prepared_engine, BAD_ROWS)
    assert _snapshot(prepared_engine) == before


def test_an_unknown_file_names_the_kinds_and_their_columns(prepared_engine):
    with pytest.raises(LoadError) as refused:
        ingest_file(prepared_engine, FIXTURES_DIR / "pcodes" / "not_a_pcode_list.csv")
    message = str(refused.value)
    assert message.startswith(
        "not_a_pcode_list.csv: cannot tell what kind of file this is from its columns "
        "(Admin1, Admin2, Population). Name the kind with --kind, or give the file the columns of one of "
        "these kinds — ")
    for name, kind in SOURCE_KINDS.items():
        assert f"{name}: {', '.join(kind.expected_columns)}" in message


def test_cli_ingests_and_reports(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "loaders", "ingest", str(BAD_ROWS)], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "[ocha_pcodes]: 8 rows read, 5 inserted, 0 updated, 0 unchanged, 4 rejected (batch 2)" in run.stdout
    assert "[duplicate-key] in column 'P-Code'" in run.stdout
