"""The weekly and day summaries stay equal to the raw rows they summarise, whatever wrote the rows.

After loads, re-loads that revise values and move rows to other weeks, review decisions and
the migration that fills them on an existing database, the summary tables must hold exactly
what a full rebuild gives and what a GROUP BY written independently here (in pandas, over the
raw rows) gives. The flow queries that read them must return what the raw rows give.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import delete, func, insert, select

from db import summary, vocab
from db.filters import Filters
from db.flows_queries import query_flow_pairs, query_flow_pairs_raw, query_weekly_flows, query_weekly_flows_raw
from db.records import SourceInfo
from db.review import decide
from db.schema import (
    conflict_event,
    displacement_figure,
    place,
    summary_event_day,
    summary_event_location_week,
    summary_event_week,
    summary_figure_day,
    summary_flow_pair_to_date,
    summary_flow_pair_week,
    summary_flow_place_week,
)
from db.writes import write_fact_load
from loaders.context import Chunk
from loaders.report import LoadReport

SUMMARY_TABLES = (summary_flow_place_week, summary_flow_pair_week, summary_flow_pair_to_date, summary_event_week,
                  summary_event_location_week, summary_figure_day, summary_event_day)


# --- the summaries as this test computes them, independently of db/summary.py -------------------

def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _multiset(rows) -> Counter:
    return Counter(tuple(_plain(v) for v in row) for row in rows)


def _raw(engine, table) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(select(table))
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _sum_or_none(values: pd.Series):
    return values.sum(min_count=1)


def expected_pairs_to_date(by_pair: pd.DataFrame) -> Counter:
    """The year-to-date pair sums: for each pair, every Monday from its first week of data in a
    year through the last Monday of that year, its sums since the year's first Monday."""
    if by_pair.empty:
        return Counter()
    keys = ["origin_place_id", "origin_name_raw", "destination_place_id", "destination_name_raw", "figure_kind",
            "unit", "provider", "from_text"]
    rows = []
    frame = by_pair.assign(year=[week.year for week in by_pair["week_start"]])
    for key, group in frame.groupby(keys + ["year"], dropna=False):
        weekly = dict(zip(group["week_start"], zip(group["value"], group["reports"])))
        week, value, reports = min(weekly), 0.0, 0
        while week.year == key[-1]:
            value, reports = value + weekly.get(week, (0.0, 0))[0], reports + weekly.get(week, (0.0, 0))[1]
            rows.append((week, *key[:-1], value, reports))
            week += timedelta(weeks=1)
    return _multiset(rows)


def expected_day_summaries(f: pd.DataFrame, e: pd.DataFrame) -> dict[str, Counter]:
    """The day tables: every dated row, whatever its review status, per day, batch and status."""
    f = f[f["day"].notna()]
    keys = ["day", "batch_id", "source_id", "provider", "review_status"]
    flags = {"is_cumulative": f["is_cumulative"].astype(bool), "held_in_finer": f["held_in_finer"].astype(bool)}
    by_figure_day = (f.assign(**flags)
                     .groupby(keys + ["figure_kind", "unit", "is_cumulative", "held_in_finer"], as_index=False)
                     .agg(reports=("figure_id", "size"), reports_with_figure=("figure", "count"),
                          value=("figure", _sum_or_none)))
    e = e[e["event_date"].notna()].rename(columns={"event_date": "day"})
    by_event_day = e.groupby(keys, as_index=False).agg(events=("event_id", "size"),
                                                       fatalities=("fatalities", _sum_or_none))
    return {"summary_figure_day": _multiset(by_figure_day.itertuples(index=False)),
            "summary_event_day": _multiset(by_event_day.itertuples(index=False))}


