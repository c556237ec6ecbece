"""indexes for the possible-duplicates search and the events near a place

At a million rows the Data quality page's search for figures two sources may share self-joined
every figure of the window (0.35 s for four weeks, 6 s for a year in SQLite) and the Flows and
events page read every event of three weeks to find those near a place (50–75 ms a place). The
search now starts from the figures of the smaller sources and looks their partners up by place
and day (source_id, origin and destination with period_end; a partial index of the figures
spanning several days); events near a place are told from an index of their date, place and
coordinates before their rows are read.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SPANS_DAYS = sa.text('period_start < period_end')
INDEXES = (
    ('ix_displacement_figure_source_id_period_end', 'displacement_figure', ['source_id', 'period_end'], {}),
    ('ix_displacement_figure_origin_place_id_period_end', 'displacement_figure', ['origin_place_id', 'period_end'], {}),
    ('ix_displacement_figure_destination_place_id_period_end', 'displacement_figure',
     ['destination_place_id', 'period_end'], {}),
    ('ix_displacement_figure_spanning_period_end', 'displacement_figure', ['period_end'],
     {'sqlite_where': SPANS_DAYS, 'postgresql_where': SPANS_DAYS}),
    ('ix_conflict_event_event_date_place_id_lat_lon_event_id', 'conflict_event',
     ['event_date', 'place_id', 'lat', 'lon', 'event_id'], {}),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(op.f(name), table, columns, unique=False, **where)


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(op.f(name), table_name=table)
