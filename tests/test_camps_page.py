"""The Camps and sites page: site populations by area (carried forward), net change, largest sites, map.

Most tests run the page in AppTest on a small database written here (four sites, counts chosen so
that carry-forward, provider overlap, a households-only row and a count before the window each
change the answer), and compare the figures with numbers worked out by hand and by a plain
carry-forward written in this file, not with the page's own queries. One test checks the demo
database against db.demo's build_demo output. The last tests check the pure figure builders.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from datetime import date

import pandas as pd
import plotly.io as pio
import pytest
from sqlalchemy import func, select

from charts import EXPORT_TEMPLATE
from charts.basemap import BASEMAP_NAMES, is_basemap
from charts.camps import (OTHER_AREAS, build_largest_sites, build_net_arrivals, build_population_over_time,
                          build_site_map, largest_sites, marker_size, shown_population)
from db.camps_queries import population_by_area, valid_site_types
from db.records import PlaceRecord, SourceInfo
from db.schema import place, site, site_population
from db.writes import write_places_batch, write_rows_batch
from tests.test_app import _trace_values

CAMPS_PAGE = "../pages/4_Camps.py"
WINDOW = {"start": "2024-12-01", "end": "2024-12-31"}

# key, English, Arabic, parent place_key, lat, lon, type, code
SITES = [
    ("test:site:one", "Camp One", "مخيم واحد", "SY0703", 36.20, 36.70, "planned_camp", "TST001"),  # Harim, Idleb
    ("test:site:two", "Camp Two", "مخيم اثنان", "SY0700:saraqab", 35.86, 36.80, "informal_settlement",
     "TST002"),  # a community in Idleb district: the district is two steps up
    ("test:site:three", "Centre Three", "مركز ثلاثة", "SY0200", 36.20, 37.15, "collective_centre",
     "TST003"),  # Jebel Saman, Aleppo
    ("test:site:four", "Transit Four", None, "SY0200", None, None, "transit_centre", "TST004"),  # no coordinates
]
GOVERNORATE = {"test:site:one": "Idleb", "test:site:two": "Idleb", "test:site:three": "Aleppo",
               "test:site:four": "Aleppo"}
DISTRICT = {"test:site:one": "Harim", "test:site:two": "Idleb", "test:site:three": "Jebel Saman",
            "test:site:four": "Jebel Saman"}
# site, provider, reported_date, individuals, households
COUNTS = [
    ("test:site:one", "cccm", date(2024, 11, 25), 9999, 1999),  # before the window: never counted in it
    ("test:site:one", "cccm", date(2024, 12, 2), 1000, 200),
    ("test:site:one", "cccm", date(2024, 12, 9), 1500, 300),
    ("test:site:one", "other-ngo", date(2024, 12, 9), 1400, 280),  # same site, same day: not added
    ("test:site:one", "cccm", date(2024, 12, 16), 1200, 250),
    ("test:site:two", "cccm", date(2024, 12, 2), 500, 100),  # no count on 9 Dec: carried forward
    ("test:site:two", "cccm", date(2024, 12, 16), 900, 180),
    ("test:site:three", "cccm", date(2024, 12, 9), 300, 60),
    ("test:site:three", "cccm", date(2024, 12, 16), None, 70),  # households only
    ("test:site:four", "cccm", date(2024, 12, 20), 50, 10),
]


def _source(name: str) -> SourceInfo:
    return SourceInfo(source_kind="cccm", title=f"Camps page test: {name}",
                      sha256=hashlib.sha256(f"camps-test-{name}".encode()).hexdigest())


@pytest.fixture
def camps_engine(prepared_engine):
    records = [PlaceRecord(place_key=key, kind="site", name_en=en, name_ar=ar, parent_key=parent, lat=lat, lon=lon,
                           site_type=site_type, site_code=code)
               for key, en, ar, parent, lat, lon, site_type, code in SITES]
    write_places_batch(prepared_engine, _source("sites"), records)
    with prepared_engine.connect() as conn:
        ids = dict(conn.execute(select(place.c.place_key, place.c.place_id)
                                .where(place.c.place_key.in_([s[0] for s in SITES]))).all())
    rows = [(ids[key], provider, day, individuals, households) for key, provider, day, individuals, households in COUNTS]
    write_rows_batch(prepared_engine, _source("counts"),
                     [(site_population, ("site_id", "provider", "reported_date", "individuals", "households"), rows)])
    return prepared_engine


@pytest.fixture
def recorded_csvs(monkeypatch):
    """The CSV each chart_downloads call offers, by its key (the page imports the function at each run)."""
    import ui.downloads

    original, recorded = ui.downloads.chart_downloads, {}

    def recording(figure, data, stem, key):
        recorded[key] = pd.read_csv(io.BytesIO(ui.downloads.csv_bytes(data)))
        return original(figure, data, stem, key)

    monkeypatch.setattr(ui.downloads, "chart_downloads", recording)
    return recorded


# --- an independent reading of COUNTS --------------------------------------------------------

def carried_forward(counts, unit: str, start: date, end: date, area_of: dict) -> dict:
    """{area: {date: sum over sites of the site's latest count on or before date}} for every date any
    site reported in the window, by brute force (the larger count when two providers share a day)."""
    index = {"individuals": 3, "households": 4}[unit]
    rows = [(c[0], c[2], c[index]) for c in counts if start <= c[2] <= end and c[index] is not None]
    result: dict = defaultdict(dict)
    for day in sorted({r[1] for r in rows}):
        latest: dict = {}
        for key, when, value in rows:
            if when <= day and (key not in latest or when > latest[key][0]
                                or (when == latest[key][0] and value > latest[key][1])):
                latest[key] = (when, value)
        for key, (_, value) in latest.items():
            result[area_of[key]][day] = result[area_of[key]].get(day, 0) + value
    return result


def net_changes(counts, unit: str, start: date, end: date, area_of: dict) -> dict:
    """{area: {monday: sum of (count - previous count of the same site)}}, by brute force."""
    index = {"individuals": 3, "households": 4}[unit]
    best: dict = {}
    for c in counts:
        if start <= c[2] <= end and c[index] is not None:
            best[(c[0], c[2])] = max(best.get((c[0], c[2]), 0), c[index])
    result: dict = defaultdict(lambda: defaultdict(int))
    for key in {k for k, _ in best}:
        days = sorted(d for k, d in best if k == key)
        for before, after in zip(days, days[1:]):
            monday = date.fromordinal(after.toordinal() - after.weekday())
            result[area_of[key]][monday] += best[(key, after)] - best[(key, before)]
    return result


# --- helpers ----------------------------------------------------------------------------------

def charts(at) -> dict:
    """Figure JSON by chart key (population, largest, net, map)."""
    return {c.proto.id.rsplit("-chart-", 1)[1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def series(figure: dict, axis: str = "y") -> dict:
    return {t["name"]: _trace_values(t, axis) for t in figure["data"]}


def dates(trace: dict, axis: str = "x") -> list[date]:
    return [date.fromisoformat(str(v)[:10]) for v in _trace_values(trace, axis)]


def params(at) -> dict:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


# --- the page on the small database -----------------------------------------------------------

def test_population_by_governorate_carries_each_sites_last_count_forward(app_on, camps_engine, recorded_csvs):
    at = app_on(camps_engine, CAMPS_PAGE, **WINDOW)
    assert not at.exception
    figure = charts(at)["population"]
    traces = {t["name"]: t for t in figure["data"]}
    assert list(traces) == ["Idleb", "Aleppo"]  # the larger area first
    assert all(t["stackgroup"] == "one" for t in figure["data"])
    # 2 Dec: 1000 + 500; 9 Dec: 1500 (not 1500 + 1400: two providers, one site) + 500 carried;
    # 16 Dec: 1200 + 900; 20 Dec: nothing new in Idleb, both carried. The 9,999 of 25 Nov is outside.
    assert dates(traces["Idleb"]) == [date(2024, 12, 2), date(2024, 12, 9), date(2024, 12, 16), date(2024, 12, 20)]
    assert _trace_values(traces["Idleb"], "y") == [1500, 2000, 2100, 2100]
    # Aleppo starts with its first count; on 16 Dec Centre Three counted households only: 300 carried.
    assert dates(traces["Aleppo"]) == [date(2024, 12, 9), date(2024, 12, 16), date(2024, 12, 20)]
    assert _trace_values(traces["Aleppo"], "y") == [300, 300, 350]
    expected = carried_forward(COUNTS, "individuals", date(2024, 12, 1), date(2024, 12, 31), GOVERNORATE)
    for name, trace in traces.items():
        assert dict(zip(dates(trace), _trace_values(trace, "y"))) == expected[name]
    assert figure["layout"]["template"]["layout"]["colorway"][0] != "#000000"  # explicit template, not black

    drawn = recorded_csvs["population"]  # the CSV holds the drawn rows, with p-codes
    assert set(drawn["area_pcode"]) == {"SY07", "SY02"}
    assert drawn[drawn["shown_as"] == "Idleb"]["population"].tolist() == [1500, 2000, 2100, 2100]
    caption = at.main.caption[0].value
    assert "carried forward" in caption and "Unit: individuals" in caption


def test_population_by_district_walks_up_from_a_community(app_on, camps_engine):
    at = app_on(camps_engine, CAMPS_PAGE, level="district", **WINDOW)
    assert not at.exception
    assert params(at)["level"] == "district"
    got = series(charts(at)["population"])
    assert got == {"Harim": [1000, 1500, 1200, 1200], "Idleb": [500, 500, 900, 900], "Jebel Saman": [300, 300, 350]}
    expected = carried_forward(COUNTS, "individuals", date(2024, 12, 1), date(2024, 12, 31), DISTRICT)
    assert {name: list(values.values()) for name, values in expected.items()} == got


def test_households_are_drawn_alone_never_added_to_individuals(app_on, camps_engine):
    at = app_on(camps_engine, CAMPS_PAGE, unit="households", **WINDOW)
    assert not at.exception
    figures = charts(at)
    assert series(figures["population"]) == {"Idleb": [300, 400, 430, 430], "Aleppo": [60, 70, 80]}
    assert figures["population"]["layout"]["yaxis"]["title"]["text"] == "households in sites"
    # Centre Three's latest households count (16 Dec) is later than its latest individuals count.
    bars = figures["largest"]["data"][0]
    assert _trace_values(bars, "x") == [250, 180, 70, 10]
    table = at.dataframe[0].value
    assert table.loc[table["Site"] == "Centre Three", "Date of that count"].iloc[0] == date(2024, 12, 16)
    assert "Latest count (households)" in table.columns and "Latest count (individuals)" not in table.columns
    assert series(figures["net"]) == {"Idleb": [100, 30], "Aleppo": [10]}
    assert all("Unit: households." in c.value and "Unit: individuals" not in c.value for c in at.main.caption)


def test_net_arrivals_are_the_differences_between_consecutive_counts(app_on, camps_engine, recorded_csvs):
    at = app_on(camps_engine, CAMPS_PAGE, **WINDOW)
    figure = charts(at)["net"]
    assert figure["layout"]["barmode"] == "relative"
    traces = {t["name"]: t for t in figure["data"]}
    # Week of 9 Dec: Camp One 1000 → 1500. Week of 16 Dec: Camp One 1500 → 1200 and Camp Two 500 → 900.
    # Aleppo's sites have one individuals count each: no change, no bar.
    assert list(traces) == ["Idleb"]
    assert dates(traces["Idleb"]) == [date(2024, 12, 9), date(2024, 12, 16)]
    assert _trace_values(traces["Idleb"], "y") == [500, 100]
    expected = net_changes(COUNTS, "individuals", date(2024, 12, 1), date(2024, 12, 31), GOVERNORATE)
    assert dict(zip(dates(traces["Idleb"]), _trace_values(traces["Idleb"], "y"))) == expected["Idleb"]
    assert recorded_csvs["net"]["net_change"].tolist() == [500, 100]
    assert any("A net change is not a flow" in c.value for c in at.main.caption)


def test_largest_sites_bar_and_table_show_the_latest_count_in_the_window(app_on, camps_engine, recorded_csvs):
    at = app_on(camps_engine, CAMPS_PAGE, **WINDOW)
    bars = charts(at)["largest"]["data"][0]
    assert bars["orientation"] == "h"
    assert _trace_values(bars, "x") == [1200, 900, 300, 50]
    assert bars["y"][:2] == ["Camp One · مخيم واحد", "Camp Two · مخيم اثنان"]
    assert bars["y"][3] == "Transit Four"  # no Arabic name: the English one alone
    table = at.dataframe[0].value
    assert table["Site"].tolist() == ["Camp One", "Camp Two", "Centre Three", "Transit Four"]
    one = table.iloc[0]
    assert (one["Site (Arabic)"], one["Site code"], one["Type"], one["Governorate"], one["District"],
            one["Governorate p-code"], one["District p-code"]) == (
        "مخيم واحد", "TST001", "planned camp", "Idleb", "Harim", "SY07", "SY0703")
    assert table.loc[table["Site"] == "Centre Three", "Date of that count"].iloc[0] == date(2024, 12, 9)
    csv = recorded_csvs["largest"]
    assert csv["latest_count"].tolist() == [1200, 900, 300, 50]
    assert csv["district_pcode"].tolist() == ["SY0703", "SY0700", "SY0200", "SY0200"]


def test_site_map_sizes_by_count_colours_by_type_on_an_offline_base_map(app_on, camps_engine, recorded_csvs):
    at = app_on(camps_engine, CAMPS_PAGE, **WINDOW)
    figure = charts(at)["map"]
    assert {t["type"] for t in figure["data"]} == {"scatter"}  # never scattergeo / scattermapbox (they fetch)
    assert figure["layout"]["yaxis"]["scaleanchor"] == "x"
    assert {"coastline", "admin 1 boundary"} <= {t["name"] for t in figure["data"]}  # charts.basemap's lines
    traces = {t["name"]: t for t in figure["data"] if t["name"] not in BASEMAP_NAMES}
    assert set(traces) == {"planned camp", "informal settlement", "collective centre"}  # Transit Four: no coordinates
    one = traces["planned camp"]
    assert _trace_values(one, "x") == [36.70] and _trace_values(one, "y") == [36.20]
    assert one["text"] == ["Camp One · مخيم واحد"]
    sizes = {name: t["marker"]["size"][0] for name, t in traces.items()}
    assert sizes["planned camp"] > sizes["informal settlement"] > sizes["collective centre"]
    assert len({t["marker"]["color"] for t in traces.values()}) == 3
    assert recorded_csvs["map"]["site_key"].tolist() == ["test:site:one", "test:site:two", "test:site:three"]
    assert "1 site(s) without coordinates are not drawn" in at.main.caption[-1].value


def test_site_type_filter_drops_sites_and_lives_in_the_url(app_on, camps_engine):
    at = app_on(camps_engine, CAMPS_PAGE, site_types="planned_camp,not_a_type", **WINDOW)
    assert not at.exception
    assert params(at)["site_types"] == "planned_camp"
    figures = charts(at)
    assert series(figures["population"]) == {"Idleb": [1000, 1500, 1200]}  # Camp Two and Aleppo's sites drop
    assert _trace_values(figures["largest"]["data"][0], "x") == [1200]
    assert [t["name"] for t in figures["map"]["data"] if t["name"] not in BASEMAP_NAMES] == ["planned camp"]

    at.multiselect(key="param-site_types").set_value([]).run()
    assert "site_types" not in params(at)
    assert _trace_values(charts(at)["largest"]["data"][0], "x") == [1200, 900, 300, 50]


def test_area_filter_keeps_only_sites_inside_the_area(app_on, camps_engine):
    at = app_on(camps_engine, CAMPS_PAGE, area="SY02", **WINDOW)
    assert not at.exception
    figures = charts(at)
    # Only Aleppo's sites report: 9 Dec and 20 Dec (16 Dec has households only, no individuals count).
    assert series(figures["population"]) == {"Aleppo": [300, 350]}
    assert at.dataframe[0].value["Site"].tolist() == ["Centre Three", "Transit Four"]


def test_bad_url_values_are_ignored_without_an_error(app_on, camps_engine):
    at = app_on(camps_engine, CAMPS_PAGE, site_types="'; DROP TABLE site; --", level="xyz", unit="persons",
                **WINDOW)
    assert not at.exception
    assert (params(at)["level"], params(at)["unit"]) == ("governorate", "individuals")
    assert "site_types" not in params(at)
    assert set(charts(at)) == {"population", "largest", "net", "map"}
    with camps_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(site)).scalar() >= len(SITES)


def test_an_empty_window_says_what_to_change(app_on, camps_engine):
    at = app_on(camps_engine, CAMPS_PAGE, start="2024-06-01", end="2024-06-07", site_types="planned_camp")
    assert not at.exception
    assert not at.get("plotly_chart")
    message = at.info[0].value
    assert "No site counts in individuals between 01 Jun 2024 and 07 Jun 2024" in message
    assert "from 25 Nov 2024 to 20 Dec 2024" in message
    assert "widen the window" in message and "clear the site types" in message


def test_a_window_with_single_counts_says_there_is_no_change_to_show(app_on, camps_engine):
    at = app_on(camps_engine, CAMPS_PAGE, start="2024-12-17", end="2024-12-31")
    assert not at.exception
    assert set(charts(at)) == {"population", "largest", "map"}
    assert any("No site was counted twice in this window" in i.value for i in at.info)


# --- the demo database ------------------------------------------------------------------------

def test_demo_population_by_governorate_matches_build_demo(app_on, demo_engine):
    from db.demo import build_demo
    from gazetteer import load_gazetteer

    gazetteer = load_gazetteer(demo_engine)
    part = next(p for p in build_demo(gazetteer) if p.name == "sites")
    _, columns, rows = part.tables[0]
    counts = [(r[columns.index("site_id")], r[columns.index("provider")], r[columns.index("reported_date")],
               r[columns.index("individuals")], r[columns.index("households")]) for r in rows]
    governorate = {site_id: next(a.name_en for a in gazetteer.ancestors(site_id) if a.kind == "governorate")
                   for site_id in {c[0] for c in counts}}
    start, end = date(2024, 12, 1), date(2024, 12, 31)
    at = app_on(demo_engine, CAMPS_PAGE, start=start.isoformat(), end=end.isoformat())
    assert not at.exception
    assert "demo data (synthetic)" in charts(at)["population"]["layout"]["title"]["text"]
    expected = carried_forward(counts, "individuals", start, end, governorate)
    traces = {t["name"]: t for t in charts(at)["population"]["data"]}
    assert set(traces) == set(expected) == {"Idleb", "Ar-Raqqa", "Hama"}
    for name, trace in traces.items():
        assert dict(zip(dates(trace), _trace_values(trace, "y"))) == expected[name]
    last_day = max(c[2] for c in counts if c[2] <= end)
    latest = sum(c[3] for c in counts if c[2] == last_day)  # every demo site reports on the last Sunday
    assert sum(_trace_values(t, "y")[-1] for t in traces.values()) == latest


# --- the pure builders ------------------------------------------------------------------------

def _population(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["reported_date", "area_key", "area_pcode", "area_name", "area_name_ar",
                                       "population", "sites_counted"])


def test_population_by_area_carries_an_area_that_did_not_report():
    changes = pd.DataFrame([
        (date(2024, 1, 1), "A", "A", "Area A", None, 100, 0, 1, 0, 1),
        (date(2024, 1, 1), "B", "B", "Area B", None, 40, 0, 1, 0, 1),
        (date(2024, 1, 8), "A", "A", "Area A", None, -30, -30, 1, 1, 0),
        (date(2024, 1, 15), "B", "B", "Area B", None, 5, 5, 1, 1, 0),
    ], columns=["reported_date", "area_key", "area_pcode", "area_name", "area_name_ar", "change", "net_change",
                "sites_reporting", "changes", "first_counts"])
    population = population_by_area(changes)
    by_area = {name: part.set_index("reported_date")["population"].to_dict()
               for name, part in population.groupby("area_name")}
    assert by_area["Area A"] == {date(2024, 1, 1): 100, date(2024, 1, 8): 70, date(2024, 1, 15): 70}
    assert by_area["Area B"] == {date(2024, 1, 1): 40, date(2024, 1, 8): 40, date(2024, 1, 15): 45}


def test_population_figure_stacks_the_largest_areas_and_sums_the_rest():
    population = _population([
        (date(2024, 1, 1), "A", "A", "Area A", None, 100, 1),
        (date(2024, 1, 1), "B", "B", "Area B", None, 10, 1),
        (date(2024, 1, 1), "C", "C", "Area C", None, 5, 1),
        (date(2024, 1, 8), "A", "A", "Area A", None, 90, 1),
        (date(2024, 1, 8), "B", "B", "Area B", None, 12, 1),
        (date(2024, 1, 8), "C", "C", "Area C", None, 7, 1),
    ])
    figure = build_population_over_time(population, "individuals", "district", "T", top=1)
    assert [t.name for t in figure.data] == ["Area A", OTHER_AREAS]
    assert list(figure.data[0].y) == [100, 90] and list(figure.data[1].y) == [15, 19]
    assert figure.layout.template.layout.colorway == pio.templates[EXPORT_TEMPLATE].layout.colorway
    assert shown_population(population, top=1)["shown_as"].tolist().count(OTHER_AREAS) == 4


def test_net_arrivals_figure_keeps_departures_below_zero():
    weekly = pd.DataFrame([(date(2024, 1, 1), "A", "A", "Area A", None, 50, 1),
                           (date(2024, 1, 8), "A", "A", "Area A", None, -80, 1)],
                          columns=["week", "area_key", "area_pcode", "area_name", "area_name_ar", "net_change",
                                   "changes"])
    figure = build_net_arrivals(weekly, "households", "governorate", "T")
    assert figure.layout.barmode == "relative"
    assert list(figure.data[0].y) == [50, -80]
    assert figure.layout.yaxis.title.text == "net change, households"


def _sites(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["site_key", "site_pcode", "site_code", "site_name", "site_name_ar",
                                       "site_type", "governorate_pcode", "governorate_name", "district_pcode",
                                       "district_name", "lat", "lon", "latest_count", "latest_date"])


def test_largest_sites_tells_apart_two_sites_of_one_name():
    sites = _sites([("k1", None, "C1", "Camp", "مخيم", "planned_camp", "SY01", "G", "SY0100", "D", 1.0, 2.0, 10,
                     date(2024, 1, 1)),
                    ("k2", None, "C2", "Camp", "مخيم", "planned_camp", "SY01", "G", "SY0100", "D", 1.0, 2.0, 20,
                     date(2024, 1, 1))])
    assert largest_sites(sites)["site_label"].tolist() == ["Camp · مخيم (C2)", "Camp · مخيم (C1)"]
    bars = build_largest_sites(sites, "individuals", "T")
    assert list(bars.data[0].x) == [20, 10] and list(bars.data[0].y) == ["Camp · مخيم (C2)", "Camp · مخيم (C1)"]
    assert bars.layout.yaxis.autorange == "reversed"  # the largest on top


def test_site_map_drops_sites_without_coordinates_and_sizes_markers_in_bands():
    sites = _sites([("k1", None, None, "Big", None, "planned_camp", None, None, None, None, 35.0, 36.0, 4000,
                     date(2024, 1, 1)),
                    ("k2", None, None, "Small", "صغير", "planned_camp", None, None, None, None, 35.5, 36.5, 100,
                     date(2024, 1, 1)),
                    ("k3", None, None, "Nowhere", None, "other", None, None, None, None, None, None, 900,
                     date(2024, 1, 1))])
    figure = build_site_map(sites, "individuals", "T")
    drawn = [t for t in figure.data if not is_basemap(t)]
    assert [t.type for t in drawn] == ["scatter"] and drawn[0].name == "planned camp"
    assert list(drawn[0].text) == ["Big", "Small · صغير"]
    big, small = drawn[0].marker.size
    assert big > small  # 4,000 and 100 are in different bands
    assert figure.layout.yaxis.scaleanchor == "x"
    # Bands, not a function of the count (issue 16): a small count's marker is that of any count under 50.
    assert marker_size(0) == marker_size(3) == marker_size(9) == marker_size(49) == 6.0
    assert marker_size(100) == marker_size(400) == marker_size(499) < marker_size(500)


def test_site_types_outside_the_vocabulary_are_dropped():
    assert valid_site_types(["collective_centre", "'; DROP TABLE site; --", "planned_camp"]) == (
        "planned_camp", "collective_centre")
    assert valid_site_types(None) == ()


def test_home_headline_takes_the_larger_of_two_providers_counts_of_one_site_on_one_day(camps_engine):
    from db.queries import query_headline

    # 9 Dec: site one counted by two providers (1500 and 1400), three 300; site two's count of 2 Dec is
    # before this one-day window and is not carried into it (the Camps page's rule, issue 18 point 1).
    headline = query_headline(camps_engine, date(2024, 12, 9), date(2024, 12, 9))
    assert (headline.people_in_sites, headline.sites_reporting) == (1500 + 300, 2)
    assert headline.households_in_sites == 300 + 60
    # 1–31 Dec: each site's latest count in the window (site one 1200 on 16 Dec, not its 9,999 of 25 Nov).
    headline = query_headline(camps_engine, date(2024, 12, 1), date(2024, 12, 31))
    assert (headline.people_in_sites, headline.sites_reporting) == (1200 + 900 + 300 + 50, 4)
    assert headline.households_in_sites == 250 + 180 + 70 + 10
    assert (headline.sites_oldest, headline.sites_as_of) == (date(2024, 12, 9), date(2024, 12, 20))


@pytest.mark.parametrize("unit", ["individuals", "households"])
@pytest.mark.parametrize("level", ["governorate", "district"])
def test_changes_from_each_sites_counts_equal_the_sql_sums(camps_engine, unit, level):
    """Unbanded, site_changes of the per-site counts (what the page bands) is query_site_changes' frame."""
    from db.camps_queries import query_site_changes, query_site_counts, site_changes
    from db.filters import Filters

    window = Filters(date(2024, 12, 1), date(2024, 12, 31))
    expected = query_site_changes(camps_engine, window, unit, level)
    found = site_changes(query_site_counts(camps_engine, window, unit, level))
    assert len(expected) > 3
    keys = ["reported_date", "area_name"]
    pd.testing.assert_frame_equal(found.sort_values(keys).reset_index(drop=True),
                                  expected.sort_values(keys).reset_index(drop=True), check_dtype=False)
