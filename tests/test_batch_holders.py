"""Deleting a batch loses nothing that another live batch holds (issue 16).

Each case loads two or three files that share rows (some identical, some revised), deletes some
of the batches, and compares every fact row with a fresh database into which only the files of
the batches left alive were loaded: that database is the oracle, never the delete itself.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from access.policy import Actor, Role
from db import batches, summary
from db.schema import conflict_event, displacement_figure, event_count, load_batch, place, place_alias, site, \
    site_population
from db.setup import prepare_database
from loaders.ingest import ingest_file
from tests.conftest import FIXTURES_DIR
from tests.test_data_quality_page import TEMPLATE_HEADER

ADMIN = Actor("head@ngo.example", Role.ADMIN)
FACT_TABLES = (conflict_event, event_count, displacement_figure, site_population)
NOT_COMPARED = {"event_id", "count_id", "figure_id", "population_id", "source_id", "batch_id"}


def _template(*rows: str) -> bytes:
    return (TEMPLATE_HEADER + "".join(r + "\n" for r in rows)).encode()


def _acled_text() -> str:
    """The ACLED fixture: towns the gazetteer lacks become places of the batch, at their coordinates."""
    return (FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv").read_text(encoding="utf-8")


def _acled_revised() -> bytes:
    """The ACLED rows with the first event's fatalities changed (7 → 9), the others identical."""
    text = _acled_text()
    first = next(line for line in text.splitlines() if line.startswith("SYR900001,"))
    assert first.count(",7,,") == 1
    return text.replace(first, first.replace(",7,,", ",9,,")).encode()


def _cccm(name: str) -> bytes:
    return (FIXTURES_DIR / "cccm" / name).read_bytes()


SITREP = (FIXTURES_DIR / "reports" / "sitrep_deir_ez_zor.md").read_bytes()

# name → [(file name, bytes, publication date or None)], in load order
CASES = {
    "figures": [("week1.csv", _template("flow,2024-12-05,Hama,Homs,1000,,,,SARC,",
                                        "flow,2024-12-05,Homs,Tartous,200,,,,SARC,"), None),
                ("week1_revised.csv", _template("flow,2024-12-05,Hama,Homs,1200,,,,SARC,",
                                                "flow,2024-12-05,Homs,Tartous,200,,,,SARC,",
                                                "flow,2024-12-06,Hama,Idleb,300,,,,SARC,"), None)],
    "events": [("acled.csv", _acled_text().encode(), None),
               ("acled_revised.csv", _acled_revised(), None)],
    # the second date moves "on Saturday" to another day; "since 1 December" stays the same fact
    "text facts": [("sitrep.md", SITREP, date(2024, 12, 10)), ("sitrep.md", SITREP, date(2024, 12, 17))],
    # the first list brings the sites; the third repeats it, line ends aside
    "site counts": [("cccm_three_sites_2020-07.csv", _cccm("cccm_three_sites_2020-07.csv"), None),
                    ("cccm_three_sites_revised_individuals_2020-07.csv",
                     _cccm("cccm_three_sites_revised_individuals_2020-07.csv"), None),
                    ("cccm_three_sites_again_2020-07.csv",
                     _cccm("cccm_three_sites_2020-07.csv").replace(b"\n", b"\r\n"), None)],
}
# name → [(batches deleted, in this order, as positions in the case's list)]
DELETES = [
    ("figures", (0,)), ("figures", (1,)),
    ("events", (0,)), ("events", (1,)),
    ("text facts", (0,)), ("text facts", (1,)),
    ("site counts", (1,)), ("site counts", (2,)), ("site counts", (1, 2)), ("site counts", (2, 1)),
    # the batch that brought the sites and towns: they stay while a live batch names them, and go after
    ("site counts", (0,)), ("site counts", (0, 1, 2)), ("events", (0, 1)), ("events", (1, 0)),
]


