"""record_holder: the later loads that found a row already there, unchanged

Deleting the batch that first wrote a row deleted it even when a later, live batch had loaded the
same row unchanged (issue 16). Each such (batch, row) is kept here, with the row's content hash at
the time, so a delete hands the row over to a live batch that holds it. Loads made before this
migration have no entries: their unchanged rows are not known to be held.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TABLES = ("conflict_event", "event_count", "displacement_figure", "site_population")


def upgrade() -> None:
    op.create_table(
        'record_holder',
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('table_name', sa.String(length=40), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=32), nullable=False),
        sa.CheckConstraint("(" + " OR ".join(f"table_name = '{name}'" for name in TABLES) + ")",
                           name=op.f('ck_record_holder_table_name_vocab')),
        sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'],
                                name=op.f('fk_record_holder_batch_id_load_batch'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('batch_id', 'table_name', 'row_id', name=op.f('pk_record_holder')),
    )
    op.create_index('ix_record_holder_table_name_row_id', 'record_holder', ['table_name', 'row_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_record_holder_table_name_row_id', table_name='record_holder')
    op.drop_table('record_holder')
