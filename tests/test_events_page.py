"""The Events page in AppTest, and its pure figure builders.

Expected numbers come from db.demo.build_demo's rows (and a small fixture of text facts),
counted here in plain Python, never from db.events_queries.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import date, timedelta

import pandas as pd
import plotly.io as pio
import pytest
from sqlalchemy import func, select

from charts.basemap import is_basemap
from charts.events import (AVERAGE, TEXT_SUFFIX, THIS_WEEK, build_event_map, build_event_timeline,
                           build_hapi_counts, build_week_comparison, hapi_rows, marker_size, period_label)
from db.demo import build_demo
from db.events_queries import (NO_SUB_EVENT_TYPE, compare_with_average, comparison_week, query_event_locations,
                               query_event_locations_raw, query_weekly_events, query_weekly_events_by_governorate,
                               query_weekly_events_by_governorate_raw, query_weekly_events_raw)
from db.filters import Filters
from db.summary import split_window
from db.records import SourceInfo
from db.review import decide, place_id_for
from db.schema import conflict_event
from db.writes import write_rows_batch
from gazetteer import load_gazetteer
from tests.test_app import _trace_values

EVENTS_PAGE = "../pages/3_Events.py"
HAPI_CAPTION = ("aggregated counts from HDX HAPI (monthly, by area); categories overlap (civilian targeting is part "
                "of political violence) and are never added together; not individual events")


# --- helpers --------------------------------------------------------------------------------

def _charts(at) -> dict[str, dict]:
    """The page's figures by their chart key ("chart-timeline", ...): the element id ends with it."""
    return {chart.proto.id[chart.proto.id.index("-chart-") + 1:]: json.loads(chart.proto.spec)
            for chart in at.get("plotly_chart")}


def _by_name(figure: dict) -> dict[str, dict]:
    return {trace["name"]: trace for trace in figure["data"]}


def _points(trace: dict, x: str = "x", y: str = "y") -> dict:
    return dict(zip(_trace_values(trace, x), _trace_values(trace, y)))


def _bars(trace: dict) -> dict:
    """The weeks a weekly trace draws a bar on: every week of the window has a slot, empty ones are 0."""
    return {x: y for x, y in _points(trace).items() if y != 0}


def _params(at) -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


@pytest.fixture(scope="module")
def demo_rows(demo_engine):
    """The demo's events and HAPI-style counts as build_demo makes them, with each event's governorate."""
    gazetteer = load_gazetteer(demo_engine)
    parts = {part.name: part for part in build_demo(gazetteer)}
    _, columns, rows = parts["events"].tables[0]
    events = pd.DataFrame(rows, columns=columns)

    def governorate(place_id):
        chain = [gazetteer.places[place_id], *gazetteer.ancestors(place_id)]
        return next(p.pcode for p in chain if p.kind == "governorate")

    events["governorate"] = events["place_id"].map(governorate)
    _, count_columns, count_rows = parts["event-counts"].tables[0]
    return events, pd.DataFrame(count_rows, columns=count_columns)


