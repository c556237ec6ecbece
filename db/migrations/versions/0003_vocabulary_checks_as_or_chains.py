"""vocabulary CHECKs as OR-chains instead of IN lists

SQLite builds a temporary index for the IN list of a CHECK constraint on every row it checks;
on a bulk load of ACLED events these checks cost more than the rest of the insert together.
The same rules written as `(c = 'a' OR c = 'b' ...)` are checked in a fraction of the time.
Meaning, names and NULL handling are unchanged.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# table → [(constraint name, rule before, rule after)]
CHANGED = {
    'load_batch': [
        ('ck_load_batch_status_vocab',
         "status IN ('loaded', 'deleted')",
         "(status = 'loaded' OR status = 'deleted')"),
    ],
    'load_issue': [
        ('ck_load_issue_severity_vocab',
         "severity IN ('error', 'warning')",
         "(severity = 'error' OR severity = 'warning')"),
    ],
    'place': [
        ('ck_place_kind_vocab',
         "kind IN ('country', 'governorate', 'district', 'subdistrict', 'community', 'site')",
         "(kind = 'country' OR kind = 'governorate' OR kind = 'district' OR kind = 'subdistrict' OR kind = 'community' OR kind = 'site')"),
    ],
    'record_revision': [
        ('ck_record_revision_table_name_vocab',
         "table_name IN ('conflict_event', 'event_count', 'displacement_figure', 'site_population')",
         "(table_name = 'conflict_event' OR table_name = 'event_count' OR table_name = 'displacement_figure' OR table_name = 'site_population')"),
    ],
    'conflict_event': [
        ('ck_conflict_event_event_type_vocab',
         "event_type IN ('Battles', 'Explosions/Remote violence', 'Violence against civilians', 'Protests', 'Riots', 'Strategic developments')",
         "(event_type = 'Battles' OR event_type = 'Explosions/Remote violence' OR event_type = 'Violence against civilians' OR event_type = 'Protests' OR event_type = 'Riots' OR event_type = 'Strategic developments')"),
        ('ck_conflict_event_sub_event_type_of_type',
         "sub_event_type IS NULL OR (event_type = 'Battles' AND sub_event_type IN ('Armed clash', 'Government regains territory', 'Non-state actor overtakes territory')) OR (event_type = 'Explosions/Remote violence' AND sub_event_type IN ('Chemical weapon', 'Air/drone strike', 'Suicide bomb', 'Shelling/artillery/missile attack', 'Remote explosive/landmine/IED', 'Grenade')) OR (event_type = 'Violence against civilians' AND sub_event_type IN ('Sexual violence', 'Attack', 'Abduction/forced disappearance')) OR (event_type = 'Protests' AND sub_event_type IN ('Peaceful protest', 'Protest with intervention', 'Excessive force against protesters')) OR (event_type = 'Riots' AND sub_event_type IN ('Violent demonstration', 'Mob violence')) OR (event_type = 'Strategic developments' AND sub_event_type IN ('Agreement', 'Arrests', 'Change to group/activity', 'Disrupted weapons use', 'Headquarters or base established', 'Looting/property destruction', 'Non-violent transfer of territory', 'Other'))",
         "sub_event_type IS NULL OR (event_type = 'Battles' AND (sub_event_type = 'Armed clash' OR sub_event_type = 'Government regains territory' OR sub_event_type = 'Non-state actor overtakes territory')) OR (event_type = 'Explosions/Remote violence' AND (sub_event_type = 'Chemical weapon' OR sub_event_type = 'Air/drone strike' OR sub_event_type = 'Suicide bomb' OR sub_event_type = 'Shelling/artillery/missile attack' OR sub_event_type = 'Remote explosive/landmine/IED' OR sub_event_type = 'Grenade')) OR (event_type = 'Violence against civilians' AND (sub_event_type = 'Sexual violence' OR sub_event_type = 'Attack' OR sub_event_type = 'Abduction/forced disappearance')) OR (event_type = 'Protests' AND (sub_event_type = 'Peaceful protest' OR sub_event_type = 'Protest with intervention' OR sub_event_type = 'Excessive force against protesters')) OR (event_type = 'Riots' AND (sub_event_type = 'Violent demonstration' OR sub_event_type = 'Mob violence')) OR (event_type = 'Strategic developments' AND (sub_event_type = 'Agreement' OR sub_event_type = 'Arrests' OR sub_event_type = 'Change to group/activity' OR sub_event_type = 'Disrupted weapons use' OR sub_event_type = 'Headquarters or base established' OR sub_event_type = 'Looting/property destruction' OR sub_event_type = 'Non-violent transfer of territory' OR sub_event_type = 'Other'))"),
        ('ck_conflict_event_date_precision_vocab',
         "date_precision IN ('day', 'week', 'month', 'year')",
         "(date_precision = 'day' OR date_precision = 'week' OR date_precision = 'month' OR date_precision = 'year')"),
        ('ck_conflict_event_review_status_vocab',
         "review_status IN ('not_required', 'pending', 'accepted', 'rejected')",
         "(review_status = 'not_required' OR review_status = 'pending' OR review_status = 'accepted' OR review_status = 'rejected')"),
    ],
    'displacement_figure': [
        ('ck_displacement_figure_term_vocab',
         "term IS NULL OR term IN ('displaced', 'fled', 'arrived', 'returned', 'sheltering', 'evacuated')",
         "term IS NULL OR (term = 'displaced' OR term = 'fled' OR term = 'arrived' OR term = 'returned' OR term = 'sheltering' OR term = 'evacuated')"),
        ('ck_displacement_figure_unit_vocab',
         "unit IN ('persons', 'households', 'movements')",
         "(unit = 'persons' OR unit = 'households' OR unit = 'movements')"),
        ('ck_displacement_figure_review_status_vocab',
         "review_status IN ('not_required', 'pending', 'accepted', 'rejected')",
         "(review_status = 'not_required' OR review_status = 'pending' OR review_status = 'accepted' OR review_status = 'rejected')"),
        ('ck_displacement_figure_figure_kind_vocab',
         "figure_kind IN ('new_displacement', 'idp_stock', 'return', 'arrival')",
         "(figure_kind = 'new_displacement' OR figure_kind = 'idp_stock' OR figure_kind = 'return' OR figure_kind = 'arrival')"),
        ('ck_displacement_figure_qualifier_vocab',
         "qualifier IN ('exact', 'approx', 'at_least', 'at_most', 'range', 'vague')",
         "(qualifier = 'exact' OR qualifier = 'approx' OR qualifier = 'at_least' OR qualifier = 'at_most' OR qualifier = 'range' OR qualifier = 'vague')"),
        ('ck_displacement_figure_alt_figure_other_unit',
         "(alt_figure IS NULL AND alt_unit IS NULL) OR (alt_figure IS NOT NULL AND alt_unit IS NOT NULL AND alt_unit <> unit AND alt_unit IN ('persons', 'households', 'movements'))",
         "(alt_figure IS NULL AND alt_unit IS NULL) OR (alt_figure IS NOT NULL AND alt_unit IS NOT NULL AND alt_unit <> unit AND (alt_unit = 'persons' OR alt_unit = 'households' OR alt_unit = 'movements'))"),
    ],
    'event_count': [
        ('ck_event_count_event_category_vocab',
         "event_category IN ('political_violence', 'civilian_targeting', 'demonstration')",
         "(event_category = 'political_violence' OR event_category = 'civilian_targeting' OR event_category = 'demonstration')"),
    ],
    'place_alias': [
        ('ck_place_alias_language_vocab',
         "language IN ('en', 'ar', 'fr', 'provider', 'user')",
         "(language = 'en' OR language = 'ar' OR language = 'fr' OR language = 'provider' OR language = 'user')"),
    ],
    'site': [
        ('ck_site_site_type_vocab',
         "site_type IN ('planned_camp', 'informal_settlement', 'collective_centre', 'transit_centre', 'reception_centre', 'border_crossing', 'other')",
         "(site_type = 'planned_camp' OR site_type = 'informal_settlement' OR site_type = 'collective_centre' OR site_type = 'transit_centre' OR site_type = 'reception_centre' OR site_type = 'border_crossing' OR site_type = 'other')"),
    ],
    'unresolved_place_name': [
        ('ck_unresolved_place_name_status_vocab',
         "status IN ('open', 'linked', 'dismissed')",
         "(status = 'open' OR status = 'linked' OR status = 'dismissed')"),
        ('ck_unresolved_place_name_kind_vocab',
         "kind IS NULL OR kind IN ('country', 'governorate', 'district', 'subdistrict', 'community', 'site')",
         "kind IS NULL OR (kind = 'country' OR kind = 'governorate' OR kind = 'district' OR kind = 'subdistrict' OR kind = 'community' OR kind = 'site')"),
    ],
}


def _replace(index: int) -> None:
    for table, constraints in CHANGED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, *rules in constraints:
                batch_op.drop_constraint(op.f(name), type_='check')
                batch_op.create_check_constraint(op.f(name), rules[index])


def upgrade() -> None:
    _replace(1)


def downgrade() -> None:
    _replace(0)
