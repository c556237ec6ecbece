"""Weekly charts read by their Monday whatever their length, empty weeks are zero, and accepted text
reports without a figure leave a mark (issue 18, points 4 and 9).

One week of data is the normal case for one governorate: plotly's date axis then ticked
"23:59:59.9996 … 00:00:00.0004" under one bar filling the plot, and on longer windows it ticked
Sundays. The figures' JSON is checked here (tick values and text, ranges, the y of each week), not
pixels. The expected labels are written out by hand.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from charts.camps import build_net_arrivals, build_population_over_time
from charts.events import build_event_timeline
from charts.flows import build_weekly_flows
from charts.flows_and_events import build_flows_with_events
from charts.timeline import build_daily_displacement_and_events
from charts.weeks import MIN_SLOTS, NO_FIGURE_NAMES
from db.filters import Filters
from db.flows_queries import query_unquantified_reports
from db.records import SourceInfo
from db.review import place_id_for
from db.schema import displacement_figure
from db.writes import write_rows_batch
from tests.test_access import USERS, _run

HAMA = "SY0501:hama"
ONE_WEEK = (date(2024, 12, 2), date(2024, 12, 8))


def _flows(*weeks_and_values) -> pd.DataFrame:
    return pd.DataFrame([{"week": week, "place_key": HAMA, "pcode": "SY0501", "place": "Hama", "unit": "persons",
                          "from_text": False, "value": float(value)} for week, value in weeks_and_values])


def _events(*weeks_and_counts) -> pd.DataFrame:
    return pd.DataFrame([{"week": week, "event_type": "Battles", "sub_event_type": "Armed clash", "from_text": False,
                          "events": n, "fatalities": 0} for week, n in weeks_and_counts])


def _one_week_figures() -> dict:
    monday = date(2024, 12, 2)
    net = pd.DataFrame({"week": [monday], "area_key": ["SY05"], "area_name": ["Hama"], "area_pcode": ["SY05"],
                        "net_change": [300.0]})
    return {
        "weekly flows": build_weekly_flows(_flows((monday, 1200)), "persons", "origin", "t", window=ONE_WEEK),
        "flows and events": build_flows_with_events(_flows((monday, 1200)), _events((monday, 4)).drop(
            columns=["sub_event_type", "fatalities"]), "persons", "t", window=ONE_WEEK),
        "event timeline": build_event_timeline(_events((monday, 4)), "t", window=ONE_WEEK),
        "net arrivals": build_net_arrivals(net, "individuals", "governorate", "t", window=ONE_WEEK),
    }


@pytest.mark.parametrize("name", ["weekly flows", "flows and events", "event timeline", "net arrivals"])
def test_one_week_is_labelled_by_its_monday_without_a_time_of_day(name):
    axis = json.loads(_one_week_figures()[name].to_json())["layout"]["xaxis"]
    assert axis["type"] == "category" and axis["tickmode"] == "array"
    assert axis["tickvals"] == ["2024-12-02"]
    assert axis["ticktext"] == ["week of 2 Dec 2024"]
    assert not any(":" in text for text in axis["ticktext"])
    bars = [t for t in json.loads(_one_week_figures()[name].to_json())["data"] if t["type"] == "bar"]
    assert bars and all(t["width"] <= 1 / MIN_SLOTS for t in bars)  # a quarter of the plot at most, not all of it


def test_every_tick_is_a_monday_and_the_year_shows_where_it_changes():
    weeks = [date(2024, 12, 16), date(2025, 1, 6)]
    figure = build_weekly_flows(_flows(*((w, 100) for w in weeks)), "persons", "origin", "t",
                                window=(date(2024, 12, 16), date(2025, 1, 12)))
    axis = figure.layout.xaxis
    assert list(axis.tickvals) == ["2024-12-16", "2024-12-23", "2024-12-30", "2025-01-06"]
    assert list(axis.ticktext) == ["week of 16 Dec 2024", "week of 23 Dec", "week of 30 Dec", "week of 6 Jan 2025"]


def test_a_year_of_weeks_keeps_at_most_thirteen_labels():
    figure = build_event_timeline(_events((date(2024, 1, 1), 1), (date(2024, 12, 23), 2)), "t",
                                  window=(date(2024, 1, 1), date(2024, 12, 29)))
    assert len(figure.layout.xaxis.categoryarray) == 52
    assert 1 < len(figure.layout.xaxis.tickvals) <= 13
    assert all(date.fromisoformat(v).weekday() == 0 for v in figure.layout.xaxis.tickvals)


def test_an_empty_middle_week_is_drawn_as_zero():
    flows = _flows((date(2024, 11, 25), 500), (date(2024, 12, 9), 700))
    window = (date(2024, 11, 25), date(2024, 12, 15))
    bars = build_weekly_flows(flows, "persons", "origin", "t", window=window).data[0]
    assert dict(zip(bars.x, bars.y)) == {"2024-11-25": 500, "2024-12-02": 0, "2024-12-09": 700}
    assert list(bars.customdata) == ["500", "0", "700"]
    both = build_flows_with_events(flows, _events().reindex(columns=["week", "event_type", "from_text", "events"]),
                                   "persons", "t", window=window)
    assert dict(zip(both.data[0].x, both.data[0].y)) == {"2024-11-25": 500, "2024-12-02": 0, "2024-12-09": 700}


def test_weeks_after_the_last_data_stay_on_the_axis_as_zero():
    """The pack for 2024-W52 with data up to the week of 2 Dec: the last bar is the empty week of 23 Dec."""
    figure = build_weekly_flows(_flows((date(2024, 12, 2), 900)), "persons", "origin", "t",
                                window=(date(2024, 11, 4), date(2024, 12, 29)))
    bars = figure.data[0]
    assert list(bars.x)[-1] == "2024-12-23" and list(bars.y)[-4:] == [900, 0, 0, 0]
    assert list(figure.layout.xaxis.categoryarray)[-1] == "2024-12-23"


def test_a_site_list_of_one_date_draws_visible_points():
    population = pd.DataFrame({"reported_date": [date(2020, 7, 1)] * 2, "area_key": ["SY07", "SY02"],
                               "area_name": ["Idleb", "Aleppo"], "area_pcode": ["SY07", "SY02"],
                               "population": [40_000.0, 30_240.0]})
    figure = build_population_over_time(population, "individuals", "governorate", "t")
    assert len(figure.data) == 2
    for trace in figure.data:
        assert "markers" in trace.mode and len(trace.x) == 1
    axis = figure.layout.xaxis
    assert list(axis.ticktext) == ["1 Jul 2020"]
    low, high = (pd.Timestamp(v) for v in axis.range)
    assert low < pd.Timestamp("2020-07-01") < high and (high - low).days >= 2


def test_a_daily_chart_of_one_day_ticks_the_day_and_draws_its_bars_side_by_side():
    day = date(2024, 12, 5)
    daily = pd.DataFrame({"day": [day] * 3, "unit": ["persons", "households", "events"], "from_text": [False] * 3,
                          "value": [300.0, 50.0, 4.0]})
    figure = build_daily_displacement_and_events(daily, "t")
    axis = figure.layout.xaxis
    assert list(axis.ticktext) == ["5 Dec 2024"] and not any(":" in t for t in axis.ticktext)
    persons, households = (t for t in figure.data if t.type == "bar")
    day_ms = 86_400_000
    assert persons.width == households.width and persons.width * 2 >= 0.5 * day_ms  # visible, not 1 ms wide
    assert households.offset == persons.offset + persons.width  # side by side, not one over the other


# --- accepted text reports without a figure ------------------------------------------------------------

SENTENCE = "Dozens of families fled Hama on foot overnight, a resident said."
FIGURE_COLUMNS = ("provider", "record_key", "figure_kind", "unit", "qualifier", "figure", "origin_place_id",
                  "origin_name_raw", "period_start", "period_end", "review_status", "quote", "quote_start",
                  "quote_end", "is_cumulative")


@pytest.fixture
def report_without_a_figure(prepared_engine):
    """An accepted "families fled Hama" (no figure) on 4 Dec 2024, beside a pending one and a rejected
    one (never shown) and an accepted one with a figure (counted, so no marker)."""
    hama = place_id_for(prepared_engine, HAMA)

    def row(key, status, figure=None, day=date(2024, 12, 4)):
        return ("text", key, "new_displacement", "households", "vague" if figure is None else "exact", figure, hama,
                "Hama", day, day, status, SENTENCE, 0, len(SENTENCE), False)

    write_rows_batch(prepared_engine, SourceInfo(source_kind="text_report", title="a report", sha256="n" * 64),
                     [(displacement_figure, FIGURE_COLUMNS,
                       [row("r:1", "accepted"), row("r:2", "pending"), row("r:3", "rejected"),
                        row("r:4", "accepted", 40.0, date(2024, 12, 10))])])
    return prepared_engine


def test_only_accepted_reports_without_a_figure_are_read_and_their_quote_only_when_asked(report_without_a_figure):
    window = Filters(date(2024, 11, 25), date(2024, 12, 15))
    bare = query_unquantified_reports(report_without_a_figure, window)
    assert list(bare["week"]) == [date(2024, 12, 2)] and list(bare["place"]) == ["Hama"]
    assert "quote" not in bare.columns
    quoted = query_unquantified_reports(report_without_a_figure, window, with_quotes=True)
    assert list(quoted["quote"]) == [SENTENCE]
    assert query_unquantified_reports(report_without_a_figure, Filters(date(2024, 12, 9), date(2024, 12, 15))).empty


def _marker(at, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))
    return next(t for t in json.loads(chart.proto.spec)["data"] if t["name"] == NO_FIGURE_NAMES["new_displacement"])


@pytest.mark.parametrize("script, key", [("../pages/1_Flows.py", "chart-weekly"),
                                         ("../pages/2_Flows_and_events.py", "chart-flows-events")])
@pytest.mark.parametrize("role, sees", [("viewer", False), ("editor", True), ("admin", True)])
def test_a_report_without_a_figure_is_marked_on_its_week_with_the_quote_for_editors_only(
        monkeypatch, report_without_a_figure, script, key, role, sees):
    at = _run(monkeypatch, report_without_a_figure, script, USERS[role], start="2024-11-25", end="2024-12-15")
    assert not at.exception
    marker = _marker(at, key)
    assert marker["x"] == ["2024-12-02"] and marker["y"] == [0]  # on the baseline of its week
    hover = marker["hovertext"][0]
    assert "reported fleeing, no figure" in hover and "week of 2 Dec 2024" in hover and "Hama: 1 report" in hover
    assert (SENTENCE in hover) is sees
    assert ("shown to editors" in hover) is not sees


def test_a_quote_is_escaped_in_the_marker(monkeypatch, prepared_engine):
    hama = place_id_for(prepared_engine, HAMA)
    sentence = "Families <b>fled</b> Hama & <a href='x'>Homs</a>."
    write_rows_batch(prepared_engine, SourceInfo(source_kind="text_report", title="r", sha256="m" * 64),
                     [(displacement_figure, FIGURE_COLUMNS,
                       [("text", "m:1", "new_displacement", "persons", "vague", None, hama, "Hama", date(2024, 12, 4),
                         date(2024, 12, 4), "accepted", sentence, 0, len(sentence), False)])])
    at = _run(monkeypatch, prepared_engine, "../pages/1_Flows.py", USERS["editor"], start="2024-11-25",
              end="2024-12-15")
    hover = _marker(at, "chart-weekly")["hovertext"][0]
    assert "&lt;b&gt;fled&lt;/b&gt;" in hover and "&lt;a href='x'&gt;" in hover and "<b>" not in hover


def test_the_pack_marks_a_report_without_a_figure_and_never_carries_its_sentence(report_without_a_figure):
    from pack.weekly import PackOptions, build_pack

    pack = build_pack(report_without_a_figure, PackOptions(date(2024, 12, 9), unit="households"))
    charts = {chart.name: chart for chart in pack.charts}
    for name in ("flows_by_origin", "flows_and_events"):
        marker = next(t for t in charts[name].figure.data if t.name == NO_FIGURE_NAMES["new_displacement"])
        assert list(marker.x) == ["2024-12-02"]
        assert "Hama: 1 report" in marker.hovertext[0] and SENTENCE not in marker.hovertext[0]
        assert list(charts[name].figure.layout.xaxis.categoryarray)[-1] == "2024-12-09"
