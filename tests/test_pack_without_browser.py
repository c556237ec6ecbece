"""The pack and the PNG buttons on a machine without a working Chrome/Chromium (issue 18, point 3).

Without a browser kaleido 1.x printed a traceback and waited forever. Here the browser is looked for
first, every wait on it is bounded (charts.export.BROWSER_WAIT_S, made small in these tests), and the
pack is written without PNG/PDF: every HTML, every CSV, the shared plotly.min.js and the manifest,
one line saying how to get a browser, and exit code 3. The fake browsers are shell scripts: one that
never answers, one that fails at once. Also here: the pack's one shared plotly.js, and whole numbers
written as integers in every CSV.
"""

from __future__ import annotations

import io
import json
import os
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from charts import export
from charts.__main__ import main
from pack.weekly import PackOptions, build_pack

WEEK = date(2024, 12, 2)  # 2024-W49 of the demo
STEM = "weekly_2024-W49"
CHARTS = ["flows_by_origin", "flows_by_destination", "flows_and_events", "events_by_type", "sankey", "flow_map"]
HINT = "PNG and PDF need Chrome or Chromium: install it (Debian/Ubuntu: sudo apt-get install chromium)"


def _fake_browser(folder: Path, name: str, body: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def no_browser_yet(monkeypatch):
    """A small bound, and the process's browser (and any failure it had) forgotten before and after."""
    monkeypatch.setattr(export, "BROWSER_WAIT_S", 1.0)
    export.forget_browser()
    yield
    export.forget_browser()


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _run_pack(engine, monkeypatch, capsys, out: Path) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", _url(engine))
    code = main(["weekly", "--week", "2024-W49", "--out", str(out)])
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def _assert_written_without_images(out: Path, err: str) -> dict:
    expected = {f"{STEM}_{name}.{ext}" for name in CHARTS for ext in ("html", "csv")}
    expected |= {f"{STEM}_largest_flows_preceding_events.csv", "plotly.min.js", "manifest.json"}
    assert {p.name for p in out.iterdir()} == expected  # no PNG, no PDF, everything else
    # One line about the browser; the demo's data is old, so a "note: latest data ..." line may precede it.
    lines = [line for line in err.strip().splitlines() if not line.startswith("note: latest data")]
    assert len(lines) == 1 and lines[0].startswith("written without PNG/PDF: ") and HINT in lines[0]
    assert "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["images"]["made"] is False and HINT in manifest["images"]["reason"]
    assert set(manifest["images"]["missing"]) == {f"{STEM}_{name}.png" for name in CHARTS} | {f"{STEM}_brief.pdf"}
    assert {f["name"] for f in manifest["files"]} == expected - {"manifest.json"}
    return manifest


# --- finding the browser --------------------------------------------------------------------------------

def test_the_browser_is_the_setting_else_one_on_the_path(monkeypatch, tmp_path):
    chrome = _fake_browser(tmp_path, "google-chrome", "exit 0")
    monkeypatch.setattr(export, "BROWSER_PLACES", ())
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.delenv("CHROME_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))  # no kaleido download under it
    assert export.find_browser() == chrome
    other = _fake_browser(tmp_path / "..", "my-chromium-i18", "exit 0")
    monkeypatch.setenv("CHROME_PATH", other)
    assert export.find_browser() == other
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "not-there"))
    assert export.find_browser() is None  # the setting names no browser: none, not another one
    monkeypatch.delenv("BROWSER_PATH")
    monkeypatch.delenv("CHROME_PATH")
    (tmp_path / "google-chrome").chmod(0o644)  # not runnable
    assert export.find_browser() is None


# --- the pack without a working browser ----------------------------------------------------------------

def test_without_a_browser_the_pack_is_written_without_png_and_pdf(demo_engine, monkeypatch, capsys, tmp_path,
                                                                    no_browser_yet):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    code, out, err = _run_pack(demo_engine, monkeypatch, capsys, tmp_path / "pack")
    assert code == 3
    assert out.startswith("2024-W49 (All areas): 6 charts, 15 files in")
    manifest = _assert_written_without_images(tmp_path / "pack", err)
    assert "no Chrome or Chromium found" in manifest["images"]["reason"]


