"""Benchmark: load the shared regression files through the command line, twice, into a fresh database.

    python bench/load_shared.py [--database-url URL] [--out BENCHMARKS.md]

The nine files are ../shared/fixtures/data/* (the OCHA p-code list first, as a user would load it)
and the shared text report. Each load is `python -m loaders ingest ...` in its own process, as a
person runs it, so start-up, migrations and the shipped gazetteer's check are in the time. The
second load changes nothing: issue 17 asks for it within 3 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "fixtures"
REPORT_DATE = "2024-12-05"  # the shared report's publication date (its SOURCES.md); it carries none itself


def shared_files() -> list[Path]:
    data = sorted(p for p in (SHARED / "data").iterdir() if p.suffix in (".csv", ".json", ".xlsx"))
    # The p-code list first: it adds places the other files resolve against.
    data.sort(key=lambda p: not p.name.startswith("global_pcodes"))
    return [*data, SHARED / "reports" / "northpress_hama_withdrawal.txt"]


def run_cli(url: str, files: list[Path]) -> tuple[float, int, str]:
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "loaders", "ingest", *map(str, files), "--published", REPORT_DATE],
                          cwd=REPO, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, done.returncode, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    parser.add_argument("--out", help="append the table to this Markdown file")
    args = parser.parse_args()
    files = shared_files()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/shared.sqlite"
        first, first_rc, first_out = run_cli(url, files)
        second, second_rc, second_out = run_cli(url, files)
    print(first_out)
    print(second_out)
    unchanged = second_out.count("already loaded")
    lines = [
        f"Loading the {len(files)} shared files (`python -m loaders ingest`, one process each run), "
        f"{'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}; `python bench/load_shared.py`.",
        "",
        "| run | seconds | exit | note |",
        "| --- | ---: | ---: | --- |",
        f"| first load, fresh database | {first:.1f} | {first_rc} | migrations, shipped gazetteer, every file read "
        "(exit 1: the 3W sheet lands no rows) |",
        f"| same files again | {second:.1f} | {second_rc} | {unchanged} of {len(files)} files reported "
        "\"already loaded\" |",
    ]
    print("\n".join(lines))
    if args.out:
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write("\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
