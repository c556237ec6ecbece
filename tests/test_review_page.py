"""The review page and the upload page's text path in AppTest: decisions change what the charts count."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from db import queries
from db.schema import conflict_event, displacement_figure
from loaders.ingest import ingest_file
from tests.conftest import FIXTURES_DIR, shared_path

REVIEW_PAGE = "../pages/8_Review.py"
UPLOAD_PAGE = "../pages/7_Upload.py"
WINDOW = (date(2024, 11, 25), date(2024, 12, 10))


def _load_seed(engine):
    ingest_file(engine, shared_path("fixtures", "reports", "northpress_hama_withdrawal.txt"),
                published=date(2024, 12, 5))


def _id(engine, table, id_column, **where):
    query = select(table.c[id_column])
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def _statuses(engine, table):
    with engine.connect() as conn:
        return sorted(conn.execute(select(table.c.review_status)).scalars())


def test_review_page_lists_pending_facts_with_their_sentence_marked(app_on, prepared_engine):
    _load_seed(prepared_engine)
    at = app_on(prepared_engine, REVIEW_PAGE)
    assert not at.exception
    assert at.subheader[0].value == "Displacement facts (2)" and at.subheader[1].value == "Conflict events (3)"
    sentences = [m.value for m in at.markdown if m.value.startswith("> ")]
    assert len(sentences) == 5
    assert any("<mark>increasing numbers of families</mark>" in s or "<mark>increasing numbers of" in s
               for s in sentences)
    assert any("<mark>Hama</mark>" in s for s in sentences)
    assert at.caption[0].value.startswith("5 waiting")
    # the origin came from an earlier sentence: the page says what was read, as written
    assert sum("Read as: fled · from Hama · to government&#45;controlled territories" in c.value
               for c in at.caption) == 1


def test_accept_edit_and_reject_on_the_page_change_what_the_charts_count(app_on, prepared_engine):
    _load_seed(prepared_engine)
    assert queries.query_daily_totals(prepared_engine, *WINDOW).empty
    at = app_on(prepared_engine, REVIEW_PAGE)

    # accept the withdrawal event as read
    withdrawal = _id(prepared_engine, conflict_event, "event_id", sub_event_type="Non-violent transfer of territory")
    at.button(key=f"event-{withdrawal}-accept").click().run()
    assert not at.exception
    assert any(f"Fact {withdrawal}: accepted" in s.value for s in at.success)
    assert queries.query_daily_totals(prepared_engine, *WINDOW).values.tolist() == \
        [[date(2024, 12, 5), "events", True, 1.0]]

    # edit the vague flight to a figure and accept it
    fled = _id(prepared_engine, displacement_figure, "figure_id", figure_kind="new_displacement")
    at.number_input(key=f"figure-{fled}-value").set_value(250)
    at.selectbox(key=f"figure-{fled}-qualifier").set_value("approx")
    at.button(key=f"figure-{fled}-accept").click().run()
    assert not at.exception
    daily = queries.query_daily_totals(prepared_engine, *WINDOW)
    assert daily.query("unit == 'households'")[["day", "from_text", "value"]].values.tolist() == \
        [[date(2024, 12, 5), True, 250.0]]

    # reject the other flight: it is never counted
    stock = _id(prepared_engine, displacement_figure, "figure_id", figure_kind="idp_stock")
    at.button(key=f"figure-{stock}-reject").click().run()
    assert not at.exception
    assert _statuses(prepared_engine, displacement_figure) == ["accepted", "rejected"]
    assert at.subheader[0].value == "Displacement facts (0)"

    # the home page marks the accepted facts as from text
    home = app_on(prepared_engine, start="2024-12-01", end="2024-12-07")
    assert not home.exception
    names = [t["name"] for t in json.loads(home.get("plotly_chart")[0].proto.spec)["data"]]
    assert "new displacement (households) — from text reports, reviewed" in names
    assert "conflict events — from text reports, reviewed" in names
    assert {m.label: m.value for m in home.metric}["New displacement (households)"] == "250"


def test_an_undated_event_cannot_be_accepted_until_dated(app_on, prepared_engine):
    ingest_file(prepared_engine, FIXTURES_DIR / "reports" / "radio_transcript_no_date.txt")
    at = app_on(prepared_engine, REVIEW_PAGE)
    event = _id(prepared_engine, conflict_event, "event_id")
    at.button(key=f"event-{event}-accept").click().run()
    assert not at.exception
    assert any("Give the event a date" in e.value for e in at.error)
    assert _statuses(prepared_engine, conflict_event) == ["pending"]
    at.date_input(key=f"event-{event}-date").set_value(date(2024, 12, 6))
    at.button(key=f"event-{event}-accept").click().run()
    assert not at.exception
    assert _statuses(prepared_engine, conflict_event) == ["accepted"]


def test_a_place_name_is_linked_from_the_page(app_on, prepared_engine):
    ingest_file(prepared_engine, FIXTURES_DIR / "reports" / "flash_update_raqqa.html")
    at = app_on(prepared_engine, REVIEW_PAGE)
    # shown inert: the hyphen is an HTML entity, so no Markdown acts on the name
    assert any("Qaryat al&#45;Waha" in m.value and "waiting fact" in m.value for m in at.markdown)
    key = next(s.key for s in at.selectbox if s.key and s.key.startswith("link-"))
    box = at.selectbox(key=key)
    assert any(o.startswith("Aleppo") for o in box.options)  # a place is picked by its name
    box.set_value("SY02")
    at.button(key=key.removesuffix("-target")).click().run()
    assert not at.exception
    assert any("Linked 'Qaryat al-Waha'" in s.value.replace("\\", "") for s in at.success)  # escaped Markdown
    with prepared_engine.connect() as conn:
        linked = conn.execute(select(displacement_figure.c.destination_place_id)
                              .where(displacement_figure.c.destination_name_raw == "Qaryat al-Waha")).scalar_one()
    assert linked is not None


def test_report_text_with_markup_is_shown_inert(app_on, prepared_engine, tmp_path):
    hostile = ("<p>About 300 households fled from Saraqab to <b>Idleb</b> yesterday "
               "<script>alert(1)</script> [click](javascript:alert(2)) **bold**.</p>")
    ingest_file(prepared_engine, "hostile.txt", data=hostile.encode(), published=date(2024, 12, 9))
    at = app_on(prepared_engine, REVIEW_PAGE)
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "<script" not in shown and "<b>" not in shown and "](javascript" not in shown and "**bold**" not in shown


def test_upload_page_reads_a_pasted_report_asks_its_date_and_stores_facts_pending(app_on, prepared_engine):
    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.text_area[0].set_value("Fighting broke out in Saraqab last Friday, residents said.\n\n"
                              "About 300 households fled from Saraqab to Idleb city yesterday.").run()
    assert not at.exception
    assert any("No publication date" in w.value for w in at.warning)
    at.date_input(key="published-pasted").set_value(date(2024, 12, 9)).run()
    assert not at.exception
    preview = at.dataframe[0].value
    assert list(preview["Date"]) == ["2024-12-08", "2024-12-06"]
    assert any("Understood as text report: 2 facts found" in t.value for t in at.text)
    at.button(key="load-pasted").click().run()
    assert not at.exception
    assert any("wait for review" in s.value for s in at.success)
    assert _statuses(prepared_engine, displacement_figure) == ["pending"]
    assert _statuses(prepared_engine, conflict_event) == ["pending"]


def test_literal_text_in_captions_shows_as_written():
    from ui.safe_text import literal

    hostile = "**ACLED** [click](javascript:alert(1)) <b>x</b> `code` # h"
    escaped = literal(hostile)
    # Every character Markdown or HTML acts on is preceded by a backslash; the letters are unchanged.
    assert escaped.replace("\\", "") == hostile
    assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c in "*[]()<>`#" and i > 0)
    assert "<b>" not in escaped and "**" not in escaped
