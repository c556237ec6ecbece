"""Several countries in one database (issue 18, point 2): the dashboard asks for a country first and
keeps it in the URL (`area`), every default window and "last week" are that country's own, and old
data is said to be old on the pages, in the pack and on the command line.

The database: the Syrian demo (data to 31 Dec 2024, README) and four ACLED events in Haiti written
here, in the West department (HT01) on Wednesdays 11 and 18 and Friday 20 June 2025 and in Artibonite
on Monday 30 June — later than all of Syria's data, so a default taken from the whole database would
land on Haiti's June 2025 whatever country is asked for.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from db import queries
from pack.weekly import last_week_of_data, old_data_note
from ui.safe_text import literal

FLOWS = "../pages/1_Flows.py"
EXPORT = "../pages/5_Export.py"
ACLED_HEADER = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
                "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,"
                "admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,"
                "tags,timestamp")
HAITI_ROWS = (
    "HTI900001,2025-06-18,2025,1,Political violence,Battles,Armed clash,Armed group A,,3,Police Forces of Haiti,,1,"
    "13,,332,Caribbean,Haiti,Ouest,Port-au-Prince,Port-au-Prince,Port-au-Prince,18.5392,-72.335,1,Test,National,"
    "Fixture row written for tests.,2,,1750000000",
    "HTI900003,2025-06-11,2025,1,Political violence,Battles,Armed clash,Armed group A,,3,Police Forces of Haiti,,1,"
    "13,,332,Caribbean,Haiti,Ouest,Port-au-Prince,Port-au-Prince,Port-au-Prince,18.5392,-72.335,1,Test,National,"
    "Fixture row written for tests.,0,,1750000000",
    "HTI900004,2025-06-30,2025,1,Political violence,Battles,Armed clash,Armed group B,,3,Police Forces of Haiti,,1,"
    "13,,332,Caribbean,Haiti,Artibonite,Gonaives,Gonaives,Gonaives,19.4456,-72.6883,1,Test,National,"
    "Fixture row written for tests.,0,,1750000000",
    "HTI900002,2025-06-20,2025,1,Political violence,Violence against civilians,Attack,Armed group A,,3,Civilians,,7,"
    "37,,332,Caribbean,Haiti,Ouest,Port-au-Prince,Port-au-Prince,Port-au-Prince,18.5392,-72.335,1,Test,National,"
    "Fixture row written for tests.,1,,1750000000",
)
SYRIA_LAST_DAY = date(2024, 12, 31)  # the demo's last day (README: "the demo stops on 31 Dec 2024")
HAITI_LAST_DAY = date(2025, 6, 30)


@pytest.fixture(scope="module")
def two_countries(databases, tmp_path_factory):
    from db.demo import create_demo
    from loaders.ingest import ingest_file

    engine = databases.new_prepared_engine()
    create_demo(engine)
    path = tmp_path_factory.mktemp("haiti") / "acled_haiti_june_2025.csv"
    path.write_text(ACLED_HEADER + "\n" + "\n".join(HAITI_ROWS) + "\n", encoding="utf-8")
    assert ingest_file(engine, path).batch.rows_loaded == 4
    return engine


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _params(at) -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def _sidebar_box(at, label: str):
    boxes = [box for box in at.sidebar.selectbox if box.label == label]
    return boxes[0] if boxes else None


# --- the queries -------------------------------------------------------------------------------------

def test_the_countries_with_data_come_most_recent_first(two_countries):
    countries = queries.query_countries_with_data(two_countries)
    assert list(countries["place_key"]) == ["HT", "SY"]
    assert list(countries["country_iso3"]) == ["HTI", "SYR"]
    assert list(countries["last_date"]) == [HAITI_LAST_DAY, SYRIA_LAST_DAY]


def test_a_country_has_its_own_date_range(two_countries):
    assert queries.query_area_date_range(two_countries, "HT") == (date(2025, 6, 11), HAITI_LAST_DAY)
    assert queries.query_area_date_range(two_countries, "HT01") == (date(2025, 6, 11), date(2025, 6, 20))
    assert queries.query_area_date_range(two_countries, "SY")[1] == SYRIA_LAST_DAY
    assert queries.query_area_date_range(two_countries, None)[1] == HAITI_LAST_DAY
    assert queries.query_area_date_range(two_countries, "HT", date(2025, 6, 19))[1] == date(2025, 6, 18)
    assert queries.query_area_date_range(two_countries, "HT", date(2025, 6, 17)) == (date(2025, 6, 11),
                                                                                      date(2025, 6, 11))


# --- "last week" and old data, as rules ----------------------------------------------------------------

def test_last_week_is_the_last_whole_week_that_has_ended_and_holds_data():
    every_day = lambda day: day  # noqa: E731 — data on every day up to the end
    # Data to Tuesday 31 Dec 2024: the week of Monday 23 Dec is the last one the data cover whole.
    assert last_week_of_data(date(2026, 12, 8), date(2024, 12, 31), every_day) == date(2024, 12, 23)
    # Haiti: data on Wednesday 18 and Friday 20 June 2025 only; the week before holds nothing, so the
    # last week with data is the one of Monday 16 June, once it has ended (Sunday 22 June)...
    haiti = {date(2025, 6, 18), date(2025, 6, 20)}
    by = lambda day: max((d for d in haiti if d <= day), default=None)  # noqa: E731
    assert last_week_of_data(date(2026, 12, 8), date(2025, 6, 20), by) == date(2025, 6, 16)
    assert last_week_of_data(date(2025, 6, 23), date(2025, 6, 20), by) == date(2025, 6, 16)
    # ... and not while it runs.
    assert last_week_of_data(date(2025, 6, 21), date(2025, 6, 20), by) is None
    # A governorate that reported on Thursday 20 Feb and Wednesday 12 Mar 2025: the whole week before
    # 12 Mar (3–9 Mar) holds nothing, the week of 17 Feb does.
    sparse = {date(2025, 2, 20), date(2025, 3, 12)}
    by = lambda day: max((d for d in sparse if d <= day), default=None)  # noqa: E731
    assert last_week_of_data(date(2025, 3, 20), date(2025, 3, 12), by) == date(2025, 2, 17)


def test_old_data_is_said_to_be_old_after_two_weeks():
    assert old_data_note("Syria", date(2024, 12, 29), date(2025, 1, 10)) is None  # 12 days: recent
    assert old_data_note("Syria", date(2024, 12, 29), date(2025, 1, 12)) is None  # 14 days: still recent
    assert old_data_note("Syria", date(2024, 12, 29), date(2025, 1, 20)) == "latest data for Syria: 2024-12-29 (22 days old)"
    assert (old_data_note("Syria", date(2024, 12, 29), date(2026, 12, 8))  # 709 days
            == "latest data for Syria: 2024-12-29 (101 weeks old)")
    assert old_data_note(None, date(2024, 12, 29), date(2026, 12, 8)) == "latest data: 2024-12-29 (101 weeks old)"
    assert old_data_note("Syria", None, date(2026, 12, 8)) is None


# --- the command line ---------------------------------------------------------------------------------

def test_week_last_with_area_picks_that_countrys_week(two_countries, monkeypatch, capsys, tmp_path):
    from charts.__main__ import main

    monkeypatch.setenv("DATABASE_URL", _url(two_countries))
    assert main(["weekly", "--week", "last", "--area", "SY", "--out", str(tmp_path / "sy")]) == 0
    said = capsys.readouterr()
    assert said.out.startswith("2024-W52 ")
    assert "note: latest data for Syrian Arab Republic: 2024-12-31 (" in said.err
    manifest = json.loads((tmp_path / "sy" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["week"] == "2024-W52"
    assert manifest["latest_data"]["date"] == "2024-12-31"
    assert manifest["latest_data"]["old_data_note"].startswith("latest data for Syrian Arab Republic: 2024-12-31 (")

    # Haiti's data run to Monday 30 June: the last whole week is 23–29 June, which holds none; the
    # last week before it that holds data is the one of 16 June.
    assert main(["weekly", "--week", "last", "--area", "HTI", "--out", str(tmp_path / "ht")]) == 0
    assert capsys.readouterr().out.startswith("2025-W25 ")
    # The West department's last day is Friday 20 June, but the week of 16 June has run whole by its
    # country's data (to 30 June): that week, not the one of 9 June.
    assert main(["weekly", "--week", "last", "--area", "HT01", "--out", str(tmp_path / "west")]) == 0
    assert capsys.readouterr().out.startswith("2025-W25 ")


def test_week_last_without_area_on_several_countries_names_them_and_the_flag(two_countries, monkeypatch, capsys,
                                                                              tmp_path):
    from charts.__main__ import main

    monkeypatch.setenv("DATABASE_URL", _url(two_countries))
    assert main(["weekly", "--week", "last", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "Haiti (--area HT, data to 2025-06-30)" in err and "(--area SY, data to 2024-12-31)" in err
    assert not any(tmp_path.iterdir()), "nothing written"


# --- the pages ------------------------------------------------------------------------------------------

def test_one_country_asks_nothing(app_on, demo_engine):
    at = app_on(demo_engine, FLOWS)
    assert not at.exception
    assert _sidebar_box(at, "Country") is None
    assert "area" not in _params(at)


def test_several_countries_ask_for_one_the_most_recent_first(app_on, two_countries):
    at = app_on(two_countries, FLOWS)
    assert not at.exception
    assert _sidebar_box(at, "Country").value == "HT"
    assert _sidebar_box(at, "Country").options == ["Haiti (data to 30 Jun 2025) · هايتي",
                                                    "Syrian Arab Republic (data to 31 Dec 2024) · "
                                                    "الجمهورية العربية السورية"]
    assert _params(at)["area"] == "HT"
    assert _params(at)["end"] == "2025-06-30"


def test_the_window_follows_the_country_the_link_names(app_on, two_countries):
    at = app_on(two_countries, FLOWS, area="SY05")  # Hama governorate: a place inside Syria
    assert not at.exception
    assert _sidebar_box(at, "Country").value == "SY"
    assert _params(at)["area"] == "SY05"  # the link's place is kept; the country is its country
    assert _params(at)["end"] < "2025"  # Hama's own data (its window), never the database's (Haiti, June 2025)
    at = app_on(two_countries, FLOWS, area="SY")
    assert _params(at)["end"] == "2024-12-31"  # Syria's last day
    home = app_on(two_countries, area="SY")
    assert not home.exception
    assert _params(home)["area"] == "SY"
    assert (_params(home)["start"], _params(home)["end"]) == ("2024-12-25", "2024-12-31")


def test_choosing_another_country_keeps_it_in_the_url_with_its_own_window(app_on, two_countries):
    at = app_on(two_countries, FLOWS, area="SY05")
    at.sidebar.selectbox(key="country").set_value("HT").run()
    assert not at.exception
    assert _params(at)["area"] == "HT"
    assert _params(at)["end"] == "2025-06-30"
    assert _sidebar_box(at, "Area").value == "HT"


def test_the_export_page_defaults_to_the_countrys_last_week(app_on, two_countries):
    syria = app_on(two_countries, EXPORT, area="SY")
    assert not syria.exception
    assert _params(syria)["week"] == "2024-W52"
    haiti = app_on(two_countries, EXPORT, area="HT")
    assert not haiti.exception
    assert _params(haiti)["week"] == "2025-W25"
    west = app_on(two_countries, EXPORT, area="HT01")  # its last day a Friday; its country's data run on
    assert not west.exception
    assert _params(west)["week"] == "2025-W25"


def test_old_data_is_said_on_the_page(app_on, two_countries):
    at = app_on(two_countries, FLOWS, area="SY")
    notes = [info.value for info in at.sidebar.info]
    assert any(literal("Latest data for Syrian Arab Republic: 2024-12-31 (") in note for note in notes), notes
    at = app_on(two_countries, FLOWS, area="HT")
    notes = [info.value for info in at.sidebar.info]
    assert any(literal("Latest data for Haiti: 2025-06-30 (") in note for note in notes), notes


def test_the_briefs_title_page_says_the_data_is_old_when_it_is(two_countries):
    """The PDF's title page (its HTML, before printing): the old-data line is dated by the day the brief
    is made, so a brief made a week after Syria's last day says nothing and one made in 2026 says it."""
    from db.filters import Filters
    from pack.brief import brief_html
    from pack.weekly import PackOptions, build_pack

    week = date(2024, 12, 23)
    pack = build_pack(two_countries, PackOptions(week=week, filters=Filters(week, week, area="SY")))
    pngs = {chart.name: b"" for chart in pack.charts}
    title_page = brief_html(pack, pngs, "2026-12-08T06:00:00+00:00").split("</section>")[0]
    assert "Old data:</b> Latest data for Syrian Arab Republic: 2024-12-31 (101 weeks old)." in title_page
    assert "Old data" not in brief_html(pack, pngs, "2025-01-06T06:00:00+00:00")


