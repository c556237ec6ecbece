"""Screenshots of every page at 1440×900, for a person to look at before a change to the pages lands.

    .venv/bin/python scripts/screenshots.py --out /tmp/shots [--database-url URL] [--query "start=...&end=..."]
        [--load FILE ...] [--pack WEEK]

Starts the dashboard on 127.0.0.1 (local mode) against the database given (default: a new demo
database in a temporary folder), opens each page in Debian's Chromium through Playwright and saves
`<page>.png` (the first screen, 1440×900) and `<page>-full.png` (the whole page: Streamlit scrolls
inside its own pane, so the window is made as tall as the page for that shot). Prints the files.

`--load FILE` loads files first (`python -m loaders ingest`), e.g. a real site list and a file of
another country on top of the demo: the pages then ask for a country (give `--query area=SY`).
`--pack WEEK` also writes that week's pack (`python -m charts weekly --week WEEK`, with `--area`
from the query) into OUT/pack and renders each page of its PDF to OUT/pack-page-N.png (pdftoppm).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["", "Flows", "Flows_and_events", "Events", "Camps", "Export", "Data_quality", "Upload", "Review", "Gazetteer",
         "Admin"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("streamlit stopped before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"streamlit did not answer at {url} within {seconds:.0f} s")


def _pack_pages(args, env: dict) -> None:
    """Write the week's pack into OUT/pack and each page of its PDF as OUT/pack-page-N.png."""
    area = dict(part.split("=", 1) for part in args.query.split("&") if "=" in part).get("area")
    folder = args.out / "pack"
    command = [sys.executable, "-m", "charts", "weekly", "--week", args.pack, "--out", str(folder.resolve())]
    subprocess.run(command + (["--area", area] if area else []), cwd=ROOT, env=env)
    if not shutil.which("pdftoppm"):
        print("pdftoppm not found (apt-get install poppler-utils): the PDF pages are not rendered")
        return
    for pdf in sorted(folder.glob("*.pdf")):
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(args.out / "pack-page")], check=True)
    for png in sorted(args.out.glob("pack-page*.png")):
        print(png)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--database-url")
    parser.add_argument("--query", default="", help="URL parameters for every page, e.g. start=2024-12-01&end=2024-12-07")
    parser.add_argument("--load", nargs="*", default=[], type=Path, help="files to load before the shots")
    parser.add_argument("--pack", metavar="WEEK", help="also write this week's pack and render its PDF pages")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="screenshots-")
    env = {**os.environ, "DATABASE_URL": args.database_url or f"sqlite:///{folder}/demo.sqlite"}
    if not args.database_url:
        subprocess.run([sys.executable, "-m", "db", "demo", "--if-empty"], cwd=ROOT, env=env, check=True)
    for path in args.load:  # exit 1 when some rows were rejected: the good rows are loaded all the same
        subprocess.run([sys.executable, "-m", "loaders", "ingest", str(path.resolve())], cwd=ROOT, env=env)
    if args.pack:
        _pack_pages(args, env)
    port = _free_port()
    app = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                            "--server.port", str(port), "--server.headless", "true",
                            "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(f"{base}/_stcore/health", app)
        from playwright.sync_api import sync_playwright  # a test tool, loaded only here (requirements-dev.txt)

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--disable-gpu", "--disable-quic"])
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            for name in PAGES:
                page.goto(f"{base}/{name}" + (f"?{args.query}" if args.query else ""))
                page.wait_for_load_state("networkidle")
                try:  # the first chart, where the page has one
                    page.locator(".js-plotly-plot").first.wait_for(timeout=15_000)
                except Exception:  # noqa: BLE001 - a page without charts
                    pass
                page.wait_for_timeout(1500)
                stem = name or "home"
                page.screenshot(path=str(args.out / f"{stem}.png"))
                height = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll("
                                       "'[data-testid=stMain], [data-testid=stMainBlockContainer]'))"
                                       ".map(e => e.scrollHeight), 900)")
                page.set_viewport_size({"width": 1440, "height": min(int(height) + 100, 12_000)})
                page.wait_for_timeout(1500)  # charts redraw at the new size
                page.screenshot(path=str(args.out / f"{stem}-full.png"))
                page.set_viewport_size({"width": 1440, "height": 900})
                print(args.out / f"{stem}.png")
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
