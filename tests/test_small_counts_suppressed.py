"""Issue 16: nothing small can be read back from what leaves the app (pack files, page charts, downloads).

The week 2024-W49 holds flows of 3, 4, 7, 8 and 9 persons and of 2 households between distinct
places, one flow of 250 persons (so totals mix a large part with small ones) and one conflict
event of 12 fatalities. None of the small values, nor a total from which one could be subtracted
back (281 persons that week, 253 arriving in Homs), may appear anywhere: CSV cells, the HTML's
plotly data (typed arrays included), the manifest, the PDF's text; the PNG's figure must not have
an axis ending under the threshold. A second database with other small values (1, 5, 6, 2, 9
persons and 4 households) must give the same bytes: then nothing in them depends on a small value.
Events and fatalities are not counts of people: 3 of them stay 3.
"""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from charts.basemap import BASEMAP_NAMES
from loaders.ingest import ingest_file
from pack.weekly import PackOptions, build_pack
from tests.conftest import require_chromium

WEEK = date(2024, 12, 2)  # 2024-W49
TEMPLATE_HEADER = "record,date,origin,destination,individuals,households,figure_kind,qualifier,source,notes\n"
SMALL = {3, 4, 7, 8, 9, 2}
# Raw totals that hold a small part: 3+4+7+8+9+250 persons fled that week; Homs received 3+250.
SUBTRACTABLE = {281, 253}
FORBIDDEN = SMALL | SUBTRACTABLE
PERSONS_FLOOR, HOUSEHOLDS_FLOOR = 10, 5  # the default thresholds, written out here
ACLED_HEADER = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
                "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,"
                "admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,"
                "tags,timestamp\n")


def _acled_row(event_id: str, day: str, fatalities: int) -> str:
    return (f"{event_id},{day},2024,1,Political violence,Battles,Armed clash,Group A,,2,Group B,,1,12,,760,"
            f"Middle East,Syria,Hama,Hama,Hama,Hama,35.1318,36.7578,1,Test fixture,National,Fixture row.,"
            f"{fatalities},,1733000000")


def _load(engine, persons: tuple[int, int, int, int, int], households: int, events: list[int]) -> None:
    a, b, c, d, e = persons
    flows = [f"flow,2024-12-04,Hama,Homs,{a},,,,SARC,", f"flow,2024-12-04,Idleb,Aleppo,{b},,,,SARC,",
             f"flow,2024-12-05,Homs,Tartous,{c},,,,SARC,", f"flow,2024-12-05,Aleppo,Latakia,{d},,,,SARC,",
             f"flow,2024-12-06,Daraa,Damascus,{e},,,,SARC,", f"flow,2024-12-06,Hama,Tartous,,{households},,,UNHCR,",
             "flow,2024-12-06,Damascus,Homs,250,,,,SARC,"]
    loaded = ingest_file(engine, "small.csv", data=(TEMPLATE_HEADER + "\n".join(flows) + "\n").encode())
    assert loaded.batch.rows_loaded == len(flows)
    rows = [_acled_row(f"SYR7700{i}", "2024-12-03", deaths) for i, deaths in enumerate(events)]
    loaded = ingest_file(engine, "acled.csv", data=(ACLED_HEADER + "\n".join(rows) + "\n").encode())
    assert loaded.batch.rows_loaded == len(rows)


@pytest.fixture
def small_flows(prepared_engine):
    _load(prepared_engine, (3, 4, 7, 8, 9), 2, [12])
    return prepared_engine


@pytest.fixture
def other_small_flows(databases):
    from db.setup import prepare_database

    engine = databases.new_engine()
    prepare_database(engine)
    _load(engine, (1, 5, 6, 2, 9), 4, [12])
    yield engine
    engine.dispose()


# --- reading numbers back out of files, independently of the code under test -------------------------

DATES = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:[+-]\d{2}:\d{2}|Z)?)?|\d{4}-W\d{2}"
                   r"|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*|\d{1,2}:\d{2}(?::\d{2})?"
                   r"|\b\d+ (?:weeks?|days?|km)\b")  # and lengths of time or distance: not counts either
NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w.])")


