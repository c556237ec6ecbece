"""Controlled vocabularies shared by the schema's CHECK constraints, the loaders and the pages.

One place defines each list so that a constraint, a validator and a filter can never disagree.
Values are stored as written here (lower_snake_case, except ACLED's own labels, which are kept
exactly as ACLED's codebook spells them so exports stay comparable with ACLED data).
"""

from __future__ import annotations

# Places -------------------------------------------------------------------------------------
# Kind names follow Syria's common operational datasets (COD). For other countries loaded from
# the OCHA global p-code list, "governorate" means admin level 1 and "district" admin level 2.
PLACE_KINDS = ("country", "governorate", "district", "subdistrict", "community", "site")
ADMIN_LEVEL_BY_KIND = {"country": 0, "governorate": 1, "district": 2, "subdistrict": 3}
KIND_BY_ADMIN_LEVEL = {level: kind for kind, level in ADMIN_LEVEL_BY_KIND.items()}

# CCCM site typology (ISIMM TypeSite codes IS/PC/CC/T/RC map onto these).
SITE_TYPES = (
    "planned_camp",
    "informal_settlement",
    "collective_centre",
    "transit_centre",
    "reception_centre",
    "border_crossing",
    "other",
)

ALIAS_LANGUAGES = ("en", "ar", "fr", "provider", "user")

# Conflict events (ACLED codebook) ------------------------------------------------------------
ACLED_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": (
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": (
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
    ),
    "Protests": (
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}
EVENT_TYPES = tuple(ACLED_EVENT_TYPES)

# ACLED time_precision 1/2/3 = day/week/month; "year" is for historical background in text.
DATE_PRECISIONS = ("day", "week", "month", "year")

# HDX HAPI conflict_event aggregates. The three categories overlap (civilian targeting is a
# subset of political violence), so they are never summed together.
EVENT_CATEGORIES = ("political_violence", "civilian_targeting", "demonstration")

# Displacement figures -------------------------------------------------------------------------
# new_displacement: people leaving an origin during the period (a flow);
# idp_stock: displaced people present at the destination/location at the period end;
# return: people going back to their origin; arrival: people counted arriving at a destination.
FIGURE_KINDS = ("new_displacement", "idp_stock", "return", "arrival")
# Never summed together: a household is not a person and a movement may count a person twice.
UNITS = ("persons", "households", "movements")
QUALIFIERS = ("exact", "approx", "at_least", "at_most", "range", "vague")
TERMS = ("displaced", "fled", "arrived", "returned", "sheltering", "evacuated")

# Review of facts extracted from free text. Rows from tables need no review.
REVIEW_STATUSES = ("not_required", "pending", "accepted", "rejected")
COUNTED_REVIEW_STATUSES = ("not_required", "accepted")
UNCOUNTED_REVIEW_STATUSES = ("pending", "rejected")

# Loading -----------------------------------------------------------------------------------
BATCH_STATUSES = ("loaded", "deleted")
ISSUE_SEVERITIES = ("error", "warning")
UNRESOLVED_STATUSES = ("open", "linked", "dismissed")
# A person's decision on two figures that may be one fact from two sources (db.schema.duplicate_decision).
DUPLICATE_DECISIONS = ("duplicate", "distinct")

# The audit trail (db/audit.py): what a person did, and with which role.
AUDIT_ACTIONS = ("load", "review", "link_place_name", "dismiss_place_name", "duplicate_decision", "delete_batch")
AUDIT_ROLES = ("viewer", "editor", "admin")
