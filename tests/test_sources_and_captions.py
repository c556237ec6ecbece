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


# Two events in Haiti, in the ACLED layout (written for these tests): a second country whose rows
# share the demo's window, so a chart of Syria must not cite them, nor a chart of Haiti the demo.
ACLED_HEADER = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
                "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,"
                "admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,"
                "tags,timestamp")
HAITI_EVENTS = [
    "HTI900001,2024-12-26,2024,1,Political violence,Violence against civilians,Attack,Unidentified gang,,3,"
    "Civilians (Haiti),,7,37,Civilian targeting,332,Caribbean,Haiti,Ouest,Port-au-Prince,Port-au-Prince,"
    "Port-au-Prince,18.5392,-72.3350,1,Test fixture,National,Fixture row.,2,,1735000000",
    "HTI900002,2024-12-28,2024,1,Political violence,Battles,Armed clash,Unidentified gang,,3,"
    "Police Forces of Haiti (2021-),,1,13,,332,Caribbean,Haiti,Ouest,Port-au-Prince,Port-au-Prince,"
    "Port-au-Prince,18.5392,-72.3350,1,Test fixture,National,Fixture row.,0,,1735000000",
]


@pytest.fixture(scope="module")
def mixed(databases, tmp_path_factory):
    """The demo, then a real site list of July 2020, a real DTM file of Haiti and two Haitian events."""
    from db.demo import create_demo
    from db.setup import prepare_database
    from loaders.ingest import ingest_file

    engine = databases.new_engine()
    prepare_database(engine)
    create_demo(engine)
    for name in ("nw_syria_isimm_sites_2020-07.csv", "dtm_api_v3_admin1_hti.json"):
        result = ingest_file(engine, shared_path("fixtures", "data", name))
        assert result.batch is not None and result.rows_read > 0, name
    haiti = tmp_path_factory.mktemp("haiti") / "acled_haiti_dec2024.csv"
    haiti.write_text("\n".join([ACLED_HEADER, *HAITI_EVENTS]) + "\n", encoding="utf-8")
    result = ingest_file(engine, haiti)
    assert result.batch is not None and result.kind == "acled", result.report.summary()
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
    # The database holds Syria and Haiti, so the pages show one country at a time: Syria's.
    home = app_on(mixed, start=start, end=end, area="SY")
    assert not home.exception
    metric = {m.label: m.value for m in home.metric}["People in sites"]
    camps = app_on(mixed, "../pages/4_Camps.py", start=start, end=end, area="SY")
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


# --- point 5: the demo label only on charts whose rows include demo rows --------------------------

def _specs(at) -> dict[str, dict]:
    import json

    return {json.loads(c.proto.spec)["layout"]["title"]["text"]: json.loads(c.proto.spec)
            for c in at.get("plotly_chart")}


def _unescaped(text: str) -> str:
    """A page caption as read: ui.safe_text.literal's backslash escapes taken away."""
    import re

    return re.sub(r"\\(.)", r"\1", text)


def _captions(at) -> list[str]:
    return [_unescaped(c.value) for c in at.caption if "Sources:" in c.value]


def test_camps_charts_of_only_real_counts_carry_no_demo_label(app_on, mixed):
    at = app_on(mixed, "../pages/4_Camps.py", start="2020-07-01", end="2020-07-31", area="SY")
    assert not at.exception
    titles = list(_specs(at))
    assert len(titles) >= 3
    assert not any("demo data" in title for title in titles)
    captions = _captions(at)
    assert captions and all("CCCM ISIMM (data to 01 Jul 2020)" in c for c in captions)
    assert not any("do not cite" in c or "demo" in c for c in captions)


def test_camps_charts_mixing_real_and_demo_counts_carry_the_demo_label(app_on, mixed):
    at = app_on(mixed, "../pages/4_Camps.py", start="2020-07-01", end="2024-12-31", area="SY")
    assert not at.exception
    titles = list(_specs(at))
    assert titles and all("demo data (synthetic)" in title for title in titles)
    captions = _captions(at)
    assert captions and all("CCCM ISIMM" in c and "demo camp coordination site counts" in c and "do not cite" in c
                           for c in captions)
    assert not any("demo-cccm" in c or "inside SY." in c for c in captions)


# --- point 6: a caption names exactly the sources of the rows drawn -------------------------------

