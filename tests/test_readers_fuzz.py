"""Random input never escapes as anything but the documented error or a report.

Every reader (loaders.readers.READERS) gets random bytes; every source kind gets random rows
under its own expected columns. Only LoadError (the file cannot be read, with a message) or a
LoadReport may come out; any other exception is a bug.
"""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.ingest import ingest_file
from loaders.readers import READERS
from loaders.registry import SOURCE_KINDS
from loaders.report import LoadError, LoadReport

SUFFIX = {"delimited": ".csv", "json": ".json", "workbook": ".xlsx"}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _consume(parsed) -> None:
    """Readers are lazy: drain every row so errors inside the stream surface here."""
    for table in parsed if isinstance(parsed, list) else getattr(parsed, "sheets", [parsed]):
        for _ in getattr(table, "rows", ()):
            pass


@FUZZ
@given(data=st.binary(max_size=2_000))
def test_readers_turn_random_bytes_into_rows_or_a_load_error(data):
    for file_format, reader in READERS.items():
        try:
            _consume(reader(f"random{SUFFIX.get(file_format, '.bin')}", data))
        except LoadError as exc:
            assert str(exc).startswith("random")  # the message names the file


cell = st.one_of(st.text(max_size=12), st.sampled_from(["", "nan", "-5", "1,200", "1.200", "١٢٠٠", "2024-13-45",
                                                        "05/06/2024", "about 300", "Hama", "Ḥamāh", "=1+1"]))


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=12), max_size=8), data=st.data())
def test_every_delimited_kind_reports_random_rows_without_crashing(prepared_engine, rows, data):
    kinds = [k for k in SOURCE_KINDS.values() if k.adapter.FORMAT == "delimited"]
    kind = data.draw(st.sampled_from(kinds))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(kind.expected_columns)
    writer.writerows(rows)
    try:
        result = ingest_file(prepared_engine, "random.csv", kind.name, data=buffer.getvalue().encode("utf-8"),
                             dry_run=True)
    except LoadError as exc:
        assert str(exc).startswith("random.csv")
    else:
        assert isinstance(result.report, LoadReport)
