"""The Monday routine in a real browser, after real files of two countries were uploaded on top of the demo.

Issue 18's "Done when": a CCCM site list of July 2020 (north-west Syria) and a DTM admin 1 file of
Haiti are uploaded through the Upload page (file box, check, load), then the officer opens the
dashboard, picks Syria, checks the headline of an earlier window, the Export page's default week,
the labels and axes of the charts, and downloads the weekly pack.

Run alone: `pytest tests/test_browser_monday.py -m browser -k monday`.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta

import pytest

from tests.conftest import shared_path
from tests.test_browser import _charts, browser, served_app, served_env  # noqa: F401 - fixtures of the served app

pytestmark = pytest.mark.browser

SITE_LIST = ("fixtures", "data", "nw_syria_isimm_sites_2020-07.csv")
OTHER_COUNTRY = ("fixtures", "data", "dtm_api_v3_admin1_hti.json")
DEMO_MARK = "demo data (synthetic)"
SYRIA = "Syria"  # the gazetteer's English name ("Syrian Arab Republic"), then "(data to …)"
TIME_OF_DAY = re.compile(r"\d\d:\d\d")
TICKS = "() => Array.from(document.querySelectorAll('.js-plotly-plot .xtick text')).map(t => t.textContent)"


def _demo_last_day(database_url: str) -> date:
    """The demo's last day of data, read from its tables (every demo row is Syria's)."""
    from sqlalchemy import create_engine, func, select

    from db.schema import conflict_event, displacement_figure

    engine = create_engine(database_url)
    with engine.connect() as connection:
        days = [connection.scalar(select(func.max(conflict_event.c.event_date))),
                connection.scalar(select(func.max(displacement_figure.c.period_end)))]
    engine.dispose()
    return max(date.fromisoformat(str(day)[:10]) for day in days if day is not None)


def _last_whole_week(last_day: date) -> date:
    """The Monday of the last Monday–Sunday week that ends on or before `last_day`."""
    sunday = last_day - timedelta(days=(last_day.weekday() + 1) % 7)
    return sunday - timedelta(days=6)


def _headline(page) -> dict[str, str]:
    page.get_by_text("People in sites", exact=True).wait_for(timeout=120_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=180_000)
    page.wait_for_timeout(500)
    metrics = {}
    for metric in page.locator("[data-testid='stMetric']").all():
        label = metric.locator("[data-testid='stMetricLabel']").inner_text().strip()
        metrics[label] = metric.locator("[data-testid='stMetricValue']").inner_text().strip()
    return metrics


def _no_time_of_day_ticks(page, where: str) -> list[str]:
    ticks = page.evaluate(TICKS)
    assert not [t for t in ticks if TIME_OF_DAY.search(t)], f"{where}: a time of day on an axis: {ticks}"
    return ticks


def _shown(selectbox) -> str:
    """The option a selectbox shows (Streamlit keeps it in the box's text input)."""
    return selectbox.get_by_role("combobox").input_value()


def _pick(page, label: str, option: str) -> None:
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).get_by_role("combobox")
    box.click()
    box.fill(option)  # a long list is drawn a screenful at a time: narrow it by typing, as a person would
    page.get_by_role("option").filter(has_text=option).first.click()


