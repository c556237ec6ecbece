"""Issue 18, points 8 and 10: every label a person reads is words, and the small things say the truth.

Pages are rendered in AppTest on the demo database; their text, options and tables are searched for
codes (snake_case values of db/vocab.py and the registry, gazetteer keys, "None", "nan").
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from db import vocab
from db.filters import Filters
from db.writes import BatchResult
from loaders.registry import SOURCE_KINDS
from pack.weekly import PackOptions, build_pack
from tests.conftest import FIXTURES_DIR

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["../app.py", *sorted(f"../pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))]
WINDOW = {"start": "2024-11-01", "end": "2024-12-31"}

CODES = {c for c in (*vocab.FIGURE_KINDS, *vocab.SITE_TYPES, *vocab.QUALIFIERS, *vocab.AUDIT_ACTIONS,
                     *vocab.EVENT_CATEGORIES, *vocab.REVIEW_STATUSES, *SOURCE_KINDS) if "_" in c}
# A code as a word of its own (not part of a file name such as "syria_admin.csv").
CODE_WORD = re.compile(r"(?<![\w.\-/])(" + "|".join(sorted(map(re.escape, CODES), key=len, reverse=True))
                       + r")(?![\w.\-/])")
PLACE_KEY = re.compile(r"\b[A-Z]{2}\d{2,}:[a-z][a-z0-9-]*\b")  # "SY0501:hama"
MISSING_WORD = re.compile(r"(?<![\w'])(None|nan|NaN|NaT)(?![\w'])")


def _visible_columns(element) -> list[str]:
    hidden = {name for name, config in json.loads(element.proto.columns or "{}").items()
              if isinstance(config, dict) and config.get("hidden")}
    return [c for c in element.value.columns if c not in hidden]


def _read_text(at) -> list[tuple[str, str]]:
    """(where, text) for everything a person reads on the page."""
    texts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "success", "error", "text"):
        texts += [(kind, str(el.value)) for el in at.get(kind)]
    texts += [("metric", f"{m.label} {m.value}") for m in at.metric]
    for kind in ("selectbox", "multiselect", "radio"):
        for widget in at.get(kind):
            texts.append((kind, widget.label))
            texts += [(f"{kind} {widget.label}", str(option)) for option in widget.options]
    for table in at.dataframe:
        columns = _visible_columns(table)
        texts += [("column", str(c)) for c in columns]
        for column in columns:
            texts += [(f"cell {column}", v) for v in table.value[column].head(50) if isinstance(v, str)]
    return texts


@pytest.mark.parametrize("script", PAGES)
def test_no_page_shows_a_code_a_key_or_a_missing_value_as_text(app_on, demo_engine, script):
    at = app_on(demo_engine, script, **WINDOW)
    assert not at.exception
    found = []
    for where, text in _read_text(at):
        if where == "column" and ("_" in text or text != text[:1].upper() + text[1:]):
            found.append((where, text))  # a column name as a code ("event_date") or not written as a label
        for pattern in (CODE_WORD, PLACE_KEY, MISSING_WORD):
            found += [(where, match.group(0)) for match in pattern.finditer(text)]
    assert found == []


def test_words_for_codes_come_from_one_vocabulary():
    assert vocab.label("new_displacement") == "new displacement"
    assert vocab.label("idp_stock") == "people displaced (stock)"
    assert vocab.label("informal_settlement") == "informal settlement"
    assert vocab.label(None) == "—" and vocab.label(float("nan")) == "—"
    assert vocab.label("Battles") == "Battles"  # ACLED's own labels pass as they are
    assert vocab.column_label("event_date") == "Date"
    assert vocab.column_label("actor2") == "Actor 2"
    assert vocab.place_label(key="SY0501:hama") == "Hama (SY0501)"
    assert vocab.place_label("Hama", "SY05", "حماة") == "Hama · حماة (SY05)"
    assert vocab.place_label("Hama", None) == "Hama"  # no "pcode None"


def test_config_hides_the_deploy_button_and_streamlits_own_menu():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["toolbarMode"] in ("viewer", "minimal")
    assert config["client"]["showSidebarNavigation"] is False  # ui/menu.py draws the menu instead


def test_the_menu_names_the_home_page_and_lists_every_page():
    from ui.menu import MENU

    assert MENU[0][:2] == ("app.py", "Home")
    listed = [script for script, _ in MENU]
    assert sorted(listed) == sorted(["app.py", *(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))])
    assert all(name and "_" not in name and name != "app" for _, name in MENU)


@pytest.mark.parametrize("limit_mb, shown", [(None, "50 MB"), ("7", "7 MB"), ("0.5", "0.5 MB")])
def test_the_upload_box_says_the_dashboards_limit(app_on, prepared_engine, monkeypatch, limit_mb, shown):
    if limit_mb is None:
        monkeypatch.delenv("DASHBOARD_MAX_UPLOAD_MB", raising=False)
    else:
        monkeypatch.setenv("DASHBOARD_MAX_UPLOAD_MB", limit_mb)
    at = app_on(prepared_engine, "../pages/7_Upload.py")
    assert not at.exception
    box = at.get("file_uploader")[0].proto
    assert f"up to {shown} each" in box.label
    # Streamlit's own "Limit N MB per file" under the box: the dashboard's limit in whole MB, not 200
    assert box.max_upload_size_mb == {"50 MB": 50, "7 MB": 7, "0.5 MB": 1}[shown]


def test_a_checked_file_says_rejected_rows_and_warnings_alike(app_on, prepared_engine):
    data = (FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv").read_bytes()
    at = app_on(prepared_engine, "../pages/7_Upload.py")
    at.file_uploader[0].set_value(("acled_2023_format_syria.csv", data, "text/csv"))
    at.run()
    assert not at.exception
    issues = at.dataframe[0].value
    warnings = int((issues["Severity"] == "warning").sum())
    assert warnings >= 1  # the fixture's town the gazetteer lacks
    line = next(t.value for t in at.text if t.value.startswith("Understood as"))
    assert f"0 rows rejected (not loaded), {warnings:,} warning" in line
    assert "with problems" not in line


def test_records_that_outnumber_rows_are_explained():
    from ui.upload import loaded_text

    two_per_row = BatchResult(source_id=1, batch_id=9, status="loaded", rows_read=1116, rows_loaded=2232,
                              rows_inserted=2232)
    text = loaded_text(two_per_row, "hxl")
    assert "1,116 rows read" in text and "2,232 inserted" in text
    assert "from 1,116 rows: a row that gives more than one figure" in text
    one_per_row = BatchResult(source_id=1, batch_id=9, status="loaded", rows_read=4, rows_loaded=4, rows_inserted=4)
    assert "more than one figure" not in loaded_text(one_per_row, "acled")


def _colours(figure) -> dict[str, str]:
    return {t["name"]: t["marker"]["color"] for t in figure["data"] if t.get("type") == "bar"}


def test_a_place_has_one_colour_on_the_page_and_in_the_pack(app_on, demo_engine):
    week = date(2024, 12, 2)
    # The page over five weeks and the pack for one: the places come in other orders in the two.
    at = app_on(demo_engine, "../pages/1_Flows.py", start="2024-11-04", end="2024-12-08", side="origin",
                unit="persons")
    assert not at.exception
    page = _colours(json.loads(at.get("plotly_chart")[0].proto.spec))
    pack = build_pack(demo_engine, PackOptions(week))
    packed = _colours(json.loads(next(c for c in pack.charts if c.name == "flows_by_origin").figure.to_json()))
    shared = set(page) & set(packed)
    assert len(shared) >= 3
    assert {n: page[n] for n in shared} == {n: packed[n] for n in shared}
    assert len(set(page.values())) > 1  # places are told apart


def test_a_place_keeps_its_colour_whatever_else_the_chart_draws():
    import pandas as pd

    from charts.flows import build_weekly_flows

    def weekly(places):
        return pd.DataFrame({"week": [date(2024, 12, 2)] * len(places), "place": places, "unit": "persons",
                             "value": [100.0 * (len(places) - i) for i in range(len(places))],
                             "from_text": False})

    first = _colours(json.loads(build_weekly_flows(weekly(["Hama", "Homs", "Idleb"]), "persons", "origin",
                                                   "t").to_json()))
    second = _colours(json.loads(build_weekly_flows(weekly(["Idleb", "Aleppo", "Hama"]), "persons", "origin",
                                                    "t").to_json()))
    assert first["Hama"] == second["Hama"] and first["Idleb"] == second["Idleb"]


def test_the_daily_chart_reads_households_off_their_own_axis():
    import pandas as pd

    from charts.timeline import build_daily_displacement_and_events

    day = date(2024, 12, 2)
    daily = pd.DataFrame({"day": [day] * 3, "unit": ["persons", "households", "events"],
                          "from_text": False, "value": [5000.0, 300.0, 4.0]})
    figure = json.loads(build_daily_displacement_and_events(daily, "t").to_json())
    axis_of = {t["name"]: t.get("yaxis", "y") for t in figure["data"]}
    persons, households = axis_of["new displacement (persons)"], axis_of["new displacement (households)"]
    assert len({persons, households, axis_of["conflict events"]}) == 3

    def title(axis):
        return figure["layout"]["yaxis" + axis[1:]]["title"]["text"]

    assert (title(persons), title(households), title(axis_of["conflict events"])) == (
        "persons", "households", "events")


def test_the_lag_view_says_how_many_weeks_it_used(app_on, demo_engine):
    from datetime import date as day

    from db.flows_queries import query_weekly_pairs
    from db.flows_and_events_queries import lag_window, query_weekly_events_by_place

    at = app_on(demo_engine, "../pages/2_Flows_and_events.py", **WINDOW)
    assert not at.exception
    caption = next(c.value for c in at.caption if "0–4 weeks later" in c.value)
    used = re.search(r"over the (\d+) weeks from the first to the last week with a report", caption)
    assert used
    # The oracle: the weeks from the first to the last week in which either series has a report.
    filters = lag_window(Filters(day.fromisoformat(WINDOW["start"]), day.fromisoformat(WINDOW["end"])))
    pairs = query_weekly_pairs(demo_engine, filters, "new_displacement")
    events = query_weekly_events_by_place(demo_engine, filters)
    weeks = sorted({*(str(w)[:10] for w in pairs.loc[pairs["unit"] == "persons", "week"]),
                    *(str(w)[:10] for w in events["week"])})
    span = (day.fromisoformat(weeks[-1]) - day.fromisoformat(weeks[0])).days // 7 + 1
    assert int(used.group(1)) == span


def test_the_brief_writes_a_missing_p_code_as_a_dash(demo_engine):
    from pack.brief import brief_html

    from dataclasses import replace

    pack = build_pack(demo_engine, PackOptions(date(2024, 12, 2)))
    assert not pack.preceding.empty and pack.preceding["pcode"].isna().any()  # demo cities have no p-code
    # A demo city's row gives its area's p-code ("in SY0501"); a place with neither p-code gets a dash.
    nowhere = pack.preceding.copy()
    nowhere.loc[nowhere.index[0], ["pcode", "area_pcode"]] = None
    page = brief_html(replace(pack, preceding=nowhere), {chart.name: b"" for chart in pack.charts},
                      "2024-12-09T06:00:00+00:00")
    assert not MISSING_WORD.search(re.sub(r"<[^>]+>", " ", page))
    assert "<td>—</td>" in page


def test_an_area_is_named_with_its_kind_and_code_never_its_key(demo_engine):
    assert vocab.area_label("Hama", "حماة", "governorate", "SY05") == "Hama · حماة (governorate, SY05)"
    assert vocab.area_label("Hama", None, "community", "SY0501:hama") == "Hama (city/town in SY0501)"
    pack = build_pack(demo_engine, PackOptions(date(2024, 12, 2), Filters(date(2024, 12, 2), date(2024, 12, 8),
                                                                        area="SY0501:hama")))
    assert not PLACE_KEY.search(pack.area_name) and pack.area_name.startswith("Hama")


def _codes_on(at) -> list[tuple[str, str]]:
    found = []
    for where, text in _read_text(at):
        for pattern in (CODE_WORD, PLACE_KEY, MISSING_WORD):
            found += [(where, match.group(0)) for match in pattern.finditer(text)]
    return found


def test_the_review_page_writes_a_waiting_fact_in_words(app_on, prepared_engine):
    from loaders.ingest import ingest_file

    ingest_file(prepared_engine, FIXTURES_DIR / "reports" / "flash_update_raqqa.html")
    at = app_on(prepared_engine, "../pages/8_Review.py")
    assert not at.exception
    assert any(box.label == "Hedge" for box in at.selectbox)  # a fact's form is on the page
    assert _codes_on(at) == []


def test_two_places_of_one_chart_never_share_a_colour():
    import pandas as pd

    from charts.colours import PLACE_PALETTE, place_colour, place_colours
    from charts.flows import build_weekly_flows

    # Seen on the screenshots: these pairs hash into one of the 24 colours.
    assert place_colour("Manbij") == place_colour("Tell Rifaat")
    assert place_colour("Aleppo") == place_colour("Damascus")
    places = ["Aleppo", "Damascus", "Manbij", "Tell Rifaat", "Hama", "Homs"]
    weekly = pd.DataFrame({"week": [date(2024, 12, 2)] * len(places), "place": places, "unit": "persons",
                           "value": [100.0 * (len(places) - i) for i in range(len(places))], "from_text": False})
    drawn = _colours(json.loads(build_weekly_flows(weekly, "persons", "origin", "t").to_json()))
    assert set(drawn) == set(places) and len(set(drawn.values())) == len(places)
    # The same set in another order (a page and the pack rank places over other weeks): the same colours.
    again = _colours(json.loads(build_weekly_flows(weekly.assign(value=weekly["value"][::-1].to_numpy()),
                                                   "persons", "origin", "t").to_json()))
    assert again == drawn
    # Up to 24 places, 24 colours.
    many = [f"Place {i}" for i in range(len(PLACE_PALETTE))]
    assert len(set(place_colours(many).values())) == len(PLACE_PALETTE)
    assert place_colours(many) == place_colours(list(reversed(many)))


def test_the_sites_net_change_chart_gives_each_area_its_own_colour():
    import pandas as pd

    from charts.camps import build_net_arrivals

    weeks = [date(2024, 12, 2)] * 2
    rows = pd.DataFrame({"week": weeks, "area_key": ["SY02", "SY01"], "area_name": ["Aleppo", "Damascus"],
                         "area_pcode": ["SY02", "SY01"], "net_change": [500.0, -300.0]})
    figure = json.loads(build_net_arrivals(rows, "individuals", "governorate", "t").to_json())
    colours = {t["name"]: t["marker"]["color"] for t in figure["data"]}
    assert len(colours) == 2 and len(set(colours.values())) == 2


GAZETTEER_PAGE = "../pages/9_Gazetteer.py"


def _places_of(engine):
    from sqlalchemy import select

    from db.schema import place

    with engine.connect() as conn:
        return {row.place_key: row for row in conn.execute(select(place.c.place_key, place.c.name_en, place.c.kind,
                                                                  place.c.parent_id, place.c.place_id))}


def test_the_gazetteer_page_opens_on_the_country_with_data_and_writes_places_in_words(app_on, demo_engine):
    places = _places_of(demo_engine)
    by_id = {row.place_id: row for row in places.values()}
    countries = {key for key, row in places.items() if row.kind == "country"}
    assert len(countries) > 1 and min(countries, key=lambda k: places[k].name_en) != "SY"  # a world gazetteer
    at = app_on(demo_engine, GAZETTEER_PAGE)
    assert not at.exception
    box = next(s for s in at.selectbox if s.label == "Country")
    assert box.value == "SY"  # the demo's country, not the first of the alphabet
    table = at.dataframe[-1].value
    assert len(table) and all(p == "—" or p.startswith("SY") for p in table["P-code"])
    hama = table[table["P-code"] == "SY05"].iloc[0]
    parent = by_id[places["SY05"].parent_id]
    assert parent.name_en in hama["Inside"] and hama["Inside"] != parent.place_key
    assert "None" not in set(table["Latitude"]) | set(table["Longitude"])
    assert not table["Latitude"].isna().any()


def test_the_gazetteer_list_writes_missing_coordinates_as_a_dash():
    import pandas as pd

    from ui.gazetteer import places_for_reading

    places = pd.DataFrame({"place_key": ["XX", "XX01", "XX01:town", "YY"], "pcode": ["XX", "XX01", None, "YY"],
                           "kind": ["country", "governorate", "community", "country"],
                           "name_en": ["Xland", "North", "Town", "Yland"], "name_ar": [None] * 4,
                           "parent_key": [None, "XX", "XX01", None], "lat": [None, 1.5, float("nan"), None],
                           "lon": [None, 2.25, float("nan"), None]})
    shown = places_for_reading(places, "XX", ["governorate", "community"])
    assert list(shown["place_key"]) == ["XX01:town", "XX01"]
    assert list(shown["inside"]) == ["North (XX01)", "Xland (XX)"]
    assert list(shown["lat"]) == ["—", "1.5000"] and list(shown["lon"]) == ["—", "2.2500"]
