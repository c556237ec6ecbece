"""A 50 MB export streams through the loader in bounded memory."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))

# The child's own high-water mark (VmHWM): ru_maxrss can carry the forking parent's peak over. Its
# resident memory once the loader's modules are imported is the baseline: what pandas, pyarrow and
# the rest take at import differs between installs of the same versions (153 MB here, 185 MB in a
# fresh clone's .venv), what reading the file takes on top of it does not.
MEASURED_RUN = (
    "import re, sys\n"
    "from loaders.__main__ import main\n"
    "def kb(field): return int(re.search(field + r':\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
    "print('BASE_KB', kb('VmRSS'))\n"
    "status = main(sys.argv[1:])\n"
    "print('PEAK_KB', kb('VmHWM'))\n"
    "sys.exit(status)\n"
)


def test_a_50_mb_acled_export_is_read_in_bounded_memory(tmp_path):
    from ingest_acled import write_rows

    path = tmp_path / "acled_50mb.csv"
    write_rows(path, 215_000)
    assert path.stat().st_size > 50_000_000
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'large.sqlite'}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", MEASURED_RUN, "ingest", "--dry-run", str(path)], cwd=REPO_ROOT,
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "[acled]: 215,000 rows read, 215,000 would load; dry run, nothing written" in run.stdout
    base_mb = int(run.stdout.split("BASE_KB", 1)[1].split()[0]) / 1024
    peak_mb = int(run.stdout.rsplit("PEAK_KB", 1)[1]) / 1024
    # The file is 50 MB of text; held as Python rows it would take several times that (over 300 MB).
    taken = peak_mb - base_mb
    assert taken < 100, f"reading the file took {taken:.0f} MB over the {base_mb:.0f} MB of imports"
