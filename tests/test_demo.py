"""The demo database: deterministic, labelled synthetic, a year of history shaped like 2024, and
removable in one step (command line and Admin page) without touching real loads."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from access.policy import Actor, PermissionDenied, Role
from db import queries
from db.demo import DEMO_LABEL, REQUIRED_PLACES, build_demo, create_demo, remove_demo
from db.schema import audit_event, conflict_event, displacement_figure, event_count, load_batch, place, \
    site_population, source
from gazetteer import load_gazetteer
from tests.conftest import FIXTURES_DIR

FACT_TABLES = (conflict_event, displacement_figure, site_population, event_count)


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
    persons = flows[(flows.unit == "persons") & (flows.day >= date(2024, 11, 27))]  # since the offensive began
    assert persons.figure.sum() > 20_000
    # not before the first clashes at Hama, except the quiet baseline's few
    assert persons[persons.day < date(2024, 12, 2)].figure.sum() < 0.02 * persons.figure.sum()
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


# --- a year of history ---------------------------------------------------------------------------------

def _monday(day) -> date:
    day = pd.Timestamp(day).date()
    return day - timedelta(days=day.weekday())


def _syrian_governorates(engine) -> dict[int, str]:
    """place id → name of every governorate under Syria, read from the place table."""
    country = place.alias("country")
    with engine.connect() as conn:
        return dict(conn.execute(select(place.c.place_id, place.c.name_en)
                                 .join(country, country.c.place_id == place.c.parent_id)
                                 .where(place.c.kind == "governorate", country.c.place_key == "SY")).all())


def _governorate_of(engine, governorates: dict[int, str]):
    gazetteer = load_gazetteer(engine)

    def of(place_id):
        chain = [gazetteer.places[place_id], *gazetteer.ancestors(place_id)]
        return next((governorates[p.place_id] for p in chain if p.place_id in governorates), None)
    return of


def _frame(engine, query, columns) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=columns)


def test_the_demo_spans_a_year_of_weeks(demo_engine):
    events = _frame(demo_engine, select(conflict_event.c.event_date), ["day"])
    flows = _frame(demo_engine, select(displacement_figure.c.period_end)
                   .where(displacement_figure.c.figure_kind == "new_displacement"), ["day"])
    sites = _frame(demo_engine, select(site_population.c.reported_date), ["day"])
    for rows in (events, flows, sites):
        assert rows["day"].map(_monday).nunique() >= 52


def test_events_and_flights_cover_every_governorate(demo_engine):
    governorates = _syrian_governorates(demo_engine)
    assert len(governorates) == 14
    of = _governorate_of(demo_engine, governorates)
    events = _frame(demo_engine, select(conflict_event.c.place_id), ["place_id"])
    flights = _frame(demo_engine, select(displacement_figure.c.origin_place_id)
                     .where(displacement_figure.c.figure_kind == "new_displacement"), ["place_id"])
    stocks = _frame(demo_engine, select(displacement_figure.c.destination_place_id, displacement_figure.c.period_end)
                    .where(displacement_figure.c.figure_kind == "idp_stock"), ["place_id", "day"])
    assert set(events["place_id"].map(of)) == set(governorates.values())
    assert set(flights["place_id"].map(of)) == set(governorates.values())
    # a month-end stock per governorate and month of 2024
    assert set(stocks["place_id"]) == set(governorates) and len(stocks) == 14 * 12
    assert stocks.groupby("place_id")["day"].max().eq(date(2024, 12, 31)).all()


def _weekly_persons(engine, kind: str, by: str | None = None) -> pd.DataFrame:
    f = displacement_figure
    rows = _frame(engine, select(f.c.period_end, f.c.figure, f.c.origin_place_id)
                  .where(f.c.figure_kind == kind, f.c.unit == "persons", f.c.figure.is_not(None)),
                  ["day", "figure", "place_id"])
    return rows.assign(week=rows["day"].map(_monday))


def test_the_offensive_is_the_peak_of_a_quiet_year(demo_engine):
    weekly = _weekly_persons(demo_engine, "new_displacement").groupby("week")["figure"].sum()
    assert date(2024, 11, 25) <= weekly.idxmax() <= date(2024, 12, 31)
    before = weekly[weekly.index < date(2024, 11, 18)]
    assert len(before) >= 40 and before.max() < weekly.max() / 5 and before.median() > 0


def test_returns_rise_in_the_summer(demo_engine):
    returns = _weekly_persons(demo_engine, "return")
    month = returns["day"].map(lambda d: d.month)
    summer, winter = returns[month.isin([6, 7, 8])]["figure"].sum(), returns[month.isin([1, 2])]["figure"].sum()
    assert winter > 0 and summer > 3 * winter


def test_displacement_follows_a_governorates_events_within_two_weeks(demo_engine):
    """The lag view's question, answered here from the raw rows: in each governorate the weekly
    displacement correlates best with the events 0–2 weeks before it."""
    governorates = _syrian_governorates(demo_engine)
    of = _governorate_of(demo_engine, governorates)
    weeks = pd.Index(sorted({_monday(date(2024, 1, 1) + timedelta(days=7 * i)) for i in range(53)}))
    events = _frame(demo_engine, select(conflict_event.c.event_date, conflict_event.c.place_id), ["day", "place_id"])
    events = events.assign(week=events["day"].map(_monday), area=events["place_id"].map(of))
    flights = _weekly_persons(demo_engine, "new_displacement")
    flights = flights.assign(area=flights["place_id"].map(of))
    best = {}
    for area in governorates.values():
        x = events[events.area == area].groupby("week").size().reindex(weeks, fill_value=0).to_numpy(float)
        y = flights[flights.area == area].groupby("week")["figure"].sum().reindex(weeks, fill_value=0).to_numpy(float)
        correlations = [np.corrcoef(x[:len(x) - lag], y[lag:])[0, 1] for lag in range(5)]
        best[area] = (int(np.nanargmax(correlations)), max(correlations))
    assert all(lag <= 2 and r > 0.3 for lag, r in best.values()), best


def test_site_counts_follow_the_arrivals_and_departures(demo_engine):
    """Week to week, a demo site's count changes by the persons who arrived minus those who left."""
    site = place.c.place_key == "demo:site:tabqa_cc"
    counts = _frame(demo_engine, select(site_population.c.reported_date, site_population.c.individuals)
                    .join(place, place.c.place_id == site_population.c.site_id).where(site)
                    .order_by(site_population.c.reported_date), ["day", "individuals"])
    f = displacement_figure
    with demo_engine.connect() as conn:
        site_id = conn.execute(select(place.c.place_id).where(site)).scalar()
        moves = pd.DataFrame(conn.execute(
            select(f.c.period_end, f.c.figure, f.c.origin_place_id, f.c.destination_place_id)
            .where(f.c.unit == "persons", f.c.figure.is_not(None), f.c.figure_kind.in_(["new_displacement", "return"]),
                   (f.c.origin_place_id == site_id) | (f.c.destination_place_id == site_id))).all(),
            columns=["day", "figure", "origin", "destination"])
    net = (moves["figure"].where(moves["destination"] == site_id, 0)
           - moves["figure"].where(moves["origin"] == site_id, 0)).groupby(moves["day"].map(_monday)).sum()
    assert len(counts) >= 52
    for previous, current in zip(counts.itertuples(), counts.iloc[1:].itertuples()):
        assert current.individuals - previous.individuals == net.get(_monday(current.day), 0), current.day