def _numbers_in_text(text: str) -> set[float]:
    """Every number written in `text` ("<10" → 10, "1,234" → 1234), dates, times and durations left out."""
    text = DATES.sub(" ", text)
    return {float(match.replace(",", "")) for match in NUMBER.findall(text)}


def _numbers_in_json(value, parent: str = "") -> set[float]:
    """Every number in plotly figure JSON: plain numbers, base64 typed arrays, numbers inside strings."""
    found: set[float] = set()
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            found |= {float(v) for v in np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])}
            # Its "shape" ("8, 1": eight weeks of one column) is the array's size, not a value in it.
            value = {key: item for key, item in value.items() if key != "shape"}
        for key, item in value.items():
            # Plotly's theme holds fixed style numbers, the same in every figure; a Sankey link's source
            # and target are positions in its list of nodes; one marker size for all of a trace's
            # points is a style (an array of sizes, one per point, is still read); so is the distance in
            # pixels of an axis' tick labels from the axis, the same in every weekly chart
            # (charts/weeks.py), and a map label's offset in pixels from its place (charts/basemap.py,
            # a fixed distance). None is a count.
            if key in ("template", "source", "target", "ticklabelstandoff", "xshift", "yshift") or (
                    parent == "marker" and key == "size" and isinstance(item, (int, float))):
                continue
            found |= _numbers_in_json(item, key)
    elif isinstance(value, list):
        for item in value:
            found |= _numbers_in_json(item, parent)
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, (int, float)):
        found.add(float(value))
    elif isinstance(value, str):
        found |= _numbers_in_text(value)
    return found


def _plotly_json_in_html(html: bytes) -> list:
    """The data and layout passed to Plotly.newPlot in an exported page."""
    text = html.decode("utf-8")
    start = text.index("Plotly.newPlot(")
    decoder, position, parts = json.JSONDecoder(), text.index("[", start), []
    for _ in range(2):  # data, then layout
        part, position = decoder.raw_decode(text, position)
        parts.append(part)
        position = text.index("{", position)
    return parts


def _numbers_in_csv(data: bytes) -> set[float]:
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    return set().union(*(_numbers_in_text(cell) for cell in frame.to_numpy().ravel()), set())


def _small_found(numbers: set[float]) -> set[float]:
    return {n for n in numbers if n in FORBIDDEN}


# --- the pack -------------------------------------------------------------------------------------

def test_the_helpers_do_find_the_small_values():
    """The readers above are the test's eyes: they must see a small value where one is written."""
    assert _small_found(_numbers_in_text("week of 2024-12-02: 3 persons, <10 households, 1,234")) == {3}
    typed = {"dtype": "f8", "bdata": base64.b64encode(np.array([7.0, 250.0]).tobytes()).decode()}
    assert _small_found(_numbers_in_json([{"y": typed, "width": 2}])) == {7, 2}
    assert _small_found(_numbers_in_csv(b"place,value\nHama,8.0\nHoms,<10\n")) == {8}
    html = b'<script>Plotly.newPlot("chart", [{"y": [9]}], {"title": "x"}, {})</script>'
    assert _small_found(_numbers_in_json(_plotly_json_in_html(html))) == {9}


@pytest.mark.chromium
def test_no_file_of_the_pack_holds_a_small_count(small_flows, other_small_flows, tmp_path):
    from pypdf import PdfReader

    from pack.files import MANIFEST, write_pack

    require_chromium()
    generated = datetime(2024, 12, 9, 7, 0, tzinfo=timezone.utc)
    for unit, floor in (("persons", PERSONS_FLOOR), ("households", HOUSEHOLDS_FLOOR)):
        pack = build_pack(small_flows, PackOptions(WEEK, unit=unit))
        files = write_pack(pack, tmp_path / unit, generated)
        names = {chart.name for chart in pack.charts}
        assert {"flows_by_origin", "flows_by_destination", "flows_and_events"} <= names
        assert unit == "households" or {"sankey", "flow_map"} <= names
        for name, data in files.items():
            if name.endswith(".csv"):
                assert not _small_found(_numbers_in_csv(data)), name
            elif name.endswith(".html"):
                assert not _small_found(_numbers_in_json(_plotly_json_in_html(data))), name
            elif name == MANIFEST:
                assert not _small_found(_numbers_in_json(json.loads(data))), name
            elif name.endswith(".pdf"):
                text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
                assert "Hama" in text and "<" in text  # the text is read, and a suppressed value is in it
                found = _small_found(_numbers_in_text(text))
                plain = DATES.sub(" ", text)
                assert not found, (name, [plain[max(0, m.start() - 60):m.end() + 20] for m in NUMBER.finditer(plain)
                                          if float(m.group().replace(",", "")) in found])
        assert not _small_found(set().union(*(_numbers_in_text(v) for v in pack.headline.values())))
        # The PNG is drawn from the figure: its count axis must not end under the threshold.
        for chart in pack.charts:
            if chart.name.startswith("flows_"):
                drawn = chart.figure.full_figure_for_development(warn=False)
                top = drawn.layout.yaxis.range[1]
                assert top >= floor, (chart.name, top)

        # Other small values, the same files: nothing in them depends on a small count's value.
        other = build_pack(other_small_flows, PackOptions(WEEK, unit=unit))
        assert other.headline == pack.headline
        other_files = write_pack(other, tmp_path / f"other_{unit}", generated)
        for name, data in files.items():
            if name.endswith((".csv", ".html")):
                assert other_files[name] == data, name