def _between(events: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    return events[(events["event_date"] >= first) & (events["event_date"] <= last)]


@pytest.fixture
def recorded_csvs(monkeypatch):
    """The frames the page hands to the CSV buttons, in order."""
    import ui.downloads

    frames = []
    original = ui.downloads.csv_bytes

    def recording(frame):
        frames.append(frame.copy())
        return original(frame)

    monkeypatch.setattr(ui.downloads, "csv_bytes", recording)
    return frames


# --- timeline ----------------------------------------------------------------------------------

def test_battles_in_hama_governorate_in_the_week_of_2_december(app_on, demo_engine, demo_rows):
    events, _ = demo_rows
    at = app_on(demo_engine, EVENTS_PAGE, start="2024-11-25", end="2024-12-15", area="SY05")
    assert not at.exception
    timeline = _charts(at)["chart-timeline"]
    battles = _points(_by_name(timeline)["Battles"])
    hama = events[(events["governorate"] == "SY05") & (events["event_type"] == "Battles")]
    expected = len(_between(hama, date(2024, 12, 2), date(2024, 12, 8)))
    assert expected == 9  # TIMELINE: 3 on 2 Dec, 4 on 3 Dec, 2 on 5 Dec
    assert battles["2024-12-02"] == expected
    assert battles["2024-11-25"] == 0  # nothing in Hama governorate that week: drawn as 0 (charts/weeks.py)
    assert timeline["layout"]["template"]["layout"]["colorway"][0] != "#000000"


def test_timeline_stacks_every_counted_event_in_the_window_by_type(app_on, demo_engine, demo_rows, recorded_csvs):
    events, _ = demo_rows
    at = app_on(demo_engine, EVENTS_PAGE, start="2024-11-25", end="2024-12-15")
    assert not at.exception
    traces = _by_name(_charts(at)["chart-timeline"])
    window = _between(events, date(2024, 11, 25), date(2024, 12, 15))
    assert {name: sum(_trace_values(t, "y")) for name, t in traces.items()} == dict(Counter(window["event_type"]))
    assert _charts(at)["chart-timeline"]["layout"]["barmode"] == "stack"
    timeline_csv = recorded_csvs[0]
    assert list(timeline_csv.columns) == ["week", "series", "from_text", "events", "fatalities", "area"]
    assert timeline_csv["events"].sum() == len(window)
    assert timeline_csv["fatalities"].sum() == window["fatalities"].sum()


def test_event_types_filter_in_the_url_changes_the_traces(app_on, demo_engine, demo_rows):
    events, _ = demo_rows
    at = app_on(demo_engine, EVENTS_PAGE, start="2024-11-01", end="2024-12-31", event_types="Protests")
    assert not at.exception
    traces = _by_name(_charts(at)["chart-timeline"])
    assert list(traces) == ["Protests"]
    assert sum(_trace_values(traces["Protests"], "y")) == (events["event_type"] == "Protests").sum()
    assert _params(at)["event_types"] == "Protests"
    assert at.selectbox(key="param-subtypes_of").options == ["all event types", "Protests by sub-type"]


def test_one_event_type_broken_down_by_sub_type(app_on, demo_engine, demo_rows):
    events, _ = demo_rows
    at = app_on(demo_engine, EVENTS_PAGE, start="2024-11-25", end="2024-12-15", subtypes_of="Battles")
    assert not at.exception
    traces = _by_name(_charts(at)["chart-timeline"])
    battles = _between(events, date(2024, 11, 25), date(2024, 12, 15))
    battles = battles[battles["event_type"] == "Battles"]
    assert {name: sum(_trace_values(t, "y")) for name, t in traces.items()} == dict(
        Counter(battles["sub_event_type"]))
    assert set(traces) == {"Armed clash", "Non-state actor overtakes territory"}
    assert _params(at)["subtypes_of"] == "Battles"
    at.selectbox(key="param-subtypes_of").set_value("all event types").run()
    assert "subtypes_of" not in _params(at)
    assert "Battles" in _by_name(_charts(at)["chart-timeline"])


def test_bad_url_values_are_ignored_without_an_error(app_on, demo_engine):
    with demo_engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(conflict_event)).scalar_one()
    at = app_on(demo_engine, EVENTS_PAGE, start="2024-11-25", end="2024-12-15",
                event_types="'; DROP TABLE conflict_event; --", subtypes_of="<script>Battles",
                sources="nobody", area="'; --")
    assert not at.exception
    params = _params(at)
    assert "event_types" not in params and "subtypes_of" not in params and "area" not in params
    assert "Strategic developments" in _by_name(_charts(at)["chart-timeline"])  # all types: the filter was dropped
    with demo_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(conflict_event)).scalar_one() == before


@pytest.mark.parametrize("start, end, area, event_types", [
    (date(2024, 11, 1), date(2024, 12, 31), None, ()),  # whole weeks and both edges
    (date(2024, 11, 27), date(2024, 12, 12), "SY05", ()),  # an area, cut weeks at both ends
    (date(2024, 12, 3), date(2024, 12, 5), "SY02", ("Battles",)),  # less than a week
    (date(2024, 11, 25), date(2024, 12, 15), None, ("Explosions/Remote violence", "Protests")),
])
def test_weekly_summaries_give_what_the_raw_rows_give(demo_engine, start, end, area, event_types):
    filters = Filters(start, end, area=area, event_types=event_types)
    pd.testing.assert_frame_equal(query_weekly_events(demo_engine, filters),
                                  query_weekly_events_raw(demo_engine, filters))
    week = comparison_week(end)
    pd.testing.assert_frame_equal(
        query_weekly_events_by_governorate(demo_engine, filters, week - timedelta(weeks=4), week),
        query_weekly_events_by_governorate_raw(demo_engine, filters, week - timedelta(weeks=4), week))
    pd.testing.assert_frame_equal(query_event_locations(demo_engine, filters),
                                  query_event_locations_raw(demo_engine, filters))


