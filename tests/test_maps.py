"""Issue 18, point 7: the Sankey and the flow map carry their figures; the map is drawn on a base map
that needs no network (coastlines, borders, admin 1 boundaries), with arrows in bands of value."""

from __future__ import annotations

import json

import pandas as pd

from charts.basemap import BASEMAP_NAMES, basemap_traces, view_bounds
from charts.export import html_bytes
from charts.flows import build_flow_map, build_sankey, place_label_positions
from charts.suppress import SUPPRESSED

# Three flows written by hand: Hama sends 12,400 to Homs and 600 to Tartous; Aleppo 3,000 to Homs.
PLACES = {"Hama": ("حماة", 35.13, 36.75), "Homs": ("حمص", 34.73, 36.71),
          "Tartous": ("طرطوس", 34.89, 35.89), "Aleppo": ("حلب", 36.20, 37.13)}
FLOWS = [("Hama", "Homs", 12_400), ("Hama", "Tartous", 600), ("Aleppo", "Homs", 3_000)]


def _pairs(flows=FLOWS, suppressed=()) -> pd.DataFrame:
    rows = []
    for origin, destination, value in flows:
        o_ar, o_lat, o_lon = PLACES[origin]
        d_ar, d_lat, d_lon = PLACES[destination]
        rows.append({"origin_key": origin.upper(), "origin_pcode": None, "origin": origin, "origin_ar": o_ar,
                     "origin_lat": o_lat, "origin_lon": o_lon, "destination_key": destination.upper(),
                     "destination_pcode": None, "destination": destination, "destination_ar": d_ar,
                     "destination_lat": d_lat, "destination_lon": d_lon, "unit": "persons", "from_text": False,
                     "value": float(value), "reports": 1, SUPPRESSED: (origin, destination) in suppressed})
    return pd.DataFrame(rows)


def _figure_json(html: bytes) -> str:
    """The data and layout handed to Plotly.newPlot in an exported page (plotly.js itself left out)."""
    text = html.decode("utf-8")
    start = text.index("Plotly.newPlot(")
    return text[start:text.index("</script>", start)]


# --- Sankey -----------------------------------------------------------------------------------------

def test_sankey_node_labels_carry_the_figures():
    sankey = build_sankey(_pairs(), "persons", "t").data[0]
    labels = list(sankey.node.label)
    # Hama left 12,400 + 600; Homs received 12,400 + 3,000.
    assert "Hama  13,000 · حماة" in labels and "Aleppo  3,000 · حلب" in labels
    assert "Homs  15,400 · حمص" in labels and "Tartous  600 · طرطوس" in labels


def test_sankey_nodes_and_links_hover_with_value_and_unit():
    sankey = build_sankey(_pairs(), "persons", "t").data[0]
    assert "Homs · حمص<br>15,400 persons arrived (drawn flows)" in list(sankey.node.customdata)
    assert "%{customdata}" in sankey.node.hovertemplate
    assert list(sankey.link.customdata) == ["12,400", "3,000", "600"]
    assert sankey.link.hovertemplate.endswith("%{customdata} persons<extra></extra>")


def test_sankey_label_of_a_node_holding_a_banded_count_says_so():
    sankey = build_sankey(_pairs(suppressed={("Hama", "Tartous")}), "persons", "t").data[0]
    assert "Hama  <13,000 · حماة" in list(sankey.node.label)


# --- flow map: base map ------------------------------------------------------------------------------

def test_flow_map_draws_coastline_borders_and_admin1_without_a_geo_layer():
    figure = build_flow_map(_pairs(), "persons", "t")
    names = {t.name for t in figure.data}
    assert set(BASEMAP_NAMES) <= names  # Syria's governorates are shipped; the view has coast and borders
    assert "geo" not in figure.to_plotly_json()["layout"]  # a geo layer would fetch its topojson
    assert not figure.layout.xaxis.showticklabels and not figure.layout.yaxis.showticklabels


def test_exported_flow_map_names_no_network_address():
    figure_json = _figure_json(html_bytes(build_flow_map(_pairs(), "persons", "t")))
    assert "coastline" in figure_json  # the base map is inside the file
    assert "http" not in figure_json and "topojson" not in figure_json


