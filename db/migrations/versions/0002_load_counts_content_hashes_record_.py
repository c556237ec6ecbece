"""load counts, content hashes, record revisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 00:24:30.766760
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('record_revision',
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('replaced_by_batch_id', sa.Integer(), nullable=False),
    sa.Column('previous_values', sa.Text(), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("table_name IN ('conflict_event', 'event_count', 'displacement_figure', 'site_population')", name=op.f('ck_record_revision_table_name_vocab')),
    sa.ForeignKeyConstraint(['replaced_by_batch_id'], ['load_batch.batch_id'], name=op.f('fk_record_revision_replaced_by_batch_id_load_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('revision_id', name=op.f('pk_record_revision'))
    )
    with op.batch_alter_table('record_revision', schema=None) as batch_op:
        batch_op.create_index('ix_record_revision_table_name_row_id', ['table_name', 'row_id'], unique=False)

    with op.batch_alter_table('conflict_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.String(length=32), nullable=True))

    with op.batch_alter_table('displacement_figure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.String(length=32), nullable=True))

    with op.batch_alter_table('event_count', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.String(length=32), nullable=True))

    with op.batch_alter_table('load_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rows_inserted', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('rows_updated', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('rows_unchanged', sa.Integer(), server_default='0', nullable=False))
        # Alembic does not autogenerate CHECK constraints on existing tables: written by hand.
        for column in ('rows_inserted', 'rows_updated', 'rows_unchanged'):
            batch_op.create_check_constraint(
                op.f(f'ck_load_batch_{column}_non_negative'), f'{column} IS NULL OR {column} >= 0')
        batch_op.create_check_constraint(
            op.f('ck_load_batch_changes_within_loaded'),
            'rows_inserted + rows_updated + rows_unchanged <= rows_loaded')
        # Implied now by the rule above and the three non-negative counts.
        batch_op.drop_constraint(op.f('ck_load_batch_rows_loaded_non_negative'), type_='check')

    with op.batch_alter_table('site_population', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.String(length=32), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('site_population', schema=None) as batch_op:
        batch_op.drop_column('content_hash')

    with op.batch_alter_table('load_batch', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_load_batch_changes_within_loaded'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_load_batch_rows_loaded_non_negative'), 'rows_loaded IS NULL OR rows_loaded >= 0')
        for column in ('rows_inserted', 'rows_updated', 'rows_unchanged'):
            batch_op.drop_constraint(op.f(f'ck_load_batch_{column}_non_negative'), type_='check')
        batch_op.drop_column('rows_unchanged')
        batch_op.drop_column('rows_updated')
        batch_op.drop_column('rows_inserted')

    with op.batch_alter_table('event_count', schema=None) as batch_op:
        batch_op.drop_column('content_hash')

    with op.batch_alter_table('displacement_figure', schema=None) as batch_op:
        batch_op.drop_column('content_hash')

    with op.batch_alter_table('conflict_event', schema=None) as batch_op:
        batch_op.drop_column('content_hash')

    with op.batch_alter_table('record_revision', schema=None) as batch_op:
        batch_op.drop_index('ix_record_revision_table_name_row_id')

    op.drop_table('record_revision')
