"""Issue 17, one straight path and an honest outcome: a file loaded before is recognised before it
is read; the command exits 0 only when rows landed (or the file was already loaded); columns of
figures the kind did not read are named with the option that maps them; every source module has
one face; row problems carry their code in their type."""

from __future__ import annotations

import csv
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

import loaders.ingest as ingest_module
import loaders.sources
from db.schema import conflict_event
from loaders import parsing
from loaders.ingest import ingest_file
from loaders.readers import READERS, Document
from loaders.registry import SOURCE_KINDS
from loaders.report import ISSUE_CODES, LoadError
from tests.conftest import FIXTURES_DIR, REPO_ROOT, shared_path

ACLED_FILE = FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv"
def _no_figures_sheet():
    """A 3W sheet: nothing to load (looked up when a test runs, so a missing ../shared skips only it)."""
    return shared_path("fixtures", "data", "hxl_input_valid_sample.csv")


def _refuse(*_args, **_kwargs):
    raise AssertionError("a file loaded before was read again")


def test_a_file_loaded_before_is_recognised_before_intake_reading_or_the_gazetteer(prepared_engine, monkeypatch):
    first = ingest_file(prepared_engine, ACLED_FILE)
    assert (first.batch.status, first.batch.rows_inserted) == ("loaded", 4)
    for step in ("check_file", "read_any", "load_gazetteer", "detect_kind"):
        monkeypatch.setattr(ingest_module, step, _refuse)

    again = ingest_file(prepared_engine, ACLED_FILE)

    assert again.already_loaded and again.kind == "acled"
    assert (again.batch.batch_id, again.batch.rows_unchanged, again.batch.rows_inserted) == (first.batch.batch_id, 4, 0)
    assert again.report.summary() == []  # nothing was read, so nothing to report


def test_a_report_loaded_with_a_date_is_recognised_by_the_same_date_before_reading(prepared_engine, monkeypatch):
    from datetime import date

    report = shared_path("fixtures", "reports", "northpress_hama_withdrawal.txt")
    ingest_file(prepared_engine, report, published=date(2024, 12, 5))
    monkeypatch.setattr(ingest_module, "read_any", _refuse)
    assert ingest_file(prepared_engine, report, published=date(2024, 12, 5)).already_loaded


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", "ingest", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300, env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"})


def test_exit_1_when_no_rows_landed_and_0_when_that_file_comes_again_already_loaded(databases):
    url = databases.new_url()
    dry = _cli(url, str(_no_figures_sheet()), "--dry-run")
    assert dry.returncode == 1 and "0 would load" in dry.stdout
    assert dry.stderr == f"{_no_figures_sheet()}: no rows would land; the lines above say why\n"

    first = _cli(url, str(_no_figures_sheet()))
    assert first.returncode == 1
    assert "[nothing-to-load]" in first.stdout  # the reason, in the summary
    assert first.stderr == f"{_no_figures_sheet()}: no rows landed; the lines above say why\n"

    again = _cli(url, str(_no_figures_sheet()))
    assert (again.returncode, again.stderr) == (0, "")
    assert "already loaded as batch" in again.stdout

    events = _cli(url, str(ACLED_FILE))
    assert (events.returncode, events.stderr) == (0, "")