def test_each_countrys_events_chart_cites_only_its_own_source(app_on, mixed):
    start, end = "2024-11-25", "2024-12-31"  # the demo's offensive in Hama, the Haitian events of late December
    hama = app_on(mixed, "../pages/3_Events.py", start=start, end=end, area="SY05")
    assert not hama.exception
    timeline = next(c for c in _captions(hama) if "Weeks start on Monday" in c)
    assert "Sources: demo data (synthetic) (data to " in timeline
    assert "ACLED" not in timeline and "IOM DTM" not in timeline and "CCCM" not in timeline
    haiti = app_on(mixed, "../pages/3_Events.py", start=start, end=end, area="HT01")
    assert not haiti.exception
    timeline = next(c for c in _captions(haiti) if "Weeks start on Monday" in c)
    assert "Sources: ACLED (data to 28 Dec 2024)." in timeline
    assert "demo" not in timeline.lower() and "IOM DTM" not in timeline
    assert not any("demo data" in title for title in _specs(haiti))


def test_the_packs_captions_and_sources_line_cite_only_what_it_draws(mixed):
    from db.filters import Filters
    from pack.weekly import PackOptions, build_pack

    week = date(2024, 12, 23)
    pack = build_pack(mixed, PackOptions(week=week, filters=Filters(week, week, area="SY05")))
    assert pack.charts
    for chart in pack.charts:
        cited = chart.caption.split("Sources:")[1]
        assert "IOM DTM" not in cited and "ACLED" not in cited and "CCCM" not in cited
        assert "demo" in cited and "do not cite" in cited
    assert "IOM DTM" not in pack.sources and "ACLED" not in pack.sources
    assert set(pack.freshness["provider"]) <= {"demo", "demo-partner-a", "demo-partner-b"}


# --- one caption per chart, on the page and in the pack -------------------------------------------

@pytest.mark.parametrize("page_file, params, chart_name, marker", [
    ("../pages/1_Flows.py", {"side": "origin", "unit": "persons"}, "flows_by_origin", "the eight largest places"),
    ("../pages/1_Flows.py", {"side": "destination", "unit": "persons"}, "flows_by_destination",
     "the eight largest places"),
    ("../pages/2_Flows_and_events.py", {"unit": "persons"}, "flows_and_events", "Bars: new displacement"),
    ("../pages/3_Events.py", {}, "events_by_type", "Weeks start on Monday; the first"),
])
@pytest.mark.parametrize("area", [None, "SY05"])
def test_a_chart_has_the_same_caption_on_its_page_and_in_the_pack(app_on, demo_only, page_file, params, chart_name,
                                                                   marker, area):
    from db.filters import Filters
    from pack.weekly import PackOptions, build_pack

    week = date(2024, 12, 16)
    pack = build_pack(demo_only, PackOptions(week=week, filters=Filters(week, week, area=area)))
    chart = next(c for c in pack.charts if c.name == chart_name)
    window = pack.options.window
    query = {"start": window.start.isoformat(), "end": window.end.isoformat(), **params}
    if area:
        query["area"] = area
    at = app_on(demo_only, page_file, **query)
    assert not at.exception
    shown = [c for c in _captions(at) if marker in c]
    assert shown[0] == chart.caption


# --- the sources behind a chart read the day summaries when the whole database is shown (issue 18, speed) ---

YEAR = (date(2024, 1, 1), date(2025, 12, 31))


def _latest_by_provider_by_hand(engine, table, day: str, keep) -> dict[str, tuple[str, bool]]:
    """provider → (latest day, any row from a demo batch) of the counted rows `keep` selects, with pandas."""
    from db import vocab

    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(select(table)).mappings().all())
        batches = pd.DataFrame(conn.execute(
            select(load_batch.c.batch_id, load_batch.c.status, source.c.is_demo)
            .join(source, source.c.source_id == load_batch.c.source_id)).mappings().all())
    rows = rows.merge(batches, on="batch_id")
    rows["d"] = rows[day] if day in rows else rows["period_end"].fillna(rows["period_start"])
    rows = rows[(rows["status"] == "loaded") & rows["review_status"].isin(vocab.COUNTED_REVIEW_STATUSES)
                & rows["d"].between(*YEAR) & keep(rows)]
    return {provider: (str(group["d"].max()), bool(group["is_demo"].astype(bool).any()))
            for provider, group in rows.groupby("provider")}


