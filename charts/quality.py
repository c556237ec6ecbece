"""Data quality: load issues counted by code and severity.

Pure: a frame from db.quality_queries.query_issue_counts in, a plotly figure out (graph_objects
only). The codes come from the fixed vocabulary loaders.report.ISSUE_CODES: the axis writes them
in words (db.vocab.issue_label: "missing cell"), each bar's hover gives the code and its meaning.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts import new_figure
from db import vocab
from loaders.report import ISSUE_CODES

SEVERITY_COLOURS = {"error": "#d62728", "warning": "#ff7f0e"}
SEVERITY_LABELS = {"error": "errors (row not loaded)", "warning": "warnings (row loaded)"}


def issue_code_order(counts: pd.DataFrame) -> list[str]:
    """Codes by how many issues they have (all severities), most first; ties by code."""
    totals = counts.groupby("code")["issues"].sum().reset_index()
    return totals.sort_values(["issues", "code"], ascending=[False, True])["code"].tolist()


def build_issue_chart(counts: pd.DataFrame, title: str) -> go.Figure:
    """Stacked bars: issues per code, one series per severity (errors first).

    `counts` has columns code, severity, issues. A series holds only the codes it has issues of.
    """
    order = issue_code_order(counts)
    figure = new_figure()
    for severity in vocab.ISSUE_SEVERITIES:
        rows = counts[counts["severity"] == severity].set_index("code").reindex(order).dropna(subset=["issues"])
        if rows.empty:
            continue
        figure.add_trace(go.Bar(
            x=[vocab.issue_label(code) for code in rows.index], y=rows["issues"].astype(int).tolist(),
            name=SEVERITY_LABELS[severity], marker_color=SEVERITY_COLOURS[severity],
            customdata=[[code, ISSUE_CODES.get(code, "")] for code in rows.index],
            hovertemplate="%{x} (code %{customdata[0]}): %{y:,} " + severity + "s<br>%{customdata[1]}<extra></extra>",
        ))
    figure.update_layout(
        title=title, barmode="stack",
        legend={"title": {"text": "Severity"}, "traceorder": "normal"},
        xaxis={"title": "Issue", "categoryorder": "array", "categoryarray": [vocab.issue_label(c) for c in order]},
        yaxis={"title": "Issues (rows or files)", "rangemode": "tozero"},
        margin={"t": 60, "b": 40},
    )
    return figure
