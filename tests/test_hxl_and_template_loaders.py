"""HXL-tagged sheets and our own field template: read by their tags or columns, CSV or XLSX,
re-loadable without change, and every defect of a hand-filled sheet reported by row and column."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from db.schema import displacement_figure, place, site_population, unresolved_place_name
from db.writes import RejectedLoad
from loaders.ingest import ingest_file
from loaders.report import LoadError
from loaders.sources.field_template import COLUMNS, TEMPLATE_PATH, field_template_bytes
from tests.conftest import FIXTURES_DIR, shared_path

HXL = FIXTURES_DIR / "hxl"
TEMPLATE = FIXTURES_DIR / "template"
SYRIA_HXL = HXL / "hxl_syria_sites_persons_and_households.csv"
UNRESOLVED = ("the place name did not match the gazetteer; the row is kept with the name as written and the "
              "name is queued for review")


def _figures(engine) -> list[dict]:
    """Every displacement figure with the place keys of its origin and destination, by row order."""
    origin, destination = place.alias("origin"), place.alias("destination")
    with engine.connect() as conn:
        rows = conn.execute(
            select(displacement_figure, origin.c.place_key.label("origin_key"),
                   destination.c.place_key.label("destination_key"))
            .outerjoin(origin, origin.c.place_id == displacement_figure.c.origin_place_id)
            .outerjoin(destination, destination.c.place_id == displacement_figure.c.destination_place_id)
            .order_by(displacement_figure.c.figure_id)
        ).mappings().all()
    return [dict(r) for r in rows]


def _site_counts(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(site_population, place.c.place_key).join(place, place.c.place_id == site_population.c.site_id)
            .order_by(site_population.c.population_id)
        ).mappings().all()
    return [dict(r) for r in rows]


def _queued(engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return set(conn.execute(select(unresolved_place_name.c.raw_name, unresolved_place_name.c.scope_key)).all())


def _workbook(path, rows, title="Data"):
    """An .xlsx whose first sheet is a read-me and whose second holds `rows` (typed cells)."""
    book = Workbook()
    book.active.title = "Read me"
    book.active["A1"] = "Filled in by the field team"
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# --- HXL ---------------------------------------------------------------------------------------

def _dtm():
    return shared_path("fixtures", "data", "dtm_hxl_tagged_quickcharts.csv")


DTM_UNUSED = ("6 tagged column(s) are not loaded: this loader reads displacement figures, places, dates and the "
              "tags that identify a row")


def test_dtm_quickcharts_file_loads_one_idp_stock_per_row(prepared_engine):
    result = ingest_file(prepared_engine, _dtm())
    assert result.kind == "hxl"
    batch = result.batch
    # 34 rows below the API field names: the hashtag row (a header, not counted as read) and 33 rows of figures.
    assert (batch.rows_read, batch.rows_inserted, batch.rows_rejected) == (33, 33, 0)
    # The shipped gazetteer holds every country and its admin 1: countries and origins all resolve.
    assert result.report.counts() == Counter({"unused-column": 1})
    unused = result.report.issues[0]
    assert (unused.row, unused.field, unused.code, unused.severity, unused.message, unused.value) == (
        None, None, "unused-column", "warning", DTM_UNUSED,
        "#date+year+reported, #date+month+reported, #round+code, #affected+idps+m, #affected+idps+f, "
        "#operation+status")  # #assessment+type is read: it tells DTM's overlapping assessments apart
    figures = _figures(prepared_engine)
    assert len(figures) == 33 and sum(f["figure"] for f in figures) == 11_092_757  # the sum of the column
    assert {(f["figure_kind"], f["unit"], f["qualifier"], f["alt_figure"]) for f in figures} == {
        ("idp_stock", "persons", "exact", None)}  # the +m/+f split and "nan" cells never become figures
    first = figures[0]
    assert (first["figure"], first["destination_name_raw"], first["origin_name_raw"], first["period_start"],
            first["period_end"], first["provider"]) == (41018, "Afghanistan", "Baghlan", date(2017, 12, 31),
                                                       date(2017, 12, 31), "HXL")
    # "Not available" is DTM's way of saying there is no origin.
    assert Counter(f["origin_name_raw"] for f in figures) == Counter(
        {None: 24, "Lac": 6, "Artibonite": 2, "Baghlan": 1})
    # Origins are looked for inside their own country, never across a border.
    assert _queued(prepared_engine) == set()
    assert Counter(f["origin_key"] for f in figures if f["origin_name_raw"]) == Counter(
        {"TD07": 6, "HT05": 2, "AF09": 1})


def test_dtm_rows_keep_their_keys_whatever_the_bytes(prepared_engine):
    path = _dtm()
    first = ingest_file(prepared_engine, path).batch
    again = ingest_file(prepared_engine, path).batch
    assert (again.status, again.batch_id, again.rows_unchanged) == ("unchanged", first.batch_id, 33)
    # The same rows saved with Windows line endings: another file, the same 33 figures.
    resaved = ingest_file(prepared_engine, path, data=path.read_bytes().replace(b"\n", b"\r\n")).batch
    assert (resaved.status, resaved.rows_inserted, resaved.rows_updated, resaved.rows_unchanged) == (
        "loaded", 0, 0, 33)


def test_dtm_origin_pcodes_resolve_once_their_pcode_list_is_loaded(prepared_engine):
    # Baghlan, Artibonite and Lac as the OCHA global p-code list has them (its rows, copied): the
    # whole list takes seconds to load and is tested in test_pcodes_loader.py.
    ingest_file(prepared_engine, HXL / "pcodes_dtm_origin_governorates.csv")
    result = ingest_file(prepared_engine, _dtm())
    # The list's rows are the shipped ones: countries and origins resolve as without it.
    assert result.report.counts() == Counter({"unused-column": 1})
    origins = Counter(f["origin_key"] for f in _figures(prepared_engine) if f["origin_name_raw"])
    assert origins == Counter({"TD07": 6, "HT05": 2, "AF09": 1})


def test_an_hxl_sheet_without_a_displacement_figure_loads_nothing_and_says_why(prepared_engine):
    # libhxl's test input is a 3W sheet: people *targeted* by aid (#targeted+f/+m) are not
    # displaced people. The file is valid HXL, so it loads; it holds nothing we store.
    path = shared_path("fixtures", "data", "hxl_input_valid_sample.csv")
    result = ingest_file(prepared_engine, path)
    assert (result.kind, result.batch.rows_read, result.batch.rows_loaded) == ("hxl", 4, 0)
    assert result.report.flatten(("row", "code", "severity", "message")) == [[
        None, "nothing-to-load", "warning",
        "the HXL hashtag row (row 3) has no column for a displacement figure (tag it #affected+idps for persons or "
        "#affected+idps+hh for households), so no row holds anything to load. Tags found: #sector+es, "
        "#subsector+es, #org+es, #targeted+f, #targeted+m, #country, #adm1, #date+reported"]]
    assert ingest_file(prepared_engine, path).batch.status == "unchanged"
    assert _figures(prepared_engine) == []


def test_syria_sheet_persons_and_households_are_one_fact_and_places_resolve_by_pcode(prepared_engine):
    result = ingest_file(prepared_engine, SYRIA_HXL)
    assert result.report.flatten(("row", "field", "code", "value")) == [
        [None, None, "country-from-file", None],  # no #country column: its governorates' names are Syria's
        [None, None, "unused-column", "#sector"],
        [4, "#loc+name", "new-place", "Sarmin"],
    ]
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (4, 0)
    atmeh, sarmin, jebel_saman, hama = _figures(prepared_engine)
    assert (atmeh["figure"], atmeh["unit"], atmeh["alt_figure"], atmeh["alt_unit"]) == (5400, "persons", 1000,
                                                                                        "households")
    assert (atmeh["destination_key"], atmeh["origin_key"]) == ("SY0703:atmeh-camps", "SY02")
    # Not in the gazetteer: a place of its own under the district its p-code names, at the row's point.
    assert (sarmin["destination_key"], sarmin["destination_name_raw"], sarmin["alt_figure"]) == (
        "SY0703:sarmin", "Sarmin", None)
    assert (jebel_saman["destination_key"], jebel_saman["qualifier"], jebel_saman["figure"]) == (
        "SY0200", "approx", 800)
    assert (hama["figure"], hama["unit"], hama["destination_key"], hama["origin_key"]) == (
        250, "households", "SY05", None)
    assert _queued(prepared_engine) == set()


def test_bad_hxl_cells_are_reported_by_row_and_hashtag(prepared_engine):
    result = ingest_file(prepared_engine, HXL / "hxl_tags_in_first_row_with_bad_cells.csv")
    assert result.report.flatten(("row", "field", "code", "message")) == [
        [2, "#affected+idps", "out-of-range", "'-5' is negative; a count cannot be below zero"],
        [3, "#date+reported", "missing-cell", "the row has no date; fill in #date+reported"],
        [4, "#affected+idps", "missing-cell",
         "the row has no count in #affected+idps, #affected+idps+hh; fill one in or delete the row"],
        [5, "#affected+idps", "conflicting-cells",
         "the two counts are hedged differently (approx and at_least); give one qualifier for the row"],
        [6, "#affected+idps", "type-error", "'1.200' is ambiguous (1.200 is 1200 in some countries and 1.2 in "
                                            "others); write it without a thousands separator"],
    ]
    assert (result.batch.rows_inserted, result.batch.rows_rejected) == (1, 5)
    (idleb,) = _figures(prepared_engine)
    assert (idleb["figure"], idleb["alt_figure"], idleb["destination_key"]) == (700, 120, "SY07")


def test_an_hxl_workbook_gives_the_same_figures_as_its_csv(prepared_engine, tmp_path):
    with open(SYRIA_HXL, encoding="utf-8") as handle:
        header, tags, *rows = list(csv.reader(handle))
    typed = [[datetime.fromisoformat(c) if c.startswith("2024-") else int(c) if c.isdigit() else c for c in row]
             for row in rows]
    book = _workbook(tmp_path / "idps_by_site.xlsx", [header, tags, *typed])
    ingest_file(prepared_engine, SYRIA_HXL)
    result = ingest_file(prepared_engine, book)
    assert result.kind == "hxl"
    assert (result.batch.rows_inserted, result.batch.rows_unchanged, result.batch.rows_rejected) == (0, 4, 0)


# --- field template ----------------------------------------------------------------------------

def test_the_template_download_is_the_shipped_file_with_two_example_rows():
    lines = field_template_bytes().decode("utf-8").splitlines()
    assert lines[0] == ",".join(COLUMNS) and len(lines) == 3
    assert all("EXAMPLE - delete this row" in line for line in lines[1:])
    assert field_template_bytes() == TEMPLATE_PATH.read_bytes()


def test_the_template_example_rows_load_as_a_flow_and_a_site_count(prepared_engine):
    result = ingest_file(prepared_engine, "field_template.csv", data=field_template_bytes())
    assert result.kind == "field_template" and result.report.issues == []
    assert (result.batch.rows_read, result.batch.rows_inserted) == (2, 2)
    (flow,) = _figures(prepared_engine)
    assert (flow["figure_kind"], flow["figure"], flow["unit"], flow["alt_figure"], flow["alt_unit"],
            flow["qualifier"]) == ("new_displacement", 1200, "persons", 230, "households", "approx")
    assert (flow["origin_key"], flow["destination_key"], flow["period_start"], flow["period_end"]) == (
        "SY0204:tell-rifaat", "SY1103:tabqa", date(2024, 12, 1), date(2024, 12, 3))
    assert flow["provider"] == "EXAMPLE - delete this row"
    (count,) = _site_counts(prepared_engine)
    assert (count["place_key"], count["reported_date"], count["individuals"], count["households"]) == (
        "SY0703:atmeh-camps", date(2024, 12, 8), 5400, 1000)


def test_loading_the_same_rows_again_changes_nothing(prepared_engine):
    first = ingest_file(prepared_engine, TEMPLATE_PATH).batch
    again = ingest_file(prepared_engine, TEMPLATE_PATH).batch
    assert (again.status, again.batch_id, again.rows_unchanged) == ("unchanged", first.batch_id, 2)
    # Columns moved, dates in words, "1,200", Windows line endings: the same two facts.
    moved = ingest_file(prepared_engine, TEMPLATE / "template_example_rows_moved_columns.csv")
    assert moved.report.issues == []
    assert (moved.batch.status, moved.batch.rows_inserted, moved.batch.rows_updated,
            moved.batch.rows_unchanged) == ("loaded", 0, 0, 2)


def test_a_template_workbook_with_excel_dates_gives_the_same_facts(prepared_engine, tmp_path):
    ingest_file(prepared_engine, TEMPLATE_PATH)
    header = list(COLUMNS)
    flow = ["flow", None, datetime(2024, 12, 1), datetime(2024, 12, 3), "Tell Rifaat", "Tabqa", 1200, 230,
            "new_displacement", "approx", "EXAMPLE - delete this row", None]
    count = ["site_count", datetime(2024, 12, 8), None, None, None, "Atmeh camps", 5400, 1000, None, None,
             "EXAMPLE - delete this row", None]
    book = _workbook(tmp_path / "template.xlsx", [header, flow, count], title="Figures")
    result = ingest_file(prepared_engine, book, kind="field_template")
    assert result.report.issues == []
    assert (result.batch.rows_read, result.batch.rows_inserted, result.batch.rows_unchanged) == (2, 0, 2)


@pytest.mark.parametrize(("file_name", "issues", "inserted"), [
    ("template_semicolon_delimiter.csv", [], 2),
    ("template_dd_mm_dates.csv", [], 2),
    ("template_ambiguous_dates.csv", [[2, "date", "type-error", "05/12/2024"],
                                      [3, "date", "type-error", "03/12/2024"]], 0),
    ("template_thousands_separators.csv", [[3, "individuals", "type-error", "1.200"]], 1),
    ("template_about_300.csv", [[3, "qualifier", "conflicting-cells", "exact"]], 1),
    ("template_eastern_arabic_digits.csv", [], 1),
    ("template_negative_individuals.csv", [[2, "individuals", "out-of-range", "-50"]], 1),
    ("template_unknown_place.csv", [[2, "destination", "unresolved-place", "Sarmin"],
                                    [3, "destination", "unresolved-place", "Kafr Lusin camp"],
                                    [3, "destination", "unknown-value", "Kafr Lusin camp"]], 1),
    ("template_duplicate_rows.csv", [[3, "record_key", "duplicate-key", "tpl:dc34e930cd5d565dd5c6f19b35f760c525a44d03"],
                                     [5, "reported_date", "duplicate-key", "CCCM focal point"]], 2),
    ("template_bom_utf8.csv", [], 1),
    ("template_blank_rows.csv", [[6, "individuals", "type-error", "abc"]], 1),
    ("template_year_only_dates.csv", [[3, "date", "type-error", "2024"]], 1),
    ("template_datetime_with_z.csv", [], 1),
])
def test_each_template_defect_is_reported_by_row_and_column(prepared_engine, file_name, issues, inserted):
    if not inserted:  # every row rejected: the load is refused, its report comes with the refusal
        with pytest.raises(RejectedLoad) as refused:
            ingest_file(prepared_engine, TEMPLATE / file_name)
        assert refused.value.report.flatten(("row", "field", "code", "value")) == issues
        return
    result = ingest_file(prepared_engine, TEMPLATE / file_name)
    assert result.kind == "field_template"
    assert result.report.flatten(("row", "field", "code", "value")) == issues
    assert result.batch.rows_inserted == inserted


def test_issue_messages_say_how_to_fix_the_cell(prepared_engine):
    def messages(file_name):
        # a dry run: the messages are the same, and a file of which every row is rejected is not refused
        return [i.message for i in ingest_file(prepared_engine, TEMPLATE / file_name, dry_run=True).report.issues]

    assert messages("template_ambiguous_dates.csv") == [
        "'05/12/2024' could be day/month or month/day; write it as YYYY-MM-DD",
        "'03/12/2024' could be day/month or month/day; write it as YYYY-MM-DD"]
    assert messages("template_thousands_separators.csv") == [
        "'1.200' is ambiguous (1.200 is 1200 in some countries and 1.2 in others); write it without a thousands "
        "separator"]
    assert messages("template_about_300.csv") == ["the qualifier says exact but the count says approx; make them "
                                                  "agree"]
    assert messages("template_negative_individuals.csv") == ["'-50' is negative; a count cannot be below zero"]
    assert messages("template_unknown_place.csv") == [
        UNRESOLVED, UNRESOLVED,
        "a site count needs a destination that is a site in the gazetteer; the name is queued for review: load "
        "the row again once it is linked"]
    assert messages("template_year_only_dates.csv") == [
        "a site count needs the day of the count, not a year; write it as YYYY-MM-DD"]


def test_dates_hedges_and_digits_are_read_as_the_field_writes_them(prepared_engine):
    for file_name in ("template_semicolon_delimiter.csv", "template_dd_mm_dates.csv", "template_about_300.csv",
                      "template_eastern_arabic_digits.csv", "template_year_only_dates.csv",
                      "template_datetime_with_z.csv", "template_unknown_place.csv"):
        ingest_file(prepared_engine, TEMPLATE / file_name)
    by_values = {(f["origin_name_raw"], f["destination_name_raw"], f["period_start"], f["period_end"]):
                 (f["figure"], f["unit"], f["qualifier"], f["alt_figure"], f["destination_key"])
                 for f in _figures(prepared_engine)}
    assert by_values == {
        # semicolons; the same row again in the dd/mm, "about 300" and "2024-12-05T10:00:00Z" files is
        # the same fact with other values, so the later loads revised it
        ("Hama", "Homs", date(2024, 12, 5), date(2024, 12, 5)): (450, "persons", "exact", None, "SY0401:homs"),
        ("Hama", "As-Salamiyeh", date(2024, 12, 6), date(2024, 12, 6)): (80, "households", "approx", None,
                                                                          "SY0503:as-salamiyeh"),
        # 25/12/2024 makes the column day-first
        ("Homs", "Tartous", date(2024, 12, 25), date(2024, 12, 25)): (120, "persons", "exact", None,
                                                                      "SY1000:tartous"),
        ("حماة", "حمص", date(2024, 12, 5), date(2024, 12, 5)): (1200, "persons", "exact", 230, "SY0401:homs"),
        # a year alone is the whole year
        ("Aleppo", "Afrin", date(2024, 1, 1), date(2024, 12, 31)): (12000, "persons", "approx", None,
                                                                    "SY0203:afrin"),
        ("Idleb", "Sarmin", date(2024, 12, 5), date(2024, 12, 5)): (300, "persons", "exact", None, None),
    }
    assert ("Sarmin", "SY|*") in _queued(prepared_engine)  # the template's country (Syria) is the scope


@pytest.mark.parametrize(("file_name", "message"), [
    ("template_header_only.csv",
     "template_header_only.csv: the field template has its header but no rows; add one row per figure under the "
     "header (the template's example rows show how)"),
    ("template_empty_file.csv",
     "template_empty_file.csv: the file is empty; export the sheet again with its header row"),
    ("template_truncated_inside_quotes.csv",
     "template_truncated_inside_quotes.csv: row 2 cannot be read (unexpected end of data); the file may be "
     "truncated or a quote left open: export it again"),
    ("template_missing_required_column.csv",
     "template_missing_required_column.csv: the field template has no column source; add the column or start "
     "again from the template download (columns: record, date, period_start, period_end, origin, destination, "
     "individuals, households, figure_kind, qualifier, source, notes)"),
])
def test_a_template_that_cannot_be_loaded_says_how_to_fix_it(prepared_engine, file_name, message):
    with pytest.raises(LoadError) as refused:
        ingest_file(prepared_engine, TEMPLATE / file_name)
    assert str(refused.value) == message
    assert _figures(prepared_engine) == []


def test_extra_columns_are_named_once_and_a_date_beside_a_period_is_refused(prepared_engine):
    data = ("date,period_start,period_end,origin,destination,individuals,households,source,phone\n"
            "2024-12-05,,,Hama,Homs,450,,SARC Hama,0999 000 000\n"
            "2024-12-05,2024-12-01,2024-12-05,Homs,Tartous,120,,SARC Homs,0999 000 001\n").encode("utf-8")
    result = ingest_file(prepared_engine, "partner_sheet.csv", data=data)
    assert result.kind == "field_template"
    assert result.report.flatten(("row", "field", "code", "message")) == [
        [None, None, "unused-column", "1 column(s) are not part of the field template and are not loaded"],
        [3, "date", "conflicting-cells", "fill in either date or period_start and period_end, not both"],
    ]
    assert result.report.issues[0].value == "phone"
    # The rejected row is kept for review without the column the template does not have.
    assert "phone" not in result.report.issues[1].raw_row and result.report.issues[1].raw_row["origin"] == "Homs"
    assert result.batch.rows_inserted == 1


def test_a_cp1252_template_is_read_as_windows_text(prepared_engine):
    # Saved by Excel on a French Windows: "Crédit déplacement" in cp1252, CRLF line ends.
    result = ingest_file(prepared_engine, TEMPLATE / "template_cp1252_accented_source.csv")
    assert (result.kind, result.batch.rows_inserted, result.report.flatten()) == ("field_template", 1, [])
    with prepared_engine.connect() as conn:
        assert conn.execute(select(displacement_figure.c.provider)).scalars().all() == ["Crédit déplacement"]
    (figure,) = _figures(prepared_engine)
    assert (figure["figure"], figure["origin_name_raw"], figure["destination_name_raw"]) == (450, "Hama", "Homs")
