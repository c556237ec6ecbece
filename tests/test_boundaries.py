"""The `boundaries` kind: admin 1 outlines from an OCHA COD-AB or geoBoundaries GeoJSON, matched to
the gazetteer's admin 1 places by p-code, else by name, for the maps' base layer (issue 18, point 7)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from db.batches import delete_batch
from db.boundaries import query_admin1_features
from db.schema import admin_boundary, load_issue, place
from gazetteer.boundaries import shipped_admin1
from loaders.ingest import ingest_file
from loaders.report import LoadError

SQUARE = [[[36.0, 35.0], [37.0, 35.0], [37.0, 35.5], [36.0, 35.5], [36.0, 35.0]]]
TRIANGLE = [[[36.2, 35.6], [36.9, 35.6], [36.5, 36.2], [36.2, 35.6]]]


def _feature(properties, geometry):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


# Four features: an OCHA COD-AB one (p-code), a geoBoundaries one (name only, spelled as the
# gazetteer spells it), a point where a polygon belongs, and a unit no gazetteer holds.
COLLECTION = {"type": "FeatureCollection", "features": [
    _feature({"ADM1_PCODE": "SY05", "ADM1_EN": "Hama", "ADM1_AR": "حماة"},
             {"type": "Polygon", "coordinates": SQUARE}),
    _feature({"shapeName": "Idleb", "shapeISO": "SY-ID"}, {"type": "MultiPolygon", "coordinates": [TRIANGLE]}),
    _feature({"ADM1_PCODE": "SY04", "ADM1_EN": "Homs"}, {"type": "Point", "coordinates": [36.7, 34.7]}),
    _feature({"ADM1_PCODE": "XX99", "ADM1_EN": "Nowhere"}, {"type": "Polygon", "coordinates": SQUARE}),
]}


def _write(tmp_path, data, name="admin1.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_boundaries_file_is_recognised_and_matched_by_pcode_then_name(prepared_engine, tmp_path):
    result = ingest_file(prepared_engine, _write(tmp_path, COLLECTION))
    assert result.kind == "boundaries"
    with prepared_engine.connect() as conn:
        rows = conn.execute(select(place.c.pcode, admin_boundary.c.name_in_file, admin_boundary.c.geometry)
                            .join(place, place.c.place_id == admin_boundary.c.place_id).order_by(place.c.pcode)).all()
        issues = conn.execute(select(load_issue.c.row_number, load_issue.c.field_name, load_issue.c.code)
                              .order_by(load_issue.c.row_number)).all()
    assert [(r.pcode, r.name_in_file) for r in rows] == [("SY05", "Hama"), ("SY07", "Idleb")]
    assert json.loads(rows[0].geometry) == {"type": "MultiPolygon", "coordinates": [SQUARE]}
    assert [tuple(i) for i in issues] == [(3, "geometry", "type-error"), (4, "properties", "unmatched-boundary")]


def test_maps_draw_loaded_boundaries_in_place_of_the_shipped_ones(prepared_engine, tmp_path):
    result = ingest_file(prepared_engine, _write(tmp_path, COLLECTION))
    features = query_admin1_features(prepared_engine)
    hama = [f for f in features if f["properties"]["pcode"] == "SY05"]
    assert len(hama) == 1 and hama[0]["geometry"]["coordinates"] == [SQUARE]
    assert len(features) == len(shipped_admin1())  # Syria's 14: two loaded, twelve shipped
    delete_batch(prepared_engine, result.batch.batch_id)
    with prepared_engine.connect() as conn:
        assert conn.execute(select(admin_boundary)).all() == []


def test_a_file_that_is_not_a_feature_collection_is_refused_with_how_to_fix_it(prepared_engine, tmp_path):
    broken = _write(tmp_path, {"type": "Feature", "properties": {"ADM1_EN": "Hama"}, "geometry": None}, "one.geojson")
    with pytest.raises(LoadError) as error:
        ingest_file(prepared_engine, broken, kind="boundaries")
    assert str(error.value) == ("one.geojson: the file is not a GeoJSON FeatureCollection; export the admin 1 layer "
                                "of an OCHA COD-AB or geoBoundaries dataset as GeoJSON")


def test_a_collection_of_points_is_refused(prepared_engine, tmp_path):
    points = {"type": "FeatureCollection", "features": [
        _feature({"ADM1_PCODE": "SY05"}, {"type": "Point", "coordinates": [36.7, 35.1]})]}
    with pytest.raises(LoadError, match="no feature is an admin 1 polygon"):
        ingest_file(prepared_engine, _write(tmp_path, points, "points.geojson"), kind="boundaries")


@pytest.mark.parametrize("broken, constraint", [
    ({"geometry": ""}, "ck_admin_boundary_geometry_not_empty"),
    ({"name_in_file": ""}, "ck_admin_boundary_name_in_file_not_empty"),
    ({"place": "SY05"}, "uq_admin_boundary_place_id"),  # Hama has its boundary already
])
def test_one_broken_field_breaks_its_named_constraint(prepared_engine, tmp_path, broken, constraint):
    ingest_file(prepared_engine, _write(tmp_path, COLLECTION))
    with prepared_engine.connect() as conn:
        row = conn.execute(select(admin_boundary).where(admin_boundary.c.name_in_file == "Hama")).one()._asdict()
        pcode = broken.pop("place", "SY04")  # Homs has none: only the broken field can fail
        row["place_id"] = conn.execute(select(place.c.place_id).where(place.c.pcode == pcode)).scalar()
    row.pop("boundary_id")
    row.update(broken)
    # SQLite names a failed UNIQUE by its columns, PostgreSQL by the constraint's name.
    expected = constraint if constraint.startswith("ck_") else f"{constraint}|admin_boundary.place_id"
    with pytest.raises(IntegrityError, match=expected):
        with prepared_engine.begin() as conn:
            conn.execute(insert(admin_boundary).values(**row))