def expected_summaries(engine) -> dict[str, Counter]:
    """Each summary table's rows, from the raw rows by the counting rules written out in pandas."""
    f = _raw(engine, displacement_figure)
    f["day"] = [end if end is not None else start for end, start in zip(f["period_end"], f["period_start"])]
    e = _raw(engine, conflict_event)
    days = expected_day_summaries(f, e)
    f = f[f["review_status"].isin(vocab.COUNTED_REVIEW_STATUSES) & ~f["is_cumulative"].astype(bool)
          & ~f["held_in_finer"].astype(bool) & f["figure"].notna() & f["day"].notna()].copy()
    f["week_start"] = [_monday(day) for day in f["day"]]
    f["from_text"] = f["provider"] == "text"
    places = []
    for side in ("origin", "destination"):
        part = f.assign(side=side, place_id=f[f"{side}_place_id"],
                        place_name_raw=f[f"{side}_name_raw"].where(f[f"{side}_place_id"].isna(), None))
        places.append(part)
    keys = ["week_start", "side", "place_id", "place_name_raw", "figure_kind", "unit", "provider", "from_text"]
    by_place = (pd.concat(places).groupby(keys, dropna=False, as_index=False)
                .agg(value=("figure", "sum"), reports=("figure", "size")) if len(f) else pd.DataFrame())
    f["origin_name_raw"] = f["origin_name_raw"].where(f["origin_place_id"].isna(), None)
    f["destination_name_raw"] = f["destination_name_raw"].where(f["destination_place_id"].isna(), None)
    pair_keys = ["week_start", "origin_place_id", "origin_name_raw", "destination_place_id", "destination_name_raw",
                 "figure_kind", "unit", "provider", "from_text"]
    by_pair = (f.groupby(pair_keys, dropna=False, as_index=False).agg(value=("figure", "sum"),
                                                                     reports=("figure", "size"))
               if len(f) else pd.DataFrame())
    e = e[e["review_status"].isin(vocab.COUNTED_REVIEW_STATUSES) & e["event_date"].notna()].copy()
    e["week_start"] = [_monday(day) for day in e["event_date"]]
    e["from_text"] = e["provider"] == "text"
    e["place_name_raw"] = e["place_name_raw"].where(e["place_id"].isna(), None)
    event_keys = ["week_start", "event_type", "sub_event_type", "place_id", "place_name_raw", "provider", "from_text"]
    by_event = (e.groupby(event_keys, dropna=False, as_index=False)
                .agg(events=("event_id", "size"), fatalities=("fatalities", lambda s: s.sum(min_count=1)))
                if len(e) else pd.DataFrame())
    location_keys = ["week_start", "place_id", "place_name_raw", "lat", "lon", "event_type", "provider", "from_text"]
    by_location = (e.groupby(location_keys, dropna=False, as_index=False)
                   .agg(events=("event_id", "size"), fatalities=("fatalities", lambda s: s.sum(min_count=1)))
                   if len(e) else pd.DataFrame())
    return {
        "summary_flow_place_week": _multiset(by_place.itertuples(index=False)) if len(by_place) else Counter(),
        "summary_flow_pair_week": _multiset(by_pair.itertuples(index=False)) if len(by_pair) else Counter(),
        "summary_flow_pair_to_date": expected_pairs_to_date(by_pair) if len(by_pair) else Counter(),
        "summary_event_week": _multiset(by_event.itertuples(index=False)) if len(by_event) else Counter(),
        "summary_event_location_week": (_multiset(by_location.itertuples(index=False)) if len(by_location)
                                        else Counter()),
        **days,
    }


def stored_summaries(engine) -> dict[str, Counter]:
    with engine.connect() as conn:
        return {table.name: _multiset(conn.execute(select(table)).all()) for table in SUMMARY_TABLES}


def assert_summaries_current(engine) -> None:
    stored = stored_summaries(engine)
    assert stored == expected_summaries(engine)
    assert summary.check_summaries(engine) == {table.name: 0 for table in SUMMARY_TABLES}


# --- loads through the writer --------------------------------------------------------------------

def _place_ids(engine, n: int) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(place.c.place_id).where(place.c.kind == "community")
                                 .order_by(place.c.place_id).limit(n)).scalars())


def _figure(key, day, origin, destination, figure=100.0, **changes) -> dict:
    row = {"provider": "partner", "record_key": key, "figure_kind": "new_displacement", "unit": "persons",
           "qualifier": "exact", "figure": figure, "is_cumulative": False, "origin_place_id": origin,
           "origin_name_raw": "Origin as written", "destination_place_id": destination,
           "destination_name_raw": "Destination as written", "period_start": day, "period_end": day,
           "review_status": "not_required"}
    return {**row, **changes}


def _event(key, day, place_id, fatalities=1, **changes) -> dict:
    row = {"provider": "ACLED", "record_key": key, "event_date": day, "date_precision": "day",
           "event_type": "Battles", "sub_event_type": "Armed clash", "place_id": place_id,
           "place_name_raw": "Town as written", "fatalities": fatalities, "review_status": "not_required"}
    return {**row, **changes}


def _load(engine, name: str, figures=(), events=()):
    report = LoadReport(name)
    chunks = [Chunk("displacement_figure", list(enumerate(figures, 1))),
              Chunk("conflict_event", list(enumerate(events, 1)))]
    info = SourceInfo(source_kind="test", title=name, sha256=f"{abs(hash(name)):064d}"[-64:], file_name=name)
    return write_fact_load(engine, info, [c for c in chunks if c.rows], report=report)


DEC_2, DEC_9, DEC_16 = date(2024, 12, 2), date(2024, 12, 9), date(2024, 12, 16)


def _first_load(engine):
    a, b, c = _place_ids(engine, 3)
    figures = [
        _figure("f1", DEC_2 + timedelta(days=2), a, b, 1200.0),
        _figure("f2", DEC_2 + timedelta(days=6), a, None, 300.0),  # a Sunday: still the week of 2 Dec
        _figure("f3", DEC_9, None, c, 50.5, origin_name_raw="Unknown village"),
        _figure("f4", None, a, b, 80.0, period_start=DEC_9 + timedelta(days=1)),  # no end: counted by its start
        _figure("f5", DEC_9, a, b, 999.0, is_cumulative=True),  # a running total: not a flow
        _figure("f6", DEC_9, a, b, None, qualifier="vague", unit="households"),  # no number: not summed
        _figure("f7", DEC_16, b, a, 40.0, unit="households", qualifier="approx"),
        _figure("f8", DEC_16, None, None, 10.0, origin_name_raw=None, destination_name_raw=None),
    ]
    events = [
        _event("e1", DEC_2, a, 3),
        _event("e2", DEC_2 + timedelta(days=3), a, None),  # fatalities unknown
        _event("e3", DEC_9, None, 0, place_name_raw="Unknown village"),
        _event("e4", DEC_16, b, 2, event_type="Protests", sub_event_type="Peaceful protest"),
    ]
    return _load(engine, "first.csv", figures, events), (a, b, c)


