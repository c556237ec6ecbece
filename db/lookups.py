"""Gazetteer reads for the loaders, without pandas.

The loaders stream files in bounded memory; importing pandas alone costs ~65 MB, so the few
reads they need live here rather than in db.queries (whose functions return DataFrames).
"""

from __future__ import annotations

from typing import Mapping

from sqlalchemy import Engine, func, select

from db.schema import place, place_alias


def read_place_keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(place.c.place_key)).scalars())


def read_gazetteer_rows(engine: Engine, since: tuple | None = None) -> tuple[list[Mapping], list[Mapping]]:
    """Every place and alias, as mappings, for building a gazetteer.resolver.Gazetteer; with `since` (a
    read_places_version), only the places written and aliases added after it."""
    places_query = select(place.c.place_id, place.c.place_key, place.c.pcode, place.c.kind, place.c.name_en,
                          place.c.country_iso3, place.c.name_ar, place.c.parent_id, place.c.lat, place.c.lon)
    aliases_query = select(place_alias.c.place_id, place_alias.c.alias)
    if since is not None:
        _, max_place_id, max_batch_id, _, max_alias_id = since
        places_query = places_query.where((place.c.place_id > (max_place_id or 0))
                                          | (place.c.batch_id > (max_batch_id or 0)))
        aliases_query = aliases_query.where(place_alias.c.alias_id > (max_alias_id or 0))
    with engine.connect() as conn:  # rows as the driver gives them, read by name: a dict each took twice the memory
        places = conn.execute(places_query).mappings().all()
        aliases = conn.execute(aliases_query).mappings().all()
    return places, aliases


def read_places_version(engine: Engine) -> tuple:
    """What changes whenever a place or an alias is added, removed or rewritten: counts, the
    highest ids, and the latest batch that wrote a place (an update stamps its batch)."""
    with engine.connect() as conn:
        places = conn.execute(select(func.count(), func.max(place.c.place_id), func.max(place.c.batch_id))).one()
        aliases = conn.execute(select(func.count(), func.max(place_alias.c.alias_id))).one()
    return (*places, *aliases)
