"""Deleting a load batch (admins only): its rows leave every page, the batch stays on record.

A batch's rows are those it inserted and those it revised. Inserted rows are deleted; revised rows
get back the values they had before (kept in record_revision), unless a later load revised them
again, in which case they stay as that load left them. The batch itself is kept with status
"deleted", with its issues, so the Data quality page and the audit trail still say what it was;
the same file can be loaded again afterwards. A batch that brought places to the gazetteer is
not deleted: rows of other loads may name those places.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Engine, delete, func, select, update

from access.policy import Actor, Permission
from db import audit, summary
from db.engine import write_transaction
from db.audit import acting
from db.schema import conflict_event, displacement_figure, event_count, load_batch, place, record_revision, \
    site_population
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


def delete_batch(engine: Engine, batch_id: int, *, actor: Actor | None = None) -> DeletedBatch:
    """Take a batch's rows out (see the module's docstring) in one transaction, on the audit trail.

    `actor` (the command line when None) must be an admin."""
    actor = acting(actor, Permission.DELETE_BATCH)
    removed = restored = kept = 0
    with write_transaction(engine) as conn:
        batch = conn.execute(select(load_batch.c.status, load_batch.c.file_name, load_batch.c.source_kind)
                             .where(load_batch.c.batch_id == batch_id)).first()
        if batch is None:
            raise BatchError(f"load batch {batch_id} does not exist")
        if batch.status == "deleted":
            raise BatchError(f"load batch {batch_id} ({batch.file_name}) was deleted already")
        places = conn.execute(select(func.count()).select_from(place).where(place.c.batch_id == batch_id)).scalar()
        if places:
            raise BatchError(f"load batch {batch_id} ({batch.file_name}) brought {places} place(s) to the gazetteer; "
                             "rows of other loads may name them, so it is not deleted. Load a corrected file "
                             "instead: its rows replace these.")
        for table in FACT_TABLES:
            id_column = table.c[ROW_ID[table.name]]
            revisions = conn.execute(
                select(record_revision.c.row_id, record_revision.c.previous_values)
                .where(record_revision.c.table_name == table.name, record_revision.c.replaced_by_batch_id == batch_id)
                .order_by(record_revision.c.revision_id)).all()
            previous = {row_id: json.loads(values) for row_id, values in revisions}  # the first revision's values
            still_ours = set(conn.execute(select(id_column).where(
                id_column.in_(list(previous)), table.c.batch_id == batch_id)).scalars()) if previous else set()
            kept += len(previous) - len(still_ours)
            if still_ours:
                with summary.kept_current(conn, table, id_column.in_(sorted(still_ours))):
                    for row_id in sorted(still_ours):
                        values = _typed(table, previous[row_id])
                        values.pop(ROW_ID[table.name], None)
                        conn.execute(update(table).where(id_column == row_id).values(**values))
                restored += len(still_ours)
            inserted = (table.c.batch_id == batch_id) & id_column.not_in(list(previous)) if previous \
                else table.c.batch_id == batch_id
            with summary.kept_current(conn, table, inserted):
                removed += conn.execute(delete(table).where(inserted)).rowcount or 0
        conn.execute(delete(record_revision).where(record_revision.c.replaced_by_batch_id == batch_id))
        conn.execute(update(load_batch).where(load_batch.c.batch_id == batch_id).values(status="deleted"))
        audit.record(conn, actor, "delete_batch", "load_batch", batch_id, batch_id=batch_id,
                     detail={"file": batch.file_name, "kind": batch.source_kind, "removed": removed,
                             "restored": restored, "kept": kept})
    return DeletedBatch(batch_id, removed, restored, kept)
