"""Gazetteer reads for the loaders, without pandas.

The loaders stream files in bounded memory; importing pandas alone costs ~65 MB, so the few
reads they need live here rather than in db.queries (whose functions return DataFrames).
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from db.schema import place, place_alias


def read_place_keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(place.c.place_key)).scalars())


def read_gazetteer_rows(engine: Engine) -> tuple[list[dict], list[dict]]:
    """Every place and alias, as dicts, for building a gazetteer.resolver.Gazetteer."""
    with engine.connect() as conn:
        places = [dict(r._mapping) for r in conn.execute(
            select(place.c.place_id, place.c.place_key, place.c.pcode, place.c.kind, place.c.name_en,
                   place.c.country_iso3,
                   place.c.name_ar, place.c.parent_id, place.c.lat, place.c.lon)
        )]
        aliases = [dict(r._mapping) for r in conn.execute(select(place_alias.c.place_id, place_alias.c.alias))]
    return places, aliases


def read_places_version(engine: Engine) -> tuple:
    """What changes whenever a place or an alias is added, removed or rewritten: counts, the
    highest ids, and the latest batch that wrote a place (an update stamps its batch)."""
    with engine.connect() as conn:
        places = conn.execute(select(func.count(), func.max(place.c.place_id), func.max(place.c.batch_id))).one()
        aliases = conn.execute(select(func.count(), func.max(place_alias.c.alias_id))).one()
    return (*places, *aliases)