def test_a_load_fills_the_summaries_of_its_weeks(prepared_engine):
    _first_load(prepared_engine)
    assert_summaries_current(prepared_engine)
    with prepared_engine.connect() as conn:
        weeks = set(conn.execute(select(summary_flow_place_week.c.week_start)).scalars())
        unplaced = conn.execute(select(summary_flow_place_week.c.value).where(
            summary_flow_place_week.c.place_name_raw == "Unknown village")).scalars().all()
    assert weeks == {DEC_2, DEC_9, DEC_16}
    assert unplaced == [50.5]


def test_a_reload_that_revises_and_moves_rows_recomputes_old_and_new_weeks(prepared_engine):
    _, (a, b, c) = _first_load(prepared_engine)
    later = date(2025, 1, 8)
    revised = _load(prepared_engine, "second.csv", figures=[
        _figure("f1", later, a, b, 1300.0),  # moved to January: the week of 2 Dec must lose it
        _figure("f2", DEC_2 + timedelta(days=6), c, None, 310.0),  # another origin, same week
        _figure("f7", DEC_16, b, a, 40.0, unit="households", qualifier="approx", review_status="rejected"),
        _figure("f9", DEC_9, c, a, 5.0),  # new
    ], events=[_event("e1", later, a, 4), _event("e4", DEC_16, b, 2, event_type="Protests",
                                                 sub_event_type="Peaceful protest")])
    assert (revised.rows_updated, revised.rows_inserted, revised.rows_unchanged) == (4, 1, 1)
    assert_summaries_current(prepared_engine)
    with prepared_engine.connect() as conn:
        old_week = conn.execute(select(func.coalesce(func.sum(summary_flow_pair_week.c.value), 0)).where(
            summary_flow_pair_week.c.week_start == DEC_2)).scalar()
        events_then = conn.execute(select(summary_event_week.c.week_start, summary_event_week.c.events)
                                   .order_by(summary_event_week.c.week_start)).all()
    assert old_week == 310.0
    assert (date(2025, 1, 6), 1) in events_then


def _pending_text_facts(engine):
    a, b, _ = _place_ids(engine, 3)
    text = {"provider": "text", "review_status": "pending"}
    _load(engine, "report.txt", figures=[_figure("t1", DEC_9, a, b, 700.0, **text),
                                         _figure("t2", DEC_9, None, b, 60.0, origin_name_raw="Hamra", **text)],
          events=[_event("t1", None, a, None, **text), _event("t2", DEC_16, a, 1, **text)])
    with engine.connect() as conn:
        figures = dict(conn.execute(select(displacement_figure.c.record_key, displacement_figure.c.figure_id)
                                    .where(displacement_figure.c.provider == "text")).all())
        events = dict(conn.execute(select(conflict_event.c.record_key, conflict_event.c.event_id)
                                   .where(conflict_event.c.provider == "text")).all())
    return figures, events


def test_review_decisions_recompute_the_facts_old_and_new_weeks(prepared_engine):
    _first_load(prepared_engine)
    figures, events = _pending_text_facts(prepared_engine)
    assert_summaries_current(prepared_engine)  # pending facts are not counted
    steps = [
        ("displacement_figure", figures["t1"], "accept", None),
        ("displacement_figure", figures["t1"], "accept", {"period_start": DEC_16, "period_end": DEC_16}),
        ("displacement_figure", figures["t2"], "accept", {"figure": 65.0}),
        ("conflict_event", events["t1"], "accept", {"event_date": DEC_2}),  # was undated
        ("conflict_event", events["t2"], "accept", None),
        ("displacement_figure", figures["t1"], "reject", None),
        ("conflict_event", events["t2"], "reopen", None),
    ]
    for kind, row_id, decision, edits in steps:
        decide(prepared_engine, kind, row_id, decision, edits)
        assert stored_summaries(prepared_engine) == expected_summaries(prepared_engine), (kind, decision, edits)
    with prepared_engine.connect() as conn:
        text_rows = conn.execute(select(summary_flow_pair_week.c.week_start, summary_flow_pair_week.c.value)
                                 .where(summary_flow_pair_week.c.from_text.is_(True))).all()
    assert text_rows == [(DEC_9, 65.0)]


