"""The audit trail and deleting a load batch (issue 7): every change a person makes is recorded in
its own transaction; a deleted batch's rows leave every page and revised rows get their values back."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from access.policy import Actor, Role
from db import batches, quality, review, summary
from db.audit import query_audit
from db.schema import audit_event, displacement_figure, load_batch, record_revision
from loaders.ingest import ingest_file
from tests.conftest import FIXTURES_DIR
from tests.test_data_quality_page import TEMPLATE_HEADER, _place_id, _two_sources

EDITOR = Actor("im@field.ngo.example", Role.EDITOR)
ADMIN = Actor("head@ngo.example", Role.ADMIN)


def _template(engine, name: str, *rows: str, actor=None):
    return ingest_file(engine, name, data=(TEMPLATE_HEADER + "".join(r + "\n" for r in rows)).encode(),
                       actor=actor).batch


def _figures(engine) -> dict[tuple, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(displacement_figure.c.provider, displacement_figure.c.origin_name_raw,
                                   displacement_figure.c.destination_name_raw, displacement_figure.c.figure,
                                   displacement_figure.c.batch_id)).all()
    return {(r.provider, r.origin_name_raw, r.destination_name_raw): (r.figure, r.batch_id) for r in rows}


def _trail(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(select(audit_event.c.actor, audit_event.c.role, audit_event.c.how, audit_event.c.action,
                                   audit_event.c.target_table, audit_event.c.batch_id)
                            .order_by(audit_event.c.audit_id)).all()


def test_every_kind_of_change_is_on_the_trail_with_who_did_it(prepared_engine):
    before = len(_trail(prepared_engine))  # the gazetteer's own load
    ingest_file(prepared_engine, FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv", actor=EDITOR)
    figures = _two_sources(prepared_engine)  # two loads by the command line
    pair = sorted((figures[("SARC", "Hama", "Homs")]["figure_id"], figures[("UNHCR", "Hama", "Homs")]["figure_id"]))
    quality.decide_duplicate(prepared_engine, *pair, "distinct", actor=EDITOR)
    review.link_place_name(prepared_engine, "Kafr Takharim", _place_id(prepared_engine, "SY0700:saraqab"),
                           actor=EDITOR)
    report = ingest_file(prepared_engine, FIXTURES_DIR / "reports" / "sitrep_deir_ez_zor.md", actor=EDITOR).batch
    with prepared_engine.connect() as conn:
        fact = conn.execute(select(displacement_figure.c.figure_id)
                            .where(displacement_figure.c.batch_id == report.batch_id)).scalars().first()
    review.decide(prepared_engine, "displacement_figure", fact, "reject", actor=EDITOR)
    batches.delete_batch(prepared_engine, report.batch_id, actor=ADMIN)

    trail = _trail(prepared_engine)[before:]
    assert [(actor, role, action) for actor, role, _, action, _, _ in trail] == [
        ("im@field.ngo.example", "editor", "load"),
        (trail[1][0], "admin", "load"), (trail[2][0], "admin", "load"),
        ("im@field.ngo.example", "editor", "duplicate_decision"),
        ("im@field.ngo.example", "editor", "link_place_name"),
        ("im@field.ngo.example", "editor", "load"),
        ("im@field.ngo.example", "editor", "review"),
        ("head@ngo.example", "admin", "delete_batch"),
    ]
    assert trail[1][0].startswith("command line (") and trail[1][2] == "command line"
    assert trail[-1][-1] == report.batch_id
    detail = json.loads(query_audit(prepared_engine, action="delete_batch")["detail"].iloc[0])
    assert detail["file"] == "sitrep_deir_ez_zor.md" and detail["removed"] >= 1


def test_a_reload_that_changes_nothing_writes_nothing_to_the_trail(prepared_engine):
    path = FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv"
    ingest_file(prepared_engine, path)
    before = _trail(prepared_engine)
    assert ingest_file(prepared_engine, path).batch.status == "unchanged"
    assert _trail(prepared_engine) == before


def test_a_change_that_fails_leaves_no_entry(prepared_engine):
    before = _trail(prepared_engine)
    with pytest.raises(review.ReviewError):
        review.decide(prepared_engine, "displacement_figure", 999_999, "accept", actor=EDITOR)
    with pytest.raises(batches.BatchError, match="does not exist"):
        batches.delete_batch(prepared_engine, 999_999, actor=ADMIN)
    assert _trail(prepared_engine) == before


def test_deleting_a_batch_removes_its_rows_and_gives_revised_rows_their_values_back(prepared_engine):
    first = _template(prepared_engine, "week1.csv", "flow,2024-12-05,Hama,Homs,1000,,,,SARC,",
                      "flow,2024-12-05,Homs,Tartous,200,,,,SARC,")
    second = _template(prepared_engine, "week1_revised.csv", "flow,2024-12-05,Hama,Homs,1200,,,,SARC,",
                       "flow,2024-12-05,Homs,Tartous,200,,,,SARC,", "flow,2024-12-06,Hama,Idleb,300,,,,SARC,")
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (1, 1, 1)
    assert _figures(prepared_engine)[("SARC", "Hama", "Homs")] == (1200, second.batch_id)

    done = batches.delete_batch(prepared_engine, second.batch_id, actor=ADMIN)
    assert (done.removed, done.restored, done.kept) == (1, 1, 0)
    assert _figures(prepared_engine) == {("SARC", "Hama", "Homs"): (1000, first.batch_id),
                                         ("SARC", "Homs", "Tartous"): (200, first.batch_id)}
    assert not any(summary.check_summaries(prepared_engine).values())  # the weekly sums follow
    with prepared_engine.connect() as conn:
        assert conn.execute(select(load_batch.c.status).where(load_batch.c.batch_id == second.batch_id)).scalar() \
            == "deleted"
        assert conn.execute(select(func.count()).select_from(record_revision)
                            .where(record_revision.c.replaced_by_batch_id == second.batch_id)).scalar() == 0
    with pytest.raises(batches.BatchError, match="deleted already"):
        batches.delete_batch(prepared_engine, second.batch_id, actor=ADMIN)

    again = _template(prepared_engine, "week1_revised.csv", "flow,2024-12-05,Hama,Homs,1200,,,,SARC,",
                      "flow,2024-12-05,Homs,Tartous,200,,,,SARC,", "flow,2024-12-06,Hama,Idleb,300,,,,SARC,")
    assert again.status == "loaded" and again.batch_id != second.batch_id  # the same file loads again
    assert _figures(prepared_engine)[("SARC", "Hama", "Idleb")] == (300, again.batch_id)


def test_a_row_a_later_load_revised_again_is_left_as_that_load_made_it(prepared_engine):
    _template(prepared_engine, "a.csv", "flow,2024-12-05,Hama,Homs,1000,,,,SARC,")
    middle = _template(prepared_engine, "b.csv", "flow,2024-12-05,Hama,Homs,1100,,,,SARC,")
    last = _template(prepared_engine, "c.csv", "flow,2024-12-05,Hama,Homs,1300,,,,SARC,")
    done = batches.delete_batch(prepared_engine, middle.batch_id, actor=ADMIN)
    assert (done.removed, done.restored, done.kept) == (0, 0, 1)
    assert _figures(prepared_engine)[("SARC", "Hama", "Homs")] == (1300, last.batch_id)


def test_a_gazetteer_batch_is_not_deleted(prepared_engine):
    with prepared_engine.connect() as conn:
        gazetteer = conn.execute(select(load_batch.c.batch_id).order_by(load_batch.c.batch_id)).scalars().first()
    with pytest.raises(batches.BatchError, match="brought .* administrative place"):
        batches.delete_batch(prepared_engine, gazetteer, actor=ADMIN)
