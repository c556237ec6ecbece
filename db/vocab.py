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


# Words a person reads ----------------------------------------------------------------------
# Pages, tables, the pack and its PDF write stored values through `label` and column names through
# `column_label`, so a code ("idp_stock", "actor2") never reaches a reader and a value has one wording.
LABELS: dict[str, str] = {
    # figure kinds
    "new_displacement": "new displacement", "idp_stock": "people displaced (stock)", "return": "returns",
    "arrival": "arrivals",
    # site types
    "planned_camp": "planned camp", "informal_settlement": "informal settlement",
    "collective_centre": "collective centre", "transit_centre": "transit centre",
    "reception_centre": "reception centre", "border_crossing": "border crossing",
    # hedges
    "exact": "exact", "approx": "about", "at_least": "at least", "at_most": "at most", "range": "range",
    "vague": "no figure (vague)",
    # review and load states
    "not_required": "no review needed (from a table)", "pending": "waiting", "accepted": "accepted",
    "rejected": "rejected", "loaded": "loaded", "deleted": "deleted", "unchanged": "unchanged",
    "open": "open", "linked": "linked", "dismissed": "dismissed",
    # HAPI categories
    "political_violence": "political violence", "civilian_targeting": "civilian targeting",
    "demonstration": "demonstrations",
    # audit
    "load": "file loaded", "review": "fact reviewed", "link_place_name": "place name linked",
    "dismiss_place_name": "place name dismissed", "duplicate_decision": "duplicate decided",
    "delete_batch": "batch deleted",
    # kinds of source (loaders/registry.py, plus the gazetteer and the demo)
    "acled": "ACLED events", "acled_aggregate": "ACLED aggregated counts",
    "hapi_conflict_event": "HDX HAPI conflict events", "hapi_idps": "HDX HAPI displaced people",
    "dtm_api": "IOM DTM", "idmc_idu": "IDMC displacement updates", "idmc_gidd": "IDMC GIDD",
    "cccm_sites": "CCCM site list", "hxl": "HXL-tagged sheet", "idptf_workbook": "IDP Task Force workbook",
    "field_template": "field template", "movement_table": "movement table", "text_report": "text report",
    "ocha_pcodes": "OCHA p-code list", "gazetteer": "gazetteer", "demo": "demo data (synthetic)",
}

# Column names that the general rule of `column_label` would word badly.
COLUMN_LABELS: dict[str, str] = {
    "event_date": "Date", "sub_event_type": "Sub-event type", "pcode": "P-code", "place_key": "Gazetteer key",
    "name_en": "Name",
    "name_ar": "Name (Arabic)", "figure_kind": "Kind of figure", "qualifier": "Hedge", "raw_value": "Value as written",
    "raw_name": "Name as written", "field_name": "Column / field", "row_number": "Row", "batch_id": "Batch",
    "source_kind": "Kind of source", "source_title": "Source", "title": "Source", "file_name": "File",
    "is_demo": "Demo", "from_text": "From a text report", "lat": "Latitude", "lon": "Longitude",
    "distance_km": "Distance (km)", "assoc_actors": "Associated actors", "change_pct": "Change (%)",
    "average_4_weeks": "Average of 4 weeks", "audit_id": "Entry", "occurred_at": "When", "target_table": "Table",
    "target_id": "Row", "parent_key": "Inside (gazetteer key)", "best_candidate_key": "Its gazetteer key",
    "best_candidate": "Closest gazetteer entry",
    "best_score": "Score", "asked_in": "Looked for in (area|kind)",
}

_MISSING = "—"


def is_missing(value) -> bool:
    """None, NaN, NaT and pandas' NA: a value that is not there (never written as "None" or "nan")."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT and NA are the values not equal to themselves
    except (TypeError, ValueError):
        return False


def label(value, missing: str = _MISSING) -> str:
    """A stored value in words: a known code by LABELS, any other lower_snake_case code with spaces,
    a missing value as `missing` ("—"). Names and ACLED's own labels pass unchanged."""
    if is_missing(value):
        return missing
    text = str(value)
    if text in LABELS:
        return LABELS[text]
    if "_" in text and text == text.lower() and " " not in text:
        return text.replace("_", " ")
    return text


def column_label(name: str) -> str:
    """A column name in words: COLUMN_LABELS, else its words with a capital ("actor2" → "Actor 2",
    "latest_data_date" → "Latest data date", "is_demo" → "Demo", "name_ar" → "Name (Arabic)")."""
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    text = str(name)
    if "_" not in text and not any(c.isdigit() for c in text) and text != text.lower():
        return text[:1].upper() + text[1:]  # already written for a reader ("site (Arabic)")
    if text.startswith("is_"):
        text = text[3:]
    arabic = text.endswith("_ar")
    if arabic:
        text = text[:-3]
    words = []
    for word in text.split("_"):
        head = word.rstrip("0123456789")
        words.append(f"{head} {word[len(head):]}" if head and head != word else word)
    text = " ".join(words).replace("pcode", "p-code").strip()
    text = text[:1].upper() + text[1:]
    return text + (" (Arabic)" if arabic else "")


