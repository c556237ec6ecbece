"""The database schema: SQLAlchemy Core tables, portable between SQLite and PostgreSQL.

Invariants live here as named constraints (each has a test in tests/test_constraints.py), so a
bug in a loader cannot store a meaning the schema forbids: a vague figure is NULL, never 0;
persons and households are different units; a period never ends before it starts.

Provenance: every data row carries `source_id` and `batch_id`; the pair is a foreign key to
`load_batch`, so a row can never claim a batch of another source.

Migrations (db/migrations) are written from this module; tests/test_migrations.py fails if they
drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from db import vocab

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _quoted(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def one_of(column: str, values, *, nullable: bool = False) -> str:
    """SQL text for "column is one of these values": the vocabularies come from db.vocab, never
    from input.

    Written as `(c = 'a' OR c = 'b' ...)`, not `c IN ('a', 'b')`: SQLite builds a temporary
    index for a CHECK's IN list on every row it checks, which made these checks cost more than
    the rest of a bulk insert together (bench/ingest_acled.py). The meaning is the same,
    NULL included.
    """
    clause = "(" + " OR ".join(f"{column} = {_quoted([value])}" for value in values) + ")"
    return f"{column} IS NULL OR {clause}" if nullable else clause


def _non_negative(*columns: str) -> list[CheckConstraint]:
    return [CheckConstraint(f"{c} IS NULL OR {c} >= 0", name=f"{c}_non_negative") for c in columns]


def _lat_lon_checks() -> list[CheckConstraint]:
    return [
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lon IS NULL OR (lon >= -180 AND lon <= 180)", name="lon_range"),
        CheckConstraint("(lat IS NULL) = (lon IS NULL)", name="lat_lon_together"),
    ]


def _provenance(table_name: str) -> list:
    """source_id + batch_id columns, and the composite key tying the batch to that source."""
    return [
        Column("source_id", Integer, ForeignKey("source.source_id"), nullable=False),
        Column("batch_id", Integer, nullable=False),
        ForeignKeyConstraint(
            ["batch_id", "source_id"],
            ["load_batch.batch_id", "load_batch.source_id"],
            name=f"fk_{table_name}_batch_of_source",
        ),
    ]


def _quote_columns() -> list:
    """The sentence a text-extracted fact came from, and its character offsets in the report."""
    return [
        Column("quote", Text),
        Column("quote_start", Integer),
        Column("quote_end", Integer),
        CheckConstraint(
            "(quote_start IS NULL AND quote_end IS NULL) OR "
            "(quote IS NOT NULL AND quote_start >= 0 AND quote_end > quote_start)",
            name="quote_offsets",
        ),
    ]


# --- provenance ----------------------------------------------------------------------------

source = Table(
    "source",
    metadata,
    Column("source_id", Integer, primary_key=True),
    Column("source_kind", String(40), nullable=False),
    Column("title", Text, nullable=False),
    Column("publisher", Text),
    Column("url", Text),
    Column("published_date", Date),
    Column("file_name", Text),
    # sha256 of the file's bytes (or, for generated data, of its parameters): the same file is
    # one source however often it is loaded.
    Column("sha256", String(64), nullable=False),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("sha256"),
    CheckConstraint("length(sha256) = 64", name="sha256_length"),
    CheckConstraint("length(source_kind) > 0", name="source_kind_not_empty"),
)

load_batch = Table(
    "load_batch",
    metadata,
    Column("batch_id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("source.source_id"), nullable=False),
    Column("source_kind", String(40), nullable=False),
    Column("file_name", Text),
    Column("loaded_by", Text),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("rows_loaded", Integer, nullable=False, default=0),
    Column("rows_rejected", Integer, nullable=False, default=0),
    # How the loaded rows met the database: new, revised (previous values kept in
    # record_revision), or identical to what was there.
    Column("rows_inserted", Integer, nullable=False, default=0, server_default="0"),
    Column("rows_updated", Integer, nullable=False, default=0, server_default="0"),
    Column("rows_unchanged", Integer, nullable=False, default=0, server_default="0"),
    Column("status", String(20), nullable=False, default="loaded"),
    UniqueConstraint("batch_id", "source_id"),
    CheckConstraint(one_of("status", vocab.BATCH_STATUSES), name="status_vocab"),
    # rows_read and rows_rejected count the file's rows; rows_loaded/inserted/updated/unchanged
    # count the records written from them (a row of a movement matrix can give several).
    # rows_loaded >= 0 and rows_read >= 0 follow from these rules.
    *_non_negative("rows_rejected", "rows_inserted", "rows_updated", "rows_unchanged"),
    CheckConstraint("rows_rejected <= rows_read", name="rejected_within_read"),
    CheckConstraint("rows_inserted + rows_updated + rows_unchanged <= rows_loaded", name="changes_within_loaded"),
    CheckConstraint("finished_at >= started_at", name="finished_after_start"),
)

load_issue = Table(
    "load_issue",
    metadata,
    Column("issue_id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("load_batch.batch_id", ondelete="CASCADE"), nullable=False),
    Column("row_number", Integer),  # 1-based, as a spreadsheet shows it; NULL for file-level issues
    Column("field_name", Text),
    Column("code", String(40), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("message", Text, nullable=False),
    Column("raw_value", Text),
    Column("raw_row", Text),  # JSON object of the rejected row's raw cells
    CheckConstraint(one_of("severity", vocab.ISSUE_SEVERITIES), name="severity_vocab"),
    CheckConstraint("row_number IS NULL OR row_number >= 1", name="row_number_positive"),
)

# --- places ----------------------------------------------------------------------------------

place = Table(
    "place",
    metadata,
    Column("place_id", Integer, primary_key=True),
    # Stable natural key: the p-code where one exists, else "<parent p-code>:<slug>" or, for
    # sites, "site:<provider code>".
    Column("place_key", String(80), nullable=False),
    Column("pcode", String(20)),
    Column("country_iso3", String(3)),  # only on country rows
    Column("kind", String(20), nullable=False),
    Column("name_en", Text, nullable=False),
    Column("name_ar", Text),
    Column("parent_id", Integer, ForeignKey("place.place_id")),
    Column("lat", Float),
    Column("lon", Float),
    *_provenance("place"),
    UniqueConstraint("place_key"),
    UniqueConstraint("pcode"),
    UniqueConstraint("country_iso3"),
    CheckConstraint(one_of("kind", vocab.PLACE_KINDS), name="kind_vocab"),
    CheckConstraint("kind = 'country' OR parent_id IS NOT NULL", name="parent_unless_country"),
    CheckConstraint("parent_id IS NULL OR parent_id <> place_id", name="not_own_parent"),
    CheckConstraint("(kind = 'country') = (country_iso3 IS NOT NULL)", name="iso3_only_on_country"),
    CheckConstraint("length(name_en) > 0", name="name_en_not_empty"),
    *_lat_lon_checks(),
)
Index("ix_place_parent_id", place.c.parent_id)

# An admin 1 unit's boundary, loaded from an OCHA COD-AB or geoBoundaries GeoJSON (the `boundaries`
# kind) for a map's base layer: one per place, a later load replacing it. The geometry is GeoJSON
# text, simplified to a few kilobytes (gazetteer/boundaries.py), never queried inside SQL.
admin_boundary = Table(
    "admin_boundary",
    metadata,
    Column("boundary_id", Integer, primary_key=True),
    Column("place_id", Integer, ForeignKey("place.place_id"), nullable=False),
    Column("name_in_file", Text, nullable=False),  # as the provider wrote it (the place keeps the gazetteer's)
    Column("pcode_in_file", String(20)),
    Column("geometry", Text, nullable=False),
    *_provenance("admin_boundary"),
    UniqueConstraint("place_id"),
    CheckConstraint("length(geometry) > 0", name="geometry_not_empty"),
    CheckConstraint("length(name_in_file) > 0", name="name_in_file_not_empty"),
)

place_alias = Table(
    "place_alias",
    metadata,
    Column("alias_id", Integer, primary_key=True),
    Column("place_id", Integer, ForeignKey("place.place_id", ondelete="CASCADE"), nullable=False),
    Column("alias", Text, nullable=False),  # as people write it
    Column("alias_key", Text, nullable=False),  # gazetteer.normalise.name_key(alias)
    Column("language", String(10), nullable=False),
    Column("batch_id", Integer, ForeignKey("load_batch.batch_id")),  # NULL: linked by a person
    UniqueConstraint("place_id", "alias_key"),
    CheckConstraint(one_of("language", vocab.ALIAS_LANGUAGES), name="language_vocab"),
    CheckConstraint("length(alias_key) > 0", name="alias_key_not_empty"),
)
Index("ix_place_alias_alias_key", place_alias.c.alias_key)

unresolved_place_name = Table(
    "unresolved_place_name",
    metadata,
    Column("unresolved_id", Integer, primary_key=True),
    Column("raw_name", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    # "<within place_key or *>|<kind or *>": a name is queued once per scope it was asked in.
    Column("scope_key", Text, nullable=False),
    Column("within_place_id", Integer, ForeignKey("place.place_id")),
    Column("kind", String(20)),
    Column("best_place_id", Integer, ForeignKey("place.place_id")),
    Column("best_score", Float),
    Column("occurrences", Integer, nullable=False, default=1),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("status", String(12), nullable=False, default="open"),
    Column("linked_place_id", Integer, ForeignKey("place.place_id")),
    UniqueConstraint("name_key", "scope_key"),
    CheckConstraint(one_of("status", vocab.UNRESOLVED_STATUSES), name="status_vocab"),
    CheckConstraint(one_of("kind", vocab.PLACE_KINDS, nullable=True), name="kind_vocab"),
    CheckConstraint("(status = 'linked') = (linked_place_id IS NOT NULL)", name="linked_has_place"),
    CheckConstraint("occurrences >= 1", name="occurrences_positive"),
    CheckConstraint("best_score IS NULL OR (best_score >= 0 AND best_score <= 100)", name="score_range"),
)

# --- sites ----------------------------------------------------------------------------------

site = Table(
    "site",
    metadata,
    # A site is a place of kind 'site' (so flows can end in it); this row adds what only sites have.
    Column("place_id", Integer, ForeignKey("place.place_id", ondelete="CASCADE"), primary_key=True),
    Column("site_code", String(40)),  # the provider's code, e.g. CCCM ISIMM "CP030001"
    Column("site_type", String(30), nullable=False),
    *_provenance("site"),
    UniqueConstraint("site_code"),
    CheckConstraint(one_of("site_type", vocab.SITE_TYPES), name="site_type_vocab"),
)

site_population = Table(
    "site_population",
    metadata,
    Column("population_id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("site.place_id", ondelete="CASCADE"), nullable=False),
    Column("provider", String(40), nullable=False),
    Column("reported_date", Date, nullable=False),
    Column("individuals", Integer),
    Column("households", Integer),
    Column("girls", Integer),
    Column("boys", Integer),
    Column("women", Integer),
    Column("men", Integer),
    # Hash of the row's values as loaded: a re-load compares it to tell unchanged from revised.
    Column("content_hash", String(32)),
    *_provenance("site_population"),
    UniqueConstraint("site_id", "reported_date", "provider"),
    *_non_negative("individuals", "households", "girls", "boys", "women", "men"),
    CheckConstraint("individuals IS NOT NULL OR households IS NOT NULL", name="has_a_count"),
)
Index("ix_site_population_reported_date", site_population.c.reported_date)

# --- conflict events: two granularities, two tables -----------------------------------------

conflict_event = Table(
    "conflict_event",
    metadata,
    Column("event_id", Integer, primary_key=True),
    Column("provider", String(40), nullable=False),  # "ACLED", "text", "demo", ...
    Column("record_key", String(120), nullable=False),  # ACLED event_id_cnty, or a derived key
    # NULL only while a fact read from text waits for review without a date it could resolve
    # ("last Saturday" in a report with no publication date): a person must date it to accept it.
    Column("event_date", Date),
    Column("date_precision", String(10), nullable=False, default="day"),
    Column("event_type", String(40), nullable=False),
    Column("sub_event_type", String(60)),  # NULL when a report does not say (text facts only)
    Column("actor1", Text),
    Column("actor2", Text),
    Column("assoc_actors", Text),
    Column("place_id", Integer, ForeignKey("place.place_id")),
    Column("place_name_raw", Text),
    Column("admin1_name_raw", Text),
    Column("admin2_name_raw", Text),
    Column("admin3_name_raw", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("fatalities", Integer),
    Column("notes", Text),
    Column("review_status", String(20), nullable=False, default="not_required"),
    *_quote_columns(),
    # Hash of the row's values as loaded: a re-load compares it to tell unchanged from revised.
    Column("content_hash", String(32)),
    *_provenance("conflict_event"),
    UniqueConstraint("provider", "record_key"),
    CheckConstraint(one_of("event_type", vocab.EVENT_TYPES), name="event_type_vocab"),
    CheckConstraint(
        "sub_event_type IS NULL OR "
        + " OR ".join(
            f"(event_type = '{t}' AND {one_of('sub_event_type', subs)})"
            for t, subs in vocab.ACLED_EVENT_TYPES.items()
        ),
        name="sub_event_type_of_type",
    ),
    CheckConstraint(one_of("date_precision", vocab.DATE_PRECISIONS), name="date_precision_vocab"),
    CheckConstraint(one_of("review_status", vocab.REVIEW_STATUSES), name="review_status_vocab"),
    CheckConstraint(
        "event_date IS NOT NULL OR " + one_of("review_status", vocab.UNCOUNTED_REVIEW_STATUSES),
        name="dated_once_counted",
    ),
    *_non_negative("fatalities"),
    *_lat_lon_checks(),
)
Index("ix_conflict_event_event_date", conflict_event.c.event_date)
Index("ix_conflict_event_place_id", conflict_event.c.place_id)

event_count = Table(
    "event_count",
    metadata,
    Column("count_id", Integer, primary_key=True),
    Column("provider", String(40), nullable=False),
    Column("area_pcode", String(20), nullable=False),  # as the provider gave it
    Column("area_name_raw", Text),
    Column("place_id", Integer, ForeignKey("place.place_id")),
    Column("admin_level", Integer, nullable=False),
    Column("event_category", String(30), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("events", Integer, nullable=False),
    Column("fatalities", Integer),
    # Hash of the row's values as loaded: a re-load compares it to tell unchanged from revised.
    Column("content_hash", String(32)),
    *_provenance("event_count"),
    UniqueConstraint(
        "provider", "area_pcode", "event_category", "period_start", "period_end",
        name="uq_event_count_natural_key",  # the column-list name exceeds PostgreSQL's 63 bytes
    ),
    CheckConstraint(one_of("event_category", vocab.EVENT_CATEGORIES), name="event_category_vocab"),
    CheckConstraint("period_end >= period_start", name="period_order"),
    CheckConstraint("admin_level >= 0 AND admin_level <= 4", name="admin_level_range"),
    *_non_negative("events", "fatalities"),
)

# --- displacement figures --------------------------------------------------------------------

displacement_figure = Table(
    "displacement_figure",
    metadata,
    Column("figure_id", Integer, primary_key=True),
    Column("provider", String(40), nullable=False),
    Column("record_key", String(160), nullable=False),
    Column("figure_kind", String(20), nullable=False),
    Column("unit", String(12), nullable=False),
    Column("qualifier", String(10), nullable=False),
    # Float, not integer: planning figures are sometimes fractional estimates and stay so.
    Column("figure", Float),
    Column("figure_max", Float),  # upper bound, only for ranges
    # "N individuals (M households)": one fact, the second count here in its own unit.
    Column("alt_figure", Float),
    Column("alt_unit", String(12)),
    Column("is_cumulative", Boolean, nullable=False, default=False),
    # Its people are in the provider's figures of places inside its own (db/levels.py): never added to them.
    Column("held_in_finer", Boolean, nullable=False, server_default=false()),
    Column("origin_place_id", Integer, ForeignKey("place.place_id")),
    Column("origin_name_raw", Text),
    # For stocks and arrivals the destination is where the people are counted; may be a site.
    Column("destination_place_id", Integer, ForeignKey("place.place_id")),
    Column("destination_name_raw", Text),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("term", String(12)),
    Column("review_status", String(20), nullable=False, default="not_required"),
    *_quote_columns(),
    # Hash of the row's values as loaded: a re-load compares it to tell unchanged from revised.
    Column("content_hash", String(32)),
    *_provenance("displacement_figure"),
    UniqueConstraint("provider", "record_key"),
    CheckConstraint(one_of("figure_kind", vocab.FIGURE_KINDS), name="figure_kind_vocab"),
    CheckConstraint(one_of("unit", vocab.UNITS), name="unit_vocab"),
    CheckConstraint(one_of("qualifier", vocab.QUALIFIERS), name="qualifier_vocab"),
    CheckConstraint(one_of("term", vocab.TERMS, nullable=True), name="term_vocab"),
    CheckConstraint(one_of("review_status", vocab.REVIEW_STATUSES), name="review_status_vocab"),
    # A vague quantity ("hundreds of families") has no number: NULL, never 0.
    CheckConstraint("(qualifier = 'vague') = (figure IS NULL)", name="vague_iff_no_figure"),
    CheckConstraint(
        "(qualifier = 'range' AND figure_max IS NOT NULL AND figure_max >= figure) OR "
        "(qualifier <> 'range' AND figure_max IS NULL)",
        name="range_has_upper_bound",
    ),
    CheckConstraint(
        "(alt_figure IS NULL AND alt_unit IS NULL) OR "
        f"(alt_figure IS NOT NULL AND alt_unit IS NOT NULL AND alt_unit <> unit AND "
        f"{one_of('alt_unit', vocab.UNITS)})",
        name="alt_figure_other_unit",
    ),
    *_non_negative("figure", "alt_figure"),  # figure_max >= figure >= 0 by the range rule
    CheckConstraint(
        "period_start IS NULL OR period_end IS NULL OR period_end >= period_start",
        name="period_order",
    ),
)
Index("ix_displacement_figure_period_end", displacement_figure.c.period_end)
Index("ix_displacement_figure_origin_place_id", displacement_figure.c.origin_place_id)
Index("ix_displacement_figure_destination_place_id", displacement_figure.c.destination_place_id)

# When a load revises a row (same natural key, new values), the values it replaced are kept here.
record_revision = Table(
    "record_revision",
    metadata,
    Column("revision_id", Integer, primary_key=True),
    Column("table_name", String(40), nullable=False),
    Column("row_id", Integer, nullable=False),
    Column("replaced_by_batch_id", Integer, ForeignKey("load_batch.batch_id", ondelete="CASCADE"), nullable=False),
    Column("previous_values", Text, nullable=False),  # JSON object of the row before the revision
    Column("replaced_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        one_of("table_name", ("conflict_event", "event_count", "displacement_figure", "site_population")),
        name="table_name_vocab",
    ),
)
Index("ix_record_revision_table_name_row_id", record_revision.c.table_name, record_revision.c.row_id)

# A later load that found a row already there with the same values holds it too: one row here per
# such (row, batch). Without it, deleting the batch that first wrote the row would delete it while
# a live batch still holds it (issue 16). Inserting and revising batches are known without it: the
# row's batch_id, and the batch_id inside record_revision.previous_values.
record_holder = Table(
    "record_holder",
    metadata,
    Column("batch_id", Integer, ForeignKey("load_batch.batch_id", ondelete="CASCADE"), primary_key=True),
    Column("table_name", String(40), primary_key=True),
    Column("row_id", Integer, primary_key=True),
    Column("content_hash", String(32), nullable=False),  # the row's values when this batch found them
    CheckConstraint(
        one_of("table_name", ("conflict_event", "event_count", "displacement_figure", "site_population")),
        name="table_name_vocab",
    ),
)
Index("ix_record_holder_table_name_row_id", record_holder.c.table_name, record_holder.c.row_id)

# A person's decision on a pair of figures that look like one fact reported by two sources (same
# place, overlapping period, figures within 10%): "duplicate" keeps `kept_id` counted and stops
# counting the other (its review_status becomes rejected); "distinct" records that both stand.
duplicate_decision = Table(
    "duplicate_decision",
    metadata,
    Column("decision_id", Integer, primary_key=True),
    Column("first_id", Integer, ForeignKey("displacement_figure.figure_id", ondelete="CASCADE"), nullable=False),
    Column("second_id", Integer, ForeignKey("displacement_figure.figure_id", ondelete="CASCADE"), nullable=False),
    Column("decision", String(12), nullable=False),
    Column("kept_id", Integer),
    Column("decided_by", Text),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("first_id", "second_id"),
    CheckConstraint("first_id < second_id", name="ordered_pair"),
    CheckConstraint(one_of("decision", vocab.DUPLICATE_DECISIONS), name="decision_vocab"),
    CheckConstraint(
        "(decision = 'duplicate' AND (kept_id = first_id OR kept_id = second_id)) OR "
        "(decision <> 'duplicate' AND kept_id IS NULL)",
        name="kept_one_of_pair",
    ),
)

# --- summaries kept at load time ---------------------------------------------------------------
# Weekly totals of the rows that count (db/summary.py says which, and keeps them current in the
# transaction that changes the rows). Pages read these instead of scanning a million rows. A row's
# place is its place_id; only an unresolved place keeps the name as written (else it is NULL).
FLOW_SIDES = ("origin", "destination")


def _summary_checks(*raw_names: tuple[str, str]) -> list[CheckConstraint]:
    return [CheckConstraint(f"{place_id} IS NULL OR {raw} IS NULL", name=f"{raw}_only_unplaced")
            for place_id, raw in raw_names]


def _flow_sums() -> list:
    """What a flow summary holds per key: the figures' kind, unit, provider and whether they were
    read from text (the rest of the key), their sum and how many reports gave them."""
    return [
        Column("figure_kind", String(20), nullable=False),
        Column("unit", String(12), nullable=False),
        Column("provider", String(40), nullable=False),
        Column("from_text", Boolean, nullable=False),
        Column("value", Float, nullable=False),
        Column("reports", Integer, nullable=False),
        *_non_negative("value"),
        CheckConstraint("reports >= 1", name="reports_positive"),
    ]


summary_flow_place_week = Table(
    "summary_flow_place_week",
    metadata,
    Column("week_start", Date, nullable=False),  # the Monday of coalesce(period_end, period_start)
    Column("side", String(12), nullable=False),  # the place is the figure's origin or destination
    Column("place_id", Integer, ForeignKey("place.place_id")),
    Column("place_name_raw", Text),
    *_flow_sums(),
    CheckConstraint(one_of("side", FLOW_SIDES), name="side_vocab"),
    *_summary_checks(("place_id", "place_name_raw")),
)
Index("ix_summary_flow_place_week_figure_kind_side_week_start", summary_flow_place_week.c.figure_kind,
      summary_flow_place_week.c.side, summary_flow_place_week.c.week_start)
Index("ix_summary_flow_place_week_week_start", summary_flow_place_week.c.week_start)


def _pair_summary(name: str) -> Table:
    """A summary per week and origin–destination pair (with kind, unit, provider, text or not):
    a sum of figures and how many reports gave them. The week summary holds that week's; the
    year-to-date summary, the sums from the first Monday of the week's year through its Sunday."""
    return Table(
        name,
        metadata,
        Column("week_start", Date, nullable=False),
        Column("origin_place_id", Integer, ForeignKey("place.place_id")),
        Column("origin_name_raw", Text),
        Column("destination_place_id", Integer, ForeignKey("place.place_id")),
        Column("destination_name_raw", Text),
        *_flow_sums(),
        *_summary_checks(("origin_place_id", "origin_name_raw"), ("destination_place_id", "destination_name_raw")),
    )


