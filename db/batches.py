"""Deleting a load batch (admins only): its rows leave every page, the batch stays on record.

A row stays as long as a live batch holds it. A batch holds the rows it inserted or revised
(the row's batch_id, or the batch_id inside the values record_revision kept) and the rows it
found already there with the same values (record_holder). When the deleted batch made a row's
current values, the row goes to the latest live batch that holds it, with the values that batch
loaded (restored from record_revision when they were revised since); when no live batch holds
it, it is deleted. A row whose current values another batch made stays as it is ("kept" when
the deleted batch had revised it). Earlier values of deleted batches stay in record_revision
but are never restored.

The batch itself is kept with status "deleted", with its issues, so the Data quality page and
the audit trail still say what it was; the same file can be loaded again afterwards.

Places the batch brought to the gazetteer (towns a file named at its coordinates, sites of a
camp list) go with it when no row left names them. A place that another load's row, a queued
name or a child place still names stays, with the deleted batch on record as where it came
from. A batch that brought administrative places (a p-code list, the shipped gazetteer) is not
deleted: every load is placed in them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Engine, delete, func, select, update

from access.policy import Actor, Permission
from db import audit, levels, summary
from db.engine import write_transaction
from db.vocab import ADMIN_LEVEL_BY_KIND
from db.audit import acting
from db.schema import admin_boundary, conflict_event, displacement_figure, event_count, load_batch, metadata, place, \
    place_alias, record_holder, record_revision, site, site_population, \
    unresolved_place_name
from db.writes import ROW_ID

FACT_TABLES = (conflict_event, event_count, displacement_figure, site_population)


class BatchError(Exception):
    """The batch cannot be deleted; the message says why."""


@dataclass(frozen=True)
class DeletedBatch:
    batch_id: int
    removed: int  # rows the batch inserted, deleted
    restored: int  # rows it revised, back to their previous values
    kept: int  # rows it revised that a later load revised again: left as they are
    handed_over: int = 0  # rows another live batch loaded unchanged: now that batch's
    places_removed: int = 0  # places the batch brought that nothing names any more
    places_kept: int = 0  # places the batch brought that other rows still name


def _typed(table, values: dict) -> dict:
    """A row's previous values (JSON, dates as text) in the types of its columns."""
    typed = {}
    for name, value in values.items():
        column = table.c.get(name)
        if column is None:
            continue
        if value is not None and isinstance(column.type, DateTime) and isinstance(value, str):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date) and isinstance(value, str):
            value = date.fromisoformat(value[:10])
        elif value is not None and isinstance(column.type, Boolean):
            value = bool(value)
        typed[name] = value
    return typed


def _live_batches(conn) -> dict[int, int]:
    """batch id → source id of every batch not deleted."""
    return dict(conn.execute(select(load_batch.c.batch_id, load_batch.c.source_id)
                             .where(load_batch.c.status == "loaded")).all())


def _chunks(values: list, size: int = 5_000):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _next_owner(current_hash, revisions: list, holders: dict[str, int], live: dict[int, int]):
    """Where a row goes when its current values' batch is deleted: (values to restore or None to
    keep the current ones, the new owner, the revision id from which revisions are undone), or
    None when no live batch holds it. The latest live batch wins: the values it loaded are the
    ones a page showed after it.

    `revisions` are the row's (revision id, previous values); `holders` the content hash → the
    latest live batch that loaded those values unchanged."""
    candidates = []  # (batch id, order among equal batches, values, revision id)
    if current_hash is not None and current_hash in holders:
        candidates.append((holders[current_hash], float("inf"), None, None))
    for revision_id, values in revisions:
        owner = values.get("batch_id")
        if owner in live:
            candidates.append((owner, revision_id, values, revision_id))
        holder = holders.get(values.get("content_hash"))
        if holder is not None:
            candidates.append((holder, revision_id, values, revision_id))
    if not candidates:
        return None
    owner, _, values, revision_id = max(candidates, key=lambda c: c[:2])
    return values, owner, revision_id