def test_an_empty_window_says_what_to_change(app_on, demo_engine):
    at = app_on(demo_engine, EVENTS_PAGE, start="2023-06-01", end="2023-06-07")  # before the demo's year
    assert not at.exception
    assert not at.get("plotly_chart")
    infos = [i.value for i in at.info]
    assert any("No conflict events between 01 Jun 2023 and 07 Jun 2023" in i and "Widen the window" in i
               for i in infos)
    assert any("No HDX HAPI event counts" in i for i in infos)
    assert not at.error


# --- this week against the four weeks before ----------------------------------------------------

def test_this_week_against_the_average_of_the_four_weeks_before(app_on, demo_engine, demo_rows, recorded_csvs):
    events, _ = demo_rows
    at = app_on(demo_engine, EVENTS_PAGE, start="2024-11-11", end="2024-12-08")
    assert not at.exception
    assert any("Week of Mon 02 Dec – Sun 08 Dec 2024" in s.value for s in at.subheader)
    this_week = _between(events, date(2024, 12, 2), date(2024, 12, 8))
    before = _between(events, date(2024, 11, 4), date(2024, 12, 1))  # reaches before the window's start
    figure = _charts(at)["chart-week"]
    by_type = {t["name"]: dict(zip(t["y"], _trace_values(t, "x"))) for t in figure["data"] if t["xaxis"] == "x"}
    for event_type in set(this_week["event_type"]) | set(before["event_type"]):
        assert by_type[THIS_WEEK].get(event_type, 0) == (this_week["event_type"] == event_type).sum()
        assert by_type[AVERAGE].get(event_type, 0) == pytest.approx((before["event_type"] == event_type).sum() / 4)
    assert by_type[THIS_WEEK]["Battles"] >= 15  # the offensive's 15 that week (db.demo.TIMELINE), and the baseline's
    by_governorate = {t["name"]: dict(zip(t["y"], _trace_values(t, "x"))) for t in figure["data"]
                      if t["xaxis"] == "x2"}
    hama = (this_week["governorate"] == "SY05").sum()
    assert by_governorate[THIS_WEEK]["Hama · حماة"] == hama >= 13  # db.demo.TIMELINE's 13, and the baseline's
    assert by_governorate[AVERAGE]["Aleppo · حلب"] == pytest.approx((before["governorate"] == "SY02").sum() / 4)
    table = at.dataframe[0].value
    aleppo = table[table["P-code"] == "SY02"].iloc[0]
    assert aleppo["Change"] == pytest.approx(aleppo["This week"] - aleppo["Average of 4 weeks"])
    assert aleppo["Change (%)"] == pytest.approx(round(100 * aleppo["Change"] / aleppo["Average of 4 weeks"], 1))
    csv = recorded_csvs[2]  # the CSV is the table, p-codes included
    assert csv[["key", "this_week"]].values.tolist() == table[["Key", "This week"]].values.tolist()
    assert "SY05" in set(csv["pcode"])


def test_an_incomplete_last_week_is_not_compared(app_on, demo_engine):
    at = app_on(demo_engine, EVENTS_PAGE, start="2024-11-11", end="2024-12-05")  # a Thursday
    assert not at.exception
    assert any("Week of Mon 25 Nov – Sun 01 Dec 2024" in s.value for s in at.subheader)
    assert any("05 Dec 2024 is not complete" in c.value for c in at.caption)


# --- HDX HAPI counts -------------------------------------------------------------------------------

