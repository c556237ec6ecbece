"""A chart on a page: the one way pages draw a figure.

Every figure passes `charts.markup.inert_markup` here, as it does in the exports, so that no name
from a file is rendered as HTML by plotly on screen (legends, hover, Sankey labels, ticks).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from charts.markup import inert_markup


def show_chart(figure: go.Figure, key: str) -> None:
    """st.plotly_chart with the figure's own template (theme=None) and its text made inert."""
    st.plotly_chart(inert_markup(figure), theme=None, key=key)
