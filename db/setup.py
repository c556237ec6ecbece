"""Bring a database up to date: schema migrations, then the shipped gazetteer."""

from __future__ import annotations

from sqlalchemy import Engine

from db import writes
from db.migrate import upgrade
from gazetteer.seed import read_seed_records, seed_source_info


def prepare_database(engine: Engine) -> writes.BatchResult:
    """Migrate to the latest schema and load the shipped gazetteer (once per version of it)."""
    upgrade(engine)
    return writes.write_places_batch(engine, seed_source_info(), read_seed_records())
