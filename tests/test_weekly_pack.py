"""The weekly chart pack (pack/, `python -m charts weekly`): the pages' charts for one week, as files.

A fixed week of the demo (2024-W49, 2–8 Dec 2024: Hama falls on 5 Dec) and a small database
written here with counts under the thresholds and a name a spreadsheet would run as a formula.
The PNG and PDF tests draw with Debian's Chromium (kaleido; print to PDF).
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, datetime, timezone

import pandas as pd
import plotly.io as pio
import pytest

from charts import EXPORT_TEMPLATE
from charts.__main__ import main
from charts.events import timeline_rows
from charts.flows import SANKEY_PAIRS, top_pairs, weekly_flow_rows
from charts.suppress import SmallCounts
from db import events_queries, flows_queries
from db.filters import Filters
from loaders.ingest import ingest_file
from pack.weekly import (NothingToExport, PackError, PackOptions, build_pack, last_complete_week, parse_week,
                         week_label)
from tests.conftest import require_chromium

WEEK = date(2024, 12, 2)  # 2024-W49
CHARTS = ["flows_by_origin", "flows_by_destination", "flows_and_events", "events_by_type", "sankey", "flow_map"]
TEMPLATE_HEADER = "record,date,origin,destination,individuals,households,figure_kind,qualifier,source,notes\n"
FORMULA = '=HYPERLINK("http://example.org","x")'


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def _shown(value, unit: str, small=SmallCounts()) -> str:
    """What a suppressed CSV cell holds for a count, written out independently of charts.suppress."""
    limit = small.households if unit == "households" else small.persons
    return f"<{limit}" if 0 < value < limit else repr(float(value))


# --- weeks --------------------------------------------------------------------------------------

def test_weeks_parse_as_iso_weeks_and_last_is_the_last_whole_week_of_data():
    assert parse_week("2024-W49", today=date(2026, 12, 4), data_end=None) == WEEK
    assert parse_week("2025W01", today=date(2026, 12, 4), data_end=None) == date(2024, 12, 30)
    assert week_label(date(2024, 12, 30)) == "2025-W01"
    # Data to Tuesday 31 Dec 2024: the last whole week is 23–29 Dec.
    assert parse_week("last", today=date(2026, 12, 4), data_end=date(2024, 12, 31)) == date(2024, 12, 23)
    # A Monday-morning run with last week's data in: last week.
    assert last_complete_week(date(2026, 12, 7), date(2026, 12, 6)) == date(2026, 11, 30)
    assert last_complete_week(date(2026, 12, 7), date(2026, 12, 9)) == date(2026, 11, 30)
    for bad, message in (("2024-49", "YYYY-Www"), ("2021-W53", "no ISO week 53"), ("", "YYYY-Www")):
        with pytest.raises(PackError, match=message):
            parse_week(bad, today=date(2026, 12, 4), data_end=date(2024, 12, 31))
    with pytest.raises(PackError, match="no dated data"):
        parse_week("last", today=date(2026, 12, 4), data_end=None)


# --- what the pack holds --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_pack(demo_engine):
    return build_pack(demo_engine, PackOptions(WEEK))


def test_the_pack_holds_the_pages_charts_with_the_export_template(demo_pack):
    assert [chart.name for chart in demo_pack.charts] == CHARTS
    for chart in demo_pack.charts:
        assert chart.figure.layout.template == pio.templates[EXPORT_TEMPLATE], chart.name
        assert "2024-W49" in chart.title and "demo data (synthetic)" in chart.title
        assert "Sources:" in chart.caption and "Demo data (synthetic): do not cite." in chart.caption
    assert demo_pack.is_demo and demo_pack.area_name == "All areas"


def test_each_csv_is_the_query_behind_its_chart(demo_engine, demo_pack):
    options = demo_pack.options
    charts = {chart.name: chart for chart in demo_pack.charts}
    for side in ("origin", "destination"):
        expected = weekly_flow_rows(flows_queries.query_weekly_flows(demo_engine, options.window, side), "persons")
        shown = charts[f"flows_by_{side}"].rows
        assert len(shown) == len(expected) and set(shown["week"]) <= {options.week - pd.Timedelta(weeks=n)
                                                                     for n in range(8)}
        assert list(shown["pcode"].astype(str)) == list(expected["pcode"].astype(str))
        assert [str(v) if isinstance(v, str) else repr(float(v)) for v in shown["value"]] == \
            [_shown(v, "persons") for v in expected["value"]]
    events = events_queries.query_weekly_events(demo_engine, options.window)
    pd.testing.assert_frame_equal(charts["events_by_type"].rows.reset_index(drop=True),
                                  timeline_rows(events).reset_index(drop=True))
    pairs = flows_queries.query_flow_pairs(demo_engine, options.week_filters)
    expected = top_pairs(pairs, "persons", SANKEY_PAIRS)
    sankey = charts["sankey"].rows
    assert list(zip(sankey["origin_key"], sankey["destination_key"])) == \
        list(zip(expected["origin_key"], expected["destination_key"]))
    assert list(sankey["origin_pcode"].astype(str)) == list(expected["origin_pcode"].astype(str))
    assert [float(v) for v in sankey["value"]] == list(expected["value"])  # the week's pairs are all ≥ 10


def test_hama_in_the_week_of_its_fall(demo_engine):
    """Narrowed to Hama governorate: the flight from it, its headline and the events before its largest flows."""
    pack = build_pack(demo_engine, PackOptions(WEEK, Filters(WEEK, WEEK, area="SY05")))
    assert pack.area_name.startswith("Hama · حماة (governorate, SY05)")
    from charts.flows_and_events import keys_inside
    from db.queries import query_places

    flows = flows_queries.query_weekly_flows(demo_engine, Filters(WEEK, date(2024, 12, 8), area="SY05"), "origin")
    hama = keys_inside(query_places(demo_engine, None), "SY05")
    inside = flows[flows["place_key"].isin(hama) & (flows["unit"] == "persons")]
    assert inside["value"].sum() > 0
    assert pack.headline["New displacement from the area (persons)"] == f"{inside['value'].sum():,.0f}"
    table = pack.preceding
    assert not table.empty and table.iloc[0]["place_key"] in hama
    assert any("Strategic developments" in text for text in table["preceding_events"])
    assert "quote" not in table.columns  # no report text leaves in the pack


def test_a_week_without_data_says_so(demo_engine):
    with pytest.raises(NothingToExport, match="Nothing to export for 2030-W01"):
        build_pack(demo_engine, PackOptions(date(2029, 12, 31)))


# --- small counts and formulas ----------------------------------------------------------------------

@pytest.fixture
def small_counts(prepared_engine):
    rows = ["flow,2024-12-04,Hama,Homs,3,,,,SARC,",  # 3 persons and 4 households: both under the thresholds
            "flow,2024-12-04,Hama,Homs,,4,,,UNHCR,",
            "flow,2024-12-04,Homs,Tartous,250,,,,SARC,",
            f'flow,2024-12-05,"{FORMULA.replace(chr(34), chr(34) * 2)}",Homs,40,,,,SARC,']
    result = ingest_file(prepared_engine, "small.csv", data=(TEMPLATE_HEADER + "\n".join(rows) + "\n").encode())
    assert result.batch.rows_loaded == 4
    return prepared_engine


def test_small_counts_are_shown_under_the_threshold_and_formulas_made_inert(small_counts):
    from charts.export import csv_bytes

    pack = build_pack(small_counts, PackOptions(WEEK))
    charts = {chart.name: chart for chart in pack.charts}
    origin = _csv(csv_bytes(charts["flows_by_origin"].rows)).set_index("place")
    assert origin.loc["Hama", "value"] == "<10" and origin.loc["Homs", "value"] == "250"  # whole: no ".0"
    assert origin.loc["'" + FORMULA, "value"] == "40"  # the name as written, inert in a spreadsheet
    hama = next(t for t in charts["flows_by_origin"].figure.data if t.name == "Hama")
    shown = dict(zip(hama.x, hama.customdata))  # every week of the window has a slot, the empty ones "0"
    assert shown.pop(WEEK.isoformat()) == "<10" and set(shown.values()) == {"0"}
    assert "%{customdata}" in hama.hovertemplate and "%{y" not in hama.hovertemplate
    sankey = _csv(csv_bytes(charts["sankey"].rows))
    assert sankey.loc[sankey["origin"] == "Hama", "value"].tolist() == ["<10"]
    assert "<10" in list(charts["sankey"].figure.data[0].link.customdata)
    assert pack.preceding.set_index("place").loc["Hama", "value"] == "<10"
    # 3 + 250 + 40 would let a reader subtract the 3 back out: the total counts the 3 at 10, under 300.
    assert pack.headline["New displacement from anywhere (persons)"] == "<300"

    households = build_pack(small_counts, PackOptions(WEEK, unit="households"))
    rows = {chart.name: chart.rows for chart in households.charts}["flows_by_origin"]
    assert rows.set_index("place").loc["Hama", "value"] == "<5"
    unsuppressed = build_pack(small_counts, PackOptions(WEEK, small=SmallCounts(0, 0)))
    assert unsuppressed.preceding.set_index("place").loc["Hama", "value"] == 3.0


# --- files: PNG, HTML, CSV, PDF brief, manifest --------------------------------------------------------

@pytest.mark.chromium
def test_the_files_are_complete_readable_and_the_same_twice(demo_engine, tmp_path):
    from PIL import Image
    from pypdf import PdfReader

    from charts.export import PNG_HEIGHT, PNG_SCALE, PNG_WIDTH
    from pack.files import MANIFEST, write_pack

    require_chromium()
    pack = build_pack(demo_engine, PackOptions(WEEK, Filters(WEEK, WEEK, area="SY05")))
    first = write_pack(pack, tmp_path / "first", datetime(2024, 12, 9, 7, 0, tzinfo=timezone.utc))
    second = write_pack(build_pack(demo_engine, pack.options), tmp_path / "second",
                        datetime(2024, 12, 9, 7, 5, tzinfo=timezone.utc))
    stem = "weekly_2024-W49_SY05"
    charts = [chart.name for chart in pack.charts]
    expected = {f"{stem}_{name}.{ext}" for name in charts for ext in ("png", "html", "csv")}
    expected |= {f"{stem}_brief.pdf", f"{stem}_largest_flows_preceding_events.csv", MANIFEST, "plotly.min.js"}
    assert set(first) == expected and {p.name for p in (tmp_path / "first").iterdir()} == expected

    for name in charts:
        image = Image.open(io.BytesIO(first[f"{stem}_{name}.png"]))
        image.load()
        assert image.size == (PNG_WIDTH * PNG_SCALE, PNG_HEIGHT * PNG_SCALE), name
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert len(colours) > 50, name  # not blank, not one colour
        # Not every series black (plotly's template inside Streamlit): some pixels are clearly coloured.
        coloured = sum(n for n, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 60)
        assert coloured > 1000, name
        html = first[f"{stem}_{name}.html"]
        assert len(html) < 1_000_000 and b'src="plotly.min.js"' in html  # the pack's one plotly.js, beside it

    for name, data in first.items():  # CSV and HTML are byte for byte the same; the manifest only differs in time
        if name.endswith((".csv", ".html")):
            assert second[name] == data, name
    one, two = json.loads(first[MANIFEST]), json.loads(second[MANIFEST])
    assert one.pop("generated_at") != two.pop("generated_at")
    listed = {f["name"]: f for f in one["files"]}
    for name in (n for n in listed if n.endswith((".csv", ".html"))):
        assert listed[name] == {f["name"]: f for f in two["files"]}[name]
    assert {name: f["sha256"] for name, f in listed.items()} == \
        {name: hashlib.sha256(data).hexdigest() for name, data in first.items() if name != MANIFEST}
    assert one["week"] == "2024-W49" and one["filters"]["area"] == "SY05" and one["is_demo"] is True
    assert one["images"] == {"made": True, "missing": [], "reason": None}
    assert {source["provider"] for source in one["sources"]} >= {"demo-acled"} or one["sources"]

    reader = PdfReader(io.BytesIO(first[f"{stem}_brief.pdf"]))
    assert len(reader.pages) == 1 + len(charts) + 1  # title, a page per chart, the preceding events
    text = " ".join(page.extract_text() for page in reader.pages)
    for needed in ("2024-W49", "Hama", "SY05", "Sources:", "Data as of", "Demo data (synthetic)",
                   "Strategic developments"):
        assert needed in text, needed
    title_page = reader.pages[0].extract_text()
    assert "New displacement from the area" in title_page and pack.headline[
        "New displacement from the area (persons)"] in title_page


# --- the command line ----------------------------------------------------------------------------------

def test_the_command_line_refuses_bad_input_and_says_when_there_is_nothing(demo_engine, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", _url(demo_engine))
    out = tmp_path / "pack"
    assert main(["weekly", "--week", "2024-49", "--out", str(out)]) == 2
    assert "write an ISO week as YYYY-Www" in capsys.readouterr().err
    assert main(["weekly", "--week", "2024-W49", "--area", "Atlantis", "--out", str(out)]) == 2
    assert "'Atlantis' is not a country, governorate, district or city" in capsys.readouterr().err
    assert main(["weekly", "--week", "2024-W49", "--event-types", "Battles,Picnics", "--out", str(out)]) == 2
    assert "unknown event type 'Picnics'" in capsys.readouterr().err
    assert main(["weekly", "--week", "2030-W01", "--out", str(out)]) == 1
    assert "Nothing to export for 2030-W01" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["weekly"])
    assert usage.value.code == 2
    assert not out.exists()  # nothing written


@pytest.mark.chromium
def test_the_command_line_writes_the_pack(demo_engine, monkeypatch, capsys, tmp_path):
    require_chromium()
    monkeypatch.setenv("DATABASE_URL", _url(demo_engine))
    assert main(["weekly", "--week", "2024-W49", "--area", "sy05", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("2024-W49 (Hama · حماة (governorate, SY05)): 6 charts")
    assert (tmp_path / "manifest.json").exists() and (tmp_path / "weekly_2024-W49_SY05_brief.pdf").exists()


# --- the Export page -----------------------------------------------------------------------------------

def test_the_export_page_previews_the_week_and_keeps_it_in_the_url(app_on, demo_engine):
    at = app_on(demo_engine, "../pages/5_Export.py", week="2024-W49", area="SY05")
    assert not at.exception
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert params["week"] == "2024-W49" and params["area"] == "SY05" and "start" not in params
    assert len(at.get("plotly_chart")) == len(CHARTS)
    assert any("Hama" in s.value for s in at.subheader)
    at = app_on(demo_engine, "../pages/5_Export.py", week="<script>", area="'; DROP TABLE place;--")
    assert not at.exception  # unknown values fall back to the last whole week of data and all areas
    assert {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}["week"] == "2024-W52"


def test_the_zip_holds_every_file_in_one_folder_with_a_fixed_time():
    import zipfile

    from pack.files import zip_bytes

    files = {"manifest.json": b"{}\n", "weekly_2024-W49_sankey.csv": b"a,b\n1,2\n"}
    data = zip_bytes(files, "weekly_2024-W49")
    assert zip_bytes(files, "weekly_2024-W49") == data  # the same files, the same zip
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.filename: archive.read(info) for info in archive.infolist()} == {
            f"weekly_2024-W49/{name}": content for name, content in files.items()}
        assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_the_briefs_largest_flows_table_gives_each_town_its_areas_pcode(demo_engine):
    """The PDF's P-code column was all dashes: the flows are ranked by town, and a town has no p-code of its
    own in the gazetteer. Each row shows its own p-code, else the enclosing area's ("in SY0501")."""
    from sqlalchemy import select

    from db.schema import place
    from pack.brief import brief_html

    pack = build_pack(demo_engine, PackOptions(WEEK, Filters(WEEK, WEEK, area="SY05")))
    assert not pack.preceding.empty
    with demo_engine.connect() as conn:
        rows = {r.place_id: r for r in conn.execute(select(place.c.place_id, place.c.place_key, place.c.pcode,
                                                           place.c.parent_id))}
    by_key = {r.place_key: r for r in rows.values()}
    html = brief_html(pack, {c.name: b"" for c in pack.charts}, "2024-12-09T08:00:00+00:00")
    for key in pack.preceding["place_key"]:
        town = by_key[key]
        assert town.pcode is None  # the case seen on the PDF
        parent = rows[town.parent_id]
        assert parent.pcode and f"<td>in {parent.pcode}</td>" in html
    assert list(pack.preceding["pcode"].isna()) == [True] * len(pack.preceding)  # the CSV keeps the town's own
