"""weekly summaries of the rows that count, kept at load time

A page's question over a million displacement figures took 250–950 ms in SQLite; the same
question over weekly totals per place, per origin–destination pair and per event type and place
takes a few milliseconds (BENCHMARKS.md). db/summary.py keeps these tables current in every
transaction that writes facts; this migration fills them from the rows already there, with its
own SQL (the rules as they stand at this revision), so it does not depend on later code.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The Monday of a day, per dialect (db.summary.week_start compiles to the same SQL).
WEEK_START = {
    'sqlite': "date({day}, 'weekday 0', '-6 days')",
    'postgresql': "CAST(date_trunc('week', CAST({day} AS TIMESTAMP)) AS DATE)",
}
FIGURE_DAY = "coalesce(period_end, period_start)"
COUNTED_FIGURE = ("(review_status = 'not_required' OR review_status = 'accepted') AND is_cumulative = {false} "
                  "AND figure IS NOT NULL AND coalesce(period_end, period_start) IS NOT NULL")
COUNTED_EVENT = "(review_status = 'not_required' OR review_status = 'accepted') AND event_date IS NOT NULL"

FILL_PLACE_SIDE = """
INSERT INTO summary_flow_place_week (week_start, side, place_id, place_name_raw, figure_kind, unit, provider,
                                     from_text, value, reports)
SELECT {week}, '{side}', {side}_place_id, CASE WHEN {side}_place_id IS NULL THEN {side}_name_raw END,
       figure_kind, unit, provider, provider = 'text', sum(figure), count(*)
FROM displacement_figure WHERE {counted}
GROUP BY {week}, {side}_place_id, CASE WHEN {side}_place_id IS NULL THEN {side}_name_raw END, figure_kind, unit,
         provider
"""
FILL_PAIR = """
INSERT INTO summary_flow_pair_week (week_start, origin_place_id, origin_name_raw, destination_place_id,
                                    destination_name_raw, figure_kind, unit, provider, from_text, value, reports)
SELECT {week}, origin_place_id, CASE WHEN origin_place_id IS NULL THEN origin_name_raw END, destination_place_id,
       CASE WHEN destination_place_id IS NULL THEN destination_name_raw END, figure_kind, unit, provider,
       provider = 'text', sum(figure), count(*)
FROM displacement_figure WHERE {counted}
GROUP BY {week}, origin_place_id, CASE WHEN origin_place_id IS NULL THEN origin_name_raw END, destination_place_id,
         CASE WHEN destination_place_id IS NULL THEN destination_name_raw END, figure_kind, unit, provider
"""
FILL_EVENT = """
INSERT INTO summary_event_week (week_start, event_type, sub_event_type, place_id, place_name_raw, provider, from_text,
                                events, fatalities)
SELECT {week}, event_type, sub_event_type, place_id, CASE WHEN place_id IS NULL THEN place_name_raw END, provider,
       provider = 'text', count(*), sum(fatalities)
