"""The demo database: deterministic, labelled synthetic, and shaped like the 2024 timeline."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

from db import queries
from db.demo import DEMO_LABEL, REQUIRED_PLACES, build_demo, create_demo
from db.schema import conflict_event, displacement_figure, place, source
from gazetteer import load_gazetteer


@pytest.fixture(scope="module")
def demo_gazetteer(demo_engine):
    """The gazetteer with the demo's invented sites, as build_demo() expects it."""
    return load_gazetteer(demo_engine)


def _content(parts):
    return [(p.name, [(t.name, cols, rows) for t, cols, rows in p.tables]) for p in parts]


def test_the_same_seed_gives_the_same_rows(demo_gazetteer):
    assert _content(build_demo(demo_gazetteer, seed=7)) == _content(build_demo(demo_gazetteer, seed=7))
    assert _content(build_demo(demo_gazetteer, seed=7)) != _content(build_demo(demo_gazetteer, seed=8))


def test_every_place_the_demo_names_is_in_the_gazetteer(seeded_gazetteer):
    missing = [n for n in REQUIRED_PLACES
               if not (seeded_gazetteer.resolve(n, kind="community").is_resolved
                       or seeded_gazetteer.resolve(n, kind="site").is_resolved)]
    assert missing == []


def test_every_demo_source_is_labelled_synthetic(demo_engine):
    with demo_engine.connect() as conn:
        rows = conn.execute(select(source.c.title, source.c.is_demo).where(source.c.source_kind == "demo")).all()
    assert len(rows) >= 5
    assert all(is_demo and DEMO_LABEL in title for title, is_demo in rows)


def test_loading_the_demo_again_changes_nothing(demo_engine):
    def counts():
        with demo_engine.connect() as conn:
            return [conn.execute(select(func.count()).select_from(t)).scalar()
                    for t in (source, conflict_event, displacement_figure, place)]

    before = counts()
    results = create_demo(demo_engine)
    assert {r.status for r in results} == {"unchanged"}
    assert counts() == before


def test_the_timeline_has_its_turning_points(demo_engine):
    with demo_engine.connect() as conn:
        rows = conn.execute(
            select(conflict_event.c.event_date, place.c.name_en, conflict_event.c.sub_event_type)
            .join(place, place.c.place_id == conflict_event.c.place_id)
        ).all()
    events = {(d, name, sub) for d, name, sub in rows}
    assert (date(2024, 11, 30), "Aleppo", "Non-state actor overtakes territory") in events
    assert (date(2024, 12, 5), "Hama", "Non-violent transfer of territory") in events
    assert (date(2024, 12, 8), "Homs", "Non-state actor overtakes territory") in events
    assert (date(2024, 12, 8), "Damascus", "Non-violent transfer of territory") in events
    assert min(d for d, _, _ in rows) <= date(2024, 11, 27) <= max(d for d, _, _ in rows)


def test_flight_from_hama_follows_the_fighting_there(demo_engine):
    origin = place.alias("origin")
    with demo_engine.connect() as conn:
        flows = pd.DataFrame(conn.execute(
            select(displacement_figure.c.period_start, displacement_figure.c.figure, displacement_figure.c.unit)
            .join(origin, origin.c.place_id == displacement_figure.c.origin_place_id)
            .where(origin.c.name_en == "Hama", origin.c.kind == "community",
                   displacement_figure.c.figure_kind == "new_displacement")
        ).all(), columns=["day", "figure", "unit"])
    persons = flows[flows.unit == "persons"]
    assert persons.figure.sum() > 20_000
    assert persons.day.min() >= date(2024, 12, 2)  # not before the first clashes at Hama
    assert persons.groupby("day").figure.sum().idxmax() <= date(2024, 12, 5)  # the spike comes first


def test_vague_reports_are_stored_without_a_number(demo_engine):
    with demo_engine.connect() as conn:
        vague = conn.execute(
            select(displacement_figure.c.figure, displacement_figure.c.qualifier)
            .where(displacement_figure.c.qualifier == "vague")
        ).all()
    assert vague and all(figure is None for figure, _ in vague)


def test_headline_keeps_units_apart(demo_engine):
    headline = queries.query_headline(demo_engine, date(2024, 12, 1), date(2024, 12, 7))
    totals = headline.new_displacement.set_index("unit")
    assert set(totals.index) == {"persons", "households"}
    with demo_engine.connect() as conn:
        persons = conn.execute(
            select(func.sum(displacement_figure.c.figure)).where(
                displacement_figure.c.unit == "persons", displacement_figure.c.figure_kind == "new_displacement",
                displacement_figure.c.period_end.between(date(2024, 12, 1), date(2024, 12, 7)))
        ).scalar()
    assert totals.loc["persons", "total"] == persons
    assert totals.loc["households", "reports_without_figure"] >= 1
    assert headline.events > 0 and headline.people_in_sites > 0


def test_scale_adds_the_requested_volume(demo_gazetteer):
    parts = build_demo(demo_gazetteer, scale=500)
    scale = next(p for p in parts if p.name == "scale")
    assert [len(rows) for _, _, rows in scale.tables] == [500, 500]
