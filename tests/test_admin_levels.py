"""Admin levels are never added together (issue 17, db/levels.py).

A figure for an area whose people the same provider also counts in places inside it (a country
beside its provinces, a province beside its districts) is held in those finer rows: no summary,
total or page sums it with them. The oracles here come from the files' own columns (HDX HAPI
names each row's admin level and its admin-1 code) and from the rows written in each test, never
from the code under test.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date

from sqlalchemy import func, select

from access.policy import Actor, Role
from db import batches, queries, review, summary
from db.filters import Filters
from db.flows_queries import query_weekly_flows
from db.records import SourceInfo
from db.schema import displacement_figure, place, summary_figure_day, summary_flow_place_week
from db.writes import write_rows_batch
from loaders.ingest import ingest_file
from tests.conftest import shared_path

ADMIN = Actor("head@ngo.example", Role.ADMIN)
def _hapi():
    """HDX HAPI's global IDP table (looked up when a test runs, so a missing ../shared skips only it)."""
    return shared_path("fixtures", "data", "hapi_idps_global.csv")


def _expected_hapi_days() -> tuple[dict[date, float], int]:
    """Per reference-period end: the IDPs counted once (each area's finest rows), and how many rows
    are held, from the file's own columns (admin_level, location_code, admin1_code)."""
    with open(_hapi(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    code = {0: "location_code", 1: "admin1_code", 2: "admin2_code"}
    has_finer = set()  # (day, area code) with a row of a finer level under it
    for row in rows:
        level, day = int(row["admin_level"]), row["reference_period_end"]
        if level >= 1:
            has_finer.add((day, row["location_code"]))
        if level == 2:
            has_finer.add((day, row["admin1_code"]))
    totals: dict[date, float] = defaultdict(float)
    held = 0
    for row in rows:
        level, day = int(row["admin_level"]), row["reference_period_end"]
        if level < 2 and (day, row[code[level]]) in has_finer:
            held += 1
            continue
        totals[date.fromisoformat(day)] += float(row["population"])
    return dict(totals), held


def test_a_country_and_its_provinces_are_not_added_together(prepared_engine):
    expected, held = _expected_hapi_days()
    loaded = ingest_file(prepared_engine, _hapi()).batch
    assert loaded.rows_inserted == sum(1 for _ in open(_hapi(), encoding="utf-8-sig")) - 1  # every row is its own
    assert held > 100  # the file gives most countries at several levels

    f = displacement_figure
    with prepared_engine.connect() as conn:
        # every row is placed (countries by ISO3, areas by p-code or by name inside their country), so
        # the file's own hierarchy is the gazetteer's
        assert conn.execute(select(func.count()).where(f.c.destination_place_id.is_(None))).scalar() == 0
        assert conn.execute(select(func.count()).where(f.c.held_in_finer)).scalar() == held
        by_day = dict(conn.execute(
            select(summary_figure_day.c.day, func.sum(summary_figure_day.c.value))
            .where(summary_figure_day.c.held_in_finer.is_(False)).group_by(summary_figure_day.c.day)).all())
        weekly = dict(conn.execute(
            select(summary_flow_place_week.c.week_start, func.sum(summary_flow_place_week.c.value))
            .where(summary_flow_place_week.c.side == "destination")
            .group_by(summary_flow_place_week.c.week_start)).all())
    assert {d: round(v) for d, v in by_day.items()} == {d: round(v) for d, v in expected.items()}
    expected_weeks = defaultdict(float)
    for day, value in expected.items():
        expected_weeks[summary.monday(day)] += value
    assert {w: round(v) for w, v in weekly.items()} == {w: round(v) for w, v in expected_weeks.items()}
    assert not any(summary.check_summaries(prepared_engine).values())


HXL_HEADER = "Date,Governorate,District,Newly displaced\n#date,#adm1+code,#adm2+code,#affected+idps+new\n"


def _sheet(engine, name: str, *rows: str):
    return ingest_file(engine, name, data=(HXL_HEADER + "".join(r + "\n" for r in rows)).encode()).batch


def _stocks(engine, start: date, end: date, area: str | None = None) -> dict[str, float]:
    """The Flows page's newly displaced per place, summed over the window."""
    frame = query_weekly_flows(engine, Filters(start, end, area=area), side="destination")
    return {place: float(value) for place, value in frame.groupby("place_key")["value"].sum().items()}


def _persons(engine, start: date, end: date) -> float:
    totals = queries.query_headline(engine, start, end).new_displacement
    return float(totals.loc[totals["unit"] == "persons", "total"].sum())


def test_a_governorate_beside_its_districts_counts_once_and_again_when_they_go(prepared_engine):
    # Aleppo governorate (SY02) 1,000 newly displaced; in another sheet of the same kind, two of its districts
    # (Jebel Saman SY0200: 600, A'zaz SY0204: 300) and Hama governorate (SY05), which nothing holds
    _sheet(prepared_engine, "governorates.csv", "2024-12-05,SY02,,1000", "2024-12-05,SY05,,50")
    districts = _sheet(prepared_engine, "districts.csv", "2024-12-05,SY02,SY0200,600", "2024-12-05,SY02,SY0204,300")
    week = (date(2024, 12, 2), date(2024, 12, 8))  # a whole week: read from the summaries
    assert _stocks(prepared_engine, *week) == {"SY0200": 600, "SY0204": 300, "SY05": 50}
    assert _stocks(prepared_engine, *week, area="SY02") == {"SY0200": 600, "SY0204": 300}
    days = (date(2024, 12, 4), date(2024, 12, 5))  # a few days: read from the raw rows
    assert _stocks(prepared_engine, *days) == {"SY0200": 600, "SY0204": 300, "SY05": 50}
    assert _persons(prepared_engine, *week) == 600 + 300 + 50  # the home page's headline

    # the governorate on another day is not held

    _sheet(prepared_engine, "later.csv", "2024-12-06,SY02,,1100")
    assert _stocks(prepared_engine, *week) == {"SY0200": 600, "SY0204": 300, "SY05": 50, "SY02": 1100}

    # the districts' batch deleted: the governorate's own figure counts again
    batches.delete_batch(prepared_engine, districts.batch_id, actor=ADMIN)
    assert _stocks(prepared_engine, *week) == {"SY02": 1000 + 1100, "SY05": 50}
    assert _persons(prepared_engine, *week) == 1000 + 1100 + 50
    assert not any(summary.check_summaries(prepared_engine).values())


# --- a reviewer's edit moves a figure: the levels follow it (db/review.py) -----------------------

TEXT_COLUMNS = ("provider", "record_key", "figure_kind", "unit", "qualifier", "figure", "is_cumulative",
                "destination_place_id", "destination_name_raw", "period_start", "period_end", "review_status")


def _place_ids(engine, *keys: str) -> list[int]:
    with engine.connect() as conn:
        found = dict(conn.execute(select(place.c.place_key, place.c.place_id).where(place.c.place_key.in_(keys))).all())
    return [found[key] for key in keys]


def _text_facts(engine, *rows: tuple) -> dict[str, int]:
    """Facts read from a report (provider "text"): (record key, place key, figure, day, status) → figure ids."""
    ids = dict(zip((r[1] for r in rows), _place_ids(engine, *(r[1] for r in rows))))
    values = [("text", key, "new_displacement", "persons", "exact", figure, False, ids[area], area, day, day, status)
              for key, area, figure, day, status in ((r[0], *r[1:]) for r in rows)]
    write_rows_batch(engine, SourceInfo(source_kind="text_report", title="a report", sha256="r".ljust(64, "0")),
                     [(displacement_figure, TEXT_COLUMNS, values)])
    with engine.connect() as conn:
        return dict(conn.execute(select(displacement_figure.c.record_key, displacement_figure.c.figure_id)).all())


def _held(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(displacement_figure.c.record_key).where(displacement_figure.c.held_in_finer))
                   .scalars())


def test_an_edit_that_moves_a_district_figure_to_another_province_frees_the_first(prepared_engine):
    day = date(2024, 12, 5)
    week = (date(2024, 12, 2), date(2024, 12, 8))
    # Aleppo governorate (SY02) 1,000 and Jebel Saman (SY0200, in Aleppo) 600, both accepted
    ids = _text_facts(prepared_engine, ("aleppo", "SY02", 1000, day, "accepted"),
                      ("district", "SY0200", 600, day, "accepted"))
    assert _held(prepared_engine) == {"aleppo"}  # the district holds its province, as a load leaves it
    [hama_district] = _place_ids(prepared_engine, "SY0501")  # Hama district, in Hama governorate (SY05)

    review.decide(prepared_engine, "displacement_figure", ids["district"], "accept",
                  {"destination_place_id": hama_district})
    assert _held(prepared_engine) == set()  # nothing inside Aleppo any more: its own figure counts
    assert _stocks(prepared_engine, *week) == {"SY02": 1000, "SY0501": 600}
    assert _persons(prepared_engine, *week) == 1000 + 600

    # moved back into Aleppo on another day: still free; on the same day: held again
    review.decide(prepared_engine, "displacement_figure", ids["district"], "accept",
                  {"destination_place_id": _place_ids(prepared_engine, "SY0200")[0],
                   "period_start": date(2024, 12, 6), "period_end": date(2024, 12, 6)})
    assert _held(prepared_engine) == set()
    review.decide(prepared_engine, "displacement_figure", ids["district"], "accept",
                  {"period_start": day, "period_end": day})
    assert _held(prepared_engine) == {"aleppo"}
    assert _stocks(prepared_engine, *week) == {"SY0200": 600}
    assert not any(summary.check_summaries(prepared_engine).values())


def test_only_a_district_figure_that_counts_holds_its_province(prepared_engine):
    day = date(2024, 12, 5)
    week = (date(2024, 12, 2), date(2024, 12, 8))
    ids = _text_facts(prepared_engine, ("aleppo", "SY02", 1000, day, "accepted"),
                      ("district", "SY0200", 600, day, "pending"))
    assert _held(prepared_engine) == set()  # waiting for review: counts nothing, holds nothing
    assert _stocks(prepared_engine, *week) == {"SY02": 1000}
    review.decide(prepared_engine, "displacement_figure", ids["district"], "accept")
    assert _held(prepared_engine) == {"aleppo"}
    assert _stocks(prepared_engine, *week) == {"SY0200": 600}
    review.decide(prepared_engine, "displacement_figure", ids["district"], "reject")
    assert _held(prepared_engine) == set()  # the province's people are counted again
    assert _stocks(prepared_engine, *week) == {"SY02": 1000}
    assert _persons(prepared_engine, *week) == 1000
    assert not any(summary.check_summaries(prepared_engine).values())


def test_linking_a_name_inside_a_province_holds_the_province(prepared_engine):
    day = date(2024, 12, 5)
    ids = _text_facts(prepared_engine, ("aleppo", "SY02", 1000, day, "accepted"))
    values = [("text", "unplaced", "new_displacement", "persons", "exact", 400, False, None, "Jebel Semaan town",
               day, day, "accepted")]
    write_rows_batch(prepared_engine, SourceInfo(source_kind="text_report", title="another report",
                                                 sha256="s".ljust(64, "0")), [(displacement_figure, TEXT_COLUMNS, values)])
    assert "aleppo" in ids and _held(prepared_engine) == set()
    review.link_place_name(prepared_engine, "Jebel Semaan town", _place_ids(prepared_engine, "SY0200")[0])
    assert _held(prepared_engine) == {"aleppo"}
    assert not any(summary.check_summaries(prepared_engine).values())
