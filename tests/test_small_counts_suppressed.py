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
        for key, item in value.items():
            # Plotly's theme holds fixed style numbers, the same in every figure; a Sankey link's source
            # and target are positions in its list of nodes; one marker size for all of a trace's
            # points is a style (an array of sizes, one per point, is still read). None is a count.
            if key in ("template", "source", "target") or (parent == "marker" and key == "size"
                                                           and isinstance(item, (int, float))):
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
    assert list(homs.y) == [260.0] and list(homs.customdata) == ["<260"]  # 250 + 3 counted at 10


def test_flow_map_widths_come_in_bands(small_flows):
    pack = build_pack(small_flows, PackOptions(WEEK))
    flow_map = next(c for c in pack.charts if c.name == "flow_map").figure
    widths = {t.name: t.line.width for t in flow_map.data if t.mode == "lines"}
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
    assert not _small_found(set().union(*(_numbers_in_text(str(v)) for v in ranking["persons"])))


@pytest.mark.parametrize("side", ["origin", "destination"])
def test_places_summed_from_the_weeks_pairs_equal_the_weekly_query(demo_engine, side):
    """Unbanded, the weekly flows summed from each week's pairs are the place-week query's (windows cut into weeks)."""
    from charts.flows import weekly_flows_from_pairs
    from db.filters import Filters
    from db.flow_queries import query_weekly_flows, query_weekly_pairs

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
    from db.flow_queries import query_flow_pairs_raw, query_weekly_pairs

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
