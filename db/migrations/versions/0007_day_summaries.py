"""day summaries per load batch, kept at load time

The home page and the set-up every page shares (the data's date range, each provider's and
source's latest day, a window's headline and daily totals) scanned every raw row: 0.2–1.5 s each
at a million rows in SQLite (BENCHMARKS.md). Per day, batch, provider and review status (and for
figures kind, unit and running-total flag) the same questions have a few thousand rows to read.
db/summary.py keeps them current with the weekly summaries; this migration fills them from the
rows already there, with its own SQL, so it does not depend on later code.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

REVIEW_STATUS_VOCAB = ("(review_status = 'not_required' OR review_status = 'pending' OR "
                       "review_status = 'accepted' OR review_status = 'rejected')")

FILL_FIGURE_DAY = """
INSERT INTO summary_figure_day (day, batch_id, source_id, provider, review_status, figure_kind, unit, is_cumulative,
                                reports, reports_with_figure, value)
SELECT coalesce(period_end, period_start), batch_id, source_id, provider, review_status, figure_kind, unit,
       is_cumulative, count(*), count(figure), sum(figure)
FROM displacement_figure WHERE coalesce(period_end, period_start) IS NOT NULL
GROUP BY coalesce(period_end, period_start), batch_id, source_id, provider, review_status, figure_kind, unit,
         is_cumulative
"""
FILL_EVENT_DAY = """
INSERT INTO summary_event_day (day, batch_id, source_id, provider, review_status, events, fatalities)
SELECT event_date, batch_id, source_id, provider, review_status, count(*), sum(fatalities)
FROM conflict_event WHERE event_date IS NOT NULL
GROUP BY event_date, batch_id, source_id, provider, review_status
"""


def _day_columns(table: str) -> list:
    return [
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('review_status', sa.String(length=20), nullable=False),
        sa.CheckConstraint(REVIEW_STATUS_VOCAB, name=op.f(f'ck_{table}_review_status_vocab')),
        sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], name=op.f(f'fk_{table}_batch_id_load_batch')),
        sa.ForeignKeyConstraint(['source_id'], ['source.source_id'], name=op.f(f'fk_{table}_source_id_source')),
    ]


def upgrade() -> None:
    op.create_table(
        'summary_figure_day',
        *_day_columns('summary_figure_day'),
        sa.Column('figure_kind', sa.String(length=20), nullable=False),
        sa.Column('unit', sa.String(length=12), nullable=False),
        sa.Column('is_cumulative', sa.Boolean(), nullable=False),
        sa.Column('reports', sa.Integer(), nullable=False),
        sa.Column('reports_with_figure', sa.Integer(), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.CheckConstraint("reports >= 1", name=op.f('ck_summary_figure_day_reports_positive')),
        sa.CheckConstraint("reports_with_figure >= 0 AND reports_with_figure <= reports",
                           name=op.f('ck_summary_figure_day_reports_with_figure_range')),
        sa.CheckConstraint("(value IS NULL) = (reports_with_figure = 0)",
                           name=op.f('ck_summary_figure_day_value_iff_figures')),
        sa.CheckConstraint("value IS NULL OR value >= 0", name=op.f('ck_summary_figure_day_value_non_negative')),
    )
    op.create_index(op.f('ix_summary_figure_day_day'), 'summary_figure_day', ['day'], unique=False)
    op.create_table(
        'summary_event_day',
        *_day_columns('summary_event_day'),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('fatalities', sa.Integer(), nullable=True),
        sa.CheckConstraint("events >= 1", name=op.f('ck_summary_event_day_events_positive')),
        sa.CheckConstraint("fatalities IS NULL OR fatalities >= 0",
                           name=op.f('ck_summary_event_day_fatalities_non_negative')),
    )
    op.create_index(op.f('ix_summary_event_day_day'), 'summary_event_day', ['day'], unique=False)
    op.execute(FILL_FIGURE_DAY)
    op.execute(FILL_EVENT_DAY)


def downgrade() -> None:
    op.drop_index(op.f('ix_summary_event_day_day'), table_name='summary_event_day')
    op.drop_table('summary_event_day')
    op.drop_index(op.f('ix_summary_figure_day_day'), table_name='summary_figure_day')
    op.drop_table('summary_figure_day')