def test_hapi_counts_are_only_in_their_own_charts(app_on, demo_engine, demo_rows):
    events, counts = demo_rows
    # The demo's year, cut to the window: November and December
    events = _between(events, date(2024, 11, 1), date(2024, 12, 31))
    counts = counts[counts["period_start"] >= date(2024, 11, 1)]
    at = app_on(demo_engine, EVENTS_PAGE, start="2024-11-01", end="2024-12-31")
    assert not at.exception
    charts = _charts(at)
    hapi = {key: figure for key, figure in charts.items() if key.startswith("chart-hapi-")}
    assert set(hapi) == {f"chart-hapi-{c}" for c in counts["event_category"].unique()}
    for key, figure in hapi.items():
        category = key.removeprefix("chart-hapi-")
        rows = counts[counts["event_category"] == category]
        drawn = sum(sum(_trace_values(t, "y")) for t in figure["data"])
        assert drawn == rows["events"].sum()  # every count of the category, once
    political = _by_name(hapi["chart-hapi-political_violence"])
    aleppo = counts[(counts["event_category"] == "political_violence") & (counts["area_pcode"] == "SY02")]
    assert _points(political["Aleppo · حلب"]) == dict(zip(["Nov 2024", "Dec 2024"], aleppo["events"]))
    # The event timeline holds the individual events only, not the counts.
    timeline = charts["chart-timeline"]
    assert sum(sum(_trace_values(t, "y")) for t in timeline["data"]) == len(events)
    assert not any("aggregated" in (t["name"] or "") or "HAPI" in (t["name"] or "") for t in timeline["data"])
    assert sum(HAPI_CAPTION in c.value for c in at.caption) == len(hapi)


# --- facts read from text --------------------------------------------------------------------------

TEXT_EVENT_COLUMNS = ("provider", "record_key", "event_date", "date_precision", "event_type", "sub_event_type",
                      "place_id", "place_name_raw", "lat", "lon", "fatalities", "review_status", "quote",
                      "quote_start", "quote_end", "admin1_name_raw")


@pytest.fixture
def text_events_engine(prepared_engine):
    """One ACLED battle in Hama city (3 Dec) and three protests (two in Hama without coordinates,
    one at an unresolved place); four battles read from a report: accepted, pending, rejected,
    and pending without a date."""
    hama = place_id_for(prepared_engine, "SY0501:hama")
    acled = [("ACLED", "SYR1", date(2024, 12, 3), "day", "Battles", "Armed clash", hama, "Hama", 35.13, 36.75, 2,
              "not_required", None, None, None, "Hama"),
             ("ACLED", "SYR2", date(2024, 11, 20), "day", "Protests", "Peaceful protest", hama, "Hama", None, None,
              0, "not_required", None, None, None, "Hama"),
             ("ACLED", "SYR3", date(2024, 11, 21), "day", "Protests", "Peaceful protest", hama, "Hama", None, None,
              0, "not_required", None, None, None, "Hama"),
             ("ACLED", "SYR4", date(2024, 11, 21), "day", "Protests", "Peaceful protest", None, "Nowhere-on-map",
              None, None, 0, "not_required", None, None, None, "Aleppo")]
    quote = "Clashes broke out in Hama on Wednesday."
    text = [("text", f"r1:{n}", day, "day", kind, None, hama, "Hama", None, None, None, status, quote, 0, len(quote),
             None)
            for n, (day, kind, status) in enumerate([
                (date(2024, 12, 4), "Battles", "accepted"),
                (date(2024, 12, 4), "Battles", "pending"),
                (date(2024, 12, 4), "Explosions/Remote violence", "rejected"),
                (None, "Battles", "pending"),
            ])]
    for name, rows in (("acled", acled), ("report", text)):
        info = SourceInfo(source_kind=name, title=f"test {name}", sha256=name.ljust(64, "0"))
        write_rows_batch(prepared_engine, info, [(conflict_event, TEXT_EVENT_COLUMNS, rows)])
    return prepared_engine