# --- the home page follows the chosen country (issue 18, round 2) -----------------------------------

WIDE = (date(2024, 12, 1), date(2025, 6, 30))  # Syria's last month and Haiti's June in one window
HAITI_EVENTS = {date(2025, 6, 11): 1, date(2025, 6, 18): 1, date(2025, 6, 20): 1, date(2025, 6, 30): 1}  # HAITI_ROWS
HAITI_FATALITIES = 2 + 0 + 0 + 1  # HAITI_ROWS' fatalities column


def _raw(engine, table):
    """The raw rows of `table` with the ISO3 code of each place column's country (pandas, not the queries)."""
    import pandas as pd
    from sqlalchemy import select

    from db.schema import place

    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(select(table)).mappings().all())
        places = {row.place_id: row for row in conn.execute(
            select(place.c.place_id, place.c.parent_id, place.c.kind, place.c.country_iso3)).all()}

    def country(place_id):  # up the parent chain to the country (only a country row carries its code)
        while place_id is not None and places[place_id].kind != "country":
            place_id = places[place_id].parent_id
        return None if place_id is None else places[place_id].country_iso3

    iso3 = {place_id: country(place_id) for place_id in places}
    for column in [c for c in rows.columns if c.endswith("place_id")]:
        rows[column.replace("place_id", "iso3")] = rows[column].map(iso3)
    return rows