def test_a_total_beside_suppressed_parts_cannot_be_subtracted_back(small_flows):
    pack = build_pack(small_flows, PackOptions(WEEK))
    # 3+4+7+8+9+250 = 281: each small part counted at 10, so 300, and "<" because it holds them.
    assert pack.headline["New displacement from anywhere (persons)"] == "<300"
    by_destination = next(c for c in pack.charts if c.name == "flows_by_destination").figure
    homs = next(t for t in by_destination.data if t.name == "Homs")
    week = list(homs.x).index(WEEK.isoformat())  # every week of the window has a slot, the empty ones 0
    assert homs.y[week] == 260.0 and homs.customdata[week] == "<260"  # 250 + 3 counted at 10
    assert sum(homs.y) == 260.0


def test_flow_map_widths_come_in_bands(small_flows):
    pack = build_pack(small_flows, PackOptions(WEEK))
    flow_map = next(c for c in pack.charts if c.name == "flow_map").figure
    widths = {t.name: t.line.width for t in flow_map.data if t.mode == "lines" and " → " in t.name}  # the flows
    assert widths["Damascus → Homs"] > widths["Hama → Homs"]  # 250 is drawn wider than a small count
    # 3, 4, 7, 8 and 9 persons: one band, one width.
    assert len({w for name, w in widths.items() if name != "Damascus → Homs"}) == 1


def test_events_and_fatalities_of_three_stay_three(prepared_engine):
    from charts.export import csv_bytes

    _load(prepared_engine, (30, 40, 70, 80, 90), 20, [1, 1, 1])  # 3 events, 3 fatalities in Hama that week
    pack = build_pack(prepared_engine, PackOptions(WEEK))
    assert pack.headline["Conflict events"] == "3" and pack.headline["Reported fatalities"] == "3"
    charts = {chart.name: chart for chart in pack.charts}
    rows = pd.read_csv(io.BytesIO(csv_bytes(charts["flows_and_events"].rows)), dtype=str, keep_default_na=False)
    events = rows[rows["series"] == "events"]
    assert events["value"].tolist() == ["3"] or events["value"].tolist() == ["3.0"]
    timeline = pd.read_csv(io.BytesIO(csv_bytes(charts["events_by_type"].rows)), dtype=str)
    assert timeline["events"].tolist() == ["3"] and timeline["fatalities"].tolist() == ["3"]
    preceding = pd.read_csv(io.BytesIO(csv_bytes(pack.preceding)), dtype=str).set_index("place")
    assert preceding.loc["Hama", "events_before"] == "3" and preceding.loc["Hama", "fatalities"] == "3"
    markers = [t for t in charts["flows_and_events"].figure.data if t.type == "scatter"]
    assert [list(t.y) for t in markers] == [[3]]


# --- a page ------------------------------------------------------------------------------------------

