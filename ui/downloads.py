"""Download buttons for a chart: PNG, interactive HTML and the CSV of exactly what it draws.

PNG and HTML are made only when clicked (kaleido takes ~0.2 s per image once its browser runs,
the HTML is ~5 MB), the CSV at once (it is small and the test of the page reads it).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.export import csv_bytes, html_bytes, png_bytes


def chart_downloads(figure: go.Figure, data: pd.DataFrame, stem: str, key: str) -> None:
    """Three buttons under a chart. `data` must be the rows the figure draws, p-codes included."""
    png, html, csv = st.columns(3, width=540)
    png.download_button("PNG", data=lambda: png_bytes(figure), file_name=f"{stem}.png", mime="image/png",
                        key=f"{key}-png", on_click="ignore", icon=":material/image:")
    html.download_button("HTML", data=lambda: html_bytes(figure), file_name=f"{stem}.html", mime="text/html",
                         key=f"{key}-html", on_click="ignore", icon=":material/public:")
    csv.download_button("CSV", data=csv_bytes(data), file_name=f"{stem}.csv", mime="text/csv",
                        key=f"{key}-csv", on_click="ignore", icon=":material/table:")


def file_stem(name: str, filters) -> str:
    """A file name for a chart under these filters: name_start_end[_area]."""
    stem = f"{name}_{filters.start:%Y%m%d}_{filters.end:%Y%m%d}"
    if filters.area:
        stem += "_" + "".join(c if c.isalnum() else "-" for c in filters.area)
    return stem
