"""The pack's PDF brief: a title page, then each chart with its caption and sources, then the
week's largest flows with the events before them. Written as HTML (every piece of text escaped)
and printed to PDF by the system Chromium, which lays out Arabic names and tables as a browser
does. No text of a report goes in: events are named by type, date and place.
"""

from __future__ import annotations

import base64
import html
import os
import signal
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

from charts import export
from charts.export import BROWSER_HINT, find_browser
from db import vocab
from pack.weekly import Pack

_STYLE = """
@page { size: A4 landscape; margin: 14mm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 10.5pt; color: #222; }
h1 { font-size: 22pt; margin: 0 0 4mm; } h2 { font-size: 14pt; margin: 0 0 3mm; }
.page { page-break-after: always; } .page:last-child { page-break-after: auto; }
.headline { display: flex; gap: 8mm; margin: 8mm 0; }
.figure { border: 1px solid #ccc; padding: 3mm 5mm; min-width: 45mm; }
.figure .value { font-size: 20pt; font-weight: bold; } .figure .label { color: #555; }
img { width: 100%; max-height: 150mm; object-fit: contain; }
.caption { color: #444; font-size: 9pt; margin-top: 2mm; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { border: 1px solid #bbb; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
td.number { text-align: right; }
.demo { color: #b00; font-weight: bold; }
"""


def _e(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def brief_html(pack: Pack, pngs: dict[str, bytes], generated: str) -> str:
    """The brief as one HTML page (images inline), every text escaped."""
    options = pack.options
    sunday = options.week + timedelta(days=6)
    narrowing = []
    for name, values in (("event types", options.filters.event_types), ("sources", options.filters.sources)):
        if values:
            narrowing.append(f"{name}: {', '.join(values)}")
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(options.label)}</title>"
             f"<style>{_STYLE}</style></head><body>"]
    parts.append("<section class='page'>")
    parts.append(f"<h1>Weekly displacement brief — {_e(options.label)}</h1>")
    parts.append(f"<p><b>Week:</b> {_e(f'{options.week:%A %d %B %Y} – {sunday:%A %d %B %Y}')} ({_e(options.label)})"
                 f"<br><b>Area:</b> {_e(pack.area_name)}"
                 + (f"<br><b>Filters:</b> {_e('; '.join(narrowing))}" if narrowing else "")
                 + f"<br><b>Unit:</b> {_e(options.drawn_unit)}; the weekly charts show {options.context_weeks} weeks "
                 f"up to this one.</p>")
    if pack.is_demo:
        parts.append("<p class='demo'>Demo data (synthetic): do not cite.</p>")
    parts.append("<div class='headline'>" + "".join(
        f"<div class='figure'><div class='value'>{_e(value)}</div><div class='label'>{_e(label)}</div></div>"
        for label, value in pack.headline.items()) + "</div>")
    # Sources by the names the captions give them ("demo data (synthetic)"), not their codes ("demo").
    as_of = [f"{vocab.provider_name(row.provider)}: data to {row.latest_data_date:%d %b %Y}"
             for row in pack.freshness.itertuples()
             if row.latest_data_date is not None and str(row.latest_data_date) != "NaT"]
    parts.append(f"<p><b>Data as of:</b> {_e('; '.join(as_of) or 'no dated data')}</p>")
    old = pack.old_data_note(date.fromisoformat(generated[:10]))  # as old as on the day the brief is made
    if old:
        parts.append(f"<p class='demo'><b>Old data:</b> {_e(old[0].upper() + old[1:])}.</p>")
    parts.append(f"<p class='caption'>{_e(pack.sources)}{_e(options.small.note())} Facts read from text reports "
                 f"count only after review. Made {_e(generated)}.</p>")
    parts.append("</section>")
    for chart in pack.charts:
        image = base64.b64encode(pngs[chart.name]).decode("ascii")
        # The chart's image carries its title: a heading above it printed the same line twice per page.
        parts.append(f"<section class='page'>"
                     f"<img alt='{_e(chart.title)}' src='data:image/png;base64,{image}'>"
                     f"<p class='caption'>{_e(chart.caption)}</p></section>")
    parts.append("<section class='page'><h2>The week's largest flows and the events before them</h2>")
    parts.append(f"<p class='caption'>{_e(pack.preceding_note)}</p>")
    if pack.preceding.empty:
        parts.append("<p>No flow from a known place this week.</p>")
    else:
        parts.append("<table><tr><th>Place</th><th>P-code</th><th>" + _e(options.drawn_unit) + "</th>"
                     "<th>Events before</th><th>Fatalities</th><th>Preceding events</th></tr>")
        for row in pack.preceding.itertuples():
            value = row.value if isinstance(row.value, str) else f"{row.value:,.0f}"
            pcode = (row.pcode if not vocab.is_missing(row.pcode)  # a town's own, else its area's ("in SY0205")
                     else f"in {row.area_pcode}" if not vocab.is_missing(row.area_pcode) else None)
            parts.append(f"<tr><td>{_e(vocab.label(row.place))}</td><td>{_e(vocab.label(pcode))}</td>"
                         f"<td class='number'>{_e(value)}</td>"
                         f"<td class='number'>{row.events_before:,}</td><td class='number'>{row.fatalities:,}</td>"
                         f"<td>{_e(row.preceding_events)}</td></tr>")
        parts.append("</table>")
    parts.append("</section></body></html>")
    return "".join(parts)


class BriefError(RuntimeError):
    """The PDF could not be printed (no Chromium, or it failed or hung); the message, one line, says what to install."""


def print_pdf(page: str) -> bytes:
    """The HTML page printed to PDF by headless Chrome/Chromium (found as for the PNGs; never a download).

    Waits at most BROWSER_WAIT_S: a browser still running then is killed with its helpers (its own
    session), and BriefError says so in one line.
    """
    wait_s = export.BROWSER_WAIT_S  # read at each call: a test sets a small bound
    browser = find_browser()
    if not browser:
        raise BriefError("no Chrome or Chromium found. " + BROWSER_HINT)
    with tempfile.TemporaryDirectory(prefix="brief-") as folder:
        source, target = Path(folder) / "brief.html", Path(folder) / "brief.pdf"
        source.write_text(page, encoding="utf-8")
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--no-pdf-header-footer", f"--user-data-dir={folder}/profile", f"--print-to-pdf={target}",
                   source.as_uri()]
        log = Path(folder) / "browser.log"
        # Output to a file, not a pipe: Chromium's helper processes keep a pipe open after it is killed,
        # and reading it to the end would wait for them.
        with log.open("wb") as output:
            process = subprocess.Popen(command, stdout=output, stderr=output, stdin=subprocess.DEVNULL,
                                       env={**os.environ, "HOME": folder}, start_new_session=True)
            try:
                process.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                _kill_session(process)
                raise BriefError(f"the browser {browser} did not print the brief within {wait_s:g} s. "
                                 + BROWSER_HINT) from None
        if not target.exists() or target.stat().st_size == 0:
            said = log.read_text("utf-8", "replace").strip().splitlines()
            raise BriefError(f"the browser {browser} did not print the brief"
                             + (f" ({said[-1][:200]})" if said else "") + ". " + BROWSER_HINT)
        return target.read_bytes()


def _kill_session(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (AttributeError, OSError):
        process.kill()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        pass
