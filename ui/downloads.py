"""Download buttons for a chart: PNG, interactive HTML and the CSV of exactly what it draws.

PNG and HTML are made only when clicked (kaleido takes ~0.2 s per image once its browser runs,
the HTML is ~5 MB), the CSV at once (it is small and the test of the page reads it).

Where no Chrome/Chromium can draw a PNG (none found, looked for once per process; or it already failed
or hung here, charts.export), the PNG button is replaced by the one line saying how to get one: a
click would otherwise wait for a browser that is not there. HTML and CSV work without a browser.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts import export
from charts.export import csv_bytes, html_bytes, png_bytes


def chart_downloads(figure: go.Figure, data: pd.DataFrame, stem: str, key: str) -> None:
    """Three buttons under a chart. `data` must be the rows the figure draws, p-codes included."""
    problem = png_problem()
    if problem:  # HTML and CSV only, and the reason on its own line below them
        html, csv = st.columns(2, width=360)
    else:
        png, html, csv = st.columns(3, width=540)
        png.download_button("PNG", data=lambda: png_bytes(figure), file_name=f"{stem}.png", mime="image/png",
                            key=f"{key}-png", on_click="ignore", icon=":material/image:")
    html.download_button("HTML", data=lambda: html_bytes(figure), file_name=f"{stem}.html", mime="text/html",
                         key=f"{key}-html", on_click="ignore", icon=":material/public:")
    csv.download_button("CSV", data=csv_bytes(data), file_name=f"{stem}.csv", mime="text/csv",
                        key=f"{key}-csv", on_click="ignore", icon=":material/table:")
    if problem:
        st.caption(f"No PNG: {problem} HTML and CSV work without it.")


@lru_cache(maxsize=1)
def _browser_found() -> bool:
    return export.find_browser() is not None


def png_problem() -> str | None:
    """Why a PNG cannot be made here (one line, with how to get a browser), or None. The search for a browser
    runs once per process; a browser that failed or hung in this process counts from then on."""
    if export.browser_failure():
        return export.browser_failure()
    if not _browser_found():
        return "no Chrome or Chromium found. " + export.BROWSER_HINT
    return None


def file_stem(name: str, filters) -> str:
    """A file name for a chart under these filters: name_start_end[_area]."""
    stem = f"{name}_{filters.start:%Y%m%d}_{filters.end:%Y%m%d}"
    if filters.area:
        stem += "_" + "".join(c if c.isalnum() else "-" for c in filters.area)
    return stem
