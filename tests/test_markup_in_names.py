"""Names from files never render as HTML in a figure (issue 16): plotly draws a subset of HTML in
legends, hover, ticks and Sankey labels, and a place written `<a href=...>` in a file became a live
link in the Flows legend. Every figure passes charts.markup.inert_markup on its way to a page
(ui.show.show_chart) or a file (charts.export)."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from charts.export import html_bytes
from charts.markup import inert_markup, inert_text
from loaders.ingest import ingest_file

LINK = '<a href="https://attacker.example/">Kafr Link</a>'
BOLD = "<b>Bold Town</b>"
STYLED = '<span style="color:red">Red Village</span>'
TEMPLATE_ROWS = (
    "record,date,period_start,period_end,origin,destination,individuals,households,figure_kind,qualifier,source,notes\n"
    f'flow,,2024-12-02,2024-12-04,"{LINK.replace(chr(34), chr(34) * 2)}",{BOLD},1200,,new_displacement,,markup test,\n'
    f'flow,,2024-12-03,2024-12-05,"{STYLED.replace(chr(34), chr(34) * 2)}",{BOLD},800,,new_displacement,,markup test,\n'
)
TAGS = ("<a ", "<b>", "<span", "</a>", "</b>", "</span>")


@pytest.mark.parametrize("text, shown", [
    (LINK, '&lt;a href="https://attacker.example/"&gt;Kafr Link&lt;/a&gt;'),
    ("Hama<br>week of %{x}<extra></extra>", "Hama<br>week of %{x}<extra></extra>"),  # our own tags stay
    ("Tal Abyad & Ras al-Ain", "Tal Abyad &amp; Ras al-Ain"),
    ("&lt;b&gt; already inert", "&lt;b&gt; already inert"),
    ("Aleppo", "Aleppo"),
])
def test_markup_becomes_text_and_our_own_tags_stay(text, shown):
    assert inert_text(text) == shown
    assert inert_text(inert_text(text)) == shown  # shown on a page, then exported: escaped once


def test_every_string_of_a_figure_is_made_inert():
    figure = go.Figure([
        go.Bar(x=[BOLD, "Homs"], y=[1, 2], name=LINK, hovertemplate=f"{STYLED}<br>%{{y}}<extra></extra>",
               customdata=[[LINK], ["x"]], text=[BOLD, "y"]),
        go.Sankey(node={"label": [LINK, BOLD]}, link={"source": [0], "target": [1], "value": [5], "label": [STYLED]}),
    ])
    figure.update_layout(title=f"Flows from {BOLD}", annotations=[{"text": LINK, "x": 0, "y": 0}])
    shown = json.dumps(inert_markup(figure).to_plotly_json())
    assert not [tag for tag in TAGS if tag in shown]
    assert "&lt;a href" in shown and "<br>%{y}<extra></extra>" in shown


def test_html_export_carries_no_markup_from_names():
    figure = go.Figure([go.Bar(x=[BOLD], y=[1], name=LINK)])
    page = html_bytes(figure).decode()
    assert BOLD not in page and LINK not in page and "&lt;b&gt;Bold Town" in page


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_names_loaded_from_a_file_reach_the_flows_page_as_text(prepared_engine, app_on, tmp_path):
    path = tmp_path / "flows_with_markup.csv"
    path.write_text(TEMPLATE_ROWS, encoding="utf-8")
    result = ingest_file(prepared_engine, path)
    assert result.batch is not None
    at = app_on(prepared_engine, "../pages/1_Flows.py", start="2024-12-01", end="2024-12-08")
    assert not at.exception
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    strings = [s for spec in specs for s in _strings(spec)]
    assert any("Bold Town" in s for s in strings)  # the names are drawn ...
    assert not [s for s in strings if any(tag in s for tag in TAGS)]  # ... as text, never as markup
