"""weekly events per location, kept at load time

The Events map grouped the raw events of its window by their coordinates (90 ms for four weeks,
1.2 s for a year at a million events in SQLite) and the events before a spike's largest flows
read 17,000–22,000 raw rows (BENCHMARKS.md). Per week, place, the event's own coordinates, type
and provider, the same questions read a few thousand rows. db/summary.py keeps the table current
with the other weekly summaries; this migration fills it from the rows already there, with its
own SQL, so it does not depend on later code.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

WEEK_START = {
    'sqlite': "date(event_date, 'weekday 0', '-6 days')",
    'postgresql': "CAST(date_trunc('week', CAST(event_date AS TIMESTAMP)) AS DATE)",
}
COUNTED_EVENT = "(review_status = 'not_required' OR review_status = 'accepted') AND event_date IS NOT NULL"
FILL = """
INSERT INTO summary_event_location_week (week_start, place_id, place_name_raw, lat, lon, event_type, provider,
                                         from_text, events, fatalities)
SELECT {week}, place_id, CASE WHEN place_id IS NULL THEN place_name_raw END, lat, lon, event_type, provider,
       provider = 'text', count(*), sum(fatalities)
FROM conflict_event WHERE {counted}
GROUP BY {week}, place_id, CASE WHEN place_id IS NULL THEN place_name_raw END, lat, lon, event_type, provider
"""
# Each dialect's statement, put together here, once, from the constants above only (the dialect's
# week expression): no value comes from data, and nothing is formatted where it is executed.
FILL_STATEMENT = {dialect: FILL.format(week=week, counted=COUNTED_EVENT) for dialect, week in WEEK_START.items()}


def upgrade() -> None:
    table = 'summary_event_location_week'
    op.create_table(
        table,
        sa.Column('week_start', sa.Date(), nullable=False),
        sa.Column('place_id', sa.Integer(), nullable=True),
        sa.Column('place_name_raw', sa.Text(), nullable=True),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('event_type', sa.String(length=40), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('from_text', sa.Boolean(), nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('fatalities', sa.Integer(), nullable=True),
        sa.CheckConstraint("place_id IS NULL OR place_name_raw IS NULL",
                           name=op.f(f'ck_{table}_place_name_raw_only_unplaced')),
        sa.CheckConstraint("events >= 1", name=op.f(f'ck_{table}_events_positive')),
        sa.CheckConstraint("fatalities IS NULL OR fatalities >= 0", name=op.f(f'ck_{table}_fatalities_non_negative')),
        sa.ForeignKeyConstraint(['place_id'], ['place.place_id'], name=op.f(f'fk_{table}_place_id_place')),
    )
    op.create_index(op.f(f'ix_{table}_week_start'), table, ['week_start'], unique=False)
    op.execute(FILL_STATEMENT[op.get_bind().dialect.name])


def downgrade() -> None:
    op.drop_index(op.f('ix_summary_event_location_week_week_start'), table_name='summary_event_location_week')
    op.drop_table('summary_event_location_week')
