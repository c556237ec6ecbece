"""held_in_finer: a figure whose people are in the same provider's figures of places inside its own

Summed with them, a country's IDPs were counted once for the country, again in its provinces and
again in its districts (issue 17). The flag is on the raw row and, as a key, on the day summary;
db/levels.py decides it. This migration adds both columns (false), marks the rows already stored,
and computes the summaries again, since the weekly ones now leave the marked rows out.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("displacement_figure", "summary_figure_day"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('held_in_finer', sa.Boolean(), nullable=False, server_default=sa.false()))
    # The rows already stored, by the rules of this version of db/levels.py.
    from db import levels, summary

    connection = op.get_bind()
    if levels.refresh_all_held(connection):
        summary.rebuild_summaries(connection)


def downgrade() -> None:
    for table in ("displacement_figure", "summary_figure_day"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('held_in_finer')
