"""Admin 1 boundaries as small GeoJSON: read an OCHA COD-AB or geoBoundaries file, keep what a map draws.

Pure (no database, no plotly). The `boundaries` source kind (loaders/sources/boundaries.py) and
scripts/simplify_admin1.py both use it, so a shipped file and a loaded one have the same shape:
a FeatureCollection whose features carry `pcode`, `name_en`, `name_ar` and (multi)polygons with
coordinates rounded to 1e-4 degree and simplified (Douglas–Peucker) to about 300 m.
"""

from __future__ import annotations

import json
from pathlib import Path

SHIPPED = Path(__file__).parent / "data" / "boundaries"
TOLERANCE = 0.003  # degrees (~300 m): invisible at the scale of a governorate map, a twentieth of the size
DIGITS = 4

# The property names that hold an admin 1 feature's p-code and names in each publisher's files:
# OCHA COD-AB (ADM1_PCODE / ADM1_EN / ADM1_AR, or lower case in the 2020s "adm1_pcode") and
# geoBoundaries (shapeISO / shapeName; its p-code column, when present, is shapeID-free "ADM1_PCODE").
PCODE_KEYS = ("ADM1_PCODE", "adm1_pcode", "admin1Pcode", "ADM1_PCODE_")
NAME_KEYS = ("ADM1_EN", "adm1_name", "admin1Name_en", "shapeName", "ADM1_NAME", "NAME_1", "name")
ARABIC_KEYS = ("ADM1_AR", "adm1_name1", "admin1Name_ar")
ISO_KEYS = ("shapeISO",)


class BoundaryError(ValueError):
    """A file (or feature) that is not admin 1 boundaries; the message says how to fix it, `field`
    names the part at fault ("geometry" or "properties")."""

    def __init__(self, message: str, field: str = "properties"):
        super().__init__(message)
        self.field = field


def _first(properties: dict, keys: tuple[str, ...]):
    for key in keys:
        value = properties.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _simplify_line(points: list, tolerance: float) -> list:
    """Douglas–Peucker on one ring or line (first and last points kept)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first][:2], points[last][:2]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            x, y = points[i][:2]
            if norm:
                distance = abs(dy * (x - x1) - dx * (y - y1)) / norm
            else:
                distance = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep) if k]


def _ring(points: list, tolerance: float) -> list | None:
    ring = [[round(float(x), DIGITS), round(float(y), DIGITS)] for x, y, *_ in _simplify_line(points, tolerance)]
    return ring if len(ring) >= 4 else None  # a ring simplified below a triangle is too small to draw


def simplify_geometry(geometry: dict, tolerance: float = TOLERANCE) -> dict | None:
    """A Polygon or MultiPolygon with each ring simplified; None when nothing drawable is left."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        polygons = [geometry.get("coordinates") or []]
    elif kind == "MultiPolygon":
        polygons = geometry.get("coordinates") or []
    else:
        raise BoundaryError(f"a feature's geometry is {kind or 'missing'}; admin 1 boundaries are Polygon or "
                            "MultiPolygon features (export the admin 1 layer, not points or lines)", "geometry")
    kept = []
    for polygon in polygons:
        rings = [r for r in (_ring(ring, tolerance) for ring in polygon) if r]
        if rings:
            kept.append(rings)
    if not kept:
        return None
    return {"type": "MultiPolygon", "coordinates": kept}


def read_collection(data) -> list[dict]:
    """The features of a GeoJSON FeatureCollection (a dict, or its text), or BoundaryError."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise BoundaryError(f"the file is not valid JSON ({error}); save the boundaries as GeoJSON") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise BoundaryError("the file is not a GeoJSON FeatureCollection; export the admin 1 layer of an "
                            "OCHA COD-AB or geoBoundaries dataset as GeoJSON")
    if not data["features"]:
        raise BoundaryError("the GeoJSON has no features; export the admin 1 layer with its polygons")
    return data["features"]


def normalise_feature(feature: dict, tolerance: float = TOLERANCE) -> dict:
    """One feature in the shipped shape (pcode, name_en, name_ar, iso), or BoundaryError."""
    properties = feature.get("properties") or {} if isinstance(feature, dict) else {}
    geometry = simplify_geometry(feature.get("geometry") if isinstance(feature, dict) else None, tolerance)
    name = _first(properties, NAME_KEYS)
    pcode = _first(properties, PCODE_KEYS)
    if not name and not pcode:
        raise BoundaryError("a feature has neither an admin 1 p-code (ADM1_PCODE) nor a name (ADM1_EN or "
                            f"shapeName); its properties are {sorted(properties)[:8]}")
    return {"type": "Feature",
            "properties": {"pcode": pcode, "name_en": name, "name_ar": _first(properties, ARABIC_KEYS),
                           "iso": _first(properties, ISO_KEYS)},
            "geometry": geometry}


def simplify_collection(data, tolerance: float = TOLERANCE) -> dict:
    """A whole admin 1 file in the shipped shape (features left without a drawable polygon dropped)."""
    features = [normalise_feature(f, tolerance) for f in read_collection(data)]
    return {"type": "FeatureCollection", "features": [f for f in features if f["geometry"]]}


def shipped_admin1() -> list[dict]:
    """Every admin 1 feature shipped with the project (gazetteer/data/boundaries/*_admin1.geojson)."""
    features = []
    for path in sorted(SHIPPED.glob("*_admin1.geojson")):
        features += json.loads(path.read_text(encoding="utf-8"))["features"]
    return features