def _as_dict(frame) -> dict[str, tuple[str, bool]]:
    return {row.provider: (str(row.latest_data_date), bool(row.is_demo)) for row in frame.itertuples()}


def test_a_charts_sources_without_an_area_are_those_of_the_raw_rows(mixed):
    from db.filters import Filters
    from db.plausible import shown_limits
    from db.provenance import query_event_sources, query_flow_sources
    from db.schema import conflict_event, displacement_figure

    def counted_flows(rows):
        return ((rows["figure_kind"] == "new_displacement") & ~rows["is_cumulative"].astype(bool)
                & ~rows["held_in_finer"].astype(bool) & (rows["figure"] <= shown_limits().max_figure))

    flows = _latest_by_provider_by_hand(mixed, displacement_figure, "period_end+start", counted_flows)
    events = _latest_by_provider_by_hand(mixed, conflict_event, "event_date", lambda rows: rows["event_date"].notna())
    assert flows and len(events) >= 2  # the demo's and the Haitian file's events
    assert _as_dict(query_flow_sources(mixed, Filters(*YEAR))) == flows
    assert _as_dict(query_event_sources(mixed, Filters(*YEAR))) == events
    persons = _latest_by_provider_by_hand(
        mixed, displacement_figure, "period_end+start", lambda rows: counted_flows(rows) & (rows["unit"] == "persons"))
    assert _as_dict(query_flow_sources(mixed, Filters(*YEAR, units=("persons",)))) == persons


def test_a_charts_sources_without_an_area_read_no_raw_table(mixed):
    """A year of a million figures took seconds to group; the day summaries hold the same batches and days."""
    from sqlalchemy import event

    from db.filters import Filters
    from db.provenance import query_flow_and_event_sources

    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(mixed, "before_cursor_execute", keep)
    try:
        query_flow_and_event_sources(mixed, Filters(*YEAR))
        whole = list(statements)
        statements.clear()
        query_flow_and_event_sources(mixed, Filters(*YEAR, area="SY05"))
        narrowed = list(statements)
    finally:
        event.remove(mixed, "before_cursor_execute", keep)
    assert whole and not any("displacement_figure" in s or "conflict_event" in s for s in whole), whole
    assert any("displacement_figure" in s for s in narrowed)  # an area: the raw rows (the summaries hold no places)


