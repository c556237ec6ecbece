"""admin 1 boundaries for the maps' base layer (the `boundaries` kind, issue 18)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'admin_boundary',
        sa.Column('boundary_id', sa.Integer(), nullable=False),
        sa.Column('place_id', sa.Integer(), nullable=False),
        sa.Column('name_in_file', sa.Text(), nullable=False),
        sa.Column('pcode_in_file', sa.String(length=20), nullable=True),
        sa.Column('geometry', sa.Text(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('length(geometry) > 0', name=op.f('ck_admin_boundary_geometry_not_empty')),
        sa.CheckConstraint('length(name_in_file) > 0', name=op.f('ck_admin_boundary_name_in_file_not_empty')),
        sa.ForeignKeyConstraint(['batch_id', 'source_id'], ['load_batch.batch_id', 'load_batch.source_id'],
                                name='fk_admin_boundary_batch_of_source'),
        sa.ForeignKeyConstraint(['place_id'], ['place.place_id'], name=op.f('fk_admin_boundary_place_id_place')),
        sa.ForeignKeyConstraint(['source_id'], ['source.source_id'], name=op.f('fk_admin_boundary_source_id_source')),
        sa.PrimaryKeyConstraint('boundary_id', name=op.f('pk_admin_boundary')),
        sa.UniqueConstraint('place_id', name=op.f('uq_admin_boundary_place_id')),
    )


def downgrade() -> None:
    op.drop_table('admin_boundary')