def test_a_refused_review_edit_leaves_the_summaries_as_they_were(prepared_engine):
    from db.review import ReviewError

    _first_load(prepared_engine)
    figures, _ = _pending_text_facts(prepared_engine)
    decide(prepared_engine, "displacement_figure", figures["t1"], "accept")
    before = stored_summaries(prepared_engine)
    with pytest.raises(ReviewError):
        decide(prepared_engine, "displacement_figure", figures["t1"], "accept", {"figure": -5.0})
    assert stored_summaries(prepared_engine) == before


def test_the_demo_summaries_equal_the_raw_rows(demo_engine):
    assert_summaries_current(demo_engine)


def test_the_demo_at_scale_keeps_its_summaries(prepared_engine):
    from db.demo import create_demo

    create_demo(prepared_engine, scale=1500)
    assert_summaries_current(prepared_engine)


def test_the_migration_fills_the_summaries_of_an_existing_database(empty_engine):
    from db.migrate import upgrade
    from db.writes import get_or_create_source, open_batch, upsert_places, utc_now
    from gazetteer.seed import read_seed_records, seed_source_info

    upgrade(empty_engine, "0005")
    with empty_engine.begin() as conn:  # the gazetteer as a load of that time wrote it (no audit trail yet)
        seed = seed_source_info()
        seed_id = get_or_create_source(conn, seed)
        upsert_places(conn, read_seed_records(), seed_id, open_batch(conn, seed_id, seed, utc_now()))
    a, b, c = _place_ids(empty_engine, 3)
    with empty_engine.begin() as conn:
        info = SourceInfo(source_kind="test", title="before 0006 and 0007", sha256="c" * 64)
        source_id = get_or_create_source(conn, info)
        batch_id = open_batch(conn, source_id, info, utc_now())
        provenance = {"source_id": source_id, "batch_id": batch_id}
        conn.execute(insert(displacement_figure), [
            {**_figure("m1", DEC_2, a, b, 10.0), **provenance},
            {**_figure("m2", DEC_9, None, c, 20.0, origin_name_raw="Unknown village"), **provenance},
            {**_figure("m3", None, a, c, 30.0, period_start=DEC_16 + timedelta(days=6)), **provenance},
            {**_figure("m4", DEC_9, a, b, 40.0, provider="text", review_status="accepted"), **provenance},
            {**_figure("m5", DEC_9, a, b, 50.0, is_cumulative=True), **provenance},
            # weeks of the years before and after: the year-to-date sums start again each year
            {**_figure("m7", date(2023, 12, 31), a, b, 70.0), **provenance},
            {**_figure("m8", date(2025, 1, 8), a, b, 80.0), **provenance},
            # a vague text fact waiting for review: in the day table (with its status), in no weekly sum
            {**_figure("m6", DEC_9, a, b, None, qualifier="vague", provider="text", review_status="pending"),
             **provenance},
        ])
        conn.execute(insert(conflict_event), [
            {**_event("m1", DEC_2 + timedelta(days=6), a, None), **provenance},
            {**_event("m2", DEC_9, None, 2, place_name_raw="Unknown village"), **provenance},
        ])
    upgrade(empty_engine)
    assert_summaries_current(empty_engine)
    assert sum(stored_summaries(empty_engine)["summary_flow_pair_week"].values()) == 6
    # a then b: from 2 Dec 2024 to the year's last Monday, 30 Dec (5); the week of 25 Dec 2023 (1);
    # 2025 from 6 Jan to 29 Dec (52)
    to_date = stored_summaries(empty_engine)["summary_flow_pair_to_date"]
    assert sum(n for row, n in to_date.items() if row[1] == a and row[3] == b and not row[8]) == 5 + 1 + 52


def test_the_command_line_checks_and_rebuilds_the_summaries(prepared_engine, monkeypatch, capsys):
    from db.__main__ import main

    _first_load(prepared_engine)
    monkeypatch.setenv("DATABASE_URL", prepared_engine.url.render_as_string(hide_password=False))
    assert main(["summary", "--check"]) == 0
    with prepared_engine.begin() as conn:
        conn.execute(delete(summary_flow_pair_week).where(summary_flow_pair_week.c.week_start == DEC_9))
    assert main(["summary", "--check"]) == 1
    assert "run `python -m db summary --rebuild`" in capsys.readouterr().out
    assert main(["summary", "--rebuild"]) == 0
    assert_summaries_current(prepared_engine)


def test_week_start_in_sql_is_the_monday_of_the_day(prepared_engine):
    days = [date(2024, 12, 1) + timedelta(days=n) for n in range(15)] + [date(2024, 2, 29), date(2023, 1, 1)]
    with prepared_engine.connect() as conn:
        for day in days:
            assert conn.execute(select(summary.week_start(func.coalesce(None, day)))).scalar() == _monday(day), day


def test_week_runs_group_consecutive_mondays():
    weeks = [date(2024, 12, 16), DEC_2, DEC_9, date(2025, 1, 6), DEC_9]
    assert summary.week_runs(weeks) == [(DEC_2, date(2024, 12, 16)), (date(2025, 1, 6), date(2025, 1, 6))]


# --- the flow queries read the summaries and give what the raw rows give ------------------------