# --- removing the demo -----------------------------------------------------------------------------------

def _demo_rows(engine) -> int:
    with engine.connect() as conn:
        demo_sources = select(source.c.source_id).where(source.c.is_demo.is_(True)).scalar_subquery()
        return sum(conn.execute(select(func.count()).select_from(t).where(t.c.source_id.in_(demo_sources))).scalar()
                   for t in FACT_TABLES)


def _real_rows(engine) -> list:
    with engine.connect() as conn:
        return [sorted(conn.execute(select(t)).all()) for t in FACT_TABLES]


def test_remove_takes_every_demo_row_and_leaves_real_loads(monkeypatch, capsys, prepared_engine):
    from db.__main__ import main
    from db.summary import check_summaries
    from loaders.ingest import ingest_file

    ingest_file(prepared_engine, FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv")
    real = _real_rows(prepared_engine)
    assert any(real)
    create_demo(prepared_engine)
    assert _demo_rows(prepared_engine) > 5_000
    monkeypatch.setenv("DATABASE_URL", prepared_engine.url.render_as_string(hide_password=False))

    assert main(["demo", "--remove"]) == 0
    assert "demo data (synthetic) removed: 7 batch(es)" in capsys.readouterr().out
    assert _demo_rows(prepared_engine) == 0
    assert not queries.query_has_demo_data(prepared_engine)  # no page says "demo data" any more
    assert _real_rows(prepared_engine) == real
    assert not any(check_summaries(prepared_engine).values())  # what the summaries held from the demo went too
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(place)
                            .where(place.c.place_key.startswith("demo:"))).scalar() == 0
        deleted = conn.execute(select(load_batch.c.batch_id).join(source, source.c.source_id == load_batch.c.source_id)
                               .where(source.c.is_demo.is_(True), load_batch.c.status == "deleted")).scalars().all()
        audited = conn.execute(select(audit_event.c.batch_id).where(audit_event.c.action == "delete_batch")).scalars()
        assert sorted(audited) == sorted(deleted) and len(deleted) == 7
        trail = conn.execute(select(func.count()).select_from(audit_event)).scalar()

    assert main(["demo", "--remove"]) == 0  # again: nothing to do, nothing written
    assert "nothing removed" in capsys.readouterr().out
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_event)).scalar() == trail
    assert _real_rows(prepared_engine) == real


