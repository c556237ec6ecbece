"""The "flows and preceding events" page in AppTest on the demo database, and its pure parts.

The expected numbers are computed from the demo's own rows (db.demo.build_demo), not from the
page's queries: the bars of the Hama governorate in the week of 2 Dec 2024 must equal the persons
the demo says fled Hama that week, and the list of events before that spike must hold the
withdrawal from Hama on 5 Dec (a "Non-violent transfer of territory").
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import date, timedelta

import pandas as pd
import pytest

from charts.flows_and_events import governorates, keys_inside, lag_correlations, rank_spikes, summarise_events
from db.demo import FIGURE_COLUMNS, build_demo
from db.flows_and_events_queries import distance_km, preceding_window
from gazetteer import load_gazetteer
from tests.test_app import _trace_values

PAGE = "../pages/2_Flows_and_events.py"
WEEK = date(2024, 12, 2)
HAMA = "SY0501:hama"


def _params(at) -> dict:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def _demo_persons_fled_from(engine, origin_name: str | None, week: date, within: str | None = None) -> float:
    """Persons the demo's own rows say fled `origin_name` (or any place inside the area with p-code
    `within`) in the week starting `week`."""
    gazetteer = load_gazetteer(engine)

    def inside(place_id) -> bool:
        return place_id is not None and within in {p.pcode for p in [gazetteer.places[place_id],
                                                                     *gazetteer.ancestors(place_id)]}
    total = 0.0
    for part in build_demo(gazetteer):
        for table, columns, rows in part.tables:
            if table.name != "displacement_figure":
                continue
            assert tuple(columns) == FIGURE_COLUMNS
            for row in rows:
                r = dict(zip(columns, row))
                if (r["figure_kind"] == "new_displacement" and r["unit"] == "persons" and r["figure"] is not None
                        and (r["origin_name_raw"] == origin_name if within is None else inside(r["origin_place_id"]))
                        and week <= r["period_end"] <= week + timedelta(6)):
                    total += r["figure"]
    return total


def test_hama_spike_bars_equal_the_demo_and_its_events_hold_the_withdrawal(app_on, demo_engine):
    at = app_on(demo_engine, PAGE, start="2024-11-18", end="2024-12-15", area="SY05", spike_place=HAMA,
                spike_week=WEEK.isoformat())
    assert not at.exception
    expected = _demo_persons_fled_from(demo_engine, "Hama", WEEK)
    assert expected > 10_000  # the demo's flight from Hama (52,000 over five days, some counted as households)
    traces = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    bars = [t for t in traces if t["type"] == "bar"]
    assert [t["name"] for t in bars] == ["displacement (persons)"]
    weeks = [str(w)[:10] for w in _trace_values(bars[0], "x")]
    # The bars are the area's (Hama city and, in the demo's year, the baseline's few from other towns of SY05)
    in_area = _demo_persons_fled_from(demo_engine, None, WEEK, within="SY05")
    assert in_area >= expected
    assert _trace_values(bars[0], "y")[weeks.index(WEEK.isoformat())] == pytest.approx(in_area)
    markers = {t["name"] for t in traces if t["type"] == "scatter"}
    assert "Strategic developments" in markers and "Battles" in markers

    events = at.dataframe[0].value
    # Shown in words (ui/show.py): "Place" is the name, the gazetteer key is not shown
    withdrawal = events[(events["Date"] == date(2024, 12, 5)) & (events["Place"] == "Hama")
                        & (events["Sub-event type"] == "Non-violent transfer of territory")]
    assert len(withdrawal) == 1
    assert withdrawal.iloc[0]["Source"].startswith("Conflict events")  # each event names its source
    first, last = preceding_window(WEEK, 14)
    assert events["Date"].between(first, last).all()
    assert (events["Inside"] | (events["Distance (km)"] <= 50)).all()

    ranking = at.dataframe[1].value
    assert ranking.iloc[0]["Place"] == "Hama"
    assert ranking.iloc[0]["Persons"] == pytest.approx(expected)
    assert ranking.iloc[0]["Events before"] == len(events)
    assert "Strategic developments" in ranking.iloc[0]["Preceding events"]


def test_lookback_and_radius_change_the_list_and_stay_in_the_url(app_on, demo_engine):
    at = app_on(demo_engine, PAGE, start="2024-11-18", end="2024-12-15", spike_place=HAMA,
                spike_week=WEEK.isoformat())
    wide = at.dataframe[0].value
    at.number_input(key="param-lookback").set_value(1).run()
    at.number_input(key="param-radius_km").set_value(0).run()
    assert not at.exception
    narrow = at.dataframe[0].value
    assert _params(at)["lookback"] == "1" and _params(at)["radius_km"] == "0"
    assert 0 < len(narrow) < len(wide)
    assert narrow["Inside"].all()  # radius 0: only events in Hama itself
    assert narrow["Date"].min() >= WEEK - timedelta(days=1)


def test_bad_url_values_fall_back_to_defaults(app_on, demo_engine):
    at = app_on(demo_engine, PAGE, start="2024-11-18", end="2024-12-15", lookback="999", radius_km="abc",
                spike_place="'; DROP TABLE conflict_event; --", spike_week="yesterday", unit="people")
    assert not at.exception
    params = _params(at)
    assert params["unit"] == "persons"
    assert "lookback" not in params and "radius_km" not in params  # defaults are not written
    assert params["spike_place"] != "'; DROP TABLE conflict_event; --"
    assert "14" in at.number_input(key="param-lookback").value.__str__()


def test_an_empty_window_says_what_to_change(app_on, demo_engine):
    at = app_on(demo_engine, PAGE, start="2023-01-02", end="2023-01-08")
    assert not at.exception
    assert any("Widen the window" in i.value for i in at.info)


# --- pure parts --------------------------------------------------------------------------------

def test_lag_correlation_finds_the_lag_at_which_displacement_follows_events():
    weeks = [date(2024, 1, 1) + timedelta(weeks=i) for i in range(16)]
    intensity = [0, 1, 5, 0, 0, 3, 0, 8, 1, 0, 0, 4, 0, 0, 2, 0]
    events = pd.DataFrame({"week": weeks, "place_key": "town", "events": intensity})
    later = [0, 0] + [100 * x for x in intensity[:-2]]  # flight two weeks after the events
    flows = pd.DataFrame({"week": weeks, "place_key": "town", "value": later})
    result = lag_correlations(flows, events, {"town": "GOV"}, {"GOV": "Governorate"})
    best = result.loc[result["correlation"].idxmax()]
    assert best["lag_weeks"] == 2 and best["correlation"] == pytest.approx(1.0)
    assert result.loc[result["lag_weeks"] == 0, "correlation"].iloc[0] < 0.5


def test_lag_correlations_are_pearson_over_the_weeks_each_lag_pairs():
    """Against the correlation of two columns of a frame, lag by lag; an area without variation is left out."""
    import random

    rng = random.Random(3)
    weeks = [date(2024, 1, 1) + timedelta(weeks=i) for i in range(20)]
    events = pd.DataFrame([(w, key, rng.randint(0, 9)) for w in weeks for key in ("a", "b", "c") if rng.random() < 0.8]
                          + [(w, "e", 2) for w in weeks], columns=["week", "place_key", "events"])
    flows = pd.DataFrame([(w, key, float(rng.randint(0, 5000))) for w in weeks[3:] for key in ("a", "b", "d", "e")],
                         columns=["week", "place_key", "value"])
    areas = {"a": "GA", "b": "GB", "c": "GA", "d": "GD", "e": "GE"}
    result = lag_correlations(flows, events, areas, {"GA": "Area A"})
    expected = []
    for area in ("GA", "GB", "GE"):
        x = events[events["place_key"].map(areas) == area].groupby("week")["events"].sum()
        y = flows[flows["place_key"].map(areas) == area].groupby("week")["value"].sum()
        both = pd.DataFrame({"x": x, "y": y}).reindex(weeks).fillna(0)
        for lag in range(5):
            pair = pd.DataFrame({"x": both["x"].to_numpy()[:len(weeks) - lag], "y": both["y"].to_numpy()[lag:]})
            if pair["x"].std() > 0 and pair["y"].std() > 0:
                expected.append((area, lag, pair["x"].corr(pair["y"]), len(pair)))
    assert list(zip(result["area_key"], result["lag_weeks"], result["correlation"], result["weeks"])) == expected
    assert set(result["area"]) == {"Area A", "GB"} and len(expected) == 10  # GE's events never vary


def test_places_roll_up_to_their_governorate_and_an_area_holds_its_descendants():
    places = pd.DataFrame({"place_key": ["SY", "SY05", "SY0501", "SY0501:hama", "site:x"],
                           "kind": ["country", "governorate", "district", "community", "site"],
                           "parent_key": [None, "SY", "SY05", "SY0501", "SY0501:hama"]})
    assert governorates(places) == {"SY05": "SY05", "SY0501": "SY05", "SY0501:hama": "SY05", "site:x": "SY05"}
    assert keys_inside(places, "SY0501") == {"SY0501", "SY0501:hama", "site:x"}
    assert keys_inside(places, None) is None


def test_spikes_rank_place_weeks_and_leave_out_unresolved_places():
    weekly = pd.DataFrame({
        "week": [WEEK, WEEK, WEEK, WEEK + timedelta(7)], "place_key": [HAMA, HAMA, None, HAMA],
        "pcode": [None] * 4, "place": ["Hama", "Hama", "Somewhere", "Hama"], "unit": ["persons"] * 4,
        "from_text": [False, True, False, False], "value": [100.0, 50.0, 900.0, 20.0]})
    ranked = rank_spikes(weekly, "persons")
    assert ranked[["week", "value", "from_text_value"]].values.tolist() == [[WEEK, 150.0, 50.0],
                                                                          [WEEK + timedelta(7), 20.0, 0.0]]


def test_event_summary_and_distance():
    assert summarise_events(pd.DataFrame(columns=["event_type", "events"]), pd.DataFrame()) == "none found"
    counts = pd.DataFrame({"event_type": ["Battles", "Strategic developments"], "events": [2, 1]})
    latest = pd.DataFrame({"event_type": ["Strategic developments", "Battles"],
                           "sub_event_type": ["Non-violent transfer of territory", None],
                           "event_date": [date(2024, 12, 5), date(2024, 12, 4)], "place": ["Hama", "Hama"]})
    assert summarise_events(counts, latest) == ("2 Battles, 1 Strategic developments; latest: 05 Dec Non-violent "
                                                "transfer of territory (Hama); 04 Dec Battles (Hama)")
    # Hama to Homs is about 45 km as the crow flies.
    assert distance_km(35.1318, 36.7578, 34.7324, 36.7137) == pytest.approx(44.6, abs=1.0)


@pytest.mark.parametrize("start, end", [(date(2024, 11, 20), date(2024, 12, 11)), (date(2024, 12, 2), date(2024, 12, 29)),
                                        (date(2024, 12, 4), date(2024, 12, 5))])
def test_weekly_events_by_place_from_summaries_equal_the_raw_rows(demo_engine, start, end):
    from sqlalchemy import select

    from db.filters import Filters
    from db.schema import conflict_event, place
    from db.flows_and_events_queries import query_weekly_events_by_place

    with demo_engine.connect() as conn:
        raw = pd.DataFrame(conn.execute(
            select(conflict_event.c.event_date, place.c.place_key)
            .select_from(conflict_event.join(place, place.c.place_id == conflict_event.c.place_id))
            .where(conflict_event.c.event_date.between(start, end),
                   conflict_event.c.review_status.in_(("not_required", "accepted")))).all(),
            columns=["day", "place_key"])
    raw["week"] = [d - timedelta(days=d.weekday()) for d in raw["day"]]
    expected = raw.groupby(["week", "place_key"]).size().to_dict()
    got = query_weekly_events_by_place(demo_engine, Filters(start, end))
    assert dict(zip(zip(got["week"], got["place_key"]), got["events"])) == expected
    assert len(expected) > 0


@pytest.mark.parametrize("area, event_types", [
    ("SY05", ()), ("SY0501:hama", ("Battles",)), ("SY02", ("Battles", "Explosions/Remote violence"))])
def test_weekly_events_by_place_in_an_area_equal_the_raw_rows(demo_engine, area, event_types):
    """Edge days read through the date index when an area is chosen: the same counts as the raw rows."""
    from sqlalchemy import select

    from charts.flows_and_events import keys_inside
    from db.filters import Filters
    from db.queries import query_places
    from db.schema import conflict_event, place
    from db.flows_and_events_queries import query_weekly_events_by_place

    start, end = date(2024, 11, 20), date(2024, 12, 11)  # a Wednesday to a Wednesday
    inside = keys_inside(query_places(demo_engine), area)
    with demo_engine.connect() as conn:
        raw = pd.DataFrame(conn.execute(
            select(conflict_event.c.event_date, place.c.place_key, conflict_event.c.event_type)
            .select_from(conflict_event.join(place, place.c.place_id == conflict_event.c.place_id))
            .where(conflict_event.c.event_date.between(start, end),
                   conflict_event.c.review_status.in_(("not_required", "accepted")))).all(),
            columns=["day", "place_key", "event_type"])
    raw = raw[raw["place_key"].isin(inside) & (raw["event_type"].isin(event_types) if event_types else True)]
    raw["week"] = [d - timedelta(days=d.weekday()) for d in raw["day"]]
    expected = raw.groupby(["week", "place_key"]).size().to_dict()
    got = query_weekly_events_by_place(demo_engine, Filters(start, end, area=area, event_types=event_types))
    assert dict(zip(zip(got["week"], got["place_key"]), got["events"])) == expected
    assert len(expected) > 0


# --- events near places, against the rule written out here --------------------------------------

def _haversine_km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin((math.radians(lon2) - math.radians(lon1)) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def _expected_near(engine, key, start, end, radius_km, event_types=(), sources=()) -> list[tuple]:
    """(event_id, inside, distance) of the counted events inside the place `key` or within the
    radius of it (own coordinates, else the place's), latest day first, then nearest, then by id."""
    from sqlalchemy import select

    from db.schema import conflict_event, place

    with engine.connect() as conn:
        places = {r.place_id: r for r in conn.execute(select(place.c.place_id, place.c.place_key, place.c.parent_id,
                                                             place.c.lat, place.c.lon))}
        events = conn.execute(select(conflict_event)).mappings().all()
    centre = next((p for p in places.values() if p.place_key == key), None)
    if centre is None:
        return []

    def inside(place_id):
        while place_id is not None:
            if place_id == centre.place_id:
                return True
            place_id = places[place_id].parent_id
        return False

    found = []
    for e in events:
        if (e["event_date"] is None or not start <= e["event_date"] <= end
                or e["review_status"] not in ("not_required", "accepted")
                or (event_types and e["event_type"] not in event_types) or (sources and e["provider"] not in sources)):
            continue
        at = (e["lat"], e["lon"]) if e["lat"] is not None else (
            (places[e["place_id"]].lat, places[e["place_id"]].lon) if e["place_id"] is not None else (None, None))
        distance = _haversine_km(centre.lat, centre.lon, *at) if at[0] is not None else math.inf
        if inside(e["place_id"]) or (radius_km > 0 and distance <= radius_km):
            found.append((e["event_date"], distance, e["event_id"], inside(e["place_id"])))
    found.sort(key=lambda f: (-f[0].toordinal(), f[1], f[2]))
    return [(event_id, is_inside, distance) for _, distance, event_id, is_inside in found]


@pytest.fixture
def events_around_hama(prepared_engine):
    """Events in and around Hama city: at its own coordinates or its place's, at places in Hama
    governorate and in Homs (45 km off), unresolved with and without coordinates, far from its place,
    outside the window, and facts from a report pending or accepted."""
    from db.records import SourceInfo
    from db.review import place_id_for
    from db.schema import conflict_event
    from db.writes import write_rows_batch
    from tests.test_events_page import TEXT_EVENT_COLUMNS

    at = {key: place_id_for(prepared_engine, key) for key in (HAMA, "SY0501:suran", "SY0501:morek", "SY0401:homs")}
    day = date(2024, 12, 3)

    def event(n, when, kind, place_id, lat=None, lon=None, provider="ACLED", status="not_required", name="as written"):
        sub = {"Battles": "Armed clash", "Protests": "Peaceful protest"}[kind]
        return (provider, f"{provider}{n}", when, "day", kind, sub, place_id, name, lat, lon, 1, status, None, None,
                None, "Hama")

    acled = [
        event(1, day, "Battles", at[HAMA], 35.1318, 36.7578),  # at Hama's own coordinates
        event(2, day, "Battles", at["SY0501:suran"]),  # at Suran's (about 18 km)
        event(3, day, "Protests", at["SY0401:homs"]),  # at Homs's (about 45 km)
        event(4, day + timedelta(days=1), "Battles", None, 35.2, 36.8, name="Somewhere"),  # unresolved, placed
        event(5, day + timedelta(days=1), "Battles", None, name="Nowhere"),  # unresolved, no coordinates
        event(6, day - timedelta(days=2), "Protests", at[HAMA], 33.51, 36.29),  # in Hama, reported from Damascus
        event(7, day, "Protests", at["SY0501:morek"]),
        event(8, date(2024, 11, 1), "Battles", at[HAMA]),  # before the window
        event(9, day, "Battles", at[HAMA], 35.1318, 36.7578),  # same day and place as 1
    ]
    text = [event(10, day, "Battles", at[HAMA], provider="text", status="accepted"),
            event(11, day, "Battles", at[HAMA], provider="text", status="pending")]
    for name, rows in (("acled", acled), ("report", text)):
        info = SourceInfo(source_kind=name, title=f"test {name}", sha256=name.ljust(64, "0"))
        write_rows_batch(prepared_engine, info, [(conflict_event, TEXT_EVENT_COLUMNS, rows)])
    return prepared_engine


@pytest.mark.parametrize("radius, event_types, sources", [
    (50, (), ()), (40, (), ()), (0, (), ()), (300, (), ()), (50, ("Battles",), ()), (50, (), ("ACLED",)),
])
def test_events_near_each_place_are_those_the_rule_gives(events_around_hama, radius, event_types, sources):
    from db.flows_and_events_queries import events_near, query_events_near_places

    keys = (HAMA, "SY05", "SY0401:homs", "nowhere", HAMA)  # a city, a governorate, another city, unknown, again
    start, end = date(2024, 11, 25), date(2024, 12, 15)
    found = query_events_near_places(events_around_hama, keys, start, end, radius, event_types, sources)
    assert list(dict.fromkeys(found["near_place_key"])) == [k for k in dict.fromkeys(keys) if k != "nowhere"
                                                             and _expected_near(events_around_hama, k, start, end,
                                                                                radius, event_types, sources)]
    for key in dict.fromkeys(keys):
        near = events_near(found, key)
        expected = _expected_near(events_around_hama, key, start, end, radius, event_types, sources)
        assert list(zip(near["event_id"], near["inside_area"])) == [(e, i) for e, i, _ in expected], key
        assert list(near["distance_km"]) == pytest.approx([round(d, 1) for _, _, d in expected], abs=0.051), key
    hama = events_near(found, HAMA)
    if radius == 50 and not event_types and not sources:
        assert len(hama) == 8  # all but the unplaced one, the one before the window and the pending fact
        assert hama["from_text"].sum() == 1 and hama["place"].tolist().count("Somewhere") == 1


@pytest.mark.parametrize("limit", [1, 2, 5, 100])
def test_events_near_with_a_limit_are_the_first_of_each_place_read_whole(events_around_hama, limit):
    """The page lists a spike's latest events only: the first `limit` of each place, in the same
    order and with the same columns as the whole list."""
    from db.flows_and_events_queries import events_near, query_events_near_places

    keys = (HAMA, "SY05", "SY0401:homs", "nowhere")
    start, end = date(2024, 11, 25), date(2024, 12, 15)
    whole = query_events_near_places(events_around_hama, keys, start, end, 50)
    limited = query_events_near_places(events_around_hama, keys, start, end, 50, limit=limit)
    assert list(limited.columns) == list(whole.columns)
    for key in ("SY05", HAMA, "SY0401:homs"):
        expected = events_near(whole, key).head(limit)
        assert len(expected) > 0
        pd.testing.assert_frame_equal(events_near(limited, key), expected, check_dtype=False)
    assert len(limited) == sum(min(limit, len(events_near(whole, key))) for key in keys)


@pytest.mark.parametrize("radius, event_types, sources, batch", [
    (50, (), (), 200), (40, (), (), 200), (0, (), (), 200), (300, (), (), 200), (50, ("Battles",), (), 200),
    (50, (), ("ACLED",), 200), (50, (), (), 1), (300, (), (), 2),
])
def test_preceding_event_counts_and_latest_follow_the_same_rule(events_around_hama, monkeypatch, radius, event_types,
                                                                 sources, batch):
    """The ranking's counts per type and latest events equal what the event-by-event rule gives,
    whether the days are whole weeks (read from the weekly location summary) or edge days (raw
    rows), and however small the batches the latest events are read in (1: every day is cut)."""
    from db import flows_and_events_queries
    from db.schema import conflict_event
    from sqlalchemy import select

    monkeypatch.setattr(flows_and_events_queries, "LATEST_BATCH", batch)
    keys = (HAMA, "SY05", "SY0401:homs", "nowhere", HAMA)
    with events_around_hama.connect() as conn:
        rows = {r.event_id: r for r in conn.execute(select(conflict_event))}
    for start, end in ((date(2024, 11, 25), date(2024, 12, 15)), (date(2024, 11, 28), date(2024, 12, 4)),
                       (date(2024, 12, 2), date(2024, 12, 8))):
        preceding = flows_and_events_queries.query_preceding_events(events_around_hama, keys, start, end, radius,
                                                                    event_types, sources)
        for key in dict.fromkeys(keys):
            expected = _expected_near(events_around_hama, key, start, end, radius, event_types, sources)
            counts, latest = preceding.of(key)
            by_type = Counter(rows[event_id].event_type for event_id, _, _ in expected)
            assert dict(zip(counts["event_type"], counts["events"])) == dict(by_type), (key, start)
            assert counts["fatalities"].sum() == sum(rows[event_id].fatalities or 0 for event_id, _, _ in expected)
            assert list(latest["event_id"]) == [event_id for event_id, _, _ in expected[:2]], (key, start)
