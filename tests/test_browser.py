"""The README's way of serving the app, opened in a real browser (Debian's Chromium).

Starts `streamlit run app.py` on 127.0.0.1 against a demo database built by `python -m db demo`
and reads the page as a person would. Skipped outside CI when Chromium is not installed; in CI
(CI=true) a missing Chromium fails.
"""

from __future__ import annotations

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
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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
    page.get_by_text("New displacement (persons)").wait_for(timeout=30_000)
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