def test_the_flows_page_draws_and_downloads_no_small_count(app_on, small_flows, monkeypatch):
    import ui.downloads
    from charts.export import csv_bytes

    downloaded: list[bytes] = []

    def recording(frame):
        data = csv_bytes(frame)
        downloaded.append(data)
        return data

    monkeypatch.setattr(ui.downloads, "csv_bytes", recording)
    for unit in ("persons", "households"):
        downloaded.clear()
        at = app_on(small_flows, "../pages/1_Flows.py", start="2024-12-02", end="2024-12-08", unit=unit)
        assert not at.exception
        charts = at.get("plotly_chart")
        assert len(charts) == 3 and len(downloaded) == 3  # weekly bars, Sankey, flow map: each with its CSV
        for chart in charts:
            spec = json.loads(chart.proto.spec)
            assert not _small_found(_numbers_in_json([spec["data"], spec["layout"]])), unit
        for data in downloaded:
            assert b"<" in data
            assert not _small_found(_numbers_in_csv(data)), unit


def test_the_flows_and_events_page_draws_and_downloads_no_small_count(app_on, small_flows, monkeypatch):
    import ui.downloads
    from charts.export import csv_bytes

    downloaded: list[bytes] = []
    monkeypatch.setattr(ui.downloads, "csv_bytes", lambda frame: downloaded.append(csv_bytes(frame)) or downloaded[-1])
    at = app_on(small_flows, "../pages/2_Flows_and_events.py", start="2024-12-02", end="2024-12-08")
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert not _small_found(_numbers_in_json([spec["data"], spec["layout"]]))
    assert downloaded and b"<10" in downloaded[0]
    for data in downloaded:
        assert not _small_found(_numbers_in_csv(data))
    spikes = at.selectbox(key="param-spike")
    assert len(spikes.options) == 6  # Damascus (250 persons) and the five origins of small flows
    assert not _small_found(set().union(*(_numbers_in_text(option) for option in spikes.options)))
    ranking = at.dataframe[-1].value
    assert not _small_found(set().union(*(_numbers_in_text(str(v)) for v in ranking["Persons"])))


@pytest.mark.parametrize("side", ["origin", "destination"])
def test_places_summed_from_the_weeks_pairs_equal_the_weekly_query(demo_engine, side):
    """Unbanded, the weekly flows summed from each week's pairs are the place-week query's (windows cut into weeks)."""
    from charts.flows import weekly_flows_from_pairs
    from db.filters import Filters
    from db.flows_queries import query_weekly_flows, query_weekly_pairs

    window = Filters(date(2024, 11, 20), date(2024, 12, 11))
    keys = ["week", "place", "unit", "from_text"]
    expected = query_weekly_flows(demo_engine, window, side)
    summed = weekly_flows_from_pairs(query_weekly_pairs(demo_engine, window), side)
    assert len(expected) > 20
    pd.testing.assert_series_equal(
        summed.assign(week=summed["week"].astype(str)).groupby(keys)["value"].sum().sort_index(),
        expected.assign(week=expected["week"].astype(str)).groupby(keys)["value"].sum().sort_index(),
        check_exact=False)


@pytest.mark.parametrize("start, end, area", [
    (date(2024, 11, 20), date(2024, 12, 11), None),  # cut into weeks at both ends
    (date(2024, 11, 25), date(2024, 12, 15), None),  # whole weeks only
    (date(2024, 12, 3), date(2024, 12, 5), None),  # inside one week
    (date(2024, 11, 20), date(2024, 12, 11), "SY05"),  # narrowed to an area
])
def test_the_weeks_pairs_equal_each_weeks_raw_pairs(demo_engine, start, end, area):
    """Each week's pairs, read from the summaries in one query, are that week's pairs summed from the raw rows."""
    from dataclasses import replace

    from db.filters import Filters
    from db.flows_queries import query_flow_pairs_raw, query_weekly_pairs

    window = Filters(start, end, area=area)
    expected = []
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        part = replace(window, start=max(monday, start), end=min(monday + timedelta(days=6), end))
        expected.append(query_flow_pairs_raw(demo_engine, part).assign(week=monday))
        monday += timedelta(days=7)
    expected = pd.concat(expected, ignore_index=True)
    found = query_weekly_pairs(demo_engine, window)
    keys = ["week", "origin", "destination", "unit", "from_text"]
    assert len(found) > 0 and len(found) == len(expected)
    pd.testing.assert_frame_equal(
        found.sort_values(keys).reset_index(drop=True)[[*keys, "value", "reports"]],
        expected.sort_values(keys).reset_index(drop=True)[[*keys, "value", "reports"]], check_dtype=False)