FROM conflict_event WHERE {counted}
GROUP BY {week}, event_type, sub_event_type, place_id, CASE WHEN place_id IS NULL THEN place_name_raw END, provider
"""


def _flow_columns() -> list:
    return [
        sa.Column('figure_kind', sa.String(length=20), nullable=False),
        sa.Column('unit', sa.String(length=12), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('from_text', sa.Boolean(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('reports', sa.Integer(), nullable=False),
    ]


# Each dialect's fill statements, put together here, once, from the constants above only (the
# dialect's week expression and the fixed vocabularies): no value comes from data, and nothing is
# formatted where a statement is executed (tests/test_no_string_sql.py).
FALSE = {'sqlite': '0', 'postgresql': 'false'}
FILL_STATEMENTS = {
    dialect: (
        *(FILL_PLACE_SIDE.format(week=week.format(day=FIGURE_DAY), side=side,
                                 counted=COUNTED_FIGURE.format(false=FALSE[dialect]))
          for side in ('origin', 'destination')),
        FILL_PAIR.format(week=week.format(day=FIGURE_DAY), counted=COUNTED_FIGURE.format(false=FALSE[dialect])),
        FILL_EVENT.format(week=week.format(day='event_date'), counted=COUNTED_EVENT),
    )
    for dialect, week in WEEK_START.items()
}


def upgrade() -> None:
    op.create_table(
        'summary_flow_place_week',
        sa.Column('week_start', sa.Date(), nullable=False),
        sa.Column('side', sa.String(length=12), nullable=False),
        sa.Column('place_id', sa.Integer(), nullable=True),
        sa.Column('place_name_raw', sa.Text(), nullable=True),
        *_flow_columns(),
        sa.CheckConstraint("(side = 'origin' OR side = 'destination')",
                           name=op.f('ck_summary_flow_place_week_side_vocab')),
        sa.CheckConstraint("place_id IS NULL OR place_name_raw IS NULL",
                           name=op.f('ck_summary_flow_place_week_place_name_raw_only_unplaced')),
        sa.CheckConstraint("value IS NULL OR value >= 0", name=op.f('ck_summary_flow_place_week_value_non_negative')),
        sa.CheckConstraint("reports >= 1", name=op.f('ck_summary_flow_place_week_reports_positive')),
        sa.ForeignKeyConstraint(['place_id'], ['place.place_id'],
                                name=op.f('fk_summary_flow_place_week_place_id_place')),
    )
    op.create_index(op.f('ix_summary_flow_place_week_figure_kind_side_week_start'), 'summary_flow_place_week',
                    ['figure_kind', 'side', 'week_start'], unique=False)
    op.create_index(op.f('ix_summary_flow_place_week_week_start'), 'summary_flow_place_week', ['week_start'],
                    unique=False)
    op.create_table(
        'summary_flow_pair_week',
        sa.Column('week_start', sa.Date(), nullable=False),
        sa.Column('origin_place_id', sa.Integer(), nullable=True),
        sa.Column('origin_name_raw', sa.Text(), nullable=True),
        sa.Column('destination_place_id', sa.Integer(), nullable=True),
        sa.Column('destination_name_raw', sa.Text(), nullable=True),
        *_flow_columns(),
        sa.CheckConstraint("origin_place_id IS NULL OR origin_name_raw IS NULL",
                           name=op.f('ck_summary_flow_pair_week_origin_name_raw_only_unplaced')),
        sa.CheckConstraint("destination_place_id IS NULL OR destination_name_raw IS NULL",
                           name=op.f('ck_summary_flow_pair_week_destination_name_raw_only_unplaced')),
        sa.CheckConstraint("value IS NULL OR value >= 0", name=op.f('ck_summary_flow_pair_week_value_non_negative')),
        sa.CheckConstraint("reports >= 1", name=op.f('ck_summary_flow_pair_week_reports_positive')),
        sa.ForeignKeyConstraint(['origin_place_id'], ['place.place_id'],
                                name=op.f('fk_summary_flow_pair_week_origin_place_id_place')),
        sa.ForeignKeyConstraint(['destination_place_id'], ['place.place_id'],
                                name=op.f('fk_summary_flow_pair_week_destination_place_id_place')),
    )
    op.create_index(op.f('ix_summary_flow_pair_week_week_start'), 'summary_flow_pair_week', ['week_start'],
                    unique=False)
    op.create_table(
        'summary_event_week',
        sa.Column('week_start', sa.Date(), nullable=False),
        sa.Column('event_type', sa.String(length=40), nullable=False),
        sa.Column('sub_event_type', sa.String(length=60), nullable=True),
        sa.Column('place_id', sa.Integer(), nullable=True),
        sa.Column('place_name_raw', sa.Text(), nullable=True),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('from_text', sa.Boolean(), nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('fatalities', sa.Integer(), nullable=True),
        sa.CheckConstraint("place_id IS NULL OR place_name_raw IS NULL",
                           name=op.f('ck_summary_event_week_place_name_raw_only_unplaced')),
        sa.CheckConstraint("events >= 1", name=op.f('ck_summary_event_week_events_positive')),
        sa.CheckConstraint("fatalities IS NULL OR fatalities >= 0",
                           name=op.f('ck_summary_event_week_fatalities_non_negative')),
        sa.ForeignKeyConstraint(['place_id'], ['place.place_id'], name=op.f('fk_summary_event_week_place_id_place')),
    )
    op.create_index(op.f('ix_summary_event_week_week_start'), 'summary_event_week', ['week_start'], unique=False)

    # Fill them from the rows already loaded.
    for statement in FILL_STATEMENTS[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    op.drop_index(op.f('ix_summary_event_week_week_start'), table_name='summary_event_week')
    op.drop_table('summary_event_week')
    op.drop_index(op.f('ix_summary_flow_pair_week_week_start'), table_name='summary_flow_pair_week')
    op.drop_table('summary_flow_pair_week')
    op.drop_index(op.f('ix_summary_flow_place_week_week_start'), table_name='summary_flow_place_week')
    op.drop_index(op.f('ix_summary_flow_place_week_figure_kind_side_week_start'), table_name='summary_flow_place_week')
    op.drop_table('summary_flow_place_week')