def test_a_browser_that_never_answers_is_given_up(demo_engine, monkeypatch, capsys, tmp_path, no_browser_yet):
    monkeypatch.setenv("BROWSER_PATH", _fake_browser(tmp_path, "hanging-chrome", "exec sleep 300"))
    code, _, err = _run_pack(demo_engine, monkeypatch, capsys, tmp_path / "pack")
    assert code == 3
    manifest = _assert_written_without_images(tmp_path / "pack", err)
    assert "did not answer within 1 s" in manifest["images"]["reason"]
    # The hung browser was killed with its own session: no sleeping child left behind.
    left = [line for line in os.popen("ps -eo args").read().splitlines() if line.strip() == "sleep 300"]
    assert not left
    # Later PNGs in this process fail at once with the same line, and never start the browser again.
    with pytest.raises(export.NoBrowser, match="did not answer within 1 s"):
        export.png_bytes(build_pack(demo_engine, PackOptions(WEEK)).charts[0].figure)


def test_a_browser_that_fails_at_once_is_given_up(demo_engine, monkeypatch, capsys, tmp_path, no_browser_yet):
    broken = _fake_browser(tmp_path, "broken-chrome", "echo 'cannot open display' >&2; exit 1")
    monkeypatch.setenv("BROWSER_PATH", broken)
    code, _, err = _run_pack(demo_engine, monkeypatch, capsys, tmp_path / "pack")
    assert code == 3
    _assert_written_without_images(tmp_path / "pack", err)


def test_a_brief_printer_that_hangs_is_killed(monkeypatch, tmp_path, no_browser_yet):
    from pack.brief import BriefError, print_pdf

    monkeypatch.setenv("BROWSER_PATH", _fake_browser(tmp_path, "hanging-printer", "exec sleep 301"))
    with pytest.raises(BriefError, match="did not print the brief within 1 s") as error:
        print_pdf("<p>brief</p>")
    assert HINT in str(error.value) and "\n" not in str(error.value)
    left = [line for line in os.popen("ps -eo args").read().splitlines() if line.strip() == "sleep 301"]
    assert not left


# --- the PNG buttons -----------------------------------------------------------------------------------------

def _downloads_script():
    import pandas as pd
    import plotly.graph_objects as go

    from ui.downloads import chart_downloads

    chart_downloads(go.Figure(go.Bar(x=["a"], y=[1])), pd.DataFrame({"place": ["a"], "value": [1.0]}), "chart", "c")


def test_the_png_button_says_how_to_get_a_browser_instead_of_waiting(monkeypatch, tmp_path, no_browser_yet):
    from streamlit.testing.v1 import AppTest

    import ui.downloads

    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    ui.downloads._browser_found.cache_clear()
    try:
        at = AppTest.from_function(_downloads_script).run()
        assert not at.exception
        labels = [button.proto.label for button in at.get("download_button")]
        assert labels == ["HTML", "CSV"]  # no PNG button to spin
        assert any(HINT in caption.value for caption in at.caption)
    finally:
        ui.downloads._browser_found.cache_clear()


def test_with_a_browser_found_the_png_button_is_there(monkeypatch, tmp_path, no_browser_yet):
    from streamlit.testing.v1 import AppTest

    import ui.downloads

    monkeypatch.setenv("BROWSER_PATH", _fake_browser(tmp_path, "some-chrome", "exit 0"))
    ui.downloads._browser_found.cache_clear()
    try:
        at = AppTest.from_function(_downloads_script).run()
        assert [button.proto.label for button in at.get("download_button")] == ["PNG", "HTML", "CSV"]
    finally:
        ui.downloads._browser_found.cache_clear()


# --- one shared plotly.js ----------------------------------------------------------------------------------

def test_the_pack_shares_one_plotly_js_and_stays_the_same_twice(demo_engine, monkeypatch, tmp_path, no_browser_yet):
    from plotly.offline import get_plotlyjs

    from pack.files import pack_files

    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))  # fast: no PNG asked of a browser
    pack = build_pack(demo_engine, PackOptions(WEEK))
    first = pack_files(pack, datetime(2024, 12, 9, 7, 0, tzinfo=timezone.utc))
    second = pack_files(build_pack(demo_engine, PackOptions(WEEK)), datetime(2024, 12, 9, 7, 5, tzinfo=timezone.utc))
    scripts = [name for name in first if name.endswith(".js")]
    assert scripts == ["plotly.min.js"] and first["plotly.min.js"] == get_plotlyjs().encode()
    pages = [name for name in first if name.endswith(".html")]
    assert len(pages) == len(CHARTS)
    marker = get_plotlyjs()[:200].encode()  # the opening of plotly.js itself
    for name in pages:
        page = first[name]
        assert page.count(b'src="plotly.min.js"') == 1 and page.count(b"<script") == 3, name
        assert marker not in page and len(page) < 1_000_000, name
        assert second[name] == page, name
    for name in (n for n in first if n.endswith(".csv")):
        assert second[name] == first[name], name


def test_a_chart_downloaded_from_a_page_stays_self_contained():
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    page = export.html_bytes(go.Figure(go.Bar(x=["a"], y=[1])))
    assert b"<script src=" not in page and get_plotlyjs()[:200].encode() in page