# --- the home page and the Camps page ---------------------------------------------------------------
#
# Sites beside the flows above (window 2024-12-01 to 12-31 on the Camps page; individuals / households):
#   Camp Big (Harim, Idleb)        2 Dec 250/50   9 Dec 600/120
#   Camp Small (Harim, Idleb)      2 Dec 3/2      9 Dec 7/2
#   Camp Four (Harim, Idleb)                                      16 Dec 4/1
#   Shelter Moving (Idleb, Idleb)  2 Dec 40/20    9 Dec 48/23     (a change of +8 / +3 between large counts)
#   Centre Large (Jebel Saman, Aleppo) 2 Dec 1000/200             16 Dec 1300/260
#   Centre Tiny (Jebel Saman, Aleppo)             9 Dec 8/4
#   Transit Wee (Jebel Saman, Aleppo, no coordinates)             16 Dec 9/3
SITES = [  # key, English, parent place_key, lat, lon, type, counts (day of December: individuals, households)
    ("test:site:big", "Camp Big", "SY0703", 36.20, 36.70, "planned_camp", {2: (250, 50), 9: (600, 120)}),
    ("test:site:small", "Camp Small", "SY0703", 36.22, 36.72, "planned_camp", {2: (3, 2), 9: (7, 2)}),
    ("test:site:four", "Camp Four", "SY0703", 36.24, 36.74, "informal_settlement", {16: (4, 1)}),
    ("test:site:moving", "Shelter Moving", "SY0700:saraqab", 35.86, 36.80, "collective_centre",
     {2: (40, 20), 9: (48, 23)}),
    ("test:site:large", "Centre Large", "SY0200", 36.20, 37.15, "collective_centre", {2: (1000, 200), 16: (1300, 260)}),
    ("test:site:tiny", "Centre Tiny", "SY0200", 36.21, 37.16, "collective_centre", {9: (8, 4)}),
    ("test:site:wee", "Transit Wee", "SY0200", None, None, "transit_centre", {16: (9, 3)}),
]
# Exact totals holding a small part, worked out by hand from the table above; none may be shown.
#   individuals by governorate: Idleb 293, 655, 659; Aleppo 1008, 1317; by district: Harim 253, 607, 611;
#   net change, week of 9 Dec: Idleb 350+4+8 = 362, Harim 354; the home page's people in sites on 8 Dec: 1293.
#   households by governorate: Idleb 72, 145, 146; Aleppo 204, 267; by district: Harim 52, 122, 123;
#   net change, week of 9 Dec: Idleb 70+0+3 = 73.
SITE_TOTALS = {293, 655, 659, 1008, 1317, 253, 607, 611, 362, 354, 1293, 72, 145, 146, 204, 267, 52, 122, 123, 73}
# The home page's raw day of 6 Dec: 250 + 9 persons (the Flows page shows the 250 pair apart).
DAY_TOTALS = {259}
PAGE_FORBIDDEN = FORBIDDEN | SITE_TOTALS | DAY_TOTALS


def _add_sites(engine) -> None:
    import hashlib

    from sqlalchemy import select

    from db.records import PlaceRecord, SourceInfo
    from db.schema import place, site_population
    from db.writes import write_places_batch, write_rows_batch

    def source(name):
        return SourceInfo(source_kind="cccm", title=f"Small sites: {name}",
                          sha256=hashlib.sha256(f"small-sites-{name}".encode()).hexdigest())

    write_places_batch(engine, source("sites"), [
        PlaceRecord(place_key=key, kind="site", name_en=name, name_ar=None, parent_key=parent, lat=lat, lon=lon,
                    site_type=site_type, site_code=key.rsplit(":", 1)[1])
        for key, name, parent, lat, lon, site_type, _ in SITES])
    with engine.connect() as conn:
        ids = dict(conn.execute(select(place.c.place_key, place.c.place_id)
                                .where(place.c.place_key.in_([s[0] for s in SITES]))).all())
    rows = [(ids[key], "cccm", date(2024, 12, day), individuals, households)
            for key, *_, counts in SITES for day, (individuals, households) in counts.items()]
    write_rows_batch(engine, source("counts"),
                     [(site_population, ("site_id", "provider", "reported_date", "individuals", "households"), rows)])