def _same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert list(left.columns) == list(right.columns)

    def ordered(frame):
        if frame.empty:
            return frame.reset_index(drop=True)
        return frame.assign(value=frame["value"].round(6)).sort_values(list(frame.columns)).reset_index(drop=True)

    pd.testing.assert_frame_equal(ordered(left), ordered(right), check_dtype=False)


def _windows(seed: int, n: int):
    """Windows that start and end on any weekday (whole weeks from the summaries, the ends from raw rows)."""
    rng = random.Random(seed)
    windows = [Filters(date(2024, 11, 25), date(2024, 12, 15)), Filters(date(2024, 11, 27), date(2024, 12, 10)),
               Filters(date(2024, 12, 3), date(2024, 12, 5)), Filters(date(2024, 11, 1), date(2024, 12, 31)),
               Filters(date(2024, 11, 20), date(2024, 12, 20), area="SY05"),
               Filters(date(2024, 11, 28), date(2024, 12, 22), area="SY02", units=("persons",)),
               Filters(date(2024, 11, 25), date(2024, 12, 31), sources=("demo-partner-b",))]
    for _ in range(n):
        start = date(2024, 11, 1) + timedelta(days=rng.randrange(60))
        windows.append(Filters(start, start + timedelta(days=rng.randrange(40)),
                               area=rng.choice([None, None, "SY", "SY05", "SY02", "SY0200"])))
    return windows


@pytest.mark.parametrize("kind", ["new_displacement", "return"])
def test_flow_queries_equal_the_raw_rows_for_any_window(demo_engine, kind):
    for filters in _windows(7, 12):
        for side in ("origin", "destination"):
            _same(query_weekly_flows(demo_engine, filters, side, kind),
                  query_weekly_flows_raw(demo_engine, filters, side, kind))
        _same(query_flow_pairs(demo_engine, filters, kind), query_flow_pairs_raw(demo_engine, filters, kind))


def test_flow_queries_equal_the_raw_rows_with_unresolved_places_and_text_facts(prepared_engine):
    _first_load(prepared_engine)
    figures, _ = _pending_text_facts(prepared_engine)
    decide(prepared_engine, "displacement_figure", figures["t2"], "accept")
    for filters in [Filters(DEC_2, DEC_16 + timedelta(days=6)), Filters(DEC_2 + timedelta(days=3), DEC_16),
                    Filters(DEC_9, DEC_9 + timedelta(days=6), sources=("text",))]:
        weekly = query_weekly_flows(prepared_engine, filters, "origin")
        _same(weekly, query_weekly_flows_raw(prepared_engine, filters, "origin"))
        _same(query_flow_pairs(prepared_engine, filters), query_flow_pairs_raw(prepared_engine, filters))
    weekly = query_weekly_flows(prepared_engine, Filters(DEC_2, DEC_16 + timedelta(days=6)), "origin")
    assert {"Unknown village", "Hamra", "(place not given)"} <= set(weekly["place"])


def test_a_load_that_breaks_a_rule_leaves_rows_and_summaries_as_they_were(prepared_engine):
    """A refused bulk insert (COPY on PostgreSQL) raises IntegrityError and rolls back the summaries with it."""
    from sqlalchemy.exc import IntegrityError

    from db.demo import FIGURE_COLUMNS
    from db.writes import write_rows_batch

    _first_load(prepared_engine)
    before = stored_summaries(prepared_engine)
    a, b, _ = _place_ids(prepared_engine, 2) + [None]
    good = ("bulk", "g1", "new_displacement", "persons", "exact", 10.0, None, False, a, None, b, None, DEC_9, DEC_9,
            "fled", "not_required")
    negative = good[:1] + ("g2",) + good[2:5] + (-10.0,) + good[6:]
    info = SourceInfo(source_kind="test", title="broken bulk", sha256="d" * 64)
    with pytest.raises(IntegrityError):
        write_rows_batch(prepared_engine, info, [(displacement_figure, FIGURE_COLUMNS, [good, negative])])
    assert stored_summaries(prepared_engine) == before
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.count()).where(displacement_figure.c.provider == "bulk")).scalar() == 0


# --- the home and set-up queries read the day summaries and give what the raw rows give ----------

def _counted_raw(engine):
    """Dated figures and events, with the pandas `counted` flag and `from_text`, from the raw rows."""
    f = _raw(engine, displacement_figure)
    f["day"] = [end if end is not None else start for end, start in zip(f["period_end"], f["period_start"])]
    e = _raw(engine, conflict_event).rename(columns={"event_date": "day"})
    for frame in (f, e):
        frame["counted"] = frame["review_status"].isin(vocab.COUNTED_REVIEW_STATUSES)
        frame["from_text"] = frame["provider"] == "text"
    return f[f["day"].notna()], e[e["day"].notna()]