def test_only_reviewed_text_events_count_and_they_are_marked(app_on, text_events_engine):
    at = app_on(text_events_engine, EVENTS_PAGE, start="2024-11-04", end="2024-12-08")
    assert not at.exception
    charts = _charts(at)
    timeline = _by_name(charts["chart-timeline"])
    assert set(timeline) == {"Battles", "Battles" + TEXT_SUFFIX, "Protests"}  # nothing pending or rejected
    assert _bars(timeline["Battles"]) == {"2024-12-02": 1}
    assert _bars(timeline["Battles" + TEXT_SUFFIX]) == {"2024-12-02": 1}
    assert timeline["Battles" + TEXT_SUFFIX]["marker"]["pattern"]["shape"] == "/"
    points = _by_name(charts["chart-map"])
    from_text = points["Battles" + TEXT_SUFFIX]
    assert from_text["marker"]["symbol"] == "diamond-open"
    assert from_text["text"] == ["Hama · حماة"]
    assert _trace_values(from_text, "x") != _trace_values(points["Battles"], "x")  # the place's, not the event's
    assert any("1 event(s) without coordinates are not drawn" in c.value for c in at.caption)
    week = {t["name"]: dict(zip(t["y"], _trace_values(t, "x"))) for t in charts["chart-week"]["data"]
            if t["xaxis"] == "x"}
    assert week[THIS_WEEK] == {"Battles": 2, "Protests": 0}
    assert week[AVERAGE] == {"Battles": 0, "Protests": 0.75}
    table = at.dataframe[0].value.set_index(["Group", "Name"])
    assert table.loc[("event type", "Battles"), "From text this week"] == 1
    assert table.loc[("governorate", "Hama"), "P-code"] == "SY05"
    unresolved = table.loc[("governorate", "Aleppo")]  # as the source names it: no p-code, shown as "—"
    assert unresolved["Average of 4 weeks"] == 0.25 and unresolved["P-code"] == "—"
    assert any("1 events come from text reports" in c.value for c in at.caption)


def test_events_without_coordinates_stand_at_their_place_or_are_left_off_the_map(text_events_engine):
    locations = query_event_locations(text_events_engine, Filters(date(2024, 11, 1), date(2024, 12, 31)))
    pd.testing.assert_frame_equal(locations, query_event_locations_raw(text_events_engine,
                                                                       Filters(date(2024, 11, 1), date(2024, 12, 31))))
    protests = locations[locations["event_type"] == "Protests"].set_index("place")
    assert protests.loc["Hama", "events"] == 2  # one point, at the place's coordinates
    assert not math.isnan(protests.loc["Hama", "lat"])
    assert math.isnan(protests.loc["Nowhere-on-map", "lat"])  # the page counts it as not drawn
    assert set(locations["place"]) == {"Hama", "Nowhere-on-map"}  # pending and rejected facts are not here


def test_a_text_event_accepted_on_review_counts_on_the_next_view(app_on, text_events_engine):
    with text_events_engine.connect() as conn:
        pending = conn.execute(select(conflict_event.c.event_id).where(
            conflict_event.c.review_status == "pending", conflict_event.c.event_date.is_not(None))).scalar_one()
    decide(text_events_engine, "conflict_event", pending, "accept")
    at = app_on(text_events_engine, EVENTS_PAGE, start="2024-11-04", end="2024-12-08")
    assert not at.exception
    timeline = _by_name(_charts(at)["chart-timeline"])
    assert _bars(timeline["Battles" + TEXT_SUFFIX]) == {"2024-12-02": 2}


# --- pure builders --------------------------------------------------------------------------------

WEEKLY = pd.DataFrame([
    (date(2024, 12, 2), "Battles", "Armed clash", False, 3, 5),
    (date(2024, 12, 2), "Battles", NO_SUB_EVENT_TYPE, True, 1, 0),
    (date(2024, 12, 2), "Protests", "Peaceful protest", False, 2, 0),
    (date(2024, 12, 9), "Battles", "Non-state actor overtakes territory", False, 4, 1),
], columns=["week", "event_type", "sub_event_type", "from_text", "events", "fatalities"])


def test_timeline_builder_draws_types_in_acled_order_with_text_apart():
    figure = build_event_timeline(WEEKLY, "t")
    assert [t.name for t in figure.data] == ["Battles", "Protests", "Battles" + TEXT_SUFFIX]
    assert list(figure.data[0].y) == [3, 4]
    assert figure.data[2].marker.pattern.shape == "/" and figure.data[0].marker.pattern.shape is None
    assert figure.layout.template == pio.templates["plotly_white"]