def test_the_demo_can_come_back_after_removal(prepared_engine):
    create_demo(prepared_engine)
    loaded = _demo_rows(prepared_engine)
    remove_demo(prepared_engine)
    results = create_demo(prepared_engine)
    assert {r.status for r in results} == {"loaded"} and _demo_rows(prepared_engine) == loaded


def test_only_an_admin_may_remove_the_demo(prepared_engine):
    create_demo(prepared_engine)
    with pytest.raises(PermissionDenied):
        remove_demo(prepared_engine, actor=Actor("im@field.ngo.example", Role.EDITOR))
    assert _demo_rows(prepared_engine) > 0


def test_an_admin_removes_the_demo_from_the_admin_page(monkeypatch, prepared_engine):
    from tests.test_access import USERS, _run

    create_demo(prepared_engine)
    at = _run(monkeypatch, prepared_engine, "../pages/10_Admin.py", USERS["admin"])
    assert at.button(key="admin-remove-demo").disabled  # not until confirmed
    at.checkbox(key="admin-demo-confirm").check().run()
    at.button(key="admin-remove-demo").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Demo data removed: 7 batch(es)")
    assert _demo_rows(prepared_engine) == 0
    assert "No demo data is loaded." in [i.value for i in at.info]
    with prepared_engine.connect() as conn:
        actors = set(conn.execute(select(audit_event.c.actor).where(audit_event.c.action == "delete_batch")).scalars())
    assert actors == {"head@ngo.example"}


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_the_remove_button_is_for_admins_only(monkeypatch, prepared_engine, role):
    from tests.test_access import USERS, _run

    create_demo(prepared_engine)
    at = _run(monkeypatch, prepared_engine, "../pages/10_Admin.py", USERS[role])
    assert not at.exception
    assert not any(b.key == "admin-remove-demo" for b in at.button)
    assert _demo_rows(prepared_engine) > 0