@pytest.fixture
def small_sites(small_flows):
    _add_sites(small_flows)
    return small_flows


def _recording_csvs(monkeypatch) -> list[bytes]:
    import ui.downloads
    from charts.export import csv_bytes

    downloaded: list[bytes] = []
    monkeypatch.setattr(ui.downloads, "csv_bytes", lambda frame: downloaded.append(csv_bytes(frame)) or downloaded[-1])
    return downloaded


def _page_forbidden(numbers: set[float]) -> set[float]:
    return {n for n in numbers if n in PAGE_FORBIDDEN}


def _chart_numbers(at) -> list[set[float]]:
    """The numbers of each chart's data and layout, less two that count no people: the axis' zero
    line width (a style) and the number of sites in the largest sites' title."""
    found = []
    for chart in at.get("plotly_chart"):
        text = re.sub(r"The \d+ largest sites", "The largest sites", chart.proto.spec)
        spec = json.loads(text)
        for axis in ("xaxis", "yaxis"):
            spec["layout"].get(axis, {}).pop("zerolinewidth", None)
        found.append(_numbers_in_json([spec["data"], spec["layout"]]))
    return found


def _typed(values) -> list[float]:
    if isinstance(values, dict):
        return [float(v) for v in np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])]
    return [float(v) for v in values]


def test_the_home_page_draws_and_downloads_no_small_count(app_on, small_sites, monkeypatch):
    from itertools import combinations

    downloaded = _recording_csvs(monkeypatch)
    at = app_on(small_sites, start="2024-12-02", end="2024-12-08")
    assert not at.exception
    [chart] = _chart_numbers(at)
    assert not _page_forbidden(chart)
    assert len(downloaded) == 1 and b"<20" in downloaded[0] and b"<5" in downloaded[0]  # 3 + 4 on 4 Dec: <20
    assert not _page_forbidden(_numbers_in_csv(downloaded[0]))
    metrics = {m.label: m.value for m in at.metric}
    assert not _page_forbidden(set().union(*(_numbers_in_text(v) for v in metrics.values())))
    assert metrics["New displacement (persons)"].startswith("<")  # it holds banded days
    # The headline less any of the days drawn never leaves an exact small count.
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    days = next(_typed(t["y"]) for t in spec["data"] if t["name"] == "new displacement (persons)")
    total = float(metrics["New displacement (persons)"].lstrip("<").replace(",", ""))
    for n in range(1, len(days)):
        for drawn in combinations(days, n):
            assert total - sum(drawn) not in SMALL, drawn
    # Conflict events and fatalities are not counts of people: 12 fatalities in one event stay exact.
    assert metrics["Conflict events"] == "1"
    assert any(c.value == "12 reported fatalities" for c in at.caption)


def test_the_home_page_keeps_events_and_fatalities_of_three_exact(app_on, prepared_engine, monkeypatch):
    _load(prepared_engine, (3, 40, 70, 80, 90), 20, [1, 1, 1])  # 3 events, 3 fatalities on 3 Dec
    downloaded = _recording_csvs(monkeypatch)
    at = app_on(prepared_engine, start="2024-12-02", end="2024-12-08")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Conflict events"] == "3"
    assert any(c.value == "3 reported fatalities" for c in at.caption)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    events = next(t for t in spec["data"] if t["name"] == "conflict events")
    assert _typed(events["y"]) == [3.0]
    rows = pd.read_csv(io.BytesIO(downloaded[0]), dtype=str, keep_default_na=False)
    assert rows.loc[rows["unit"] == "events", "value"].tolist() in (["3"], ["3.0"])
    # ... while the 3 persons of Hama → Homs beside 40 of Idleb → Aleppo that day are banded: 10 + 40.
    persons = rows[rows["unit"] == "persons"].set_index("day")["value"]
    assert persons["2024-12-04"] == "<50"


