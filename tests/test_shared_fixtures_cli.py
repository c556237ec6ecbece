"""Every real file in ../shared/fixtures/data through `python -m loaders ingest`, as a user runs it.

One CLI run loads them all (the counts each file should give; exit 1, as one file lands no rows); a
second run of the same command finds every file already loaded before reading it, changes nothing
and exits 0. The per-kind tests check what the
rows hold; this one checks the command and its counts end to end, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select

from db.engine import make_engine
from db.schema import load_batch, load_issue
from tests.conftest import REPO_ROOT, shared_path

# file → (rows read, inserted, rejected) on an empty database, loaded in this order. A row can
# write more than one record: an ISIMM site row is a site and its population count; an IDP-TF
# matrix row holds several destinations. The p-code list is shipped with the gazetteer (gazetteer/data):
# loaded again, its 33,451 good rows are all there unchanged.
EXPECTED = {
    "dtm_api_v3_admin1_hti.json": ("dtm_api", 235, 235, 0),
    "dtm_hxl_tagged_quickcharts.csv": ("hxl", 33, 33, 0),
    "global_pcodes_adm1_adm2.csv": ("ocha_pcodes", 33_453, 0, 2),
    "hapi_conflict_event_global_2025-01.csv": ("hapi_conflict_event", 14_373, 14_334, 39),
    "hapi_idps_global.csv": ("hapi_idps", 6_854, 6_854, 0),
    "hxl_input_valid_sample.csv": ("hxl", 4, 0, 0),  # a 3W sheet: no displacement figure in it
    "idmc_idu_ind_sample.json": ("idmc_idu", 113, 113, 0),
    "nw_syria_isimm_sites_2020-07.csv": ("cccm_sites", 1_116, 2_232, 0),
    "syria_idp_flows_ocha_dec2018_modified.xlsx": ("idptf_workbook", 881, 895, 0),
}


def _ingest(url: str, paths) -> subprocess.CompletedProcess:
    env = {"DATABASE_URL": url, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run([sys.executable, "-m", "loaders", "ingest", *map(str, paths)], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def _lines(stdout: str) -> dict[str, str]:
    """file name → its result line (the indented lines under it are the issue summary)."""
    return {line.split(" [", 1)[0].rsplit("/", 1)[-1]: line for line in stdout.splitlines()
            if line and not line.startswith(" ")}


def test_every_shared_data_file_loads_and_reloads_unchanged_without_reading(databases):
    folder = shared_path("fixtures", "data")
    on_disk = sorted(p.name for p in folder.iterdir() if p.name != "SOURCES.md")
    assert on_disk == sorted(EXPECTED), "a shared data file has no expected counts here"
    paths = [folder / name for name in EXPECTED]
    url = databases.new_url()

    first = _ingest(url, paths)
    # Exit 1: the 3W sheet landed no rows (issue 17: exit 0 only when rows landed); it alone is named.
    assert first.returncode == 1, first.stderr
    assert first.stderr.splitlines() == [f"{folder / 'hxl_input_valid_sample.csv'}: no rows landed; the lines "
                                         "above say why"]
    lines = _lines(first.stdout)
    for batch, (name, (kind, read, inserted, rejected)) in enumerate(EXPECTED.items(), start=2):
        assert lines[name].endswith(
            f" [{kind}]: {read:,} rows read, {inserted:,} inserted, 0 updated, "
            f"{(33_451 if kind == 'ocha_pcodes' else 0):,} unchanged, {rejected:,} rejected (batch {batch})"), lines[name]
    # The 3W sheet says why nothing was loaded from it.
    assert "the file [nothing-to-load]: the HXL hashtag row (row 3) has no column for a displacement figure" \
        in first.stdout

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            batches_before = conn.execute(select(func.count()).select_from(load_batch)).scalar()
            issues_before = conn.execute(select(func.count()).select_from(load_issue)).scalar()

        second = _ingest(url, paths)
        assert second.returncode == 0, second.stderr  # every file already loaded: exit 0, the 3W sheet too
        # Recognised by their bytes before reading: no file's rows were looked at again, so no issue lines
        assert [line for line in second.stdout.splitlines() if line.startswith(" ")] == []
        again = _lines(second.stdout)
        for batch, (name, (kind, read, inserted, rejected)) in enumerate(EXPECTED.items(), start=2):
            loaded = inserted + (33_451 if kind == "ocha_pcodes" else 0)
            assert again[name].endswith(
                f" [{kind}]: {read:,} rows read, 0 inserted, 0 updated, {loaded:,} unchanged, {rejected:,} rejected "
                f"(already loaded as batch {batch}: nothing changed)"), again[name]
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(load_batch)).scalar() == batches_before
            assert conn.execute(select(func.count()).select_from(load_issue)).scalar() == issues_before
    finally:
        engine.dispose()