def _delete_from_table(conn, table, batch_id: int, live: dict[int, int]) -> tuple[int, int, int, int]:
    """(removed, restored, kept, handed over) for one fact table; see the module's docstring."""
    name, id_column = table.name, table.c[ROW_ID[table.name]]
    owned_by_batch = table.c.batch_id == batch_id
    kept = conn.execute(select(func.count(func.distinct(record_revision.c.row_id))).where(
        record_revision.c.table_name == name, record_revision.c.replaced_by_batch_id == batch_id,
        record_revision.c.row_id.not_in(select(id_column).where(owned_by_batch).scalar_subquery()))).scalar()
    # The batch's rows with earlier values or another holder may stay: each needs a look. The rest go at once.
    others = record_revision.c.row_id.in_(select(id_column).where(owned_by_batch).scalar_subquery())
    special = set(conn.execute(select(record_revision.c.row_id).where(record_revision.c.table_name == name, others))
                  .scalars())
    special |= set(conn.execute(select(record_holder.c.row_id).where(
        record_holder.c.table_name == name, record_holder.c.batch_id != batch_id,
        record_holder.c.row_id.in_(select(id_column).where(owned_by_batch).scalar_subquery()))).scalars())
    removed = restored = handed_over = 0
    gone: list[int] = []
    for part in _chunks(sorted(special)):
        revisions: dict[int, list] = {}
        for row_id, revision_id, values in conn.execute(
                select(record_revision.c.row_id, record_revision.c.revision_id, record_revision.c.previous_values)
                .where(record_revision.c.table_name == name, record_revision.c.row_id.in_(part))
                .order_by(record_revision.c.revision_id.desc())):
            revisions.setdefault(row_id, []).append((revision_id, json.loads(values)))
        holders: dict[int, dict[str, int]] = {}
        for row_id, holder, content_hash in conn.execute(
                select(record_holder.c.row_id, record_holder.c.batch_id, record_holder.c.content_hash)
                .where(record_holder.c.table_name == name, record_holder.c.row_id.in_(part))
                .order_by(record_holder.c.batch_id)):
            if holder in live:  # ordered: the latest live batch with these values wins
                holders.setdefault(row_id, {})[content_hash] = holder
        current = dict(conn.execute(select(id_column, table.c.content_hash).where(id_column.in_(part))).all())
        with summary.kept_current(conn, table, id_column.in_(part)):
            for row_id in part:
                found = _next_owner(current.get(row_id), revisions.get(row_id, []), holders.get(row_id, {}), live)
                if found is None:
                    gone.append(row_id)
                    continue
                values, owner, from_revision = found
                values = _typed(table, values) if values is not None else {}
                values.pop(ROW_ID[name], None)
                conn.execute(update(table).where(id_column == row_id)
                             .values(**{**values, "batch_id": owner, "source_id": live[owner]}))
                # The new owner's hold is now the row's batch_id; revisions above the restored values are undone.
                conn.execute(delete(record_holder).where(record_holder.c.batch_id == owner,
                                                         record_holder.c.table_name == name,
                                                         record_holder.c.row_id == row_id))
                if from_revision is None:
                    handed_over += 1
                else:
                    conn.execute(delete(record_revision).where(record_revision.c.table_name == name,
                                                               record_revision.c.row_id == row_id,
                                                               record_revision.c.revision_id >= from_revision))
                    restored += 1
    with summary.kept_current(conn, table, owned_by_batch):  # what is left of the batch's rows: no one holds them
        for part in _chunks(gone):  # row ids can be used again (SQLite): their traces go with them
            conn.execute(delete(record_revision).where(record_revision.c.table_name == name,
                                                       record_revision.c.row_id.in_(part)))
            conn.execute(delete(record_holder).where(record_holder.c.table_name == name,
                                                     record_holder.c.row_id.in_(part)))
        removed = conn.execute(delete(table).where(owned_by_batch)).rowcount or 0
    conn.execute(delete(record_holder).where(record_holder.c.batch_id == batch_id, record_holder.c.table_name == name))
    return removed, restored, kept, handed_over


def _place_references() -> list:
    """Every column that names a place, except the rows that belong to the place itself (its
    aliases and its site row, which go with it) and a queued name's best guess."""
    own = {"place_alias", "site"}
    columns = []
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name in ("place", "site") and fk.column.name == "place_id" \
                    and table.name not in own and fk.parent is not unresolved_place_name.c.best_place_id:
                columns.append(fk.parent)
    return columns