summary_flow_pair_week = _pair_summary("summary_flow_pair_week")
Index("ix_summary_flow_pair_week_week_start", summary_flow_pair_week.c.week_start)

# The same pairs summed from the first Monday of the week's year through the end of the week: a
# window of whole weeks is two of these rows less one (db/summary.py, "year to date"). A pair has
# a row for every week from its first week of data in a year through that year's last Monday,
# so any week asked for holds every pair the year has had so far.
summary_flow_pair_to_date = _pair_summary("summary_flow_pair_to_date")
Index("ix_summary_flow_pair_to_date_week_start", summary_flow_pair_to_date.c.week_start)

summary_event_week = Table(
    "summary_event_week",
    metadata,
    Column("week_start", Date, nullable=False),  # the Monday of event_date
    Column("event_type", String(40), nullable=False),
    Column("sub_event_type", String(60)),
    Column("place_id", Integer, ForeignKey("place.place_id")),
    Column("place_name_raw", Text),
    Column("provider", String(40), nullable=False),
    Column("from_text", Boolean, nullable=False),
    Column("events", Integer, nullable=False),
    Column("fatalities", Integer),  # NULL when none of the week's events gave a number
    *_summary_checks(("place_id", "place_name_raw")),
    CheckConstraint("events >= 1", name="events_positive"),
    *_non_negative("fatalities"),
)
Index("ix_summary_event_week_week_start", summary_event_week.c.week_start)

