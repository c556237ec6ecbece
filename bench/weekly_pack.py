"""Benchmark: the weekly chart pack from a cold start, beside one cold `write_image`, in the same run.

    python bench/weekly_pack.py [--db PATH] [--runs 3] [--out BENCHMARKS.md]

Each measurement is a new Python process, timed from its start to its exit, so the imports and
the browser's start are in it (what a Monday-morning cron line costs):
- "one cold write_image": import plotly, build the pack's first chart (weekly flows by origin of
  2024-W49 on the demo database) and write it once with `kaleido.write_fig_sync`: kaleido starts Chromium
  for that one image;
- "the pack": `python -m charts weekly --week 2024-W49` on the same database: six charts as PNG
  (one kaleido browser for all), HTML and CSV, the PDF brief (Chromium prints it), the manifest.
Target (issue 6): the pack of six charts ≤ 10 s. The ratio says what the pack costs in cold images.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WEEK = "2024-W49"
TARGET_S = 10.0


def one_image(out: Path) -> None:
    """Runs inside the timed process: one chart of the pack, one cold write_image."""
    sys.path.insert(0, str(REPO))
    from datetime import date

    import kaleido

    from charts.export import PNG_HEIGHT, PNG_SCALE, PNG_WIDTH, chromium_path
    from charts.flows import build_weekly_flows
    from db.engine import make_engine
    from db.filters import Filters
    from db.flows_queries import query_weekly_flows

    browser = chromium_path()
    if browser:
        os.environ.setdefault("BROWSER_PATH", browser)
    engine = make_engine()
    weekly = query_weekly_flows(engine, Filters(date(2024, 10, 14), date(2024, 12, 8)), "origin")
    figure = build_weekly_flows(weekly, "persons", "origin", "New displacement by origin, per week")
    # kaleido's own one-shot call: it starts Chromium for this image and closes it after.
    kaleido.write_fig_sync(figure, str(out), opts={"format": "png", "width": PNG_WIDTH, "height": PNG_HEIGHT,
                                                  "scale": PNG_SCALE})


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - started


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=None, help="demo SQLite file (built when missing)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one-image", type=Path, default=None, help=argparse.SUPPRESS)  # the timed child
    parser.add_argument("--out", type=Path, default=None, help="append the table to this Markdown file")
    args = parser.parse_args(argv)
    if args.one_image:
        one_image(args.one_image)
        return
    with tempfile.TemporaryDirectory(prefix="pack-bench-") as tmp:
        path = (args.db or Path(tmp) / "demo.sqlite").resolve()
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
        subprocess.run([sys.executable, "-m", "db", "demo", "--if-empty"], cwd=REPO, env=env, check=True,
                       capture_output=True, timeout=600)
        image, pack = [], []
        for run in range(args.runs):  # alternated, so both see the same machine
            image.append(timed([sys.executable, __file__, "--one-image", f"{tmp}/one-{run}.png"], env))
            pack.append(timed([sys.executable, "-m", "charts", "weekly", "--week", WEEK, "--out",
                               f"{tmp}/pack-{run}"], env))
        files = sorted(p.name for p in Path(f"{tmp}/pack-0").iterdir())
    one, whole = statistics.median(image), statistics.median(pack)
    lines = [
        f"Weekly pack of {WEEK} on the demo database, {args.runs} runs each, alternated; each a new process timed "
        f"from start to exit (imports and browser start included). {os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}. The pack wrote {len(files)} files.",
        "",
        "| measurement | runs (s) | median s | × one cold image | ≤ 10 s |",
        "| --- | --- | ---: | ---: | --- |",
        f"| one cold `write_image` (one chart) | {', '.join(f'{t:.2f}' for t in image)} | {one:.2f} | 1.0 | — |",
        f"| `python -m charts weekly --week {WEEK}` (6 charts: PNG, HTML, CSV; PDF brief; manifest) | "
        f"{', '.join(f'{t:.2f}' for t in pack)} | {whole:.2f} | {whole / one:.1f} | "
        f"{'yes' if max(pack) <= TARGET_S else 'no'} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