def _acled_copy(tmp_path: Path, rename: dict[str, str] | None = None, extra: dict[str, list[str]] | None = None):
    with open(ACLED_FILE, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = [(rename or {}).get(name, name) for name in rows[0]]
    body = rows[1:]
    for name, values in (extra or {}).items():
        header.append(name)
        body = [row + [value] for row, value in zip(body, values)]
    path = tmp_path / "acled_extract.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *body])
    return path


def test_a_column_of_figures_the_kind_did_not_read_is_named_with_the_map_option(prepared_engine, tmp_path):
    path = _acled_copy(tmp_path, extra={"injured": ["3", "1,200", "", "0"]})

    preview = ingest_file(prepared_engine, path, dry_run=True)
    loaded = ingest_file(prepared_engine, path)

    for result in (preview, loaded):
        unused = [i for i in result.report.issues if i.code == "unused-figure-column"]
        # Only the column of counts: year, inter1, iso, timestamp... hold numbers that are codes or times.
        assert [(i.field, i.severity) for i in unused] == [("injured", "warning")]
        assert "--map 'injured=FIELD'" in unused[0].message and "fatalities" in unused[0].message
        assert "'3', '1,200', '0'" in unused[0].message


def test_map_reads_a_column_as_the_kinds_field(prepared_engine, tmp_path):
    path = _acled_copy(tmp_path, rename={"fatalities": "Deaths"})
    with pytest.raises(LoadError, match="cannot tell what kind of file"):
        ingest_file(prepared_engine, path, dry_run=True)

    result = ingest_file(prepared_engine, path, column_map={"Deaths": "fatalities"})

    expected = int(pd.read_csv(path)["Deaths"].sum())  # the oracle: the file itself, read by pandas
    with prepared_engine.connect() as conn:
        landed = conn.execute(select(func.sum(conflict_event.c.fatalities))).scalar()
    assert (result.kind, result.batch.rows_inserted, landed) == ("acled", 4, expected)


def test_map_refuses_a_column_or_field_that_is_not_there_with_the_fix(prepared_engine, tmp_path):
    path = _acled_copy(tmp_path, rename={"fatalities": "Deaths"}, extra={"injured": ["1", "2", "3", "4"]})
    with pytest.raises(LoadError, match=r"--map would give a second column the name event_type, which the file "
                                        r"already has"):
        ingest_file(prepared_engine, path, column_map={"Deaths": "fatalities", "injured": "event_type"})
    with pytest.raises(LoadError, match=r"acled_extract.csv: --map names column\(s\) the file does not have: Dead"):
        ingest_file(prepared_engine, path, column_map={"Dead": "fatalities"})
    with pytest.raises(LoadError, match=r"--map gives field\(s\) that kind acled does not have: deaths; map a "
                                        r"column to one of: event_id_cnty, "):
        ingest_file(prepared_engine, path, kind="acled", column_map={"Deaths": "deaths"})


def _source_modules():
    for info in pkgutil.iter_modules(loaders.sources.__path__):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"loaders.sources.{info.name}")


FACE = {"KIND": str, "TITLE": str, "FORMAT": str, "TARGET": str, "EXPECTED_COLUMNS": tuple}


@pytest.mark.parametrize("module", list(_source_modules()), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_source_module_has_the_same_face_and_is_registered(module):
    for name, kind in FACE.items():
        assert isinstance(getattr(module, name, None), kind), f"{module.__name__}.{name} missing or not a {kind}"
    assert hasattr(module, "PUBLISHER")  # None when the file names it row by row
    assert module.TARGET in ("facts", "places")
    assert module.FORMAT in READERS and set(getattr(module, "FORMATS", (module.FORMAT,))) <= set(READERS)
    assert list(inspect.signature(module.detect).parameters) and len(inspect.signature(module.detect).parameters) == 1
    # normalise(parsed, context): the reader's result and the load's context, for gazetteer kinds too
    assert len(inspect.signature(module.normalise).parameters) == 2, module.__name__
    assert SOURCE_KINDS[module.KIND].adapter is module


ONE_FILE_PER_FORMAT = [
    ("delimited", FIXTURES_DIR / "real" / "acled__KEN__2022_api_small_extract.csv"),
    ("workbook", FIXTURES_DIR / "real" / "acledagg__GTM__political_violence_country_month_year.xlsx"),
    ("json", FIXTURES_DIR / "json" / "dtm_admin2_level_records.json"),
    ("report", FIXTURES_DIR / "reports" / "flash_update_raqqa.html"),
]


@pytest.mark.parametrize(("file_format", "path"), ONE_FILE_PER_FORMAT, ids=[f for f, _ in ONE_FILE_PER_FORMAT])
def test_every_reader_gives_one_shape(file_format, path):
    """Tables, text, data and metadata in one Document, whatever the format (issue 17)."""
    document = READERS[file_format](path)
    assert isinstance(document, Document) and document.format == file_format
    assert document.file_name == path.name
    has = {"tables": bool(document.tables), "text": document.text is not None, "data": document.data is not None}
    assert has == {"tables": file_format in ("delimited", "workbook"), "text": file_format == "report",
                   "data": file_format == "json"}
    if file_format == "delimited":
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle))
        assert document.columns == tuple(header) and document.encoding is not None
    if file_format == "report":
        assert document.published is not None and document.title
    # the registry hands each adapter its part: one kind recognises each of these files
    assert len([k for k in SOURCE_KINDS.values() if k.detect(document)]) >= 1


