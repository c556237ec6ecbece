"""A 50 MB export streams through the loader in bounded memory."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))

# The child's own high-water mark (VmHWM): ru_maxrss can carry the forking parent's peak over. The
# baseline is a run over a small file in the same kind of process: what imports and preparing the
# gazetteer take differs between installs (153 MB of imports here, 185 MB in a fresh clone's .venv),
# what a larger file adds on top of it does not.
MEASURED_RUN = (
    "import re, sys\n"
    "from loaders.__main__ import main\n"
    "def kb(field): return int(re.search(field + r':\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
    "status = main(sys.argv[1:])\n"
    "print('PEAK_KB', kb('VmHWM'))\n"
    "sys.exit(status)\n"
)


def _peak_mb(tmp_path, rows: int) -> float:
    """The high-water mark of a dry run over an export of `rows` rows into a fresh database (the world
    gazetteer is prepared in the same process, whatever the file's size)."""
    from ingest_acled import write_rows

    path = tmp_path / f"acled_{rows}.csv"
    write_rows(path, rows)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / f'large_{rows}.sqlite'}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", MEASURED_RUN, "ingest", "--dry-run", str(path)], cwd=REPO_ROOT,
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert f"[acled]: {rows:,} rows read, {rows:,} would load; dry run, nothing written" in run.stdout
    return int(run.stdout.rsplit("PEAK_KB", 1)[1]) / 1024, path.stat().st_size


def test_a_50_mb_acled_export_is_read_in_bounded_memory(tmp_path):
    small_mb, _ = _peak_mb(tmp_path, 2_000)
    peak_mb, size = _peak_mb(tmp_path, 215_000)
    assert size > 50_000_000
    # The file is 50 MB of text; held as Python rows it would take several times that (over 300 MB). Streamed,
    # a hundred times the rows costs no more than a few chunks' worth over the small file's run.
    taken = peak_mb - small_mb
    assert taken < 40, f"215,000 rows took {taken:.0f} MB more than 2,000 rows (peaks {peak_mb:.0f}, {small_mb:.0f} MB)"


def test_a_load_does_not_import_pandas(tmp_path):
    """pandas and numpy are the pages' (about 70 MB of a load's 200 MB budget, issue 17): preparing a
    database and loading an ACLED file must not pull them in."""
    from ingest_acled import write_rows

    path = tmp_path / "acled.csv"
    write_rows(path, 50)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'load.sqlite'}", "PATH": "/usr/bin:/bin"}
    script = ("import sys\nfrom loaders.__main__ import main\nstatus = main(sys.argv[1:])\n"
              "print('IMPORTED', sorted(m for m in ('pandas', 'numpy') if m in sys.modules))\nsys.exit(status)\n")
    run = subprocess.run([sys.executable, "-c", script, "ingest", str(path)], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "IMPORTED []" in run.stdout
