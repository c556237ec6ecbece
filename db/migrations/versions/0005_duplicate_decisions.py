"""a person's decision on two figures that may be one fact from two sources

The Data quality page lists pairs of displacement figures from different sources with the same
place, overlapping periods and figures within 10%; a person marks a pair a duplicate (one is
kept counted) or distinct. The decision is kept so the pair is not asked again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'duplicate_decision',
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('first_id', sa.Integer(), nullable=False),
        sa.Column('second_id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(length=12), nullable=False),
        sa.Column('kept_id', sa.Integer(), nullable=True),
        sa.Column('decided_by', sa.Text(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("first_id < second_id", name=op.f('ck_duplicate_decision_ordered_pair')),
        sa.CheckConstraint("(decision = 'duplicate' OR decision = 'distinct')",
                           name=op.f('ck_duplicate_decision_decision_vocab')),
        sa.CheckConstraint(
            "(decision = 'duplicate' AND (kept_id = first_id OR kept_id = second_id)) OR "
            "(decision <> 'duplicate' AND kept_id IS NULL)",
            name=op.f('ck_duplicate_decision_kept_one_of_pair')),
        sa.ForeignKeyConstraint(['first_id'], ['displacement_figure.figure_id'],
                                name=op.f('fk_duplicate_decision_first_id_displacement_figure'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['second_id'], ['displacement_figure.figure_id'],
                                name=op.f('fk_duplicate_decision_second_id_displacement_figure'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('decision_id', name=op.f('pk_duplicate_decision')),
        sa.UniqueConstraint('first_id', 'second_id', name=op.f('uq_duplicate_decision_first_id_second_id')),
    )


def downgrade() -> None:
    op.drop_table('duplicate_decision')