def test_row_problem_codes_come_from_the_error_type_not_its_text():
    errors = [parsing.CellError, *_subclasses(parsing.CellError)]
    assert {e.__name__: e.code for e in errors if e.code not in ISSUE_CODES} == {}
    assert parsing.count_issue_code(parsing.OutOfRange("any words")) == "out-of-range"
    with pytest.raises(parsing.OutOfRange):
        parsing.parse_count("-3")
    with pytest.raises(parsing.OutOfRange):
        parsing.parse_float("95", -90, 90, "latitude")
    # No loader derives a code from a message: no `"..." in str(exc)` tests in loaders/.
    text_tests = re.compile(r"""["'][^"']*["']\s+(?:not\s+)?in\s+str\((?:exc|error|err|e)\)""")
    offenders = [f"{path.relative_to(REPO_ROOT)}:{number}" for path in (REPO_ROOT / "loaders").rglob("*.py")
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if text_tests.search(line)]
    assert offenders == []


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


UPLOAD_PAGE = "../pages/7_Upload.py"


def test_the_upload_preview_says_country_period_totals_and_unread_figures_before_writing(app_on, prepared_engine,
                                                                                        tmp_path):
    path = _acled_copy(tmp_path, extra={"injured": ["3", "1,200", "", "0"]})
    frame = pd.read_csv(path)  # the oracle: the file as pandas reads it
    days = pd.to_datetime(frame["event_date"])
    period = f"{days.min():%Y-%m-%d} to {days.max():%Y-%m-%d}"
    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.file_uploader[0].upload("acled_extract.csv", path.read_bytes(), "text/csv")
    at.run()

    assert not at.exception
    shown = [t.value for t in at.text]
    assert f"{len(frame)} events, {period}; totals: {frame['fatalities'].sum()} fatalities" in shown
    assert any(line.startswith(f"countries: Syrian Arab Republic ({len(frame)} rows)") for line in shown)
    [warning] = at.warning
    assert warning.value.startswith("1 column(s) of figures will not be loaded")
    assert any("--map 'injured=FIELD'" in line for line in shown)
    with prepared_engine.connect() as conn:  # nothing written yet
        assert conn.execute(select(func.count()).select_from(conflict_event)).scalar() == 0



def test_the_upload_page_maps_a_column_from_its_box(app_on, prepared_engine, tmp_path):
    path = _acled_copy(tmp_path, rename={"fatalities": "Deaths"})
    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.file_uploader[0].upload("acled_extract.csv", path.read_bytes(), "text/csv")
    at.run()
    assert "cannot tell what kind of file this is" in at.error[0].value

    at.text_area(key=next(k for k in _keys(at) if k.startswith("map-"))).input("Deaths=fatalities").run()

    assert not at.error
    assert any(t.value.endswith(f"totals: {pd.read_csv(path)['Deaths'].sum()} fatalities") for t in at.text)


def test_the_upload_preview_refuses_to_load_a_file_that_lands_no_rows_and_knows_a_file_loaded_before(
        app_on, prepared_engine):
    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.file_uploader[0].upload("sheet.csv", _no_figures_sheet().read_bytes(), "text/csv")
    at.run()
    assert "No rows from this file would be loaded" in at.error[0].value
    assert next(b for b in at.button if b.label == "Load this file").disabled

    ingest_file(prepared_engine, ACLED_FILE)
    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.file_uploader[0].upload("again.csv", ACLED_FILE.read_bytes(), "text/csv")
    at.run()
    assert at.info[0].value.startswith("Already loaded as batch ")
    assert [b for b in at.button if b.label == "Load this file"] == []