def _raw_events(engine, iso3: str, first: date, last: date):
    from db import vocab
    from db.schema import conflict_event

    events = _raw(engine, conflict_event)
    return events[(events["iso3"] == iso3) & events["event_date"].between(first, last)
                  & events["review_status"].isin(vocab.COUNTED_REVIEW_STATUSES)]


def _raw_new_displacement(engine, iso3: str, first: date, last: date) -> dict[str, float]:
    """Per unit, the sum of the counted new-displacement figures that start or end in the country."""
    from db import vocab
    from db.schema import displacement_figure

    f = _raw(engine, displacement_figure)
    day = f["period_end"].fillna(f["period_start"])
    kept = f[(f["figure_kind"] == "new_displacement") & ~f["is_cumulative"].astype(bool)
             & ~f["held_in_finer"].astype(bool) & f["review_status"].isin(vocab.COUNTED_REVIEW_STATUSES)
             & day.between(first, last) & ((f["origin_iso3"] == iso3) | (f["destination_iso3"] == iso3))]
    return kept.groupby("unit")["figure"].sum().to_dict()


def test_the_headline_counts_the_chosen_country_only(two_countries):
    syria_events = _raw_events(two_countries, "SYR", *WIDE)
    assert len(syria_events) > 0
    everywhere = queries.query_headline(two_countries, *WIDE)
    syria = queries.query_headline(two_countries, *WIDE, area="SY")
    haiti = queries.query_headline(two_countries, *WIDE, area="HT")
    assert everywhere.events == len(syria_events) + len(HAITI_EVENTS)  # without a country: both
    assert (syria.events, syria.fatalities) == (len(syria_events), int(syria_events["fatalities"].sum()))
    assert (haiti.events, haiti.fatalities) == (len(HAITI_EVENTS), HAITI_FATALITIES)
    expected = _raw_new_displacement(two_countries, "SYR", *WIDE)
    assert expected  # the demo has flows in December 2024
    assert syria.new_displacement.set_index("unit")["total"].to_dict() == pytest.approx(expected)
    assert haiti.new_displacement.empty  # Haiti's file holds events only
    assert syria.sites_reporting > 0 and haiti.sites_reporting == 0