def test_a_countrys_caption_for_a_month_reads_the_month_by_date(mixed):
    """Offered the place indexes for all of a country's places, SQLite read every row of the country."""
    if mixed.dialect.name != "sqlite":
        pytest.skip("a query plan of SQLite")
    from db.filters import Filters
    from db.provenance import event_rows, figure_rows

    month = Filters(date(2024, 12, 2), date(2024, 12, 31), area="SY")
    with mixed.connect() as conn:
        for rows in (figure_rows(month), figure_rows(month, side="origin"), event_rows(month)):
            sql = str(rows.compile(mixed, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(step[-1]) for step in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "period_end" in plan or "event_date" in plan, plan
            assert "place_id" not in plan.replace("area_tree", ""), plan


# --- one chart, built once: the same figure, rows and caption on the page and in the pack -----------

def _decoded(value):
    """Figure JSON with typed arrays (AppTest's and plotly's base64 "bdata") as plain lists."""
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        shape = tuple(int(n) for n in str(shape).split(",")) if shape is not None else None
        return flat.reshape(shape).tolist() if shape else flat.tolist()
    if isinstance(value, dict):
        return {key: _decoded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decoded(item) for item in value]
    return value


@pytest.fixture()
def page_csvs(monkeypatch):
    """The frames a page hands to its CSV buttons, in the order the charts are drawn."""
    import ui.downloads

    frames, original = [], ui.downloads.csv_bytes

    def recording(frame):
        frames.append(frame.copy())
        return original(frame)

    monkeypatch.setattr(ui.downloads, "csv_bytes", recording)
    return frames


@pytest.mark.parametrize("page_file, params, chart_name, chart_key, order, whole_window", [
    ("../pages/1_Flows.py", {"side": "origin", "unit": "persons"}, "flows_by_origin", "chart-weekly", 0, True),
    ("../pages/1_Flows.py", {"side": "destination", "unit": "persons"}, "flows_by_destination", "chart-weekly", 0,
     True),
    ("../pages/1_Flows.py", {"unit": "persons"}, "sankey", "chart-sankey", 1, False),
    ("../pages/1_Flows.py", {"unit": "persons"}, "flow_map", "chart-map", 2, False),
    ("../pages/2_Flows_and_events.py", {"unit": "persons"}, "flows_and_events", "chart-flows-events", 0, True),
    ("../pages/3_Events.py", {}, "events_by_type", "chart-timeline", 0, True),
])
def test_a_chart_draws_the_same_figure_rows_and_caption_on_its_page_and_in_the_pack(
        app_on, demo_only, page_csvs, page_file, params, chart_name, chart_key, order, whole_window):
    """The page for the pack's own window (its eight weeks, or its one week for the Sankey and the map)."""
    import json

    from db.filters import Filters
    from pack.weekly import PackOptions, build_pack

    week = date(2024, 12, 16)
    pack = build_pack(demo_only, PackOptions(week=week, filters=Filters(week, week, area="SY05")))
    chart = next(c for c in pack.charts if c.name == chart_name)
    window = pack.options.window if whole_window else pack.options.week_filters
    at = app_on(demo_only, page_file, start=window.start.isoformat(), end=window.end.isoformat(), area="SY05",
                **params)
    assert not at.exception
    shown = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith(chart_key))
    packed = json.loads(chart.figure.to_json())  # its title differs: the pack's names the week
    assert shown["data"] and _decoded(shown["data"]) == _decoded(packed["data"])
    rows = page_csvs[order]
    if chart_name == "events_by_type":  # the page's CSV also names the area it was drawn for
        assert set(rows.pop("area")) == {"SY05"}
    pd.testing.assert_frame_equal(rows.reset_index(drop=True), chart.rows.reset_index(drop=True))
    assert chart.caption in _captions(at)



# --- round 3: captions name the area and the providers in words -------------------------------------

def _place_row(engine, key: str):
    from db.schema import place

    with engine.connect() as conn:
        return conn.execute(select(place.c.name_en, place.c.kind).where(place.c.place_key == key)).one()


def test_captions_on_the_page_and_in_the_pack_name_the_area_not_its_key(app_on, demo_only):
    from db.filters import Filters
    from pack.weekly import PackOptions, build_pack

    name, kind = _place_row(demo_only, "SY05")
    assert kind == "governorate"
    words = f"area: {name} governorate."  # "Hama governorate", as a reader says it
    week = date(2024, 12, 16)
    pack = build_pack(demo_only, PackOptions(week=week, filters=Filters(week, week, area="SY05")))
    assert pack.charts
    for chart in pack.charts:
        assert words in chart.caption and "SY05" not in chart.caption, chart.name
    window = pack.options.window
    at = app_on(demo_only, "../pages/3_Events.py", start=window.start.isoformat(), end=window.end.isoformat(),
                area="SY05")
    assert not at.exception
    shown = _captions(at)
    assert shown and all(words in c and "SY05" not in c for c in shown)

    country, _ = _place_row(demo_only, "SY")
    pack = build_pack(demo_only, PackOptions(week=week, filters=Filters(week, week, area="SY")))
    assert all(f"area: {country}." in chart.caption for chart in pack.charts)


def test_sources_lines_name_the_demo_providers_in_words(demo_only):
    from db.filters import Filters
    from pack.weekly import PackOptions, build_pack

    week = date(2024, 12, 16)
    pack = build_pack(demo_only, PackOptions(week=week, filters=Filters(week, week)))
    codes = set(pack.freshness["provider"])
    assert "demo-partner-a" in codes
    lines = [pack.sources] + [chart.caption.split("Sources:")[1] for chart in pack.charts]
    for line in lines:
        assert not any(code in line for code in codes if code.startswith("demo-")), line
    assert "demo partner A, persons (synthetic)" in pack.sources


def test_a_real_providers_name_is_shown_as_stored():
    from charts.captions import sources_text

    frame = pd.DataFrame({"provider": ["ACLED", "demo-cccm"], "latest_data_date": pd.to_datetime(["2024-12-31", None]),
                          "loaded_at": pd.NaT, "is_demo": [False, True]})
    text = sources_text(frame)
    assert text.startswith("Sources: ACLED (data to 31 Dec 2024); ") and "demo-cccm" not in text
    assert "camp coordination" in text
