"""Review of facts read from text: accept (as read or edited), reject, reopen; link place names.

Facts from text reports are stored pending (loaders/sources/text_report.py). Only a person moves
them on, and only what a chart may count changes: db.queries counts `accepted` text facts, never
`pending` or `rejected` ones. Each decision is one transaction; an edit that breaks a rule of the
schema is refused with a message saying which, and changes nothing.

Linking a place name sends every row that names it (and has no place yet, from any provider) to
the gazetteer entry, adds the name as an alias of that place, and closes the name on the review
queue.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from access.policy import Actor, Permission
from db import audit, levels, summary, vocab
from db.engine import write_transaction
from db.audit import acting
from db.schema import conflict_event, displacement_figure, event_count, place, place_alias, unresolved_place_name
from gazetteer.normalise import name_key

DECISIONS = {"accept": "accepted", "reject": "rejected", "reopen": "pending"}

# What a reviewer may change on each kind of fact, and nothing else.
FIGURE_EDITS = ("figure", "figure_max", "qualifier", "unit", "figure_kind", "term", "origin_place_id",
                "destination_place_id", "period_start", "period_end")
EVENT_EDITS = ("event_date", "date_precision", "event_type", "sub_event_type", "place_id")

# Plain-language names of the rules an edit can break (db/schema.py has the constraints).
RULES = {
    "vague_iff_no_figure": "a figure needs a hedge other than 'vague', and a vague report has no figure",
    "range_has_upper_bound": "a range needs an upper bound at or above its figure; other hedges have none",
    "period_order": "the period ends before it starts",
    "figure_non_negative": "a figure cannot be negative",
    "dated_once_counted": "an event needs a date before it can be accepted",
    "sub_event_type_of_type": "the sub-event type does not belong to the event type",
    "unit_vocab": f"the unit must be one of {', '.join(vocab.UNITS)}",
    "qualifier_vocab": f"the hedge must be one of {', '.join(vocab.QUALIFIERS)}",
}


class ReviewError(ValueError):
    """An edit or decision that cannot be stored; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class Decision:
    table: str  # "displacement_figure" or "conflict_event"
    row_id: int
    status: str


def _table(kind: str):
    if kind == "displacement_figure":
        return displacement_figure, displacement_figure.c.figure_id, FIGURE_EDITS
    if kind == "conflict_event":
        return conflict_event, conflict_event.c.event_id, EVENT_EDITS
    raise ReviewError(f"{kind!r} holds no facts read from text")


def decide(engine: Engine, kind: str, row_id: int, decision: str, edits: dict | None = None, *,
           actor: Actor | None = None) -> Decision:
    """Accept, reject or reopen one text fact, applying the reviewer's edits in the same update.

    `actor` (the command line when None) must be allowed to review; the decision goes on the audit trail."""
    actor = acting(actor, Permission.REVIEW)
    table, id_column, allowed = _table(kind)
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}")
    edits = dict(edits or {})
    unknown = sorted(set(edits) - set(allowed))
    if unknown:
        raise ReviewError(f"these fields cannot be edited on review: {', '.join(unknown)}")
    if kind == "displacement_figure" and edits.get("qualifier") == "vague":
        edits["figure"] = edits["figure_max"] = None
    status = DECISIONS[decision]
    try:
        with write_transaction(engine) as conn:
            current = conn.execute(select(table.c.provider, table.c.review_status).where(id_column == row_id)).first()
            if current is None:
                raise ReviewError(f"fact {row_id} does not exist (it may have been removed with its batch)")
            if current.review_status == "not_required":
                raise ReviewError(f"fact {row_id} came from a data table, not from text: it is not reviewed here")
            # The weekly summaries of the fact's week before and after the edit are recomputed with it.
            # The levels first (db/levels.py): the summaries count only figures no finer row holds.
            with summary.kept_current(conn, table, id_column == row_id), _levels_kept(conn, table, id_column == row_id):
                conn.execute(update(table).where(id_column == row_id).values(**edits, review_status=status))
            audit.record(conn, actor, "review", kind, row_id, detail={"decision": decision, "status": status,
                                                                      "edited": sorted(edits)})
    except IntegrityError as exc:
        message = str(exc.orig)
        rule = next((text for name, text in RULES.items() if name in message), None)
        raise ReviewError(f"not saved: {rule or 'the edit breaks a rule of the database'}") from None
    return Decision(kind, row_id, status)


@contextmanager
def _levels_kept(conn, table, condition) -> Iterator[None]:
    """Around an UPDATE of displacement figures: which figures are held in finer rows (db/levels.py),
    recomputed for the groups (provider, kind, unit, day) of the rows before the change and after it,
    in the same transaction and before the summaries are (summary.kept_current, around this). An
    edit may move a district's figure to another province, or to another day: the province it left
    is no longer held, the one it joined may be."""
    if table is not displacement_figure:
        yield
        return
    before = levels.groups_of(conn, condition)
    yield
    levels.refresh_held(conn, before | levels.groups_of(conn, condition))