def place_label(name=None, pcode=None, name_ar=None, key=None) -> str:
    """A place for a reader: "Hama · حماة (SY05)". Without a name, the gazetteer key's own name part
    ("SY0501:hama" → "Hama (SY0501)"); missing parts are left out, never written "None"."""
    code = None if is_missing(pcode) else str(pcode)
    if is_missing(name) and not is_missing(key):
        parent, _, slug = str(key).partition(":")
        if slug:
            name, code = slug.replace("-", " ").title(), code or parent
        else:
            name = parent
    if is_missing(name):
        return _MISSING if code is None else code
    text = str(name)
    if not is_missing(name_ar) and str(name_ar) != text:
        text += f" · {name_ar}"
    return text + (f" ({code})" if code and code != str(name) else "")


KIND_WORDS = {"community": "city/town"}


def issue_label(code) -> str:
    """A load issue's code (loaders.report.ISSUE_CODES: "missing-cell") as words on an axis: "missing cell";
    "pcode" as "p-code". The code itself stays in hover and in downloads."""
    if is_missing(code):
        return _MISSING
    return " ".join("p-code" if part == "pcode" else part for part in str(code).split("-"))


# Providers as a reader names them (a caption's "Sources:" line). Providers of real files are stored as
# they are written in the field ("ACLED", "IOM DTM", "CCCM") and shown as stored; the demo's own codes
# and the text-report pipeline's are not words, so they have names here.
PROVIDER_NAMES = {
    "text": "text reports (facts counted after review)",
    "demo": "demo data (synthetic)",
    "demo-partner-a": "demo partner A, persons (synthetic)",
    "demo-partner-b": "demo partner B, households (synthetic)",
    "demo-cccm": "demo camp coordination site counts (synthetic)",
    "demo-hapi": "demo humanitarian data counts (synthetic)",
    "demo-scale": "demo volume test rows (synthetic)",
}


def provider_name(provider) -> str:
    """A provider's display name: PROVIDER_NAMES, else the provider as stored (already a name)."""
    if is_missing(provider):
        return _MISSING
    return PROVIDER_NAMES.get(str(provider), str(provider))


def area_name(name, kind, key=None) -> str:
    """An area in a sentence (captions, "no data touching …"): "Syria", "Hama governorate", "Manbij (city/town)".
    Its key only when the gazetteer gives no name."""
    if is_missing(name) or not str(name).strip():
        return str(key) if key else _MISSING
    if kind == "country" or is_missing(kind):
        return str(name)
    words = KIND_WORDS.get(kind, label(kind))
    return f"{name} ({words})" if kind in KIND_WORDS else f"{name} {words}"


def places_area_name(places, key) -> str | None:
    """`area_name` of the place `key` in a places frame (place_key, name_en, kind); None for no area."""
    if not key:
        return None
    if places is not None and "place_key" in getattr(places, "columns", ()):
        row = places[places["place_key"] == key]
        if len(row):
            return area_name(row["name_en"].iloc[0], row["kind"].iloc[0], key)
    return str(key)


def area_label(name, name_ar, kind, key) -> str:
    """An area to choose or a pack's title: "Hama · حماة (governorate, SY05)"; a city or site, whose key
    is the p-code of the area it lies in and its name ("SY0501:hama"), is "Hama (city/town in SY0501)"."""
    arabic = f" · {name_ar}" if not is_missing(name_ar) and name_ar else ""
    words = KIND_WORDS.get(kind, label(kind))
    inside, colon, _ = str(key).partition(":")
    return f"{name}{arabic} ({words} in {inside})" if colon else f"{name}{arabic} ({words}, {key})"


def detail_words(detail) -> str:
    """An audit entry's detail (a JSON object) as "file: syria_admin.csv; inserted: 168; kind: demo data
    (synthetic)": keys in words, coded values in words, empty values left out. The Admin page showed
    the raw JSON ('{"file": null, "inserted": 168, …') on its screenshot."""
    import json

    if is_missing(detail):
        return _MISSING
    try:
        values = json.loads(detail) if isinstance(detail, str) else detail
    except ValueError:
        return str(detail)
    if not isinstance(values, dict):
        return str(detail)
    parts = []
    for key, value in values.items():
        if is_missing(value) or value in ("", [], {}):
            continue
        # Known codes in words; any other text as stored (a file name keeps its underscores).
        if isinstance(value, (list, tuple)):
            value = ", ".join(LABELS.get(str(v), str(v)) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{LABELS.get(str(k), str(k))} {LABELS.get(str(v), str(v))}" for k, v in value.items())
        elif isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:,}"
        else:
            value = LABELS.get(str(value), str(value))
        parts.append(f"{str(key).replace('_', ' ')}: {value}")
    return "; ".join(parts) or _MISSING