# --- whole numbers in CSV ------------------------------------------------------------------------------------

def test_whole_numbers_are_written_as_integers_in_csv():
    frame = pd.DataFrame({
        "place": ["Hama", "Homs", "Idlib"],
        "value": [46270.0, "<10", 12.0],  # banded cells beside counts (charts/suppress.py)
        "individuals": [46270.0, None, 3.0],  # a count column with a gap is float in pandas
        "household_size": [4.5, 5.0, None],
        "lat": [35.13, 34.73, 35.93],
        "week": pd.to_datetime(["2024-12-02"] * 3),
        "summed": [Decimal("46270.0"), Decimal("2.50"), None],  # PostgreSQL's SUM comes back as Decimal
    })
    assert export.csv_bytes(frame).decode() == (
        "place,value,individuals,household_size,lat,week,summed\n"
        "Hama,46270,46270,4.5,35.13,2024-12-02,46270\n"
        "Homs,<10,,5,34.73,2024-12-02,2.50\n"
        "Idlib,12,3,,35.93,2024-12-02,\n")


def test_the_pack_csv_counts_have_no_trailing_zero(demo_engine, monkeypatch, tmp_path, no_browser_yet):
    from pack.files import pack_files

    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    files = pack_files(build_pack(demo_engine, PackOptions(WEEK)))
    rows = pd.read_csv(io.BytesIO(files[f"{STEM}_flows_by_origin.csv"]), dtype=str, keep_default_na=False)
    values = [v for v in rows["value"] if not v.startswith("<")]
    assert values and all(v.isdigit() for v in values), values[:5]


# --- run.sh's search for a browser ---------------------------------------------------------------------------

def _find_browser_sh(env: dict) -> "subprocess.CompletedProcess[str]":
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    return subprocess.run(["bash", "-c", "set -euo pipefail; source scripts/find-browser.sh"], cwd=root,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": path, "HOME": env.pop("HOME"), "PYTHONPATH": str(root), **env})


def test_run_sh_says_in_one_line_that_png_and_pdf_need_chromium_and_carries_on(tmp_path):
    # NO_BROWSER_INSTALL: this test must not install anything on the machine it runs on.
    run = _find_browser_sh({"HOME": str(tmp_path), "BROWSER_PATH": str(tmp_path / "none"), "NO_BROWSER_INSTALL": "1"})
    assert run.returncode == 0
    assert run.stdout.splitlines() == ["No Chrome/Chromium: " + export.BROWSER_HINT] and "Traceback" not in run.stderr


def test_run_sh_uses_the_browser_it_finds(tmp_path):
    chrome = _fake_browser(tmp_path, "team-chrome", "exit 0")
    run = _find_browser_sh({"HOME": str(tmp_path), "BROWSER_PATH": chrome, "NO_BROWSER_INSTALL": "1"})
    assert run.returncode == 0 and run.stdout.splitlines() == [f"PNG/PDF exports draw with {chrome}"]


@pytest.mark.browser
def test_a_pack_page_draws_offline_from_the_shared_plotly_js(demo_engine, monkeypatch, tmp_path, no_browser_yet):
    """Open a written pack's HTML from disk in Chromium with the network cut off: the chart is drawn."""
    from tests.conftest import require_chromium

    from pack.files import write_pack

    chromium = require_chromium()
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))  # the pack itself without PNGs: quicker
    write_pack(build_pack(demo_engine, PackOptions(WEEK)), tmp_path / "pack")
    monkeypatch.delenv("BROWSER_PATH")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--disable-gpu", "--disable-quic"])
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()
            page.goto((tmp_path / "pack" / f"{STEM}_flows_by_origin.html").as_uri())
            page.wait_for_selector("#chart .main-svg", timeout=30_000)
            assert page.evaluate("typeof Plotly") == "object"
            assert page.locator("#chart .bars path").count() > 0  # bars drawn, not an empty frame
        finally:
            browser.close()


def test_the_export_page_says_before_the_click_that_the_zip_comes_without_png_and_pdf(app_on, demo_engine,
                                                                                       monkeypatch, tmp_path,
                                                                                       no_browser_yet):
    import ui.downloads

    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    ui.downloads._browser_found.cache_clear()
    try:
        at = app_on(demo_engine, "../pages/5_Export.py", week="2024-W49", area="SY05")
        assert not at.exception
        assert any(caption.value.startswith("Without PNG and PDF: no Chrome or Chromium found.") and HINT in
                   caption.value for caption in at.caption)
    finally:
        ui.downloads._browser_found.cache_clear()