def test_a_figure_holds_the_export_template_whatever_plotly_s_default_is(monkeypatch):
    """The builders make EXPORT_TEMPLATE plotly's default before each figure (a new figure takes the
    default unchecked, which is cheaper than setting it); another default set meanwhile, as
    Streamlit sets its own when imported, does not reach the figures."""
    import json

    monkeypatch.setattr(pio.templates, "default", "plotly_dark")
    figure = build_event_timeline(WEEKLY, "t")
    assert figure.layout.template == pio.templates["plotly_white"]
    assert json.loads(figure.to_json())["layout"]["template"]["layout"]["plot_bgcolor"] == "white"


def test_timeline_builder_breaks_one_type_down_by_sub_type():
    figure = build_event_timeline(WEEKLY, "t", subtypes_of="Battles")
    assert [t.name for t in figure.data] == ["Armed clash", "Non-state actor overtakes territory",
                                             NO_SUB_EVENT_TYPE + TEXT_SUFFIX]
    assert figure.layout.legend.title.text == "sub-types of Battles"


LOCATIONS = pd.DataFrame([
    ("SY0501:hama", None, "Hama", "حماة", "SY05", 35.13, 36.75, "Battles", False, 9, 40),
    ("SY0501:hama", None, "Hama", "حماة", "SY05", 35.13, 36.75, "Battles", True, 1, 0),
    ("SY0200:aleppo", None, "Aleppo", "حلب", "SY02", 36.2, 37.15, "Protests", False, 1, 0),
    (None, None, "Somewhere", None, None, None, None, "Battles", False, 5, 0),
], columns=["place_key", "pcode", "place", "place_ar", "governorate_pcode", "lat", "lon", "event_type", "from_text",
            "events", "fatalities"])


def test_map_builder_draws_points_on_an_offline_base_map():
    figure = build_event_map(LOCATIONS, "m")
    assert {t.type for t in figure.data} == {"scatter"}  # the base map is lines too: nothing fetches topojson
    # A degree of latitude is drawn longer than a degree of longitude at Syria's latitude (~35° N).
    assert figure.layout.yaxis.scaleanchor == "x" and figure.layout.yaxis.scaleratio > 1.1
    assert "coastline" in {t.name for t in figure.data}
    traces = {t.name: t for t in figure.data if not is_basemap(t)}
    assert set(traces) == {"Battles", "Protests", "Battles" + TEXT_SUFFIX}
    assert list(traces["Battles"].x) == [36.75]  # "Somewhere" has no coordinates and is not drawn
    assert traces["Battles"].text == ("Hama · حماة",)
    assert traces["Battles"].marker.size[0] > traces["Protests"].marker.size[0] > 0
    assert traces["Battles"].marker.size[0] == pytest.approx(20)  # 5 + 5·√9: below the 40 px of a busier map
    assert traces["Protests"].marker.size[0] == pytest.approx(10)
    assert marker_size(pd.Series([400, 100, 1]), 400) == pytest.approx([40, 22.5, 5 + 35 / 20])
    assert traces["Battles" + TEXT_SUFFIX].marker.symbol == "diamond-open"
    assert list(traces["Battles" + TEXT_SUFFIX].customdata[0]) == [1, 0, 10]  # 10 events of all types there


def test_split_window_into_whole_weeks_and_edge_days():
    assert split_window(date(2024, 11, 27), date(2024, 12, 12)) == (
        (date(2024, 12, 2), date(2024, 12, 2)), [(date(2024, 11, 27), date(2024, 12, 1)),
                                                 (date(2024, 12, 9), date(2024, 12, 12))])
    assert split_window(date(2024, 12, 2), date(2024, 12, 15)) == ((date(2024, 12, 2), date(2024, 12, 9)), [])
    assert split_window(date(2024, 12, 3), date(2024, 12, 5)) == (None, [(date(2024, 12, 3), date(2024, 12, 5))])


def test_comparison_week_is_the_last_complete_week():
    assert comparison_week(date(2024, 12, 8)) == date(2024, 12, 2)  # a Sunday: its own week
    assert comparison_week(date(2024, 12, 5)) == date(2024, 11, 25)
    assert comparison_week(date(2024, 12, 9)) == date(2024, 12, 2)


