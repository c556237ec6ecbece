"""A chart on a page: the one way pages draw a figure.

Every figure passes `charts.markup.inert_markup` here, as it does in the exports, so that no name
from a file is rendered as HTML by plotly on screen (legends, hover, Sankey labels, ticks).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.markup import inert_markup
from db import vocab


def show_chart(figure: go.Figure, key: str) -> None:
    """st.plotly_chart with the figure's own template (theme=None) and its text made inert."""
    st.plotly_chart(inert_markup(figure), theme=None, key=key)


# Columns whose values are codes from db/vocab.py: shown in words (vocab.label).
CODED_COLUMNS = frozenset({"figure_kind", "site_type", "type", "qualifier", "hedge", "source_kind", "status",
                           "review_status", "action", "kind", "category", "unit", "term", "decision"})


def table_for_reading(table, column_config: dict | None = None, keys: bool = False):
    """(table, column_config) as a person reads them: coded values in words, missing text as "—",
    column names in words (db.vocab.column_label, or the label a column_config gives). Gazetteer keys
    ("SY0501:hama", columns *_key) are left out unless `keys`: the place's name and p-code say it in words."""
    frame = pd.DataFrame(table).copy()
    if not keys:
        frame = frame.drop(columns=[c for c in frame.columns if str(c).endswith("_key")])
    for column in frame.columns:
        values = frame[column]
        present = values[~values.map(vocab.is_missing)]
        if present.empty:  # nothing at all (a p-code column of places that have none)
            frame[column] = "—"
        elif column in CODED_COLUMNS and _is_text(values):
            frame[column] = values.map(lambda v: "—" if vocab.is_missing(v) else vocab.label(v))
        elif _is_text(values) and present.map(lambda v: isinstance(v, str)).all():
            frame[column] = values.map(lambda v: "—" if vocab.is_missing(v) else v)
        elif len(present) < len(values) and _is_text(values) and present.map(lambda v: isinstance(v, date)).all():
            frame[column] = values.map(lambda v: "—" if vocab.is_missing(v) else v.isoformat())
    names, config = {}, {}
    for column in frame.columns:
        given = (column_config or {}).get(column, "")
        if given is None:  # hidden, as st.dataframe's column_config does with None
            names[column] = column
            config[column] = None
        elif isinstance(given, str) and given:
            names[column] = given
        elif isinstance(given, dict) and given.get("label"):
            names[column] = given["label"]
            config[given["label"]] = given
        else:
            names[column] = vocab.column_label(column)
            if isinstance(given, dict):
                config[names[column]] = given
    return frame.rename(columns=names), config


def show_table(table, key: str | None = None, column_config: dict | None = None, keys: bool = False,
               **kwargs) -> None:
    """st.dataframe of `table` in words (table_for_reading), without the index."""
    frame, config = table_for_reading(table, column_config, keys)
    st.dataframe(frame, hide_index=True, key=key, column_config=config or None, **kwargs)


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
