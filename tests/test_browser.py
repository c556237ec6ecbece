"""The README's way of serving the app, opened in a real browser (Debian's Chromium).

Starts `streamlit run app.py` on 127.0.0.1 against a demo database built by `python -m db demo`
and reads the page as a person would. Skipped outside CI when Chromium is not installed; in CI
(CI=true) a missing Chromium fails.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import REPO_ROOT, in_ci

pytestmark = pytest.mark.browser
SCREENSHOT_FOLDERS: list = []  # printed by tests/conftest.py at the end of the run
# Debian's chromium first (what .ci/run installs); another `chromium` on the PATH only where it is missing.
CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else (shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def _require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served_env(tmp_path_factory):
    """The environment of the served app: its demo database."""
    folder = tmp_path_factory.mktemp("served")
    return {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite'}"}


@pytest.fixture(scope="module")
def served_app(served_env):
    _require_chromium()
    env = served_env
    subprocess.run([sys.executable, "-m", "db", "demo", "--if-empty"], cwd=REPO_ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1", "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"streamlit did not start: {server.stdout.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.3)
    yield base
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory):
    """Where page screenshots go: $SCREENSHOT_DIR, else a temporary folder; printed at the end of the run."""
    from pathlib import Path

    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    SCREENSHOT_FOLDERS.append(folder)
    return folder


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def test_home_page_shows_demo_banner_numbers_and_chart(served_app, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{served_app}/?start=2024-12-01&end=2024-12-07")
    page.get_by_text("New displacement (persons)", exact=True).wait_for(timeout=30_000)
    assert page.get_by_text("demo data (synthetic)").first.is_visible()
    assert page.get_by_text("Conflict events").first.is_visible()
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    page.close()


def test_server_listens_only_on_loopback(served_app):
    port = int(served_app.rsplit(":", 1)[1])
    for address in {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}:
        with socket.socket() as s:
            s.settimeout(1)
            assert s.connect_ex((address, port)) != 0, f"reachable on {address}"


def test_a_report_is_reviewed_in_the_browser(served_app, served_env, browser, tmp_path):
    """Load the seed report, open the review page, see its sentence marked, accept a fact."""
    from tests.conftest import shared_path

    report = shared_path("fixtures", "reports", "northpress_hama_withdrawal.txt")
    subprocess.run([sys.executable, "-m", "loaders", "ingest", str(report), "--published", "2024-12-05"],
                   cwd=REPO_ROOT, env=served_env, check=True, capture_output=True, timeout=120)
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{served_app}/Review")
    page.get_by_text("Conflict events (3)").wait_for(timeout=30_000)
    page.locator("mark", has_text="Hama").first.wait_for(timeout=30_000)  # the sentence, place marked
    assert page.locator("[data-testid='stException']").count() == 0
    page.get_by_role("button", name="Accept").nth(2).click()  # the first event (two flights come first)
    page.get_by_text("accepted.").first.wait_for(timeout=30_000)
    page.get_by_text("Conflict events (2)").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    print(f"screenshot: {tmp_path / 'review.png'}")
    page.close()


# --- every data page: charts drawn, no exception, a filter changes URL and chart, a reload keeps it

WINDOW = "start=2024-11-18&end=2024-12-15"
# (path, URL parameters, what to click — a radio's text, or ("select", label, option text) for a
# selectbox —, what the URL then holds, charts expected, files (tests/fixtures) to load first)
# Each loads its good rows beside its problems (a file of which every row is rejected records nothing).
PROBLEM_FILES = ("acled/acled_negative_fatalities.csv", "template/template_thousands_separators.csv")
PAGES = [
    ("Flows", WINDOW, "destination", "side=destination", 3, ()),
    ("Flows_and_events", WINDOW, "households", "unit=households", 2, ()),
    ("Camps", WINDOW, "district", "level=district", 4, ()),
    ("Events", WINDOW, ("select", "Break down", "Battles by sub-type"), "subtypes_of=Battles", 4, ()),
    ("Data_quality", "", ("select", "Issues of", "acled"), "batch=", 1, PROBLEM_FILES),
]
FINGERPRINT = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(
    el => JSON.stringify((el.data || []).map(t => [t.name, t.x, t.y, t.z, t.value, t.link && t.link.value])))"""


def _charts(page, count: int) -> list[str]:
    """Wait until `count` charts are drawn and the script has stopped running; their data."""
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {count}", timeout=60_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(500)
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']").first.inner_text()
    return page.evaluate(FINGERPRINT)


@pytest.mark.parametrize("path, query, choice, in_url, charts, files", PAGES, ids=[p[0] for p in PAGES])
def test_page_filter_changes_url_and_chart_and_a_reload_keeps_the_view(served_app, served_env, browser, screenshot_dir,
                                                                       path, query, choice, in_url, charts, files):
    from tests.conftest import FIXTURES_DIR

    for name in files:  # exit 1: a file with rejected rows still loads its good rows and its problems
        subprocess.run([sys.executable, "-m", "loaders", "ingest", str(FIXTURES_DIR / name)], cwd=REPO_ROOT,
                       env=served_env, capture_output=True, timeout=120)
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.goto(f"{served_app}/{path}?{query}")
    before = _charts(page, charts)
    assert any(len(c) > 10 for c in before)  # drawn with data, not empty
    page.screenshot(path=str(screenshot_dir / f"{path}.png"), full_page=True)
    if isinstance(choice, tuple):  # a selectbox: open it, pick the option
        _, label, option = choice
        page.locator("[data-testid='stSelectbox']").filter(has_text=label).get_by_role("combobox").click()
        page.get_by_role("option").filter(has_text=option).first.click()
    else:
        page.get_by_text(choice, exact=True).first.click()
    page.wait_for_url(f"**{in_url}**", timeout=30_000)
    page.wait_for_function(f"JSON.stringify(({FINGERPRINT})()) !== {json.dumps(json.dumps(before))}",
                           timeout=60_000)
    after = _charts(page, charts)
    assert after != before
    page.screenshot(path=str(screenshot_dir / f"{path}-changed.png"), full_page=True)
    shared_url = page.url
    page.goto(shared_url)
    assert _charts(page, charts) == after  # the URL alone gives the same view
    assert page.url == shared_url
    page.close()
