"""The Alembic migrations build exactly the schema that db/schema.py declares, and go both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from db.migrate import alembic_config, downgrade, upgrade
from db.schema import metadata


def test_migrations_match_the_declared_schema(empty_engine):
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_downgrade_removes_every_table_and_upgrade_restores_them(empty_engine):
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_engine)
    assert set(metadata.tables) <= set(inspect(empty_engine).get_table_names())


def test_upgrade_twice_changes_nothing(empty_engine):
    upgrade(empty_engine)
    upgrade(empty_engine)
    head = ScriptDirectory.from_config(alembic_config(empty_engine)).get_current_head()
    assert head is not None and int(head) >= 7  # one line of revisions, numbered
    with empty_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head


def test_migrated_check_constraints_are_exactly_the_declared_ones(empty_engine):
    """Alembic does not compare CHECK constraints; the hand-written parts are checked here."""
    from sqlalchemy import CheckConstraint

    upgrade(empty_engine)
    inspector = inspect(empty_engine)
    for table in metadata.sorted_tables:
        declared = {c.name: str(c.sqltext) for c in table.constraints if isinstance(c, CheckConstraint)}
        migrated = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table.name)}
        assert migrated.keys() == declared.keys(), table.name
        if empty_engine.dialect.name == "sqlite":  # SQLite keeps the rule's text as written
            assert migrated == declared, table.name
