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
from db.schema import conflict_event, displacement_figure, event_count, load_batch, site_population
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
    """The ACLED fixture without coordinates: a town the gazetteer lacks then waits for review instead of
    becoming a place of the batch (a batch that brought places is never deletable, like a site list's)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO((FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv")
                                       .read_text(encoding="utf-8"))))
    lat, lon = rows[0].index("latitude"), rows[0].index("longitude")
    for row in rows[1:]:
        row[lat] = row[lon] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


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
    # the first list brings the sites (its batch is never deletable); the third repeats it, line ends aside
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
