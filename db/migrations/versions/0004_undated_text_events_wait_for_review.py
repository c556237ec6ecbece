"""an event read from text may wait for review without a date

A report without a publication date leaves "last Saturday" unresolved; the fact is stored as
pending review with no date, and a person dates it before accepting it. conflict_event.event_date
becomes nullable, and a named CHECK keeps every counted event (not_required or accepted) dated.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

RULE = "event_date IS NOT NULL OR (review_status = 'pending' OR review_status = 'rejected')"


def upgrade() -> None:
    with op.batch_alter_table('conflict_event', schema=None) as batch_op:
        batch_op.alter_column('event_date', existing_type=sa.Date(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_conflict_event_dated_once_counted'), RULE)


def downgrade() -> None:
    # Undated pending facts cannot survive the NOT NULL column: they are dropped with it.
    op.execute("DELETE FROM conflict_event WHERE event_date IS NULL")
    with op.batch_alter_table('conflict_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_conflict_event_dated_once_counted'), type_='check')
        batch_op.alter_column('event_date', existing_type=sa.Date(), nullable=False)
