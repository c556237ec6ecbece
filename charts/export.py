"""A figure and the rows it draws, as files: PNG (kaleido with the system Chromium), HTML, CSV.

Pure of Streamlit: the pages' download buttons and the weekly export use the same functions.
The CSV is safe to open in a spreadsheet: a cell that starts with =, +, -, @ (or a tab or
carriage return) is prefixed with an apostrophe so it is read as text, never as a formula, and a
carriage return inside a cell becomes a line feed, so the cell is quoted and never splits a row.
The HTML carries plotly.js inline (opens offline) and a fixed element id, so the same figure
always gives the same bytes.
"""

from __future__ import annotations

import os
import shutil
import threading
import warnings

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from charts.markup import inert_markup

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PNG_WIDTH, PNG_HEIGHT, PNG_SCALE = 1200, 600, 2
_server_lock = threading.Lock()
_server_started = False


def neutralise(value):
    """A text cell a spreadsheet would run as a formula, made inert; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_cell(value):
    """A text cell neutralised, its carriage returns made line feeds.

    The CSV writer quotes a cell holding the line terminator ("\n") but not one holding a bare
    "\r", which spreadsheets read as a line break: the rest of the cell would start a row of its
    own, and "x\r=1+1" would run "=1+1". As a line feed the cell is quoted and stays one cell.
    """
    value = neutralise(value)
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The rows as UTF-8 CSV, text cells neutralised; numbers and dates as they are."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(_csv_cell)
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def html_bytes(figure: go.Figure) -> bytes:
    """A self-contained interactive page (plotly.js inline, ~5 MB)."""
    return pio.to_html(inert_markup(figure), include_plotlyjs=True, full_html=True, div_id="chart",
                       config={"displaylogo": False}).encode("utf-8")


def chromium_path() -> str | None:
    """The system Chromium (BROWSER_PATH, else chromium on the PATH), or None."""
    return os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def start_image_server() -> None:
    """Start one kaleido browser for this process (a cold start per image costs 3–5 s)."""
    global _server_started
    with _server_lock:
        if _server_started:
            return
        import kaleido

        browser = chromium_path()
        if browser:
            os.environ.setdefault("BROWSER_PATH", browser)
        kaleido.start_sync_server(silence_warnings=True)
        _server_started = True


def png_bytes(figure: go.Figure, width: int = PNG_WIDTH, height: int = PNG_HEIGHT, scale: float = PNG_SCALE) -> bytes:
    """The figure as a PNG, drawn by kaleido in the system Chromium."""
    start_image_server()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")  # the server has its own
        return pio.to_image(inert_markup(figure), format="png", width=width, height=height, scale=scale)
