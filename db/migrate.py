"""Schema migrations (Alembic), run from code so no command needs an alembic.ini in the cwd."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def is_current(engine: Engine) -> bool:
    """Whether the database is at the latest revision (read only: it takes no lock)."""
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def upgrade(engine: Engine, revision: str = "head") -> None:
    # A current database is left alone without taking SQLite's write lock (the migrations take
    # it, db/migrations/env.py), so starting a second load does not wait for the first here.
    if revision == "head" and is_current(engine):
        return
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)