def _delete_own_places(conn, batch_id: int) -> tuple[int, int]:
    """(removed, kept): places of this batch, or of a batch deleted before it, that no row names go
    (a town kept for another load's row goes once that load is deleted too); children first, so a
    new town under a new district lets the district go too."""
    references = _place_references()
    deleted = select(load_batch.c.batch_id).where(load_batch.c.status == "deleted").scalar_subquery()
    removed = 0
    while True:
        candidates = select(place.c.place_id).where((place.c.batch_id == batch_id) | place.c.batch_id.in_(deleted),
                                                    place.c.kind.not_in(tuple(ADMIN_LEVEL_BY_KIND)))
        for column in references:
            candidates = candidates.where(place.c.place_id.not_in(
                select(column).where(column.is_not(None)).scalar_subquery()))
        ids = list(conn.execute(candidates).scalars())
        if not ids:
            break
        for part in _chunks(ids):  # a queued name's best guess is only a hint: it goes, the name stays queued
            conn.execute(update(unresolved_place_name).where(unresolved_place_name.c.best_place_id.in_(part))
                         .values(best_place_id=None, best_score=None))
            conn.execute(delete(site).where(site.c.place_id.in_(part)))
            conn.execute(delete(place_alias).where(place_alias.c.place_id.in_(part)))
            removed += conn.execute(delete(place).where(place.c.place_id.in_(part))).rowcount or 0
    kept = conn.execute(select(func.count()).select_from(place).where(place.c.batch_id == batch_id)).scalar()
    return removed, kept


def delete_batch(engine: Engine, batch_id: int, *, actor: Actor | None = None) -> DeletedBatch:
    """Take a batch's rows out (see the module's docstring) in one transaction, on the audit trail.

    `actor` (the command line when None) must be an admin."""
    actor = acting(actor, Permission.DELETE_BATCH)
    removed = restored = kept = handed_over = 0
    with write_transaction(engine) as conn:
        batch = conn.execute(select(load_batch.c.status, load_batch.c.file_name, load_batch.c.source_kind)
                             .where(load_batch.c.batch_id == batch_id)).first()
        if batch is None:
            raise BatchError(f"load batch {batch_id} does not exist")
        if batch.status == "deleted":
            raise BatchError(f"load batch {batch_id} ({batch.file_name}) was deleted already")
        units = conn.execute(select(func.count()).select_from(place).where(
            place.c.batch_id == batch_id, place.c.kind.in_(tuple(ADMIN_LEVEL_BY_KIND)))).scalar()
        if units:
            raise BatchError(f"load batch {batch_id} ({batch.file_name}) brought {units} administrative place(s) "
                             "(countries, provinces, districts) to the gazetteer: every load is placed in them, so "
                             "it is not deleted. Load a corrected p-code list instead: its rows replace these.")
        live = _live_batches(conn)
        live.pop(batch_id, None)
        figure_groups = levels.groups_of(conn, displacement_figure.c.batch_id == batch_id)
        for table in FACT_TABLES:
            counts = _delete_from_table(conn, table, batch_id, live)
            removed, restored, kept, handed_over = (a + b for a, b in zip((removed, restored, kept, handed_over),
                                                                           counts))
        levels.refresh_held(conn, figure_groups, summaries=True)  # a province's figure its districts held
        # A boundaries load's outlines go (the shipped ones draw again where there are some).
        conn.execute(delete(admin_boundary).where(admin_boundary.c.batch_id == batch_id))
        places_removed, places_kept = _delete_own_places(conn, batch_id)
        conn.execute(update(load_batch).where(load_batch.c.batch_id == batch_id).values(status="deleted"))
        audit.record(conn, actor, "delete_batch", "load_batch", batch_id, batch_id=batch_id,
                     detail={"file": batch.file_name, "kind": batch.source_kind, "removed": removed,
                             "restored": restored, "kept": kept, "handed_over": handed_over,
                             "places_removed": places_removed, "places_kept": places_kept})
    if places_removed:
        from gazetteer import forget_cached_gazetteers
        forget_cached_gazetteers()
    return DeletedBatch(batch_id, removed, restored, kept, handed_over, places_removed, places_kept)
