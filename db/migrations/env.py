"""Alembic environment: the engine comes from db.migrate (or DATABASE_URL for the alembic CLI)."""

from alembic import context

from db.engine import make_engine, take_write_lock
from db.schema import metadata

config = context.config
engine = config.attributes.get("engine") or make_engine()

with engine.connect() as connection:
    # SQLite: the migrations run in one transaction holding the write lock, so two processes
    # starting on a new database (two loads at once) do not both create the tables: the second
    # waits, then finds the schema current (tests/test_concurrent_loads.py).
    take_write_lock(connection)
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place: Alembic's batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