def _flows_in(f: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    return f[f["counted"] & (f["figure_kind"] == "new_displacement") & ~f["is_cumulative"].astype(bool)
             & ~f["held_in_finer"].astype(bool) & (f["day"] >= start) & (f["day"] <= end)]


def assert_home_queries_equal_the_raw_rows(engine, windows) -> None:
    from db import queries

    f, e = _counted_raw(engine)
    counted_days = list(f.loc[f["counted"], "day"]) + list(e.loc[e["counted"], "day"])
    assert queries.query_data_date_range(engine) == ((min(counted_days), max(counted_days)) if counted_days
                                                     else (None, None))
    for start, end in windows:
        flows = _flows_in(f, start, end)
        headline = queries.query_headline(engine, start, end)
        expected = sorted((unit, round(part["figure"].sum(), 6), len(part), int(part["figure"].isna().sum()))
                          for unit, part in flows.groupby("unit"))
        got = sorted((row.unit, round(row.total, 6), row.reports, row.reports_without_figure)
                     for row in headline.new_displacement.itertuples())
        assert got == expected, (start, end)
        events = e[e["counted"] & (e["day"] >= start) & (e["day"] <= end)]
        assert (headline.events, headline.fatalities) == (len(events), int(events["fatalities"].sum())), (start, end)

        daily = queries.query_daily_totals(engine, start, end)
        expected_daily = Counter()
        for row in flows[flows["figure"].notna()].itertuples():
            expected_daily[(row.day, row.unit, row.from_text)] += row.figure
        for row in events.itertuples():
            expected_daily[(row.day, "events", row.from_text)] += 1
        assert _multiset(daily.itertuples(index=False)) == _multiset(
            (*key, value) for key, value in expected_daily.items()), (start, end)

        # The home page sums its daily cells from each day's pairs (banded first): unbanded, the same days.
        from db.filters import Filters
        from db.flows_queries import query_daily_pairs

        pairs = query_daily_pairs(engine, Filters(start, end))
        summed = pairs.groupby(["day", "unit", "from_text"])["value"].sum()
        assert _multiset(summed.reset_index().itertuples(index=False)) == _multiset(
            (*key, value) for key, value in expected_daily.items() if key[1] != "events"), (start, end)


def test_home_queries_equal_the_raw_rows_for_any_window(demo_engine):
    windows = [(w.start, w.end) for w in _windows(11, 8)] + [(date(2020, 1, 1), date(2030, 1, 1))]
    assert_home_queries_equal_the_raw_rows(demo_engine, windows)


def test_home_queries_count_text_facts_once_accepted(prepared_engine):
    from db import queries

    _first_load(prepared_engine)
    figures, events = _pending_text_facts(prepared_engine)
    windows = [(DEC_2, DEC_16 + timedelta(days=6)), (DEC_9, DEC_9), (DEC_2 + timedelta(days=3), DEC_16)]
    assert_home_queries_equal_the_raw_rows(prepared_engine, windows)
    before = queries.query_headline(prepared_engine, DEC_9, DEC_9).new_displacement
    decide(prepared_engine, "displacement_figure", figures["t1"], "accept")
    decide(prepared_engine, "conflict_event", events["t1"], "accept", {"event_date": DEC_2})
    assert_home_queries_equal_the_raw_rows(prepared_engine, windows)
    after = queries.query_headline(prepared_engine, DEC_9, DEC_9).new_displacement
    persons = {frame is before: frame.set_index("unit").loc["persons", "total"] for frame in (before, after)}
    assert persons[False] - persons[True] == 700.0  # t1 counts once accepted


def test_freshness_and_providers_read_every_table(prepared_engine):
    """The source and provider freshness and the provider list, against the raw tables."""
    from db import queries
    from db.schema import event_count, load_batch, site_population, source

    _first_load(prepared_engine)
    _pending_text_facts(prepared_engine)  # pending: a source's latest data, not a provider's counted data
    f, e = _counted_raw(prepared_engine)
    small = pd.concat([_raw(prepared_engine, event_count).rename(columns={"period_end": "day"}),
                       _raw(prepared_engine, site_population).rename(columns={"reported_date": "day"})])
    every = pd.concat([f, e, small.assign(counted=True)])[["source_id", "provider", "batch_id", "day", "counted"]]
    batches = _raw(prepared_engine, load_batch)
    batches = batches[batches["status"] == "loaded"]

    assert queries.query_providers(prepared_engine) == tuple(sorted(set(every["provider"])))

    counted = every[every["counted"]].merge(batches[["batch_id", "finished_at"]], on="batch_id")
    expected = {provider: (part["day"].max(), pd.Timestamp(part["finished_at"].max()).tz_localize(None))
                for provider, part in counted.groupby("provider")}
    got = queries.query_provider_freshness(prepared_engine)
    assert {row.provider: (row.latest_data_date, row.loaded_at.tz_localize(None)) for row in got.itertuples()} == expected
    assert "text" not in expected  # nothing of text counts yet

    titles = dict(zip(*_raw(prepared_engine, source)[["source_id", "title"]].T.values))
    latest = every.groupby("source_id")["day"].max()
    fresh = queries.query_source_freshness(prepared_engine)
    assert dict(zip(fresh["title"], fresh["latest_data_date"])) == {  # the gazetteer's seed has no data day
        titles[source_id]: latest.get(source_id) for source_id in set(batches["source_id"])}
    assert fresh.set_index("title").loc["report.txt", "latest_data_date"] == DEC_16  # pending rows count here


def _converted_top(pairs: pd.DataFrame, unit: str, size, top: int) -> pd.DataFrame:
    from charts.flows import top_pairs, with_household_size

    return top_pairs(with_household_size(pairs, size), unit, top)


@pytest.mark.parametrize("unit, size", [("persons", None), ("households", None), ("movements", None),
                                        ("persons (households × 5)", 5.0),
                                        ("persons (households × 400)", 400.0)])  # households outrank persons
def test_the_largest_pairs_are_the_largest_of_all_pairs(demo_engine, unit, size):
    """query_flow_pairs(top=N) gives the N pairs that are largest once the units are converted."""
    from charts.flows import ranking_units

    for filters in _windows(5, 6):
        every = query_flow_pairs_raw(demo_engine, filters)
        for top in (1, 3, 30):
            largest = query_flow_pairs(demo_engine, filters, top=top, ranked_by=ranking_units(unit, size))
            assert set(largest["unit"]) <= set(ranking_units(unit, size))
            got, expected = _converted_top(largest, unit, size, top), _converted_top(every, unit, size, top)
            assert list(got["value"].round(6)) == list(expected["value"].round(6)), (filters, top)
            # each pair returned carries its whole total, text and table rows alike
            totals = _converted_top(every, unit, size, 10_000).set_index(["origin", "destination"])
            for row in got.itertuples():
                assert math.isclose(row.value, totals.loc[(row.origin, row.destination), "value"]), row


def test_the_largest_pairs_need_a_unit_to_rank_by(demo_engine):
    with pytest.raises(ValueError, match="ranked_by"):
        query_flow_pairs(demo_engine, Filters(DEC_2, DEC_16), top=5)


# --- the year-to-date pair sums: windows of any length, across years ------------------------------

def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def test_window_parts_add_and_take_away_the_fewer_days_at_each_end():
    # Wednesday 4 Dec to Tuesday 31 Dec 2024: the week of 2 Dec less its Monday and Tuesday;
    # Monday and Tuesday of the week of 30 Dec added
    assert summary.window_parts(date(2024, 12, 4), date(2024, 12, 31)) == (
        (DEC_2, date(2024, 12, 23)), [(date(2024, 12, 30), date(2024, 12, 31))], [(DEC_2, date(2024, 12, 3))])
    # Saturday 7 to Thursday 19 Dec: Saturday and Sunday added; the week of 16 Dec less its Friday to Sunday
    assert summary.window_parts(date(2024, 12, 7), date(2024, 12, 19)) == (
        (DEC_9, DEC_16), [(date(2024, 12, 7), date(2024, 12, 8))], [(date(2024, 12, 20), date(2024, 12, 22))])
    assert summary.window_parts(DEC_2, date(2024, 12, 15)) == ((DEC_2, DEC_9), [], [])
    assert summary.window_parts(date(2024, 12, 3), date(2024, 12, 5)) == (
        None, [(date(2024, 12, 3), date(2024, 12, 5))], [])
    assert summary.window_parts(DEC_9, DEC_9 + timedelta(days=6)) == ((DEC_9, DEC_9), [], [])
    # Saturday to the next Tuesday: two short ends and no whole week
    assert summary.window_parts(date(2024, 12, 7), date(2024, 12, 10)) == (
        None, [(date(2024, 12, 7), date(2024, 12, 8)), (DEC_9, date(2024, 12, 10))], [])


@pytest.mark.parametrize("seed", range(4))
def test_window_parts_cover_exactly_the_days_of_the_window(seed):
    rng = random.Random(seed)
    for _ in range(300):
        start = date(2023, 12, 1) + timedelta(days=rng.randrange(500))
        end = start + timedelta(days=rng.randrange(400))
        weeks, added, taken = summary.window_parts(start, end)
        covered = Counter()
        if weeks:
            assert weeks[0].weekday() == 0 and weeks[1].weekday() == 0
            covered.update(_days(weeks[0], weeks[1] + timedelta(days=6)))
        for first, last in added:
            covered.update(_days(first, last))
        for first, last in taken:
            covered.subtract(_days(first, last))
        assert +covered == Counter(_days(start, end)) and not -covered, (start, end)
        assert sum(len(_days(*days)) for days in added + taken) <= 6 or weeks is None, (start, end)


def test_year_to_date_reads_sum_to_the_weeks_of_a_window():
    # the weeks of 2024 from its first Monday: one read
    assert summary.year_to_date_reads(date(2024, 1, 1), date(2024, 12, 30)) == [(date(2024, 12, 30), 1)]
    # from 8 Jan 2024 to 6 Jan 2025: the end of 2024 and 2025 so far, less the week of 1 Jan 2024
    assert summary.year_to_date_reads(date(2024, 1, 8), date(2025, 1, 6)) == [
        (date(2024, 12, 30), 1), (date(2025, 1, 6), 1), (date(2024, 1, 1), -1)]
    rng = random.Random(3)
    for _ in range(300):
        first = summary.monday(date(2022, 1, 1) + timedelta(days=rng.randrange(1500)))
        last = first + timedelta(weeks=rng.randrange(160))
        weeks = Counter()
        for week, sign in summary.year_to_date_reads(first, last):
            to_date = {summary.first_monday(week.year) + timedelta(weeks=n)
                       for n in range((week - summary.first_monday(week.year)).days // 7 + 1)}
            weeks.update({w: sign for w in to_date})
        assert +weeks == Counter({first + timedelta(weeks=n): 1 for n in range((last - first).days // 7 + 1)})
        assert not -weeks, (first, last)


def _random_figures(rng: random.Random, ids: list[int], prefix: str, first: date, days: int, n: int) -> list[dict]:
    rows = []
    for i in range(n):
        day = first + timedelta(days=rng.randrange(days))
        origin, destination = rng.choice(ids + [None]), rng.choice(ids + [None])
        text = rng.random() < 0.15
        value = float(rng.randrange(1, 400)) + rng.choice([0, .5])
        rows.append(_figure(f"{prefix}{i}", day, origin, destination, value,
                            unit=rng.choice(["persons", "persons", "households"]),
                            origin_name_raw=rng.choice(["Unknown village", "Origin as written"]),
                            provider="text" if text else rng.choice(["partner", "other partner"]),
                            review_status=rng.choice(["accepted", "pending"]) if text else "not_required",
                            figure_kind=rng.choice(["new_displacement"] * 4 + ["return"])))
    return rows


def test_the_flows_of_any_window_across_years_equal_the_raw_rows(prepared_engine):
    """Loads in any order of dates (later years first, then earlier ones, then a batch taken
    out) keep the year-to-date sums equal to a rebuild and to this file's own computation; the
    pairs and weekly flows of windows from a day to over a year, across new year, equal the raw
    rows' (sparse data: a place's only rows of an end week are often on the days taken away)."""
    from charts.flows import ranking_units
    from db import batches
    from access.policy import Actor, Role

    rng = random.Random(23)
    ids = _place_ids(prepared_engine, 5)
    _load(prepared_engine, "2025.csv", _random_figures(rng, ids, "b", date(2025, 1, 1), 200, 250))
    assert_summaries_current(prepared_engine)
    _load(prepared_engine, "2023-24.csv", _random_figures(rng, ids, "a", date(2023, 11, 20), 420, 350))
    assert_summaries_current(prepared_engine)
    middle = _load(prepared_engine, "mid-2024.csv", _random_figures(rng, ids, "c", date(2024, 6, 3), 60, 80))
    assert_summaries_current(prepared_engine)
    windows = [Filters(date(2024, 1, 1), date(2024, 12, 31)), Filters(date(2023, 12, 6), date(2025, 1, 14)),
               Filters(date(2024, 1, 8), date(2025, 3, 2)),
               Filters(date(2024, 12, 4), date(2024, 12, 31)), Filters(date(2024, 12, 28), date(2025, 1, 3))]
    for _ in range(25):
        start = date(2023, 11, 1) + timedelta(days=rng.randrange(560))
        windows.append(Filters(start, start + timedelta(days=rng.choice([0, 3, 12, 30, 90, 200, 400])),
                               area=rng.choice([None, None, "SY"]),
                               sources=rng.choice([(), (), ("text",), ("other partner",)])))
    for filters in windows:
        for kind in ("new_displacement", "return"):
            every = query_flow_pairs_raw(prepared_engine, filters, kind)
            _same(query_flow_pairs(prepared_engine, filters, kind), every)
            for side in ("origin", "destination"):
                _same(query_weekly_flows(prepared_engine, filters, side, kind),
                      query_weekly_flows_raw(prepared_engine, filters, side, kind))
        largest = query_flow_pairs(prepared_engine, filters, top=5, ranked_by=ranking_units("persons", None))
        expected = _converted_top(query_flow_pairs_raw(prepared_engine, filters), "persons", None, 5)
        assert list(_converted_top(largest, "persons", None, 5)["value"].round(6)) == \
            list(expected["value"].round(6)), filters
    batches.delete_batch(prepared_engine, middle.batch_id, actor=Actor("head@ngo.example", Role.ADMIN))
    assert_summaries_current(prepared_engine)
    _same(query_flow_pairs(prepared_engine, windows[1]), query_flow_pairs_raw(prepared_engine, windows[1]))
    # one figure of one new pair in July: only the pairs with its key values are recomputed, the
    # others of the same weeks stay as they were, and everything still equals a rebuild
    _load(prepared_engine, "one.csv", [_figure("one", date(2024, 7, 10), None, ids[0], 7.0, provider="third partner",
                                               origin_name_raw="A hamlet")])
    assert_summaries_current(prepared_engine)
    _same(query_flow_pairs(prepared_engine, windows[0]), query_flow_pairs_raw(prepared_engine, windows[0]))