def _load(engine, files) -> list[int]:
    loaded = [ingest_file(engine, name, data=data, published=published).batch for name, data, published in files]
    assert [batch.status for batch in loaded] == ["loaded"] * len(files)
    return [batch.batch_id for batch in loaded]


def _facts(engine) -> dict[str, list[tuple]]:
    """Every fact row's values (no ids), with the status of the batch it is attributed to. When two
    live batches loaded the same values either may hold the row, so the batch itself is not compared."""
    found = {}
    with engine.connect() as conn:
        for table in FACT_TABLES:
            columns = [c for c in table.c if c.name not in NOT_COMPARED]
            rows = conn.execute(select(*columns, load_batch.c.status)
                                .join(load_batch, load_batch.c.batch_id == table.c.batch_id)).all()
            found[table.name] = sorted((tuple(row) for row in rows), key=repr)
        # places by their natural key (ids differ between databases), with their sites and aliases
        found["place"] = sorted(conn.execute(select(place.c.place_key, place.c.kind, place.c.name_en,
                                                    place.c.lat, place.c.lon)).all())
        found["site"] = sorted(conn.execute(select(site.c.site_code, site.c.site_type)).all(), key=repr)
        found["place_alias"] = len(conn.execute(select(place_alias.c.alias_id)).all())
    return found


@pytest.mark.parametrize(("case", "deleted"), DELETES, ids=[f"{c}-delete-{d}" for c, d in DELETES])
def test_deleting_batches_leaves_what_the_live_batches_hold(databases, prepared_engine, case, deleted):
    files = CASES[case]
    batch_ids = _load(prepared_engine, files)
    for position in deleted:
        batches.delete_batch(prepared_engine, batch_ids[position], actor=ADMIN)

    alive = [f for position, f in enumerate(files) if position not in deleted]
    oracle = databases.new_engine()
    try:
        prepare_database(oracle)
        _load(oracle, alive)
        assert _facts(prepared_engine) == _facts(oracle)
    finally:
        oracle.dispose()
    assert not any(summary.check_summaries(prepared_engine).values())  # the summaries equal a rebuild


def test_a_row_held_by_a_live_batch_is_handed_over_and_its_file_reloads_as_nothing_new(prepared_engine):
    first, second = _load(prepared_engine, CASES["figures"])
    done = batches.delete_batch(prepared_engine, first, actor=ADMIN)
    # of its two rows, one the second file revised (its own now) and one it loaded unchanged (handed over)
    assert (done.removed, done.restored, done.kept, done.handed_over) == (0, 0, 0, 1)
    assert ingest_file(prepared_engine, "week1_revised.csv", data=CASES["figures"][1][1]).batch.status == "unchanged"
    # every batch of the first file is deleted: it loads again, and revises the figure back
    again = ingest_file(prepared_engine, "week1.csv", data=CASES["figures"][0][1]).batch
    assert (again.status, again.rows_updated, again.rows_unchanged) == ("loaded", 1, 1)


def test_a_deleted_batchs_towns_leave_the_gazetteer_and_come_back_with_its_file(prepared_engine):
    def towns():
        with prepared_engine.connect() as conn:
            return dict(conn.execute(select(place.c.place_key, place.c.batch_id)
                                     .where(place.c.kind == "community", place.c.batch_id.is_not(None))).all())

    before = towns()
    (first,) = _load(prepared_engine, CASES["events"][:1])
    brought = {key for key, batch in towns().items() if batch == first}
    assert brought  # the fixture names towns the shipped gazetteer lacks
    done = batches.delete_batch(prepared_engine, first, actor=ADMIN)
    assert (done.places_removed, done.places_kept) == (len(brought), 0)
    assert towns() == before
    # the gazetteer this process built before the delete does not keep the removed towns' ids
    (again,) = _load(prepared_engine, CASES["events"][:1])
    assert {key for key, batch in towns().items() if batch == again} == brought
    with prepared_engine.connect() as conn:
        placed = conn.execute(select(conflict_event.c.place_id).where(conflict_event.c.batch_id == again)).scalars()
        assert None not in set(placed)
