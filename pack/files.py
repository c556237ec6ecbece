"""The pack as files: per chart a PNG, a self-contained HTML and a CSV; one PDF brief; manifest.json.

All PNGs come from one kaleido browser (charts.export.start_image_server: a cold start per chart
would cost ~4 s each). CSV and HTML are byte-identical for the same database, week and filters
(the HTML has a fixed element id, the CSV a fixed column order and line ending); the manifest
records each file's sha256, the filters, the sources with their as-of dates, and the time it was
made, the only thing that differs between two runs. PNG and PDF embed no time either, but their
bytes depend on the browser's version.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from charts.export import csv_bytes, html_bytes, png_bytes, start_image_server
from pack.brief import brief_html, print_pdf
from pack.weekly import Pack

MANIFEST = "manifest.json"
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # zip entries carry this, not the time of the run


def pack_files(pack: Pack, generated: datetime | None = None) -> dict[str, bytes]:
    """File name → bytes, the manifest last. `generated`: the time written in it (now by default)."""
    generated = generated or datetime.now(timezone.utc).replace(microsecond=0)
    stem = pack.options.stem
    start_image_server()
    files: dict[str, bytes] = {}
    pngs = {}
    for chart in pack.charts:
        pngs[chart.name] = png_bytes(chart.figure)
        files[f"{stem}_{chart.name}.png"] = pngs[chart.name]
        files[f"{stem}_{chart.name}.html"] = html_bytes(chart.figure)
        files[f"{stem}_{chart.name}.csv"] = csv_bytes(chart.rows)
    files[f"{stem}_largest_flows_preceding_events.csv"] = csv_bytes(pack.preceding)
    files[f"{stem}_brief.pdf"] = print_pdf(brief_html(pack, pngs, generated.isoformat()))
    files[MANIFEST] = manifest_bytes(pack, files, generated)
    return files


def manifest_bytes(pack: Pack, files: dict[str, bytes], generated: datetime) -> bytes:
    options = pack.options
    freshness = [{"provider": row.provider,
                  "latest_data_date": None if row.latest_data_date is None or str(row.latest_data_date) == "NaT"
                  else row.latest_data_date.isoformat(),
                  "loaded_at": None if row.loaded_at is None or str(row.loaded_at) == "NaT"
                  else row.loaded_at.isoformat()}
                 for row in pack.freshness.itertuples()]
    manifest = {
        "week": options.label,
        "week_start": options.week.isoformat(),
        "window": {"start": options.window.start.isoformat(), "end": options.window.end.isoformat()},
        "filters": {"area": options.filters.area, "area_name": pack.area_name,
                    "event_types": list(options.filters.event_types), "sources": list(options.filters.sources),
                    "unit": options.drawn_unit, "household_size": options.household_size or None},
        "small_counts": {"persons_below": options.small.persons, "households_below": options.small.households},
        "is_demo": pack.is_demo,
        "sources": freshness,
        "latest_data": {"date": pack.latest_data_date.isoformat() if pack.latest_data_date else None,
                        "of": pack.data_where, "old_data_note": pack.old_data_note(generated.date())},
        "charts": [{"name": chart.name, "title": chart.title, "caption": chart.caption} for chart in pack.charts],
        "files": [{"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in sorted(files.items()) if name != MANIFEST],
        "generated_at": generated.isoformat(),
    }
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_pack(pack: Pack, out_dir: Path, generated: datetime | None = None) -> dict[str, bytes]:
    """Write the pack's files into `out_dir` (created if needed); returns them."""
    files = pack_files(pack, generated)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out_dir / name).write_bytes(data)
    return files


def zip_bytes(files: dict[str, bytes], folder: str) -> bytes:
    """The files as one zip (inside `folder`/), for the Export page's download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
