"""bench/pages.py runs end to end on a tiny demo and reports every registered page query,
each beside a DuckDB reference that returns as many rows.

A smoke test only: timings on a shared machine say nothing, so none is asserted.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

from tests.conftest import REPO_ROOT, is_postgres

BENCH = REPO_ROOT / "bench" / "pages.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_pages", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def test_the_page_benchmark_reports_every_registered_query(databases, tmp_path):
    url = databases.new_url()
    target = ["--database-url", url] if is_postgres() else ["--db", str(tmp_path / "bench.sqlite")]
    run = subprocess.run([sys.executable, str(BENCH), "--quick", "--rows", "300", "--repeats", "1", *target],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    bench = _bench_module()
    for entry in bench.PAGE_QUERIES:
        rows = [line for line in lines if line.startswith(f"| {entry.page} | {entry.name} |")]
        assert rows, f"{entry.page}: {entry.name} is missing from the table"
        if entry.duckdb:
            assert all(" | — | — | — | " not in row for row in rows), f"{entry.name} has no DuckDB reference"
    for figure in bench.PAGE_FIGURES:
        assert any(line.startswith(f"| {figure.page} | {figure.name} |") for line in lines), figure.name
    for page in ("Home", "Flows"):
        assert any(line.startswith(f"| {page} | ") and "queries +" in line for line in lines), page

    # The rows column: each query and its DuckDB reference return as many rows (the same question).
    compared = [line.split(" | ")[8] for line in lines
                if len(line.split(" | ")) >= 10 and re.fullmatch(r"(\d+|—) / \d+", line.split(" | ")[8])]
    assert len(compared) >= len([q for q in bench.PAGE_QUERIES if isinstance(q.duckdb, str)])
    for cell in compared:
        ours, reference = cell.split(" / ")
        assert ours in ("—", reference), cell