def test_basemap_draws_only_what_is_near_the_view():
    lon_range, lat_range = view_bounds([36.7, 37.1], [34.7, 36.2])
    near = sum(len(t.x) for t in basemap_traces(lon_range, lat_range, []))
    # Far from any coast or border: the middle of the Pacific draws nothing.
    assert basemap_traces((-150.0, -148.0), (-10.0, -8.0), []) == []
    assert 0 < near < 20_000  # kilobytes of outline, not the world's ~900,000 points


def test_admin1_features_are_drawn_when_handed_in():
    square = {"type": "Feature", "properties": {"pcode": "XX01"},
              "geometry": {"type": "MultiPolygon",
                           "coordinates": [[[[36.0, 35.0], [36.5, 35.0], [36.5, 35.5], [36.0, 35.5], [36.0, 35.0]]]]}}
    traces = basemap_traces((35.0, 38.0), (34.0, 37.0), [square])
    admin1 = next(t for t in traces if t.name == "admin 1 boundary")
    assert list(admin1.x) == [36.0, 36.5, 36.5, 36.0, 36.0, None]


# --- flow map: arrows, bands, labels -----------------------------------------------------------------

def test_each_flow_is_an_arrow_pointing_at_its_destination():
    figure = build_flow_map(_pairs(), "persons", "t")
    arrows = [a for a in figure.layout.annotations if a.showarrow]
    assert len(arrows) == 3
    heads = {(a.x, a.y) for a in arrows}
    assert heads == {(36.71, 34.73), (35.89, 34.89)}  # Homs (twice) and Tartous, lon/lat
    # Each head is drawn over the last fifth of its line: the tails lie a fifth of the way back towards
    # the origin (Hama 36.75, 35.13; Aleppo 37.13, 36.20; worked out by hand).
    tails = {(round(a.ax, 3), round(a.ay, 3)) for a in arrows}
    assert tails == {(36.718, 34.81), (36.794, 35.024), (36.062, 34.938)}


def test_flow_widths_and_colours_come_in_named_bands():
    figure = build_flow_map(_pairs(), "persons", "t")
    flows = {t.name: t for t in figure.data if " → " in (t.name or "")}
    assert flows["Hama → Homs"].line.width == 15.0  # 12,400: the 10,000-or-more band
    assert flows["Aleppo → Homs"].line.width == 10.0  # 3,000
    assert flows["Hama → Tartous"].line.width == 5.0  # 600
    assert len({t.line.color for t in flows.values()}) == 3
    legend = [t.name for t in figure.data if t.showlegend is not False and t.legendgroup]
    assert legend == ["10,000 or more", "1,000 – 9,999", "100 – 999"]
    assert figure.layout.legend.title.text == "persons per flow"


def test_places_hover_and_label_with_their_figures():
    figure = build_flow_map(_pairs(), "persons", "t")
    places = next(t for t in figure.data if t.name == "places")
    assert "Homs · حمص<br>15,400 arrived (persons, drawn flows)" in list(places.hovertext)
    assert "Hama · حماة<br>13,000 left (persons, drawn flows)" in list(places.hovertext)
    labels = [a.text for a in figure.layout.annotations if not a.showarrow]
    assert "Homs · حمص<br>15,400 arrived" in labels


def test_labels_never_overlap_and_the_largest_place_is_always_labelled():
    # Five places at one spot: above and below it there is room; a label beside it would run into
    # those two (a two-line label is higher than the gap), so the three smaller places only hover.
    crowd = pd.DataFrame({"lon": [36.0] * 5, "lat": [35.0] * 5, "value": [50, 40, 30, 20, 10],
                          "text": ["Somewhere long<br>1,000 left"] * 5})
    assert place_label_positions(crowd, (34.0, 38.0), (33.0, 37.0)) == ["top center", "bottom center",
                                                                         None, None, None]
    # Far apart, every place is labelled above itself; at the top edge of the view, below.
    apart = pd.DataFrame({"lon": [35.0, 37.0], "lat": [34.0, 36.95], "value": [1, 2], "text": ["A<br>1", "B<br>2"]})
    assert place_label_positions(apart, (34.0, 38.0), (33.0, 37.0)) == ["top center", "bottom center"]
