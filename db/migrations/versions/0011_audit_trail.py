"""the audit trail: who loaded, reviewed, linked, decided or deleted what, and when

With sign-in (issue 7) several people change the data; each change writes one row here in its
own transaction: the person (signed-in e-mail, the local user, or the command line), their role,
the action, what it touched and a few fields of detail.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

ACTIONS = ("load", "review", "link_place_name", "dismiss_place_name", "duplicate_decision", "delete_batch")
ROLES = ("viewer", "editor", "admin")


def _one_of(column, values):
    return "(" + " OR ".join(f"{column} = '{value}'" for value in values) + ")"


def upgrade() -> None:
    op.create_table(
        'audit_event',
        sa.Column('audit_id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.Text(), nullable=False),
        sa.Column('role', sa.String(length=12), nullable=False),
        sa.Column('how', sa.String(length=20), nullable=False),
        sa.Column('action', sa.String(length=24), nullable=False),
        sa.Column('target_table', sa.String(length=40), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=True),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.CheckConstraint(_one_of('action', ACTIONS), name=op.f('ck_audit_event_action_vocab')),
        sa.CheckConstraint(_one_of('role', ROLES), name=op.f('ck_audit_event_role_vocab')),
        sa.CheckConstraint('length(actor) > 0', name=op.f('ck_audit_event_actor_not_empty')),
        sa.PrimaryKeyConstraint('audit_id', name=op.f('pk_audit_event')),
    )
    op.create_index(op.f('ix_audit_event_occurred_at'), 'audit_event', ['occurred_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_event_occurred_at'), table_name='audit_event')
    op.drop_table('audit_event')