def place_id_for(engine: Engine, key: str) -> int | None:
    """A gazetteer place by its place_key or p-code (as the review page's place box takes them)."""
    key = (key or "").strip()
    if not key:
        return None
    with engine.connect() as conn:
        found = conn.execute(select(place.c.place_id).where(or_(place.c.place_key == key, place.c.pcode == key))).first()
    return found.place_id if found else None


# Every column pair that holds a place as written beside the place it resolved to, in every
# provider's rows: (table, place id column, name-as-written column).
NAMED_PLACE_COLUMNS = (
    (displacement_figure, displacement_figure.c.origin_place_id, displacement_figure.c.origin_name_raw),
    (displacement_figure, displacement_figure.c.destination_place_id,
     displacement_figure.c.destination_name_raw),
    (conflict_event, conflict_event.c.place_id, conflict_event.c.place_name_raw),
    (event_count, event_count.c.place_id, event_count.c.area_name_raw),
)


def _key_of(name: str) -> str:
    """The queue's key of a name (as db.writes.queue_unresolved_names computes it)."""
    return name_key(name) or name.strip().casefold()


def _enclosing_places(conn, place_id: int) -> list[int]:
    """The places that contain `place_id` (its parent, the parent's parent, ... up to the country)."""
    found, current = [], place_id
    while True:
        parent = conn.execute(select(place.c.parent_id).where(place.c.place_id == current)).scalar()
        if parent is None or parent in found or parent == place_id:
            return found
        found.append(parent)
        current = parent


def link_place_name(engine: Engine, raw_name: str, place_id: int, *, actor: Actor | None = None) -> int:
    """Link a name as written to a gazetteer place: rows naming it resolve, and so will future loads.

    Rows of every provider are looked at — displacement figures (origin and destination),
    conflict events and event counts — and a row names the place when its name as written has
    the same name key (gazetteer.normalise.name_key) as `raw_name`, as the queue groups names.
    A row without a place gets the linked one. A row from a data table (not a text fact) that a
    loader placed in an enclosing area while the name waited for review (an ACLED town the
    gazetteer lacked counts in its district; loaders/sources/acled.py, hxl_tagged.py,
    idptf_workbook.py) moves to the linked place, which lies inside that area. Any other place
    a row has, and any place a reviewer gave a text fact, is kept.

    The name becomes an alias of the place, and every queue entry with its key is marked linked.
    Returns how many rows were resolved (or moved to the finer place). `actor` (the command line
    when None) must be allowed to link names; the link goes on the audit trail.
    """
    actor = acting(actor, Permission.LINK_PLACES)
    raw_name = (raw_name or "").strip()
    if not raw_name:
        raise ReviewError("give the place name to link")
    key = _key_of(raw_name)
    resolved = 0
    with write_transaction(engine) as conn:
        if conn.execute(select(place.c.place_id).where(place.c.place_id == place_id)).first() is None:
            raise ReviewError(f"place {place_id} is not in the gazetteer")
        known = conn.execute(select(place_alias.c.alias_id).where(
            place_alias.c.place_id == place_id, place_alias.c.alias_key == key)).first()
        if known is None:
            conn.execute(place_alias.insert().values(place_id=place_id, alias=raw_name, alias_key=key,
                                                     language="user", batch_id=None))
        enclosing = _enclosing_places(conn, place_id)
        for table, id_col, raw_col in NAMED_PLACE_COLUMNS:
            unplaced = id_col.is_(None)
            if enclosing:
                stand_in = id_col.in_(enclosing)
                if "review_status" in table.c:  # a text fact's place may be a reviewer's choice: kept
                    stand_in = and_(stand_in, table.c.review_status == "not_required")
                unplaced = or_(unplaced, stand_in)
            written = conn.execute(select(raw_col).where(raw_col.is_not(None), unplaced).distinct()).scalars()
            names = [name for name in written if _key_of(name) == key]
            if names:
                naming = and_(raw_col.in_(names), unplaced)
                # weekly sums are kept per place; a place given inside a province may hold its figure
                with summary.kept_current(conn, table, naming), _levels_kept(conn, table, naming):
                    result = conn.execute(update(table).where(naming).values({id_col.key: place_id}))
                resolved += result.rowcount or 0
        conn.execute(update(unresolved_place_name)
                     .where(unresolved_place_name.c.name_key == key, unresolved_place_name.c.status != "linked")
                     .values(status="linked", linked_place_id=place_id))
        audit.record(conn, actor, "link_place_name", "place", place_id, detail={"name": raw_name, "rows": resolved})
    from gazetteer import forget_cached_gazetteers

    forget_cached_gazetteers()  # the next load resolves the name through its new alias
    return resolved
