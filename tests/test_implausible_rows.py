"""No single row can break a page (issue 16).

Loading: a row whose date or count cannot be true is a row problem with its own code
(implausible-date, implausible-figure) and is never written, whatever kind of file brings it.
Dates: before DASHBOARD_EARLIEST_DATE (1990-01-01) or more than DASHBOARD_MAX_DAYS_AHEAD (31)
days after the load. Counts: infinite, NaN, beyond a 64-bit integer, or above DASHBOARD_MAX_FIGURE
(50,000,000) in one cell. Files are written into tmp_path from the clean fixtures with one cell
changed, and named after that defect.

Reading: whatever an older version stored (rows dated 0001 or 9999, infinite, NaN and huge counts,
written here straight through SQLAlchemy as far as each backend's schema allows), every page
renders without an exception, with and without a link asking for the years 0001 to 9999.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError, StatementError

from db.engine import make_engine
from db.schema import conflict_event, displacement_figure, event_count, site_population
from loaders.__main__ import main as loaders_cli
from loaders.ingest import ingest_file
from loaders.report import ISSUE_CODES, LoadReport
from loaders.validate import validate_rows
from tests.conftest import FIXTURES_DIR

ACLED_CLEAN = FIXTURES_DIR / "acled" / "acled_negative_fatalities.csv"  # its first row is clean
IDU_CLEAN = FIXTURES_DIR / "json" / "idu_three_records.json"
DTM_CLEAN = FIXTURES_DIR / "json" / "dtm_syria_names_and_pcodes.json"

TODAY = datetime.now(timezone.utc).date()  # the load's day, as the loaders take it
TOO_LATE = TODAY + timedelta(days=40)


@pytest.fixture(autouse=True)
def default_limits(monkeypatch):
    """The defaults, whatever the machine running the tests has set."""
    for variable in ("DASHBOARD_EARLIEST_DATE", "DASHBOARD_MAX_DAYS_AHEAD", "DASHBOARD_MAX_FIGURE"):
        monkeypatch.delenv(variable, raising=False)


def acled_with(tmp_path: Path, name: str, column: str, value: str) -> Path:
    """The clean ACLED file's header and first row with one cell changed (row 2), then the clean row
    under another event id (row 3): a load whose every row is refused records nothing, and the bad
    row must spoil only itself."""
    header, first = ACLED_CLEAN.read_text(encoding="utf-8").splitlines()[:2]
    columns = header.split(",")
    cells = first.split(",")
    assert len(cells) == len(columns), "the fixture's first row has no quoted commas"
    clean = list(cells)
    clean[columns.index("event_id_cnty")] += "9"
    cells[columns.index(column)] = value
    path = tmp_path / name
    path.write_text(f"{header}\n{','.join(cells)}\n{','.join(clean)}\n", encoding="utf-8")
    return path


def idu_with(tmp_path: Path, name: str, **changes) -> Path:
    """The clean IDU file's first record with some values changed (written as raw JSON text), then
    its second record as it is."""
    records = json.loads(IDU_CLEAN.read_text(encoding="utf-8"))
    record = records[0]
    placeholders = {}
    for key, value in changes.items():
        record[key] = f"@@{key}@@"
        placeholders[f'"@@{key}@@"'] = value  # 1e400 must reach the file as a number literal
    text = json.dumps([record, records[1]])
    for placeholder, literal in placeholders.items():
        text = text.replace(placeholder, literal)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows_in(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_new_codes_are_in_the_vocabulary():
    assert {"implausible-date", "implausible-figure"} <= set(ISSUE_CODES)


# --- implausible dates ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, value", [
    ("acled_event_in_year_9999.csv", "9999-06-01"),
    ("acled_event_in_1985.csv", "1985-05-01"),
    ("acled_event_40_days_ahead.csv", TOO_LATE.isoformat()),
])
def test_csv_event_dates_that_cannot_be_true_are_refused(prepared_engine, tmp_path, name, value):
    result = ingest_file(prepared_engine, acled_with(tmp_path, name, "event_date", value))
    assert result.report.flatten() == [[2, "event_date", "implausible-date"]]
    assert result.report.issues[0].value == value
    assert rows_in(prepared_engine, conflict_event) == 1  # the clean row


@pytest.mark.parametrize("name, value", [
    ("idu_start_in_year_9999.json", "9999-06-01T00:00:00.000Z"),
    ("idu_start_in_1985.json", "1985-05-01T00:00:00.000Z"),
    ("idu_start_40_days_ahead.json", f"{TOO_LATE.isoformat()}T00:00:00.000Z"),
])
def test_json_figure_periods_that_cannot_be_true_are_refused(prepared_engine, tmp_path, name, value):
    path = idu_with(tmp_path, name, displacement_start_date=json.dumps(value), displacement_end_date=json.dumps(value),
                    displacement_date=json.dumps(value))
    report = ingest_file(prepared_engine, path).report
    assert [issue for issue in report.flatten() if issue[2] != "unresolved-place"] == [
        [1, "period_start", "implausible-date"], [1, "period_end", "implausible-date"]]
    assert rows_in(prepared_engine, displacement_figure) == 1  # the clean record


def test_a_date_31_days_ahead_still_loads(prepared_engine, tmp_path):
    """The limit itself is allowed: reports are sometimes filed ahead of the day they describe."""
    path = acled_with(tmp_path, "acled_event_31_days_ahead.csv", "event_date", (TODAY + timedelta(days=31)).isoformat())
    assert ingest_file(prepared_engine, path).report.flatten() == []
    assert rows_in(prepared_engine, conflict_event) == 2


# --- implausible counts --------------------------------------------------------------------------

@pytest.mark.parametrize("name, value", [
    ("acled_fatalities_1e20.csv", "1e20"),  # beyond a 64-bit integer: ended the load in OverflowError
    ("acled_fatalities_1e400.csv", "1e400"),  # infinite once read as a float
    ("acled_fatalities_60_million.csv", "60000000"),
])
def test_csv_counts_that_cannot_be_true_are_refused(prepared_engine, tmp_path, name, value):
    result = ingest_file(prepared_engine, acled_with(tmp_path, name, "fatalities", value))
    assert result.report.flatten() == [[2, "fatalities", "implausible-figure"]]
    assert rows_in(prepared_engine, conflict_event) == 1  # the clean row


@pytest.mark.parametrize("name, value", [
    ("idu_figure_1e400.json", "1e400"),  # json reads it as infinity
    ("idu_figure_1e20.json", "1e20"),
    ("idu_figure_60_million.json", "60000000"),
])
def test_json_counts_that_cannot_be_true_are_refused(prepared_engine, tmp_path, name, value):
    report = ingest_file(prepared_engine, idu_with(tmp_path, name, figure=value)).report
    assert [issue for issue in report.flatten() if issue[2] != "unresolved-place"] == [
        [1, "figure", "implausible-figure"]]
    assert rows_in(prepared_engine, displacement_figure) == 1  # the clean record


def test_dtm_json_stock_of_60_million_is_refused(prepared_engine, tmp_path):
    document = json.loads(DTM_CLEAN.read_text(encoding="utf-8"))
    document["result"], document["totalRecordsCount"] = document["result"][:2], 2
    document["result"][0]["numPresentIdpInd"] = 60_000_000
    path = tmp_path / "dtm_stock_of_60_million.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    report = ingest_file(prepared_engine, path).report
    assert [issue for issue in report.flatten() if issue[2] != "unresolved-place"] == [
        [1, "figure", "implausible-figure"]]
    assert rows_in(prepared_engine, displacement_figure) == 1  # the clean record


# Every table's dates and counts, through the one validate stage every kind of file passes.
ROW = {
    "conflict_event": {"provider": "ACLED", "record_key": "K1", "event_type": "Battles",
                       "event_date": date(2024, 12, 1), "fatalities": 1},
    "event_count": {"provider": "HDX HAPI", "area_pcode": "SY02", "event_category": "political_violence",
                    "period_start": date(2024, 11, 1), "period_end": date(2024, 11, 30), "events": 3, "fatalities": 1},
    "displacement_figure": {"provider": "IDMC", "record_key": "K1", "figure_kind": "new_displacement",
                            "unit": "persons", "qualifier": "exact", "figure": 10.0, "period_start": date(2024, 12, 1),
                            "period_end": date(2024, 12, 1)},
    "site_population": {"provider": "CCCM", "site_id": 1, "reported_date": date(2024, 12, 1), "individuals": 10,
                        "households": 2},
}
DATES = [(table, column) for table, row in ROW.items() for column in row if isinstance(row[column], date)]
COUNTS = [("conflict_event", "fatalities"), ("event_count", "events"), ("event_count", "fatalities"),
          ("displacement_figure", "figure"), ("site_population", "individuals"), ("site_population", "households")]


def judged(table: str, **changes) -> list:
    values = {**ROW[table], **changes}
    if table == "event_count" and "period_start" in changes:
        values["period_end"] = values["period_start"]  # the period's order is another rule
    columns = tuple(values)
    report = LoadReport("rows.csv")
    kept = validate_rows(table, columns, [(2, tuple(values.values()))], report)
    assert kept == [] or report.flatten() == []
    return report.flatten()


@pytest.mark.parametrize("table, column", DATES)
@pytest.mark.parametrize("day", [date(1, 1, 1), date(1989, 12, 31), TOO_LATE, date(9999, 12, 31)])
def test_every_date_column_refuses_dates_that_cannot_be_true(table, column, day):
    problems = judged(table, **{column: day})
    assert [2, column, "implausible-date"] in problems


@pytest.mark.parametrize("table, column", COUNTS)
@pytest.mark.parametrize("value", [math.inf, math.nan, 2**63, 50_000_001])
def test_every_count_column_refuses_counts_that_cannot_be_true(table, column, value):
    assert judged(table, **{column: value}) == [[2, column, "implausible-figure"]]


@pytest.mark.parametrize("table, column", COUNTS)
def test_fifty_million_is_still_plausible(table, column):
    assert judged(table, **{column: 50_000_000}) == []


EVENT_COLUMNS = ("provider", "record_key", "event_date", "date_precision", "event_type", "sub_event_type", "lat", "lon",
                 "fatalities")


@pytest.mark.parametrize("column, value, code", [
    ("event_date", date(9999, 12, 31), "implausible-date"),
    ("event_date", None, "missing-cell"),
    ("fatalities", -1, "out-of-range"),
    ("fatalities", math.nan, "implausible-figure"),
    ("lat", math.nan, "out-of-range"),
    ("lon", 181.0, "out-of-range"),
    ("sub_event_type", "Peaceful protest", "unknown-value"),
    ("date_precision", "fortnight", "unknown-value"),
])
def test_one_broken_cell_among_a_chunk_of_good_rows_is_found(column, value, code):
    """Large chunks are judged column by column from their distinct values, least and greatest:
    the one broken cell of a thousand rows is still found, on its own row."""
    good = ("ACLED", "K", date(2024, 12, 1), "day", "Battles", "Armed clash", 35.1, 36.7, 1)
    rows = [(number, good[:1] + (f"K{number}",) + good[2:]) for number in range(2, 1002)]
    broken = list(rows[500][1])
    broken[EVENT_COLUMNS.index(column)] = value
    rows[500] = (rows[500][0], tuple(broken))
    report = LoadReport("rows.csv")
    kept = validate_rows("conflict_event", EVENT_COLUMNS, rows, report)
    assert len(kept) == 999 and rows[500] not in kept
    assert report.flatten() == [[502, "lat" if column == "lon" else column, code]]


# --- the limits are settings ---------------------------------------------------------------------

def test_the_limits_follow_the_environment(monkeypatch):
    monkeypatch.setenv("DASHBOARD_EARLIEST_DATE", "2024-12-01")
    monkeypatch.setenv("DASHBOARD_MAX_DAYS_AHEAD", "0")
    monkeypatch.setenv("DASHBOARD_MAX_FIGURE", "100")
    assert judged("conflict_event", event_date=date(2024, 11, 30)) == [[2, "event_date", "implausible-date"]]
    assert judged("conflict_event", event_date=date(2024, 12, 1)) == []
    assert judged("conflict_event", event_date=TODAY + timedelta(days=1)) == [[2, "event_date", "implausible-date"]]
    assert judged("conflict_event", fatalities=101) == [[2, "fatalities", "implausible-figure"]]
    assert judged("conflict_event", fatalities=100) == []


def test_an_unreadable_setting_stops_the_load_with_how_to_fix_it(databases, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DASHBOARD_MAX_FIGURE", "lots")
    monkeypatch.setenv("DATABASE_URL", databases.new_url())
    path = acled_with(tmp_path, "acled_clean_first_row.csv", "fatalities", "3")
    assert loaders_cli(["ingest", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"{path}: rejected: DASHBOARD_MAX_FIGURE='lots' is not a whole number such as 50000000; set it to a whole "
        "number such as 50000000, or unset it for the default (50000000)\n")


# --- the three rows that broke the dashboard, through the command line ----------------------------

@pytest.mark.parametrize("make, message", [
    (lambda tmp: acled_with(tmp, "acled_event_in_year_9999.csv", "event_date", "9999-06-01"),
     "  1 row(s) [implausible-date] in column 'event_date': the date is after {late}, too far after the day of the "
     "load; correct the year (the limit is DASHBOARD_MAX_DAYS_AHEAD). First 1 values: '9999-06-01'"),
    (lambda tmp: idu_with(tmp, "idu_figure_1e400.json", figure="1e400"),
     "  1 row(s) [implausible-figure] in column 'figure': inf is not a finite number; the API should give the count "
     "as digits. First 1 values: inf"),
    (lambda tmp: acled_with(tmp, "acled_fatalities_1e20.csv", "fatalities", "1e20"),
     "  1 row(s) [implausible-figure] in column 'fatalities': the count is beyond what a 64-bit integer holds; "
     "correct the cell. First 1 values: 100000000000000000000"),
])
def test_the_cli_reports_the_row_and_writes_nothing(databases, tmp_path, monkeypatch, capsys, make, message):
    url = databases.new_url()
    monkeypatch.setenv("DATABASE_URL", url)
    path = make(tmp_path)
    assert loaders_cli(["ingest", "--strict", str(path)]) == 1  # --strict: the one row rejects the file
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert lines[0] == (f"{path}: rejected: {path.name}: 1 row(s) have problems and --strict is on; nothing was "
                        "loaded. Fix the rows listed, or load without --strict to keep the good rows.")
    assert message.format(late=(TODAY + timedelta(days=31)).isoformat()) in lines[1:]
    assert loaders_cli(["ingest", str(path)]) == 0  # the file was read; its bad row is refused, the clean one lands
    out, err = capsys.readouterr()
    assert message.format(late=(TODAY + timedelta(days=31)).isoformat()) in out.splitlines()
    assert "1 inserted" in out and "1 rejected" in out
    assert "Traceback" not in out + err and err == ""
    with make_engine(url).connect() as conn:
        stored = (conn.execute(select(func.count()).select_from(conflict_event)).scalar_one()
                  + conn.execute(select(func.count()).select_from(displacement_figure)).scalar_one())
        assert stored == 1  # the clean row only


# --- whatever the database holds, every page renders -----------------------------------------------

PAGES = ["../app.py", *(f"../pages/{p.name}" for p in sorted((Path(__file__).parent.parent / "pages").glob("*.py")))]
WIDE = {"start": "0001-01-01", "end": "9999-12-31"}

# (table, column, value): each written on a copy of the table's latest demo row, so the windows the
# pages open on read it. The backend may refuse some (PostgreSQL's integers hold neither infinity
# nor 1e20; SQLite stores NaN as NULL, which a figure's rules refuse): what it accepts is written.
STORED = [
    *((table, column, day) for table, column in (
        (conflict_event, "event_date"), (displacement_figure, "period_end"), (displacement_figure, "period_start"),
        (event_count, "period_end"), (event_count, "period_start"), (site_population, "reported_date"))
      for day in (date(1, 1, 1), date(9999, 6, 1), date(9999, 12, 31))),
    *((table, column, value) for table, column in (
        (conflict_event, "fatalities"), (displacement_figure, "figure"), (event_count, "events"),
        (event_count, "fatalities"), (site_population, "individuals"), (site_population, "households"))
      for value in (math.inf, math.nan, 1e20, 2_000_000_000)),
]
DAY_OF = {conflict_event: "event_date", displacement_figure: "period_end", event_count: "period_end",
          site_population: "reported_date"}


def write_as_an_older_version(engine) -> list:
    """STORED rows written straight into the tables (no loader), and the summaries computed again,
    as an older version's writer kept them. Returns what the backend accepted."""
    from db.summary import rebuild_summaries

    written = []
    for n, (table, column, value) in enumerate(STORED):
        with engine.connect() as conn:
            day = table.c[DAY_OF[table]]
            latest = conn.execute(select(table).where(day == select(func.max(day)).scalar_subquery()).limit(1))
            row = dict(latest.mappings().first())
        row.pop(next(iter(table.primary_key.columns)).name)
        row[column] = value
        if column == "period_start":
            row["period_end"] = value  # keep the period's order (a CHECK)
        elif column == "period_end":
            row["period_start"] = value
        if table is site_population:
            row["provider"] = f"old{n}"  # one count per site, day and provider
        elif table is event_count:
            row["area_pcode"] = f"OLD{n}"
        else:
            row["record_key"] = f"older-version-{n}"
        if table is displacement_figure and column == "figure":
            row.update(qualifier="exact", figure_max=None)
        try:
            with engine.begin() as conn:
                conn.execute(insert(table).values(**row))
            written.append((table.name, column, value))
        except (DBAPIError, StatementError, OverflowError):
            continue  # the schema refuses it: an older version could not have stored it either
    with engine.begin() as conn:
        rebuild_summaries(conn)
    return written


@pytest.fixture(scope="module")
def older_rows_engine(databases):
    from db.demo import create_demo
    from db.setup import prepare_database

    engine = databases.new_engine()
    prepare_database(engine)
    create_demo(engine)
    written = write_as_an_older_version(engine)
    # Each kind of impossible value reached the database on either backend
    assert {"event_date", "period_end", "period_start", "reported_date"} <= {column for _, column, _ in written}
    assert any(isinstance(value, float) and math.isinf(value) for _, _, value in written)
    assert any(value == 2_000_000_000 for _, _, value in written)
    return engine


@pytest.mark.parametrize("params", [{}, WIDE], ids=["default window", "years 0001 to 9999"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_whatever_the_database_holds(app_on, older_rows_engine, page, params):
    at = app_on(older_rows_engine, page, **params)
    assert not at.exception, [e.message for e in at.exception]


def test_the_home_page_says_rows_with_impossible_dates_are_not_shown(app_on, older_rows_engine):
    at = app_on(older_rows_engine)
    notes = [info.value for info in at.info if "no page shows them" in info.value]
    assert len(notes) == 1 and "before 1990-01-01 or after" in notes[0]
