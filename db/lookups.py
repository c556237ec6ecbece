"""Gazetteer reads for the loaders, without pandas.

The loaders stream files in bounded memory; importing pandas alone costs ~65 MB, so the few
reads they need live here rather than in db.queries (whose functions return DataFrames).
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from db.schema import place, place_alias


def read_place_keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(place.c.place_key)).scalars())


def read_gazetteer_rows(engine: Engine) -> tuple[list[dict], list[dict]]:
    """Every place and alias, as dicts, for building a gazetteer.resolver.Gazetteer."""
    with engine.connect() as conn:
        places = [dict(r._mapping) for r in conn.execute(
            select(place.c.place_id, place.c.place_key, place.c.pcode, place.c.kind, place.c.name_en,
                   place.c.name_ar, place.c.parent_id, place.c.lat, place.c.lon)
        )]
        aliases = [dict(r._mapping) for r in conn.execute(select(place_alias.c.place_id, place_alias.c.alias))]
    return places, aliases