def test_the_daily_totals_count_the_chosen_country_only(two_countries):
    haiti = queries.query_daily_totals(two_countries, *WIDE, area="HT")
    assert set(haiti["unit"]) == {"events"}
    assert dict(zip(haiti["day"], haiti["value"])) == HAITI_EVENTS
    syria = queries.query_daily_totals(two_countries, *WIDE, area="SY")
    assert syria["day"].max() <= SYRIA_LAST_DAY
    syria_events = _raw_events(two_countries, "SYR", *WIDE)
    assert syria.query("unit == 'events'")["value"].sum() == len(syria_events)
    persons = _raw_new_displacement(two_countries, "SYR", *WIDE)["persons"]
    assert syria.query("unit == 'persons'")["value"].sum() == pytest.approx(persons)


def test_the_freshness_of_sources_lists_the_chosen_countrys_sources(two_countries):
    everywhere = queries.query_source_freshness(two_countries)
    haiti = queries.query_source_freshness(two_countries, area="HT")
    syria = queries.query_source_freshness(two_countries, area="SY")
    undated = set(everywhere.loc[everywhere["latest_data_date"].isna(), "title"])  # the gazetteer, site lists
    assert undated and undated <= set(haiti["title"]) and undated <= set(syria["title"])
    haiti_dated = haiti.dropna(subset=["latest_data_date"])
    assert list(haiti_dated["source_kind"]) == ["acled"] and not haiti_dated["is_demo"].iloc[0]
    assert str(haiti_dated["latest_data_date"].iloc[0]) == HAITI_LAST_DAY.isoformat()
    assert haiti_dated["title"].iloc[0] not in set(syria["title"])
    assert set(syria["title"]) | set(haiti["title"]) == set(everywhere["title"])
    assert max(str(day) for day in syria["latest_data_date"].dropna()) == SYRIA_LAST_DAY.isoformat()


def test_the_home_page_shows_the_chosen_countrys_numbers(app_on, two_countries):
    syria_events = _raw_events(two_countries, "SYR", *WIDE)
    window = {"start": WIDE[0].isoformat(), "end": WIDE[1].isoformat()}
    for area, events in (("SY", len(syria_events)), ("HT", len(HAITI_EVENTS))):
        at = app_on(two_countries, area=area, **window)
        assert not at.exception
        assert (_params(at)["start"], _params(at)["end"]) == (window["start"], window["end"])
        metrics = {metric.label: metric.value for metric in at.metric}
        assert metrics["Conflict events"] == f"{events:,}", area
    assert metrics["New displacement (persons)"] == "0"  # Haiti's file holds events only
