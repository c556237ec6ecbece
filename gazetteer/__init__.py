"""The gazetteer: one place for every way people write it.

    >>> from gazetteer import resolve_place
    >>> resolve_place("Ḥamāh").place.place_key     # the city
    >>> resolve_place("Hama governorate").pcode      # 'SY05'
    >>> resolve_place("حماه").pcode                  # the city (no p-code) → None; .place is set

`resolve_place` reads the gazetteer from the database (DATABASE_URL) once per engine and queues
names it will not guess for review. Loaders build a `Gazetteer` themselves with
`load_gazetteer(engine)` and queue unresolved names inside their own load transaction.
"""

from __future__ import annotations

from sqlalchemy import Engine

from gazetteer.resolver import DEFAULT_THRESHOLD, Gazetteer, PlaceRef, Resolution, gazetteer_from_rows

# database URL → (the places' version when built, the index): building the world's index takes
# about a second, and loading the nine shared files rebuilt it per file (34 of 77 s).
_BUILT: dict[str, tuple[tuple, Gazetteer]] = {}


def load_gazetteer(engine: Engine) -> Gazetteer:
    """The gazetteer of this database: built once per process, again only when its places or
    aliases changed (checked with one small query per call)."""
    from db.lookups import read_gazetteer_rows, read_places_version

    key = engine.url.render_as_string(hide_password=True)
    version = read_places_version(engine)
    built = _BUILT.get(key)
    if built is not None and built[0] == version:
        return built[1]
    if built is not None and _only_added(built, version, engine):
        return _BUILT[key][1]
    places, aliases = read_gazetteer_rows(engine)
    gazetteer = gazetteer_from_rows(places, aliases)
    _BUILT[key] = (version, gazetteer)
    return gazetteer


def _only_added(built: tuple[tuple, Gazetteer], version: tuple, engine: Engine) -> bool:
    """Extend the index in place when the change since it was built is new places and aliases
    only (a load added the towns it did not find); False when anything else changed."""
    from db.lookups import read_gazetteer_rows

    before, gazetteer = built
    places, aliases = read_gazetteer_rows(engine, since=before)
    if any(p["place_id"] in gazetteer.places for p in places):  # a known place was rewritten
        return False
    if version[0] != before[0] + len(places) or version[3] != before[3] + len(aliases):  # something was removed
        return False
    gazetteer.add(gazetteer_from_rows(places, ()).places.values(), ((a["place_id"], a["alias"]) for a in aliases))
    _BUILT[engine.url.render_as_string(hide_password=True)] = (version, gazetteer)
    return True


def forget_cached_gazetteers() -> None:
    """Call after the gazetteer changed (a p-code list was loaded, a name was linked)."""
    _BUILT.clear()


def scope_key(within: str | None, kind: str | None) -> str:
    return f"{within or '*'}|{kind or '*'}"


def resolve_place(name: str, within: str | None = None, kind: str | None = None, *,
                  engine: Engine | None = None, threshold: float = DEFAULT_THRESHOLD,
                  queue: bool = True) -> Resolution:
    """Resolve a written place name; below the threshold the name is queued for review."""
    from db.engine import make_engine

    engine = engine or make_engine()
    gazetteer = load_gazetteer(engine)
    resolution = gazetteer.resolve(name, within=within, kind=kind, threshold=threshold)
    if queue and not resolution.is_resolved and name.strip():
        from db.writes import queue_unresolved_name

        best = resolution.best_candidate
        area = gazetteer.by_key(within) if within else None
        with engine.begin() as conn:
            queue_unresolved_name(
                conn, name, scope_key(within, resolution.kind),
                within_place_id=area.place_id if area else None, kind=resolution.kind,
                best_place_id=best[0].place_id if best else None, best_score=best[1] if best else None,
            )
    return resolution


__all__ = ["Gazetteer", "PlaceRef", "Resolution", "load_gazetteer", "resolve_place", "forget_cached_gazetteers"]
