"""origin–destination pair sums from the start of each year, kept at load time

The largest pairs of a year were summed over every week of the pair summary: about 350,000
pair-weeks at a million figures, 281 ms in SQLite (BENCHMARKS.md). With each pair's sums from
the first Monday of its year through each week, a window of whole weeks inside one year is the
sums at its last week less those at the week before its first: two reads of one row per pair.
db/summary.py keeps the table current with the other summaries; this migration fills it from
the pair summary already there, with its own SQL, so it does not depend on later code.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TABLE = 'summary_flow_pair_to_date'
KEYS = ("origin_place_id, origin_name_raw, destination_place_id, destination_name_raw, figure_kind, unit, provider, "
        "from_text")
DIALECT = {
    'sqlite': {"year": "CAST(strftime('%Y', {week}) AS INTEGER)", "next": "date(week_start, '+7 days')",
               "beyond": "date(max(week_start), '+371 days')"},
    'postgresql': {"year": "CAST(EXTRACT(YEAR FROM {week}) AS INTEGER)", "next": "week_start + 7",
                   "beyond": "max(week_start) + 371"},
}
# Every Monday from the first week of data to a year past the last (each pair's year is filled to
# its last Monday), a zero row for each of them from a pair's first week in that year, and the
# running sums per year and pair.
FILL = """
WITH RECURSIVE mondays(week_start) AS (
    SELECT min(week_start) FROM summary_flow_pair_week
    UNION ALL
    SELECT {next} FROM mondays WHERE week_start < (SELECT {beyond} FROM summary_flow_pair_week)
),
pair_keys AS (
    SELECT {keys}, {year_of_week} AS year, min(week_start) AS first_week
    FROM summary_flow_pair_week GROUP BY {keys}, {year_of_week}
),
weekly AS (
    SELECT week_start, {keys}, value, reports FROM summary_flow_pair_week
    UNION ALL
    SELECT mondays.week_start, {pair_keys}, 0.0, 0
    FROM pair_keys JOIN mondays ON mondays.week_start >= pair_keys.first_week AND {year_of_monday} = pair_keys.year
),
grouped AS (
    SELECT week_start, {keys}, sum(value) AS value, sum(reports) AS reports FROM weekly GROUP BY week_start, {keys}
)
INSERT INTO summary_flow_pair_to_date (week_start, {keys}, value, reports)
SELECT week_start, {keys},
       sum(value) OVER (PARTITION BY {year_of_week}, {keys} ORDER BY week_start),
       sum(reports) OVER (PARTITION BY {year_of_week}, {keys} ORDER BY week_start)
FROM grouped ORDER BY week_start
"""
# Each dialect's statement, put together here, once, from the constants above only: no value
# comes from data, and nothing is formatted where it is executed.
FILL_STATEMENT = {
    name: FILL.format(keys=KEYS, pair_keys=", ".join(f"pair_keys.{key}" for key in KEYS.split(", ")),
                      next=parts["next"], beyond=parts["beyond"], year_of_week=parts["year"].format(week="week_start"),
                      year_of_monday=parts["year"].format(week="mondays.week_start"))
    for name, parts in DIALECT.items()
}


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column('week_start', sa.Date(), nullable=False),
        sa.Column('origin_place_id', sa.Integer(), nullable=True),
        sa.Column('origin_name_raw', sa.Text(), nullable=True),
        sa.Column('destination_place_id', sa.Integer(), nullable=True),
        sa.Column('destination_name_raw', sa.Text(), nullable=True),
        sa.Column('figure_kind', sa.String(length=20), nullable=False),
        sa.Column('unit', sa.String(length=12), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('from_text', sa.Boolean(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('reports', sa.Integer(), nullable=False),
        sa.CheckConstraint("origin_place_id IS NULL OR origin_name_raw IS NULL",
                           name=op.f(f'ck_{TABLE}_origin_name_raw_only_unplaced')),
        sa.CheckConstraint("destination_place_id IS NULL OR destination_name_raw IS NULL",
                           name=op.f(f'ck_{TABLE}_destination_name_raw_only_unplaced')),
        sa.CheckConstraint("value IS NULL OR value >= 0", name=op.f(f'ck_{TABLE}_value_non_negative')),
        sa.CheckConstraint("reports >= 1", name=op.f(f'ck_{TABLE}_reports_positive')),
        sa.ForeignKeyConstraint(['origin_place_id'], ['place.place_id'],
                                name=op.f(f'fk_{TABLE}_origin_place_id_place')),
        sa.ForeignKeyConstraint(['destination_place_id'], ['place.place_id'],
                                name=op.f(f'fk_{TABLE}_destination_place_id_place')),
    )
    op.create_index(op.f(f'ix_{TABLE}_week_start'), TABLE, ['week_start'], unique=False)
    op.execute(FILL_STATEMENT[op.get_bind().dialect.name])


def downgrade() -> None:
    op.drop_index(op.f(f'ix_{TABLE}_week_start'), table_name=TABLE)
    op.drop_table(TABLE)