def test_compare_with_average_counts_missing_weeks_as_zero():
    week = date(2024, 12, 2)
    rows = [(week, "Battles", "SY05", "SY05", "Hama", "حماة", False, 6, 0),
            (week, "Battles", "SY05", "SY05", "Hama", "حماة", True, 1, 0),
            (week - timedelta(weeks=1), "Battles", "SY05", "SY05", "Hama", "حماة", False, 4, 0),
            (week - timedelta(weeks=3), "Battles", "SY02", "SY02", "Aleppo", "حلب", False, 4, 0),
            (week - timedelta(weeks=5), "Battles", "SY02", "SY02", "Aleppo", "حلب", False, 100, 0),  # too early
            (week, "Protests", "SY02", "SY02", "Aleppo", "حلب", False, 2, 0)]
    weekly = pd.DataFrame(rows, columns=["week", "event_type", "governorate_key", "governorate_pcode",
                                         "governorate", "governorate_ar", "from_text", "events", "fatalities"])
    table = compare_with_average(weekly, week).set_index(["group", "key"])
    battles = table.loc[("event type", "Battles")]
    assert (battles["this_week"], battles["average_4_weeks"], battles["change"], battles["change_pct"]) == (
        7, 2.0, 5.0, 250.0)
    assert battles["from_text_this_week"] == 1
    assert math.isnan(table.loc[("event type", "Protests"), "change_pct"])  # no base to compare with
    aleppo = table.loc[("governorate", "SY02")]
    assert (aleppo["this_week"], aleppo["average_4_weeks"], aleppo["change_pct"]) == (2, 1.0, 100.0)
    assert list(table.index.get_level_values("group")) == ["event type"] * 2 + ["governorate"] * 2


HAPI = pd.DataFrame([
    ("HDX HAPI", "SY", "SY", "Syria", "سوريا", 0, "political_violence", date(2024, 11, 1), date(2024, 11, 30), 50, 9),
    ("HDX HAPI", "SY02", "SY02", "Aleppo", "حلب", 1, "political_violence", date(2024, 11, 1), date(2024, 11, 30), 30,
     5),
    ("HDX HAPI", "SY02", "SY02", "Aleppo", "حلب", 1, "civilian_targeting", date(2024, 11, 1), date(2024, 11, 30), 7,
     2),
], columns=["provider", "area_pcode", "place_key", "area", "area_ar", "admin_level", "event_category", "period_start",
            "period_end", "events", "fatalities"])


def test_hapi_builder_draws_one_category_at_one_admin_level():
    figure = build_hapi_counts(HAPI, "political_violence", "h")
    assert [t.name for t in figure.data] == ["Aleppo · حلب"]  # the country row holds it already
    assert list(figure.data[0].y) == [30] and list(figure.data[0].x) == ["Nov 2024"]
    assert len(hapi_rows(HAPI, "civilian_targeting")) == 1
    with pytest.raises(ValueError):
        build_hapi_counts(HAPI, "Battles", "h")
    assert period_label(date(2024, 11, 25), date(2024, 12, 1)) == "25 Nov 2024 – 01 Dec 2024"


def test_week_comparison_builder_puts_types_left_and_governorates_right():
    table = pd.DataFrame([("event type", "Battles", None, "Battles", None, 7, 2.0, 5.0, 250.0, 1),
                          ("governorate", "SY05", "SY05", "Hama", "حماة", 7, 1.0, 6.0, 600.0, 1)],
                         columns=["group", "key", "pcode", "name", "name_ar", "this_week", "average_4_weeks",
                                  "change", "change_pct", "from_text_this_week"])
    figure = build_week_comparison(table, "w")
    left = {t.name: (t.y, t.x) for t in figure.data if t.xaxis == "x"}
    right = {t.name: (t.y, t.x) for t in figure.data if t.xaxis == "x2"}
    assert left[THIS_WEEK] == (("Battles",), (7,)) and left[AVERAGE] == (("Battles",), (2.0,))
    assert right[THIS_WEEK] == (("Hama · حماة",), (7,))
