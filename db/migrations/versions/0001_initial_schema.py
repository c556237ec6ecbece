"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 00:15:42.269985
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('source',
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('source_kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('publisher', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('published_date', sa.Date(), nullable=True),
    sa.Column('file_name', sa.Text(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_source_sha256_length')),
    sa.CheckConstraint('length(source_kind) > 0', name=op.f('ck_source_source_kind_not_empty')),
    sa.PrimaryKeyConstraint('source_id', name=op.f('pk_source')),
    sa.UniqueConstraint('sha256', name=op.f('uq_source_sha256'))
    )
    op.create_table('load_batch',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('source_kind', sa.String(length=40), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=True),
    sa.Column('loaded_by', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_loaded', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.CheckConstraint("status IN ('loaded', 'deleted')", name=op.f('ck_load_batch_status_vocab')),
    sa.CheckConstraint('finished_at >= started_at', name=op.f('ck_load_batch_finished_after_start')),
    sa.CheckConstraint('rows_rejected <= rows_read', name=op.f('ck_load_batch_rejected_within_read')),
    sa.CheckConstraint('rows_loaded IS NULL OR rows_loaded >= 0', name=op.f('ck_load_batch_rows_loaded_non_negative')),
    sa.CheckConstraint('rows_rejected IS NULL OR rows_rejected >= 0', name=op.f('ck_load_batch_rows_rejected_non_negative')),
    sa.ForeignKeyConstraint(['source_id'], ['source.source_id'], name=op.f('fk_load_batch_source_id_source')),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_load_batch')),
    sa.UniqueConstraint('batch_id', 'source_id', name=op.f('uq_load_batch_batch_id_source_id'))
    )
    op.create_table('load_issue',
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=True),
    sa.Column('field_name', sa.Text(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('raw_value', sa.Text(), nullable=True),
    sa.Column('raw_row', sa.Text(), nullable=True),
    sa.CheckConstraint("severity IN ('error', 'warning')", name=op.f('ck_load_issue_severity_vocab')),
    sa.CheckConstraint('row_number IS NULL OR row_number >= 1', name=op.f('ck_load_issue_row_number_positive')),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], name=op.f('fk_load_issue_batch_id_load_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('issue_id', name=op.f('pk_load_issue'))
    )
    op.create_table('place',
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('place_key', sa.String(length=80), nullable=False),
    sa.Column('pcode', sa.String(length=20), nullable=True),
    sa.Column('country_iso3', sa.String(length=3), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('name_ar', sa.Text(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("(kind = 'country') = (country_iso3 IS NOT NULL)", name=op.f('ck_place_iso3_only_on_country')),
    sa.CheckConstraint("kind = 'country' OR parent_id IS NOT NULL", name=op.f('ck_place_parent_unless_country')),
    sa.CheckConstraint("kind IN ('country', 'governorate', 'district', 'subdistrict', 'community', 'site')", name=op.f('ck_place_kind_vocab')),
    sa.CheckConstraint('(lat IS NULL) = (lon IS NULL)', name=op.f('ck_place_lat_lon_together')),
    sa.CheckConstraint('lat IS NULL OR (lat >= -90 AND lat <= 90)', name=op.f('ck_place_lat_range')),
    sa.CheckConstraint('length(name_en) > 0', name=op.f('ck_place_name_en_not_empty')),
    sa.CheckConstraint('lon IS NULL OR (lon >= -180 AND lon <= 180)', name=op.f('ck_place_lon_range')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> place_id', name=op.f('ck_place_not_own_parent')),
    sa.ForeignKeyConstraint(['batch_id', 'source_id'], ['load_batch.batch_id', 'load_batch.source_id'], name='fk_place_batch_of_source'),
    sa.ForeignKeyConstraint(['parent_id'], ['place.place_id'], name=op.f('fk_place_parent_id_place')),
    sa.ForeignKeyConstraint(['source_id'], ['source.source_id'], name=op.f('fk_place_source_id_source')),
    sa.PrimaryKeyConstraint('place_id', name=op.f('pk_place')),
    sa.UniqueConstraint('country_iso3', name=op.f('uq_place_country_iso3')),
    sa.UniqueConstraint('pcode', name=op.f('uq_place_pcode')),
    sa.UniqueConstraint('place_key', name=op.f('uq_place_place_key'))
    )
    with op.batch_alter_table('place', schema=None) as batch_op:
        batch_op.create_index('ix_place_parent_id', ['parent_id'], unique=False)

    op.create_table('conflict_event',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('record_key', sa.String(length=120), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('date_precision', sa.String(length=10), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('sub_event_type', sa.String(length=60), nullable=True),
    sa.Column('actor1', sa.Text(), nullable=True),
    sa.Column('actor2', sa.Text(), nullable=True),
    sa.Column('assoc_actors', sa.Text(), nullable=True),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('place_name_raw', sa.Text(), nullable=True),
    sa.Column('admin1_name_raw', sa.Text(), nullable=True),
    sa.Column('admin2_name_raw', sa.Text(), nullable=True),
    sa.Column('admin3_name_raw', sa.Text(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('fatalities', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('review_status', sa.String(length=20), nullable=False),
    sa.Column('quote', sa.Text(), nullable=True),
    sa.Column('quote_start', sa.Integer(), nullable=True),
    sa.Column('quote_end', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("date_precision IN ('day', 'week', 'month', 'year')", name=op.f('ck_conflict_event_date_precision_vocab')),
    sa.CheckConstraint("event_type IN ('Battles', 'Explosions/Remote violence', 'Violence against civilians', 'Protests', 'Riots', 'Strategic developments')", name=op.f('ck_conflict_event_event_type_vocab')),
    sa.CheckConstraint("review_status IN ('not_required', 'pending', 'accepted', 'rejected')", name=op.f('ck_conflict_event_review_status_vocab')),
    sa.CheckConstraint("sub_event_type IS NULL OR (event_type = 'Battles' AND sub_event_type IN ('Armed clash', 'Government regains territory', 'Non-state actor overtakes territory')) OR (event_type = 'Explosions/Remote violence' AND sub_event_type IN ('Chemical weapon', 'Air/drone strike', 'Suicide bomb', 'Shelling/artillery/missile attack', 'Remote explosive/landmine/IED', 'Grenade')) OR (event_type = 'Violence against civilians' AND sub_event_type IN ('Sexual violence', 'Attack', 'Abduction/forced disappearance')) OR (event_type = 'Protests' AND sub_event_type IN ('Peaceful protest', 'Protest with intervention', 'Excessive force against protesters')) OR (event_type = 'Riots' AND sub_event_type IN ('Violent demonstration', 'Mob violence')) OR (event_type = 'Strategic developments' AND sub_event_type IN ('Agreement', 'Arrests', 'Change to group/activity', 'Disrupted weapons use', 'Headquarters or base established', 'Looting/property destruction', 'Non-violent transfer of territory', 'Other'))", name=op.f('ck_conflict_event_sub_event_type_of_type')),
    sa.CheckConstraint('(lat IS NULL) = (lon IS NULL)', name=op.f('ck_conflict_event_lat_lon_together')),
    sa.CheckConstraint('(quote_start IS NULL AND quote_end IS NULL) OR (quote IS NOT NULL AND quote_start >= 0 AND quote_end > quote_start)', name=op.f('ck_conflict_event_quote_offsets')),
    sa.CheckConstraint('fatalities IS NULL OR fatalities >= 0', name=op.f('ck_conflict_event_fatalities_non_negative')),
    sa.CheckConstraint('lat IS NULL OR (lat >= -90 AND lat <= 90)', name=op.f('ck_conflict_event_lat_range')),
    sa.CheckConstraint('lon IS NULL OR (lon >= -180 AND lon <= 180)', name=op.f('ck_conflict_event_lon_range')),
    sa.ForeignKeyConstraint(['batch_id', 'source_id'], ['load_batch.batch_id', 'load_batch.source_id'], name='fk_conflict_event_batch_of_source'),
    sa.ForeignKeyConstraint(['place_id'], ['place.place_id'], name=op.f('fk_conflict_event_place_id_place')),
    sa.ForeignKeyConstraint(['source_id'], ['source.source_id'], name=op.f('fk_conflict_event_source_id_source')),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_conflict_event')),
    sa.UniqueConstraint('provider', 'record_key', name=op.f('uq_conflict_event_provider_record_key'))
    )
    with op.batch_alter_table('conflict_event', schema=None) as batch_op:
        batch_op.create_index('ix_conflict_event_event_date', ['event_date'], unique=False)
        batch_op.create_index('ix_conflict_event_place_id', ['place_id'], unique=False)

    op.create_table('displacement_figure',
    sa.Column('figure_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('record_key', sa.String(length=160), nullable=False),
    sa.Column('figure_kind', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=12), nullable=False),
    sa.Column('qualifier', sa.String(length=10), nullable=False),
    sa.Column('figure', sa.Float(), nullable=True),
    sa.Column('figure_max', sa.Float(), nullable=True),
    sa.Column('alt_figure', sa.Float(), nullable=True),
    sa.Column('alt_unit', sa.String(length=12), nullable=True),
    sa.Column('is_cumulative', sa.Boolean(), nullable=False),
    sa.Column('origin_place_id', sa.Integer(), nullable=True),
    sa.Column('origin_name_raw', sa.Text(), nullable=True),
    sa.Column('destination_place_id', sa.Integer(), nullable=True),
    sa.Column('destination_name_raw', sa.Text(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('term', sa.String(length=12), nullable=True),
    sa.Column('review_status', sa.String(length=20), nullable=False),
    sa.Column('quote', sa.Text(), nullable=True),
    sa.Column('quote_start', sa.Integer(), nullable=True),
    sa.Column('quote_end', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("(alt_figure IS NULL AND alt_unit IS NULL) OR (alt_figure IS NOT NULL AND alt_unit IS NOT NULL AND alt_unit <> unit AND alt_unit IN ('persons', 'households', 'movements'))", name=op.f('ck_displacement_figure_alt_figure_other_unit')),
    sa.CheckConstraint("(qualifier = 'range' AND figure_max IS NOT NULL AND figure_max >= figure) OR (qualifier <> 'range' AND figure_max IS NULL)", name=op.f('ck_displacement_figure_range_has_upper_bound')),
    sa.CheckConstraint("(qualifier = 'vague') = (figure IS NULL)", name=op.f('ck_displacement_figure_vague_iff_no_figure')),
    sa.CheckConstraint("figure_kind IN ('new_displacement', 'idp_stock', 'return', 'arrival')", name=op.f('ck_displacement_figure_figure_kind_vocab')),
    sa.CheckConstraint("qualifier IN ('exact', 'approx', 'at_least', 'at_most', 'range', 'vague')", name=op.f('ck_displacement_figure_qualifier_vocab')),
    sa.CheckConstraint("review_status IN ('not_required', 'pending', 'accepted', 'rejected')", name=op.f('ck_displacement_figure_review_status_vocab')),
    sa.CheckConstraint("term IS NULL OR term IN ('displaced', 'fled', 'arrived', 'returned', 'sheltering', 'evacuated')", name=op.f('ck_displacement_figure_term_vocab')),
    sa.CheckConstraint("unit IN ('persons', 'households', 'movements')", name=op.f('ck_displacement_figure_unit_vocab')),
    sa.CheckConstraint('(quote_start IS NULL AND quote_end IS NULL) OR (quote IS NOT NULL AND quote_start >= 0 AND quote_end > quote_start)', name=op.f('ck_displacement_figure_quote_offsets')),
    sa.CheckConstraint('alt_figure IS NULL OR alt_figure >= 0', name=op.f('ck_displacement_figure_alt_figure_non_negative')),
    sa.CheckConstraint('figure IS NULL OR figure >= 0', name=op.f('ck_displacement_figure_figure_non_negative')),
    sa.CheckConstraint('period_start IS NULL OR period_end IS NULL OR period_end >= period_start', name=op.f('ck_displacement_figure_period_order')),
    sa.ForeignKeyConstraint(['batch_id', 'source_id'], ['load_batch.batch_id', 'load_batch.source_id'], name='fk_displacement_figure_batch_of_source'),
    sa.ForeignKeyConstraint(['destination_place_id'], ['place.place_id'], name=op.f('fk_displacement_figure_destination_place_id_place')),
    sa.ForeignKeyConstraint(['origin_place_id'], ['place.place_id'], name=op.f('fk_displacement_figure_origin_place_id_place')),
    sa.ForeignKeyConstraint(['source_id'], ['source.source_id'], name=op.f('fk_displacement_figure_source_id_source')),
    sa.PrimaryKeyConstraint('figure_id', name=op.f('pk_displacement_figure')),
    sa.UniqueConstraint('provider', 'record_key', name=op.f('uq_displacement_figure_provider_record_key'))
    )
    with op.batch_alter_table('displacement_figure', schema=None) as batch_op:
        batch_op.create_index('ix_displacement_figure_destination_place_id', ['destination_place_id'], unique=False)
        batch_op.create_index('ix_displacement_figure_origin_place_id', ['origin_place_id'], unique=False)
        batch_op.create_index('ix_displacement_figure_period_end', ['period_end'], unique=False)

    op.create_table('event_count',
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('area_pcode', sa.String(length=20), nullable=False),
    sa.Column('area_name_raw', sa.Text(), nullable=True),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('admin_level', sa.Integer(), nullable=False),
    sa.Column('event_category', sa.String(length=30), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('fatalities', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("event_category IN ('political_violence', 'civilian_targeting', 'demonstration')", name=op.f('ck_event_count_event_category_vocab')),
    sa.CheckConstraint('admin_level >= 0 AND admin_level <= 4', name=op.f('ck_event_count_admin_level_range')),
    sa.CheckConstraint('events IS NULL OR events >= 0', name=op.f('ck_event_count_events_non_negative')),
    sa.CheckConstraint('fatalities IS NULL OR fatalities >= 0', name=op.f('ck_event_count_fatalities_non_negative')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_event_count_period_order')),
    sa.ForeignKeyConstraint(['batch_id', 'source_id'], ['load_batch.batch_id', 'load_batch.source_id'], name='fk_event_count_batch_of_source'),
    sa.ForeignKeyConstraint(['place_id'], ['place.place_id'], name=op.f('fk_event_count_place_id_place')),
    sa.ForeignKeyConstraint(['source_id'], ['source.source_id'], name=op.f('fk_event_count_source_id_source')),
    sa.PrimaryKeyConstraint('count_id', name=op.f('pk_event_count')),
    sa.UniqueConstraint('provider', 'area_pcode', 'event_category', 'period_start', 'period_end', name='uq_event_count_natural_key')
    )
    op.create_table('place_alias',
    sa.Column('alias_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.Text(), nullable=False),
    sa.Column('alias_key', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("language IN ('en', 'ar', 'fr', 'provider', 'user')", name=op.f('ck_place_alias_language_vocab')),
    sa.CheckConstraint('length(alias_key) > 0', name=op.f('ck_place_alias_alias_key_not_empty')),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], name=op.f('fk_place_alias_batch_id_load_batch')),
    sa.ForeignKeyConstraint(['place_id'], ['place.place_id'], name=op.f('fk_place_alias_place_id_place'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alias_id', name=op.f('pk_place_alias')),
    sa.UniqueConstraint('place_id', 'alias_key', name=op.f('uq_place_alias_place_id_alias_key'))
    )
    with op.batch_alter_table('place_alias', schema=None) as batch_op:
        batch_op.create_index('ix_place_alias_alias_key', ['alias_key'], unique=False)

    op.create_table('site',
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('site_code', sa.String(length=40), nullable=True),
    sa.Column('site_type', sa.String(length=30), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("site_type IN ('planned_camp', 'informal_settlement', 'collective_centre', 'transit_centre', 'reception_centre', 'border_crossing', 'other')", name=op.f('ck_site_site_type_vocab')),
    sa.ForeignKeyConstraint(['batch_id', 'source_id'], ['load_batch.batch_id', 'load_batch.source_id'], name='fk_site_batch_of_source'),
    sa.ForeignKeyConstraint(['place_id'], ['place.place_id'], name=op.f('fk_site_place_id_place'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['source.source_id'], name=op.f('fk_site_source_id_source')),
    sa.PrimaryKeyConstraint('place_id', name=op.f('pk_site')),
    sa.UniqueConstraint('site_code', name=op.f('uq_site_site_code'))
    )
    op.create_table('unresolved_place_name',
    sa.Column('unresolved_id', sa.Integer(), nullable=False),
    sa.Column('raw_name', sa.Text(), nullable=False),
    sa.Column('name_key', sa.Text(), nullable=False),
    sa.Column('scope_key', sa.Text(), nullable=False),
    sa.Column('within_place_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('best_place_id', sa.Integer(), nullable=True),
    sa.Column('best_score', sa.Float(), nullable=True),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('linked_place_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'linked') = (linked_place_id IS NOT NULL)", name=op.f('ck_unresolved_place_name_linked_has_place')),
    sa.CheckConstraint("kind IS NULL OR kind IN ('country', 'governorate', 'district', 'subdistrict', 'community', 'site')", name=op.f('ck_unresolved_place_name_kind_vocab')),
    sa.CheckConstraint("status IN ('open', 'linked', 'dismissed')", name=op.f('ck_unresolved_place_name_status_vocab')),
    sa.CheckConstraint('best_score IS NULL OR (best_score >= 0 AND best_score <= 100)', name=op.f('ck_unresolved_place_name_score_range')),
    sa.CheckConstraint('occurrences >= 1', name=op.f('ck_unresolved_place_name_occurrences_positive')),
    sa.ForeignKeyConstraint(['best_place_id'], ['place.place_id'], name=op.f('fk_unresolved_place_name_best_place_id_place')),
    sa.ForeignKeyConstraint(['linked_place_id'], ['place.place_id'], name=op.f('fk_unresolved_place_name_linked_place_id_place')),
    sa.ForeignKeyConstraint(['within_place_id'], ['place.place_id'], name=op.f('fk_unresolved_place_name_within_place_id_place')),
    sa.PrimaryKeyConstraint('unresolved_id', name=op.f('pk_unresolved_place_name')),
    sa.UniqueConstraint('name_key', 'scope_key', name=op.f('uq_unresolved_place_name_name_key_scope_key'))
    )
    op.create_table('site_population',
    sa.Column('population_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('reported_date', sa.Date(), nullable=False),
    sa.Column('individuals', sa.Integer(), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('girls', sa.Integer(), nullable=True),
    sa.Column('boys', sa.Integer(), nullable=True),
    sa.Column('women', sa.Integer(), nullable=True),
    sa.Column('men', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('boys IS NULL OR boys >= 0', name=op.f('ck_site_population_boys_non_negative')),
    sa.CheckConstraint('girls IS NULL OR girls >= 0', name=op.f('ck_site_population_girls_non_negative')),
    sa.CheckConstraint('households IS NULL OR households >= 0', name=op.f('ck_site_population_households_non_negative')),
    sa.CheckConstraint('individuals IS NOT NULL OR households IS NOT NULL', name=op.f('ck_site_population_has_a_count')),
    sa.CheckConstraint('individuals IS NULL OR individuals >= 0', name=op.f('ck_site_population_individuals_non_negative')),
    sa.CheckConstraint('men IS NULL OR men >= 0', name=op.f('ck_site_population_men_non_negative')),
    sa.CheckConstraint('women IS NULL OR women >= 0', name=op.f('ck_site_population_women_non_negative')),
    sa.ForeignKeyConstraint(['batch_id', 'source_id'], ['load_batch.batch_id', 'load_batch.source_id'], name='fk_site_population_batch_of_source'),
    sa.ForeignKeyConstraint(['site_id'], ['site.place_id'], name=op.f('fk_site_population_site_id_site'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['source.source_id'], name=op.f('fk_site_population_source_id_source')),
    sa.PrimaryKeyConstraint('population_id', name=op.f('pk_site_population')),
    sa.UniqueConstraint('site_id', 'reported_date', 'provider', name=op.f('uq_site_population_site_id_reported_date_provider'))
    )
    with op.batch_alter_table('site_population', schema=None) as batch_op:
        batch_op.create_index('ix_site_population_reported_date', ['reported_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('site_population', schema=None) as batch_op:
        batch_op.drop_index('ix_site_population_reported_date')

    op.drop_table('site_population')
    op.drop_table('unresolved_place_name')
    op.drop_table('site')
    with op.batch_alter_table('place_alias', schema=None) as batch_op:
        batch_op.drop_index('ix_place_alias_alias_key')

    op.drop_table('place_alias')
    op.drop_table('event_count')
    with op.batch_alter_table('displacement_figure', schema=None) as batch_op:
        batch_op.drop_index('ix_displacement_figure_period_end')
        batch_op.drop_index('ix_displacement_figure_origin_place_id')
        batch_op.drop_index('ix_displacement_figure_destination_place_id')

    op.drop_table('displacement_figure')
    with op.batch_alter_table('conflict_event', schema=None) as batch_op:
        batch_op.drop_index('ix_conflict_event_place_id')
        batch_op.drop_index('ix_conflict_event_event_date')

    op.drop_table('conflict_event')
    with op.batch_alter_table('place', schema=None) as batch_op:
        batch_op.drop_index('ix_place_parent_id')

    op.drop_table('place')
    op.drop_table('load_issue')
    op.drop_table('load_batch')
    op.drop_table('source')
