"""An ACLED CSV's rows read by position (Table.rows_as_cells) load exactly as rows read as dicts.

The adapter asks the delimited reader for each row's raw cells rather than a dict; the first rows,
which the pipeline watches to learn which columns the adapter reads, still come as dicts. Both ways
must give the same events, content hashes, report (row problems with their rows) and column use.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.schema import conflict_event, place
from loaders import readers
from loaders.ingest import TRACKED_ROWS, ingest_file
from loaders.sources import acled
from tests.conftest import FIXTURES_DIR

SYRIA = FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv"


def _varied_export(path, rows: int = 150):
    """Rows of every shape the adapter meets, in the watched first rows and after them: padded short
    rows, over-long rows, NA and blank-padded cells, events without an id (some repeated), bad
    dates, counts and coordinates, a former event type, an unnamed column and a column of figures
    the kind does not read."""
    lines = SYRIA.read_text(encoding="utf-8").splitlines()
    header = lines[0] + ",wounded,"  # a figures column ACLED does not read, and an unnamed one
    base = [line.split(",") for line in lines[1:]]
    columns = lines[0].split(",")
    at = {name: i for i, name in enumerate(columns)}
    out = [header]
    for n in range(rows):
        cells = list(base[n % len(base)]) + [str(n % 7), "x"]
        cells[at["event_id_cnty"]] = f"SYR{n:06d}"
        cells[at["fatalities"]] = str(n % 5)
        if n % 23 == 3:
            cells[at["event_id_cnty"]] = ""  # a key from the row's values
        if n % 37 == 5:
            cells[at["event_id_cnty"]] = ""  # the same values twice: a numbered derived key
            cells[at["notes"]] = "repeated"
        if n % 29 == 7:
            cells[at["event_date"]] = "2024-13-45"
        if n % 31 == 11:
            cells[at["fatalities"]] = "-3"
        if n % 41 == 13:
            cells[at["latitude"]] = "95.5"
        if n % 19 == 2:
            cells[at["admin2"]] = "NA"
            cells[at["assoc_actor_1"]] = "  Someone  "
        if n % 43 == 17:
            cells[at["event_type"]] = "Riots/Protests"
            cells[at["inter1"]] = "5" if n % 2 else "3"
            cells[at["sub_event_type"]] = ""
        if n % 17 == 9:
            cells = cells[:at["admin2"] + 1]  # a short row: the rest read as empty
        if n % 47 == 21:
            cells = cells + ["extra", "cells"]
        out.append(",".join(cells))
        if n % 53 == 1:
            out.append("")  # a blank line is skipped
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def as_dicts(monkeypatch):
    """Read delimited files with rows as dicts only (the reader offers no raw cells)."""

    def switch():
        read = readers.READERS["delimited"]

        def dicts_only(path, data=None):
            document = read(path, data)
            for table in document.tables:
                table.row_of = None
            return document

        monkeypatch.setitem(readers.READERS, "delimited", dicts_only)

    return switch


def _issues(report):
    return [(i.row, i.field, i.code, i.message, i.value, i.severity, i.raw_row, type(i.raw_row),
             getattr(i.raw_row, "cells", None)) for i in report.issues]


def _events(engine):
    with engine.connect() as conn:
        rows = conn.execute(select(conflict_event, place.c.place_key)
                            .outerjoin(place, place.c.place_id == conflict_event.c.place_id)
                            .order_by(conflict_event.c.record_key)).mappings().all()
    skip = {"event_id", "batch_id", "source_id", "place_id", "created_at", "updated_at"}
    return [{k: v for k, v in row.items() if k not in skip} for row in rows]


@pytest.mark.parametrize("chunk_rows", [40, 5_000])
def test_a_dry_run_reads_the_same_by_position_as_by_name(prepared_engine, tmp_path, monkeypatch, as_dicts,
                                                          chunk_rows):
    # 40: the first batch all watched rows (dicts), the second mixed, the rest raw cells only
    monkeypatch.setattr(acled, "CHUNK_ROWS", chunk_rows)
    assert TRACKED_ROWS < 150
    path = _varied_export(tmp_path / "acled_varied.csv")
    by_position = ingest_file(prepared_engine, path, dry_run=True)
    as_dicts()
    by_name = ingest_file(prepared_engine, path, dry_run=True)
    assert by_position.kind == by_name.kind == "acled"
    assert by_position.rows_read == by_name.rows_read == 150
    assert by_position.rows_would_load == by_name.rows_would_load
    assert 100 < by_position.rows_would_load < 150
    assert by_position.preview == by_name.preview
    assert _issues(by_position.report) == _issues(by_name.report)
    assert by_position.report.summary() == by_name.report.summary()
    codes = {i.code for i in by_position.report.issues}
    assert {"unused-figure-column", "missing-cell", "type-error"} <= codes
    assert [i.field for i in by_position.report.issues if i.code == "unused-figure-column"] == ["wounded"]


def test_a_load_stores_the_same_rows_and_hashes_by_position_as_by_name(databases, tmp_path, monkeypatch, as_dicts):
    monkeypatch.setattr(acled, "CHUNK_ROWS", 40)
    path = _varied_export(tmp_path / "acled_varied.csv")
    first, second = databases.new_prepared_engine(), databases.new_prepared_engine()
    try:
        by_position = ingest_file(first, path)
        as_dicts()
        by_name = ingest_file(second, path)
        assert _issues(by_position.report) == _issues(by_name.report)
        counts = [(r.batch.rows_read, r.batch.rows_inserted, r.batch.rows_rejected) for r in (by_position, by_name)]
        assert counts[0] == counts[1] and counts[0][0] == 150 and 100 < counts[0][1] < 150
        events = _events(first)
        assert len(events) == counts[0][1] and all(e["content_hash"] for e in events)
        assert events == _events(second)
    finally:
        first.dispose()
        second.dispose()


def test_a_column_map_still_renames_rows_read_by_position(prepared_engine, tmp_path, monkeypatch, as_dicts):
    """--map renames a dict's keys: a row offered as raw cells is made a dict first."""
    monkeypatch.setattr(acled, "CHUNK_ROWS", 40)
    path = _varied_export(tmp_path / "acled_varied.csv")
    text = path.read_text(encoding="utf-8").replace(",fatalities,", ",Deaths,", 1)
    path.write_text(text, encoding="utf-8")
    result = ingest_file(prepared_engine, path, dry_run=True, column_map={"Deaths": "fatalities"})
    assert result.rows_read == 150
    fatalities = [row["fatalities"] for _, row in result.preview["conflict_event"]]
    assert len(fatalities) == result.rows_would_load and set(fatalities) == {0, 1, 2, 3, 4, None}
    as_dicts()
    by_name = ingest_file(prepared_engine, path, dry_run=True, column_map={"Deaths": "fatalities"})
    assert result.preview == by_name.preview and _issues(result.report) == _issues(by_name.report)