# Where the week's events happened: per week, place, the event's own coordinates (NULL when it has
# none and stands at its place's), type and provider. The Events map and the events before a
# spike (db/flows_and_events_queries.py) read whole weeks here instead of every event (ACLED gives each event
# its location's coordinates, so a location's events of a week are one row).
summary_event_location_week = Table(
    "summary_event_location_week",
    metadata,
    Column("week_start", Date, nullable=False),  # the Monday of event_date
    Column("place_id", Integer, ForeignKey("place.place_id")),
    Column("place_name_raw", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("event_type", String(40), nullable=False),
    Column("provider", String(40), nullable=False),
    Column("from_text", Boolean, nullable=False),
    Column("events", Integer, nullable=False),
    Column("fatalities", Integer),  # NULL when none of the week's events there gave a number
    *_summary_checks(("place_id", "place_name_raw")),
    CheckConstraint("events >= 1", name="events_positive"),
    *_non_negative("fatalities"),
)
Index("ix_summary_event_location_week_week_start", summary_event_location_week.c.week_start)

# Per day and load batch, every dated row whatever its review status: the questions asked of all
# the data at once (its date range, each source's and provider's latest day, a window's headline
# and daily totals) read these few thousand rows instead of a million (db/summary.py).
def _day_columns() -> list:
    return [
        Column("day", Date, nullable=False),
        Column("batch_id", Integer, ForeignKey("load_batch.batch_id"), nullable=False),
        Column("source_id", Integer, ForeignKey("source.source_id"), nullable=False),
        Column("provider", String(40), nullable=False),
        Column("review_status", String(20), nullable=False),
        CheckConstraint(one_of("review_status", vocab.REVIEW_STATUSES), name="review_status_vocab"),
    ]


summary_figure_day = Table(
    "summary_figure_day",
    metadata,
    *_day_columns(),  # day: coalesce(period_end, period_start)
    Column("figure_kind", String(20), nullable=False),
    Column("unit", String(12), nullable=False),
    Column("is_cumulative", Boolean, nullable=False),
    Column("held_in_finer", Boolean, nullable=False, server_default=false()),
    Column("reports", Integer, nullable=False),
    Column("reports_with_figure", Integer, nullable=False),  # the others are vague ("hundreds of families")
    Column("value", Float),  # the sum of the figures; NULL when none of the reports gave a number
    CheckConstraint("reports >= 1", name="reports_positive"),
    CheckConstraint("reports_with_figure >= 0 AND reports_with_figure <= reports", name="reports_with_figure_range"),
    CheckConstraint("(value IS NULL) = (reports_with_figure = 0)", name="value_iff_figures"),
    *_non_negative("value"),
)
Index("ix_summary_figure_day_day", summary_figure_day.c.day)

summary_event_day = Table(
    "summary_event_day",
    metadata,
    *_day_columns(),  # day: event_date
    Column("events", Integer, nullable=False),
    Column("fatalities", Integer),  # NULL when none of the day's events gave a number
    CheckConstraint("events >= 1", name="events_positive"),
    *_non_negative("fatalities"),
)
Index("ix_summary_event_day_day", summary_event_day.c.day)

SUMMARY_TABLES = (summary_flow_place_week, summary_flow_pair_week, summary_flow_pair_to_date, summary_event_week,
                  summary_event_location_week, summary_figure_day, summary_event_day)

DATA_TABLES = (place, site, site_population, conflict_event, event_count, displacement_figure)

# --- indexes of the page queries (migration 0008) ------------------------------------------------
# The possible-duplicates search (db/quality_queries.py) starts from the figures of every source
# but the largest and looks up each one's partners by place and day; the few figures that span
# several days have a partial index of their own.
Index("ix_displacement_figure_source_id_period_end", displacement_figure.c.source_id, displacement_figure.c.period_end)
Index("ix_displacement_figure_origin_place_id_period_end", displacement_figure.c.origin_place_id,
      displacement_figure.c.period_end)
Index("ix_displacement_figure_destination_place_id_period_end", displacement_figure.c.destination_place_id,
      displacement_figure.c.period_end)
FIGURE_SPANS_DAYS = displacement_figure.c.period_start < displacement_figure.c.period_end
Index("ix_displacement_figure_spanning_period_end", displacement_figure.c.period_end,
      sqlite_where=FIGURE_SPANS_DAYS, postgresql_where=FIGURE_SPANS_DAYS)
# Events near a place (db/flows_and_events_queries.py) are told by their date, place and coordinates from the
# index alone (event_id too, for PostgreSQL; SQLite keeps the rowid in every index); only those
# near are read whole.
Index("ix_conflict_event_event_date_place_id_lat_lon_event_id", conflict_event.c.event_date, conflict_event.c.place_id,
      conflict_event.c.lat, conflict_event.c.lon, conflict_event.c.event_id)
# The weekly flows narrowed to an area read the pairs whose other end is inside it (db/flows_queries.py):
# by one end and week, every column those reads use carried in the index (migration 0010).
_PAIR_CARRIED = [summary_flow_pair_week.c[name] for name in ("figure_kind", "unit", "provider", "from_text", "value")]
Index("ix_summary_flow_pair_week_destination_covering", summary_flow_pair_week.c.destination_place_id,
      summary_flow_pair_week.c.week_start, summary_flow_pair_week.c.origin_place_id,
      summary_flow_pair_week.c.origin_name_raw, *_PAIR_CARRIED)
Index("ix_summary_flow_pair_week_origin_covering", summary_flow_pair_week.c.origin_place_id,
      summary_flow_pair_week.c.week_start, summary_flow_pair_week.c.destination_place_id,
      summary_flow_pair_week.c.destination_name_raw, *_PAIR_CARRIED)

# --- the audit trail (migration 0011) -------------------------------------------------------------
# Who loaded, reviewed, edited, linked or deleted what, and when: one row per action, written in the
# transaction that makes the change (db/audit.py). Not tied to the rows by foreign keys: an entry
# outlives the batch or the fact it names.
audit_event = Table(
    "audit_event",
    metadata,
    Column("audit_id", Integer, primary_key=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),  # the signed-in e-mail, the local user, or the command line
    Column("role", String(12), nullable=False),
    Column("how", String(20), nullable=False),  # signed in | local mode | trusted network | command line
    Column("action", String(24), nullable=False),
    Column("target_table", String(40), nullable=False),
    Column("target_id", Integer),
    Column("batch_id", Integer),
    Column("detail", Text, nullable=False, default="{}"),  # JSON: what changed, in a few fields
    CheckConstraint(one_of("action", vocab.AUDIT_ACTIONS), name="action_vocab"),
    CheckConstraint(one_of("role", vocab.AUDIT_ROLES), name="role_vocab"),
    CheckConstraint("length(actor) > 0", name="actor_not_empty"),
)
Index("ix_audit_event_occurred_at", audit_event.c.occurred_at)
