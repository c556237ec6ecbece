"""Issue 18, points 1, 5 (labelling), 6 and one caption per chart: real files loaded beside the demo.

One database per module: the demo, then the real July 2020 CCCM site list (north-west Syria) and
the DTM Haiti admin 1 file from ../shared. Expected values are read from the tables here with
pandas, never from the functions under test.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from db.schema import load_batch, site_population, source
from tests.conftest import shared_path

WINDOW = (date(2024, 12, 25), date(2024, 12, 31))


@pytest.fixture(scope="module")
def demo_only(databases):
    from db.demo import create_demo
    from db.setup import prepare_database

    engine = databases.new_engine()
    prepare_database(engine)
    create_demo(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def mixed(databases):
    """The demo, then a real site list of July 2020 and a real DTM file of another country."""
    from db.demo import create_demo
    from db.setup import prepare_database
    from loaders.ingest import ingest_file

    engine = databases.new_engine()
    prepare_database(engine)
    create_demo(engine)
    for name in ("nw_syria_isimm_sites_2020-07.csv", "dtm_api_v3_admin1_hti.json"):
        result = ingest_file(engine, shared_path("fixtures", "data", name))
        assert result.batch is not None and result.rows_read > 0, name
    yield engine
    engine.dispose()


def _site_rows(engine) -> pd.DataFrame:
    sp = site_population
    with engine.connect() as conn:
        rows = conn.execute(select(sp.c.site_id, sp.c.reported_date, sp.c.individuals, sp.c.provider,
                                   source.c.is_demo)
                            .join(load_batch, load_batch.c.batch_id == sp.c.batch_id)
                            .join(source, source.c.source_id == load_batch.c.source_id)).all()
    frame = pd.DataFrame(rows, columns=["site_id", "reported_date", "individuals", "provider", "is_demo"])
    frame["reported_date"] = pd.to_datetime(frame["reported_date"]).dt.date
    return frame


def _people_in_sites_by_hand(engine, start: date, end: date) -> int:
    """Each site's latest individuals count inside [start, end] (the larger of one day's), summed."""
    rows = _site_rows(engine).dropna(subset=["individuals"])
    rows = rows[(rows["reported_date"] >= start) & (rows["reported_date"] <= end)]
    daily = rows.groupby(["site_id", "reported_date"], as_index=False)["individuals"].max()
    latest = daily.sort_values("reported_date").groupby("site_id").tail(1)
    return int(latest["individuals"].sum())


# --- point 1: one rule for "people in sites" ------------------------------------------------------

def test_an_old_site_list_does_not_move_the_headline_of_a_later_window(demo_only, mixed):
    from db.queries import query_headline

    old = _site_rows(mixed)
    assert (old["reported_date"] == date(2020, 7, 1)).sum() > 1000  # the 2020 list is in
    before = query_headline(demo_only, *WINDOW)
    after = query_headline(mixed, *WINDOW)
    assert before.people_in_sites == _people_in_sites_by_hand(demo_only, *WINDOW) > 0
    assert after.people_in_sites == before.people_in_sites
    assert after.sites_reporting == before.sites_reporting
    assert WINDOW[0] <= after.sites_oldest <= after.sites_as_of <= WINDOW[1]


def test_the_july_2020_list_counts_in_a_july_2020_window(mixed):
    from db.queries import query_headline

    july = (date(2020, 7, 1), date(2020, 7, 31))
    headline = query_headline(mixed, *july)
    assert headline.people_in_sites == _people_in_sites_by_hand(mixed, *july) > 0
    assert headline.sites_as_of == date(2020, 7, 1)


def test_home_and_camps_pages_show_the_same_people_in_sites(app_on, mixed):
    from tests.test_app import _trace_values
    import json

    start, end = (d.isoformat() for d in WINDOW)
    home = app_on(mixed, start=start, end=end)
    assert not home.exception
    metric = {m.label: m.value for m in home.metric}["People in sites"]
    camps = app_on(mixed, "../pages/4_Camps.py", start=start, end=end)
    assert not camps.exception
    charts = {json.loads(c.proto.spec)["layout"]["title"]["text"]: json.loads(c.proto.spec)
              for c in camps.get("plotly_chart")}
    population = next(spec for title, spec in charts.items() if "in sites by governorate" in title)
    # the carried-forward population on the last reporting date of the window, summed over areas
    last = {}
    for trace in population["data"]:
        xs, ys = _trace_values(trace, "x"), _trace_values(trace, "y")
        if xs:
            last[trace["name"]] = (max(xs), ys[xs.index(max(xs))])
    newest = max(x for x, _ in last.values())
    total = sum(y for x, y in last.values() if x == newest)
    assert metric.replace(",", "") == f"{int(total)}"
    caption = " ".join(c.value for c in home.caption)
    assert "latest count in the window" in caption and "2020" not in caption
