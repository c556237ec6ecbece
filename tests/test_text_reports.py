"""Text reports through the loader: read (.txt/.md/.html), stored pending review, reviewed, counted.

Fixture reports in tests/fixtures/reports/ are our own short texts; the seed report is the real
North Press article in ../shared.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import func, select

from db import queries, review
from db.schema import conflict_event, displacement_figure, load_batch, place, place_alias, source, unresolved_place_name
from loaders.ingest import ingest_file
from loaders.readers import read_any
from loaders.readers.report_text import parse_metadata_date, read_report
from tests.conftest import FIXTURES_DIR, REPO_ROOT, shared_path

REPORTS = FIXTURES_DIR / "reports"


def _seed():
    return shared_path("fixtures", "reports", "northpress_hama_withdrawal.txt")


def _rows(engine, table, *columns, **where):
    query = select(*(table.c[c] for c in columns)).order_by(*(table.c[c] for c in columns))
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


# --- reading ----------------------------------------------------------------------------------

def test_html_report_keeps_the_visible_article_and_its_metadata_date():
    document = read_any(REPORTS / "flash_update_raqqa.html")
    assert document.published == date(2024, 12, 3)
    assert "article:published_time" in document.published_from
    assert document.title == "Flash update: movements towards Raqqa & Tabqa"
    assert "Over 5,000 families fled from Manbij" in document.text
    # scripts, styles, navigation, header and footer are not report text
    for hidden in ("Thousands of families fled from Homs", "color: red", "900 people fled", "Field office bulletin",
                   "700 families returned"):
        assert hidden not in document.text


def test_markdown_report_loses_its_markup_and_keeps_its_front_matter_date():
    document = read_any(REPORTS / "sitrep_deir_ez_zor.md")
    assert (document.published, document.title) == (date(2024, 12, 10), "Situation note: Deir ez-Zor")
    assert "Shelling hit al-Mayadin on Saturday, and hundreds of families fled" in document.text
    assert "local sources said" in document.text
    assert not any(mark in document.text for mark in ("**", "](", "# Situation", "---"))


def test_a_txt_file_is_a_report_when_it_is_prose_and_a_table_when_it_has_a_header():
    prose = read_any(REPORTS / "radio_transcript_no_date.txt")
    assert prose.format == "report" and prose.published is None
    table = read_any("export.txt", b"event_id_cnty\tevent_date\tevent_type\nSYR1\t2024-12-01\tBattles\n")
    assert list(table.columns) == ["event_id_cnty", "event_date", "event_type"]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-12-03T09:30:00+00:00", date(2024, 12, 3)),
    ("5 December 2024", date(2024, 12, 5)),
    ("Dec 5, 2024", date(2024, 12, 5)),
    ("Published on Thursday", None),
    ("2024-02-30", None),
])
def test_metadata_dates(text, expected):
    assert parse_metadata_date(text) == expected


def test_a_binary_file_named_txt_is_refused_clearly():
    from loaders.report import LoadError

    with pytest.raises(LoadError, match="not a text report"):
        read_report("scan.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00")


# --- loading ----------------------------------------------------------------------------------

def test_the_seed_report_is_stored_pending_with_its_sentences_and_offsets(prepared_engine):
    text = _seed().read_text(encoding="utf-8")
    result = ingest_file(prepared_engine, _seed(), published=date(2024, 12, 5))
    assert result.kind == "text_report"
    assert (result.batch.rows_read, result.batch.rows_inserted, result.batch.rows_rejected) == (5, 5, 0)
    figures = _rows(prepared_engine, displacement_figure, "figure_kind", "unit", "qualifier", "figure",
                    "origin_name_raw", "destination_name_raw", "period_start", "review_status")
    assert figures == [
        ("idp_stock", "households", "vague", None, "Hama", "makeshift camps", date(2024, 12, 5), "pending"),
        ("new_displacement", "households", "vague", None, "Hama", "government-controlled territories",
         date(2024, 12, 5), "pending"),
    ]
    events = _rows(prepared_engine, conflict_event, "event_date", "event_type", "sub_event_type", "place_name_raw",
                   "review_status")
    assert set(events) == {  # "Aleppo taken before it" has no date the text gives
        (date(2024, 11, 30), "Battles", "Armed clash", "Hama", "pending"),
        (date(2024, 12, 5), "Strategic developments", "Non-violent transfer of territory", "Hama", "pending"),
        (None, "Battles", "Non-state actor overtakes territory", "Aleppo", "pending"),
    } and len(events) == 3
    for table in (displacement_figure, conflict_event):
        for quote, start, end in _rows(prepared_engine, table, "quote", "quote_start", "quote_end"):
            assert text[start:end] == quote
    # Hama resolves through the gazetteer; the report's date is recorded with its source
    hama = _rows(prepared_engine, place, "place_id", name_en="Hama")
    assert {row[0] for row in _rows(prepared_engine, displacement_figure, "origin_place_id")} <= {h[0] for h in hama}
    assert _rows(prepared_engine, source, "published_date", source_kind="text_report") == [(date(2024, 12, 5),)]
    # nothing is counted before review
    assert queries.query_daily_totals(prepared_engine, date(2024, 11, 1), date(2024, 12, 31)).empty


def test_reloading_a_report_changes_nothing_and_adding_its_date_revises_instead_of_doubling(prepared_engine):
    first = ingest_file(prepared_engine, _seed())  # no date: relative dates stay unresolved
    assert {"no-publication-date", "undated-fact"} <= {i.code for i in first.report.issues}
    assert _rows(prepared_engine, conflict_event, "event_date") == [(None,)] * 3
    again = ingest_file(prepared_engine, _seed())
    assert again.batch.status == "unchanged"
    dated = ingest_file(prepared_engine, _seed(), published=date(2024, 12, 5))
    assert dated.batch.rows_inserted == 0 and dated.batch.rows_updated >= 3
    assert _count(prepared_engine, conflict_event) == 3 and _count(prepared_engine, displacement_figure) == 2
    assert sorted(d for (d,) in _rows(prepared_engine, conflict_event, "event_date") if d) == \
        [date(2024, 11, 30), date(2024, 12, 5)]


def test_html_and_markdown_reports_load_with_resolved_dates_and_unknown_names_queued(prepared_engine):
    html = ingest_file(prepared_engine, REPORTS / "flash_update_raqqa.html")
    assert html.batch.rows_rejected == 0
    figures = _rows(prepared_engine, displacement_figure, "figure", "unit", "qualifier", "period_start", "quote")
    assert (5000.0, "households", "at_least", date(2024, 12, 2)) in [row[:4] for row in figures]
    arrival = next(row for row in figures if row[0] == 1200.0)
    assert arrival[1:4] == ("persons", "approx", date(2024, 12, 3))
    assert "[email] or [phone]" in arrival[4] and "example.org" not in arrival[4] and "944" not in arrival[4]
    # the patients and the aid recipients of the same page are not displacement facts
    assert {row[0] for row in figures} == {5000.0, 1200.0}
    queued = _rows(prepared_engine, unresolved_place_name, "raw_name", status="open")
    assert ("Qaryat al-Waha",) in queued
    assert not any(name.islower() for (name,) in queued)  # descriptive places are not queued

    markdown = ingest_file(prepared_engine, REPORTS / "sitrep_deir_ez_zor.md")
    assert markdown.batch.rows_rejected == 0
    shelling = _rows(prepared_engine, conflict_event, "event_date", "sub_event_type",
                     sub_event_type="Shelling/artillery/missile attack")
    assert shelling == [(date(2024, 12, 7), "Shelling/artillery/missile attack")]


def test_cli_ingest_takes_the_publication_date(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "loaders", "ingest", str(REPORTS / "radio_transcript_no_date.txt"),
                          "--published", "2024-12-09"], capture_output=True, text=True, cwd=REPO_ROOT, env=env)
    assert run.returncode == 0, run.stderr
    assert "[text_report]" in run.stdout and "wait for review" in run.stdout
    from db.engine import make_engine

    engine = make_engine(url)
    # "last Friday" and "yesterday" against Monday 9 December 2024
    assert _rows(engine, conflict_event, "event_date") == [(date(2024, 12, 6),)]
    assert _rows(engine, displacement_figure, "figure", "period_start") == [(300.0, date(2024, 12, 8))]
    engine.dispose()


# --- review -----------------------------------------------------------------------------------

def _ids(engine, table, id_column):
    return [row[0] for row in _rows(engine, table, id_column)]


def test_review_decisions_change_what_the_charts_count(prepared_engine):
    ingest_file(prepared_engine, _seed(), published=date(2024, 12, 5))
    window = (date(2024, 11, 25), date(2024, 12, 10))
    withdrawal = _rows(prepared_engine, conflict_event, "event_id", sub_event_type="Non-violent transfer of territory")
    review.decide(prepared_engine, "conflict_event", withdrawal[0][0], "accept")
    daily = queries.query_daily_totals(prepared_engine, *window)
    assert daily[["day", "unit", "from_text", "value"]].values.tolist() == [[date(2024, 12, 5), "events", True, 1.0]]

    fled = _rows(prepared_engine, displacement_figure, "figure_id", figure_kind="new_displacement")[0][0]
    review.decide(prepared_engine, "displacement_figure", fled, "accept", {"figure": 120.0, "qualifier": "approx"})
    households = queries.query_daily_totals(prepared_engine, *window).query("unit == 'households'")
    assert households[["day", "from_text", "value"]].values.tolist() == [[date(2024, 12, 5), True, 120.0]]
    headline = queries.query_headline(prepared_engine, *window).new_displacement.set_index("unit")
    assert headline.loc["households", "total"] == 120

    review.decide(prepared_engine, "displacement_figure", fled, "reject")
    assert queries.query_daily_totals(prepared_engine, *window).query("unit == 'households'").empty
    review.decide(prepared_engine, "displacement_figure", fled, "reopen")
    assert _rows(prepared_engine, displacement_figure, "review_status", figure_id=fled) == [("pending",)]


def test_review_refuses_edits_that_break_a_rule_and_changes_nothing(prepared_engine):
    ingest_file(prepared_engine, _seed())  # undated
    event_id = _ids(prepared_engine, conflict_event, "event_id")[0]
    with pytest.raises(review.ReviewError, match="needs a date"):
        review.decide(prepared_engine, "conflict_event", event_id, "accept")
    assert _rows(prepared_engine, conflict_event, "review_status", event_id=event_id) == [("pending",)]
    figure_id = _ids(prepared_engine, displacement_figure, "figure_id")[0]
    with pytest.raises(review.ReviewError, match="upper bound"):
        review.decide(prepared_engine, "displacement_figure", figure_id, "accept",
                      {"figure": 100.0, "qualifier": "range"})
    with pytest.raises(review.ReviewError, match="cannot be edited"):
        review.decide(prepared_engine, "displacement_figure", figure_id, "accept", {"provider": "ACLED"})
    assert _rows(prepared_engine, displacement_figure, "review_status", "figure", figure_id=figure_id) == \
        [("pending", None)]
    review.decide(prepared_engine, "conflict_event", event_id, "accept", {"event_date": date(2024, 12, 1)})
    assert _rows(prepared_engine, conflict_event, "review_status", event_id=event_id) == [("accepted",)]


def test_rows_from_data_tables_are_not_reviewed(prepared_engine):
    ingest_file(prepared_engine, FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv")
    event_id = _ids(prepared_engine, conflict_event, "event_id")[0]
    with pytest.raises(review.ReviewError, match="not reviewed here"):
        review.decide(prepared_engine, "conflict_event", event_id, "reject")


def test_linking_a_name_resolves_its_facts_and_future_loads(prepared_engine):
    ingest_file(prepared_engine, REPORTS / "flash_update_raqqa.html")
    unlinked = queries.query_unlinked_text_places(prepared_engine)
    assert "Qaryat al-Waha" in set(unlinked["raw_name"])
    target = review.place_id_for(prepared_engine, "SY02")  # Aleppo governorate, by p-code
    assert target is not None
    assert review.link_place_name(prepared_engine, "Qaryat al-Waha", target) == 1
    assert _rows(prepared_engine, displacement_figure, "destination_place_id",
                 destination_name_raw="Qaryat al-Waha") == [(target,)]
    assert _rows(prepared_engine, unresolved_place_name, "status", raw_name="Qaryat al-Waha") == [("linked",)]
    assert ("Qaryat al-Waha", "user") in _rows(prepared_engine, place_alias, "alias", "language", place_id=target)
    assert "Qaryat al-Waha" not in set(queries.query_unlinked_text_places(prepared_engine)["raw_name"])
    assert _count(prepared_engine, load_batch) >= 2


def test_stock_and_cumulative_figures_are_stored_as_such(prepared_engine):
    text = ("Over 1,000 IDPs are still staying in collective centres in Aleppo.\n\n"
            "The number of displaced people has climbed to 120,000 since 27 November.\n")
    ingest_file(prepared_engine, "update.txt", data=text.encode(), published=date(2024, 12, 9))
    assert _rows(prepared_engine, displacement_figure, "figure", "figure_kind", "is_cumulative", "period_start") == [
        (1000.0, "idp_stock", False, date(2024, 12, 9)),
        (120000.0, "new_displacement", True, date(2024, 11, 27)),
    ]

    # accepted, the running total still does not count as a flow of the day it was reported
    cumulative = _rows(prepared_engine, displacement_figure, "figure_id", is_cumulative=True)[0][0]
    review.decide(prepared_engine, "displacement_figure", cumulative, "accept")
    assert queries.query_daily_totals(prepared_engine, date(2024, 11, 1), date(2024, 12, 31)).empty