@pytest.mark.parametrize("unit", ["individuals", "households"])
@pytest.mark.parametrize("level", ["governorate", "district"])
def test_the_camps_page_draws_and_downloads_no_small_count(app_on, small_sites, monkeypatch, unit, level):
    downloaded = _recording_csvs(monkeypatch)
    at = app_on(small_sites, "../pages/4_Camps.py", start="2024-12-01", end="2024-12-31", unit=unit, level=level)
    assert not at.exception
    charts = _chart_numbers(at)
    assert len(charts) == 4 and len(downloaded) == 4  # population, largest sites, net change, map: each with a CSV
    for numbers in charts:
        assert not _page_forbidden(numbers), (unit, level)
    floor = PERSONS_FLOOR if unit == "individuals" else HOUSEHOLDS_FLOOR
    site_numbers = ["sites_counted", "changes"]  # how many sites counted or changed: not counts of people
    for data in downloaded:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
        cells = frame.drop(columns=[c for c in site_numbers if c in frame]).to_numpy().ravel()
        assert not _page_forbidden(set().union(*(_numbers_in_text(cell) for cell in cells), set())), (unit, level)
    population, largest, net, mapped = downloaded
    assert f"<{floor}".encode() in largest and f"<{floor}".encode() in mapped
    # A site's small change (+8 / +3) is banded: alone in its district "<10", in Idleb's sum "≈".
    assert (f"<{floor}" if level == "district" else "≈+").encode() in net
    table = at.dataframe[0].value
    assert not _page_forbidden(set().union(*(_numbers_in_text(str(v)) for v in table.to_numpy().ravel())))
    # An area's last total less its sites' shown counts never leaves an exact small count.
    count = next(c for c in table.columns if c.startswith("Latest count"))
    shown = dict(zip(table["Site"], (float(str(v).lstrip("<").replace(",", "")) for v in table[count])))
    population = {t["name"]: _typed(t["y"])[-1] for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]}
    harim = ("Camp Big", "Camp Small", "Camp Four")
    idleb = population.get("Idleb", population.get("Harim"))
    for site in harim:
        others = sum(shown[s] for s in harim if s != site) + (shown["Shelter Moving"] if "Idleb" in population else 0)
        assert idleb - others not in SMALL, site


def test_the_camps_map_sizes_small_sites_like_any_under_fifty(app_on, small_sites):
    at = app_on(small_sites, "../pages/4_Camps.py", start="2024-12-01", end="2024-12-31")
    spec = json.loads(at.get("plotly_chart")[3].proto.spec)
    spec["data"] = [t for t in spec["data"] if t["name"] not in BASEMAP_NAMES]  # the sites, not the base map
    sizes = {}
    for trace in spec["data"]:
        for label, size in zip(trace["text"] if any(trace["text"]) else trace["hovertext"], _typed(trace["marker"]["size"])):
            sizes[label.split("<br>")[0]] = size
    # 4, 7 and 8 individuals and 48: one size; 600 and 1300 larger (markers come in bands).
    assert sizes["Camp Four"] == sizes["Camp Small"] == sizes["Centre Tiny"] == sizes["Shelter Moving"]
    assert sizes["Camp Big"] > sizes["Shelter Moving"] and sizes["Centre Large"] > sizes["Camp Big"]
    hover = " ".join(text for trace in spec["data"] for text in trace["hovertext"])
    assert "<10 individuals" in hover.replace("&lt;", "<")


@pytest.mark.parametrize("role, figure", [("viewer", "<10"), ("editor", "8")])
def test_possible_duplicates_show_a_viewer_no_small_count(monkeypatch, prepared_engine, role, figure):
    """Editors decide duplicates and need the exact figures; a viewer, who cannot decide, reads "<10"."""
    from tests.test_access import USERS, _run
    from tests.test_data_quality_page import _template

    _template(prepared_engine, "sarc.csv", "flow,2024-12-05,Hama,Homs,8,,,,SARC,")
    _template(prepared_engine, "unhcr.csv", "flow,2024-12-05,Hama,Homs,8,,,,UNHCR,")
    at = _run(monkeypatch, prepared_engine, "../pages/6_Data_quality.py", USERS[role],
              start="2024-12-01", end="2024-12-10")
    assert not at.exception
    pair = next(f.value for f in at.dataframe if list(f.value.columns) == ["Field", "First", "Second"])
    shown = pair.set_index("Field")
    assert (shown.loc["figure", "First"], shown.loc["figure", "Second"]) == (figure, figure)