def _keys(at):
    return [w.key for w in at.text_area if w.key]


def test_what_a_dry_run_understood_totals_each_places_latest_stock_and_counts_undated_figures_apart():
    from datetime import date

    from loaders.understood import Understood

    columns = ("figure", "unit", "period_start", "period_end", "destination_place_id")
    rows = [(2, (100.0, "persons", date(2024, 1, 1), date(2024, 1, 31), None)),
            (3, (250.0, "persons", date(2024, 2, 1), date(2024, 2, 29), None)),
            (4, (40.0, "persons", date(2024, 2, 1), date(2024, 2, 29), None)),
            (5, (7.0, "persons", None, None, None))]  # a fact read from text, not dated yet
    understood = Understood()
    understood.add("displacement_figure", columns, rows, gazetteer=None)
    assert understood.lines() == [
        "4 displacement figures, 2024-01-01 to 2024-02-29; totals: 290 persons at each place's latest count "
        "(on 2024-02-29); 1 without a date",
        "countries: no place resolved (4 rows)"]


def test_a_dry_run_adds_stocks_of_places_counted_on_different_days_and_sums_movements():
    """A master list counts each location on its own day: its total is each location's latest count
    (the January count of a place counted again in March is not added). Movements add up."""
    from datetime import date

    from loaders.understood import Understood

    columns = ("figure_kind", "figure", "unit", "period_end", "destination_name_raw", "origin_name_raw")
    stocks = [(2, ("idp_stock", 100.0, "persons", date(2024, 1, 5), "Village A", None)),
              (3, ("idp_stock", 300.0, "persons", date(2024, 3, 9), "Village A", None)),  # A again, later
              (4, ("idp_stock", 40.0, "persons", date(2024, 2, 2), "Village B", None)),
              (5, ("idp_stock", 5.0, "persons", date(2024, 2, 2), "Village B", "Town C"))]  # another origin
    movements = [(6, ("new_displacement", 20.0, "households", date(2024, 1, 7), "Village A", None)),
                 (7, ("new_displacement", 30.0, "households", date(2024, 1, 14), "Village A", None))]
    understood = Understood()
    understood.add("displacement_figure", columns, stocks + movements, gazetteer=None)
    [figures, _] = understood.lines()
    assert figures == ("6 displacement figures, 2024-01-05 to 2024-03-09; totals: 50 households moved, "
                       "345 persons at each place's latest count (counted 2024-02-02 to 2024-03-09)")


def test_a_load_freezes_the_heap_for_the_collector_only_while_it_runs(prepared_engine, monkeypatch):
    """While rows pass, the garbage collector leaves the heap that existed before alone (gc.freeze:
    full collections walked the world gazetteer over and over); after the load, the process is as it
    was. A process that froze its own heap (the server, ui/heap.py) keeps its freeze."""
    import gc

    frozen_while_writing = []
    write = ingest_module.write_fact_load

    def watched(*args, **kwargs):
        frozen_while_writing.append(gc.get_freeze_count())
        return write(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "write_fact_load", watched)
    frozen_before = gc.get_freeze_count() > 0  # an earlier test may have frozen this process (ui/heap.py)
    gc.unfreeze()
    try:
        ingest_file(prepared_engine, FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv")
        assert frozen_while_writing[0] > 0
        assert gc.get_freeze_count() == 0
        gc.freeze()
        ingest_file(prepared_engine, FIXTURES_DIR / "acled" / "acled_pre2023_format_dates_in_words.csv")
        assert len(frozen_while_writing) == 2 and gc.get_freeze_count() > 0  # not thawed by the load
    finally:
        if not frozen_before:
            gc.unfreeze()