def _upload(page, base: str, path) -> None:
    """Upload one file on the Upload page, see its check, load it."""
    page.goto(f"{base}/Upload")
    page.locator("input[type='file']").first.set_input_files(str(path))
    button = page.get_by_role("button", name="Load this file")
    button.wait_for(timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    assert button.is_enabled(), page.locator("[data-testid='stMain']").inner_text()[:2000]
    button.click()
    page.get_by_text(re.compile(r"^Batch \d+: ")).first.wait_for(timeout=180_000)
    assert page.locator("[data-testid='stException']").count() == 0


def test_monday_routine_after_uploading_a_site_list_and_another_country(served_app, served_env, browser, tmp_path):
    base = served_app
    window = "start=2024-12-09&end=2024-12-15"  # an earlier window than the demo's last week
    monday = _last_whole_week(_demo_last_day(served_env["DATABASE_URL"]))
    year, week, _ = monday.isocalendar()
    expected_week = f"{year}-W{week:02d}"

    page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page.goto(f"{base}/?{window}")
    before = _headline(page)
    assert "People in sites" in before and "Conflict events" in before

    for parts in (SITE_LIST, OTHER_COUNTRY):
        _upload(page, base, shared_path(*parts))

    # Home: two countries hold data now, so the sidebar asks for one; Syria is picked and kept in the URL.
    page.goto(f"{base}/?{window}")
    country = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="Country")
    country.wait_for(timeout=60_000)
    page.wait_for_url("**area=**", timeout=30_000)  # the country the box starts on, kept in the URL
    first = re.search(r"area=([^&]+)", page.url).group(1)
    if not _shown(country).startswith(SYRIA):
        _pick(page, "Country", "Syria")
        page.wait_for_url(lambda url: f"area={first}" not in url, timeout=30_000)
    assert _shown(country).startswith(SYRIA)
    area = re.search(r"area=([^&]+)", page.url).group(1)
    # A new country starts on its own latest days; the officer then sets the earlier window again.
    page.goto(f"{base}/?{window}&area={area}")
    country.wait_for(timeout=60_000)
    assert _shown(country).startswith(SYRIA)  # the link alone opens on Syria
    after = _headline(page)
    assert after == before  # an old site list and another country's file change nothing in this window
    _no_time_of_day_ticks(page, "home")

    # Export: the default week is Syria's last whole week of data, not Haiti's (June 2025).
    page.goto(f"{base}/Export?area={area}")
    week_box = page.locator("[data-testid='stSelectbox']").filter(has_text="Week")
    week_box.wait_for(timeout=60_000)
    assert _shown(week_box).startswith(expected_week)
    _charts(page, 1)
    titles = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot .gtitle'))"
                           ".map(t => t.textContent)")
    assert any(DEMO_MARK in title for title in titles), titles  # the demo's own week: its charts are marked
    _no_time_of_day_ticks(page, "export, Syria")

    # A governorate: the weekly charts of one governorate, often a single week of data.
    _pick(page, "Area", "Hama")
    page.wait_for_url("**area=**", timeout=30_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    _charts(page, 1)
    _no_time_of_day_ticks(page, "export, Hama")
    page.screenshot(path=str(tmp_path / "export-hama.png"), full_page=True)
    with page.expect_download(timeout=240_000) as download_info:
        page.get_by_role("button", name=re.compile("Download the pack")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as pack:
        names = pack.namelist()
    suffixes = {name.rsplit(".", 1)[-1].lower() for name in names if "." in name}
    assert {"pdf", "png", "html", "csv"} <= suffixes, names
    assert any("manifest" in name for name in names), names

    # The other pages of the routine, on Syria's weeks: no time of day on a weekly axis.
    for path in ("Flows", "Flows_and_events", "Events"):
        page.goto(f"{base}/{path}?area={area}")
        _charts(page, 1)
        _no_time_of_day_ticks(page, path)

    # Camps for July 2020: only the real site list's rows, so no demo label anywhere on the page.
    page.goto(f"{base}/Camps?start=2020-07-01&end=2020-07-31&area={area}")
    drawn = _charts(page, 1)
    assert any(len(chart) > 10 for chart in drawn)  # the site list is drawn, not an empty chart
    titles = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot .gtitle'))"
                           ".map(t => t.textContent)")
    captions = page.locator("[data-testid='stCaptionContainer']").all_inner_texts()
    assert titles and not any(DEMO_MARK in title for title in titles), titles
    assert captions and not any(DEMO_MARK in caption.lower() for caption in captions), captions
    # (the banner above the page says the database holds demo data; no chart or caption of these rows does)
    _no_time_of_day_ticks(page, "camps, July 2020")
    page.close()
