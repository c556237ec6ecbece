"""Admin 1 boundaries as the maps draw them (the pages and the pack); db.writes.write_boundaries_batch
writes them (the `boundaries` kind)."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select

from db.schema import admin_boundary, place
from gazetteer.boundaries import shipped_admin1


def query_admin1_features(engine: Engine) -> list[dict]:
    """Every admin 1 boundary a map can draw, as GeoJSON features (pcode, name_en): those loaded, and
    the shipped ones (gazetteer/data/boundaries) of units no load has given a boundary."""
    with engine.connect() as conn:
        rows = conn.execute(select(place.c.pcode, place.c.name_en, admin_boundary.c.geometry)
                            .join(place, place.c.place_id == admin_boundary.c.place_id)).all()
    loaded = [{"type": "Feature", "properties": {"pcode": r.pcode, "name_en": r.name_en},
               "geometry": json.loads(r.geometry)} for r in rows]
    have = {r.pcode for r in rows if r.pcode}
    return loaded + [f for f in shipped_admin1() if f["properties"].get("pcode") not in have]
