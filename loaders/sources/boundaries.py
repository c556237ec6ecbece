"""Admin 1 boundaries (OCHA COD-AB or geoBoundaries GeoJSON) → the maps' admin 1 base layer.

A FeatureCollection of Polygon / MultiPolygon features, one per admin 1 unit. OCHA's COD-AB
files name the unit in ADM1_PCODE / ADM1_EN / ADM1_AR (lower case, adm1_pcode / adm1_name /
adm1_name1, since 2020); geoBoundaries in shapeName and shapeISO, without a p-code. Each feature
is matched to the gazetteer's admin 1 place by p-code, else by name (db/boundaries.py, where the
places are), and simplified to about 300 m (gazetteer/boundaries.py) so a map carries kilobytes.
Load the country's p-code list first: a boundary whose unit the gazetteer lacks is not loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from gazetteer.boundaries import ISO_KEYS, NAME_KEYS, PCODE_KEYS, BoundaryError, normalise_feature, read_collection
from loaders.context import PlaceContext
from loaders.readers.document import Document
from loaders.report import LoadError

KIND = "boundaries"
TITLE = "Admin 1 boundaries (OCHA COD-AB or geoBoundaries GeoJSON)"
PUBLISHER = "OCHA / geoBoundaries"
FORMAT = "json"
TARGET = "places"  # a gazetteer kind: it adds to what places are, not to what happened
EXPECTED_COLUMNS = ("type: FeatureCollection", "features[].geometry: Polygon or MultiPolygon",
                    "features[].properties: ADM1_PCODE / ADM1_EN or shapeName")


@dataclass(frozen=True)
class BoundaryRecord:
    row: int  # the feature's 1-based position in the file
    pcode: str | None
    name_en: str | None
    name_ar: str | None
    geometry: str  # GeoJSON MultiPolygon text, simplified


def detect(document: Document) -> bool:
    data = document.data
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return False
    features = data.get("features")
    if not isinstance(features, list) or not features or not isinstance(features[0], dict):
        return False
    geometry = features[0].get("geometry") or {}
    properties = features[0].get("properties") or {}
    keys = set(PCODE_KEYS) | set(NAME_KEYS) | set(ISO_KEYS)
    return geometry.get("type") in ("Polygon", "MultiPolygon") and bool(keys & set(properties))


def normalise(document: Document, ctx: PlaceContext) -> list[BoundaryRecord]:
    """The file's features as records; a feature that is not an admin 1 polygon goes to the report.

    A file that is not a FeatureCollection of features at all raises LoadError saying how to fix it."""
    try:
        features = read_collection(document.data)
    except BoundaryError as error:
        raise LoadError(f"{document.file_name}: {error}") from None
    records = []
    for number, feature in enumerate(features, start=1):
        try:
            shaped = normalise_feature(feature)
        except BoundaryError as error:
            ctx.report.add(number, error.field, "type-error", str(error), None)
            continue
        if shaped["geometry"] is None:
            ctx.report.add(number, "geometry", "missing-cell", "the feature has no polygon left to draw (an empty or "
                           "degenerate geometry); export the admin 1 layer with its polygons", None)
            continue
        properties = shaped["properties"]
        records.append(BoundaryRecord(number, properties["pcode"], properties["name_en"], properties["name_ar"],
                                      json.dumps(shaped["geometry"], separators=(",", ":"))))
    if not records:
        raise LoadError(f"{document.file_name}: no feature is an admin 1 polygon with a p-code or a name; export the "
                        "admin 1 layer of an OCHA COD-AB or geoBoundaries dataset as GeoJSON")
    return records
