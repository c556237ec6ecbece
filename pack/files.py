"""The pack as files: per chart a PNG, an HTML and a CSV; one PDF brief; manifest.json; plotly.min.js.

All PNGs come from one kaleido browser (charts.export: a cold start per chart would cost ~4 s
each). The HTML files share one plotly.js, written once beside them (plotly.min.js, referenced by
a relative <script src>): the pack opens offline without ~4.8 MB of plotly.js in every file. CSV
and HTML are byte-identical for the same database, week and filters (the HTML has a fixed
element id, the CSV a fixed column order and line ending); the manifest records each file's
sha256, the filters, the sources with their as-of dates, and the time it was made, the only thing
that differs between two runs. PNG and PDF embed no time either, but their bytes depend on the
browser's version.

Without a Chrome/Chromium (or with one that fails or hangs: every wait is bounded, see
charts.export.BROWSER_WAIT_S) the pack is still written, without PNGs and PDF: every HTML, every
CSV, plotly.min.js and the manifest, whose "images" entry says they were not made and why.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from charts.export import SHARED_PLOTLYJS, NoBrowser, csv_bytes, html_bytes, plotlyjs_bytes, png_bytes
from pack.brief import BriefError, brief_html, print_pdf
from pack.weekly import Pack

MANIFEST = "manifest.json"
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # zip entries carry this, not the time of the run


class PackFiles(dict):
    """File name → bytes, the manifest last; `images_missing`: why PNGs or the PDF were not made ("" if they were)."""

    images_missing: str = ""


def pack_files(pack: Pack, generated: datetime | None = None) -> PackFiles:
    """File name → bytes, the manifest last. `generated`: the time written in it (now by default).

    PNGs and the PDF brief are made when a browser can draw them; when it cannot (charts.export.NoBrowser,
    pack.brief.BriefError), the rest is written all the same and `images_missing` says why.
    """
    generated = generated or datetime.now(timezone.utc).replace(microsecond=0)
    stem = pack.options.stem
    files = PackFiles()
    for chart in pack.charts:
        files[f"{stem}_{chart.name}.html"] = html_bytes(chart.figure, plotlyjs=SHARED_PLOTLYJS)
        files[f"{stem}_{chart.name}.csv"] = csv_bytes(chart.rows)
    files[SHARED_PLOTLYJS] = plotlyjs_bytes()
    files[f"{stem}_largest_flows_preceding_events.csv"] = csv_bytes(pack.preceding)
    try:
        pngs = {chart.name: png_bytes(chart.figure) for chart in pack.charts}
        for chart in pack.charts:
            files[f"{stem}_{chart.name}.png"] = pngs[chart.name]
        files[f"{stem}_brief.pdf"] = print_pdf(brief_html(pack, pngs, generated.isoformat()))
    except (NoBrowser, BriefError) as error:
        files.images_missing = str(error)
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
        "images": {"made": not getattr(files, "images_missing", ""),
                   "missing": [name for name in _image_names(pack) if name not in files],
                   "reason": getattr(files, "images_missing", "") or None},
        "generated_at": generated.isoformat(),
    }
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _image_names(pack: Pack) -> list[str]:
    stem = pack.options.stem
    return [f"{stem}_{chart.name}.png" for chart in pack.charts] + [f"{stem}_brief.pdf"]


def write_pack(pack: Pack, out_dir: Path, generated: datetime | None = None) -> PackFiles:
    """Write the pack's files into `out_dir` (created if needed); returns them (see PackFiles.images_missing)."""
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
