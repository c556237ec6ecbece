"""Writes of the Data quality page: a person's decision on a possible duplicate; a dismissed name.

`decide_duplicate` stores one row of db.schema.duplicate_decision. "duplicate" keeps one figure
of the pair counted and stops counting the other: its review_status becomes 'rejected', which
every query counts out (vocab.COUNTED_REVIEW_STATUSES). "distinct" records that both stand.
Each decision is one transaction; bad input is refused with DuplicateDecisionError before
anything is written, and nothing changes. Placing a name on the gazetteer is db.review's
`link_place_name`; dismissing one (not a place, or not worth linking) is here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from access.policy import Actor, Permission
from db import audit, summary, vocab
from db.engine import write_transaction
from db.audit import acting
from db.schema import displacement_figure, duplicate_decision, unresolved_place_name
from db.writes import utc_now
from gazetteer.normalise import name_key


class QualityError(ValueError):
    """A data-quality decision that cannot be stored; the message says why. Nothing was changed."""


class DuplicateDecisionError(QualityError):
    """A duplicate decision refused: unknown figures, a kept figure outside the pair, decided already..."""


@dataclass(frozen=True)
class DuplicateDecision:
    first_id: int
    second_id: int
    decision: str
    kept_id: int | None
    rejected_id: int | None  # the figure that stopped counting ("duplicate" only)


def _as_id(value, name: str) -> int:
    """A figure id as an int (numpy integers from a frame too); anything else is refused."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or number != value:
        raise DuplicateDecisionError(f"{name} must be a figure id (a whole number), not {value!r}")
    return number


def decide_duplicate(engine: Engine, first_id: int, second_id: int, decision: str, kept_id: int | None = None,
                     decided_by: str | None = None, *, actor: Actor | None = None) -> DuplicateDecision:
    """Record a decision on two figures; with "duplicate", the one not kept stops counting.

    The pair may be given in either order (it is stored as first_id < second_id). `kept_id`
    must be one of the pair for "duplicate" and absent for "distinct". `actor` (the command line
    when None) must be allowed to decide; `decided_by` defaults to its name; the decision goes on
    the audit trail.
    """
    actor = acting(actor, Permission.DECIDE_DUPLICATES)
    decided_by = decided_by or actor.name
    first_id, second_id = sorted((_as_id(first_id, "first_id"), _as_id(second_id, "second_id")))
    if first_id == second_id:
        raise DuplicateDecisionError(f"a figure cannot duplicate itself (figure {first_id} given twice)")
    if decision not in vocab.DUPLICATE_DECISIONS:
        raise DuplicateDecisionError(f"decision must be one of {', '.join(vocab.DUPLICATE_DECISIONS)}, "
                                     f"not {decision!r}")
    if decision == "duplicate":
        if kept_id is None:
            raise DuplicateDecisionError("say which figure to keep: a duplicate keeps one of the pair counted")
        kept_id = _as_id(kept_id, "kept_id")
        if kept_id not in (first_id, second_id):
            raise DuplicateDecisionError(f"the figure kept ({kept_id}) must be one of the pair "
                                         f"({first_id}, {second_id})")
    elif kept_id is not None:
        raise DuplicateDecisionError("two distinct figures both stay counted: give no figure to keep")
    rejected_id = None if kept_id is None else (second_id if kept_id == first_id else first_id)
    f = displacement_figure
    try:
        with write_transaction(engine) as conn:
            found = {row.figure_id: row for row in conn.execute(
                select(f.c.figure_id, f.c.source_id, f.c.review_status)
                .where(f.c.figure_id.in_((first_id, second_id))))}
            for figure_id in (first_id, second_id):
                if figure_id not in found:
                    raise DuplicateDecisionError(f"figure {figure_id} does not exist (it may have been removed "
                                                 "with its batch)")
                if found[figure_id].review_status not in vocab.COUNTED_REVIEW_STATUSES:
                    raise DuplicateDecisionError(f"figure {figure_id} is not counted (review status "
                                                 f"{found[figure_id].review_status}): there is no duplicate to "
                                                 "decide; reload the list")
            if found[first_id].source_id == found[second_id].source_id:
                raise DuplicateDecisionError(f"figures {first_id} and {second_id} come from the same source: only "
                                             "figures from different sources are compared here")
            earlier = conn.execute(select(duplicate_decision.c.decision).where(
                duplicate_decision.c.first_id == first_id, duplicate_decision.c.second_id == second_id)).first()
            if earlier is not None:
                raise DuplicateDecisionError(f"figures {first_id} and {second_id} were already decided "
                                             f"({earlier.decision})")
            conn.execute(duplicate_decision.insert().values(
                first_id=first_id, second_id=second_id, decision=decision, kept_id=kept_id,
                decided_by=(decided_by or None), decided_at=utc_now()))
            if rejected_id is not None:
                with summary.kept_current(conn, f, f.c.figure_id == rejected_id):  # its week stops counting it
                    conn.execute(update(f).where(f.c.figure_id == rejected_id).values(review_status="rejected"))
            audit.record(conn, actor, "duplicate_decision", "displacement_figure", first_id,
                         detail={"pair": [first_id, second_id], "decision": decision, "kept": kept_id})
    except IntegrityError:
        # Another person decided the same pair between our check and our insert.
        raise DuplicateDecisionError(f"figures {first_id} and {second_id} were already decided") from None
    return DuplicateDecision(first_id, second_id, decision, kept_id, rejected_id)


def dismiss_place_name(engine: Engine, raw_name: str, *, actor: Actor | None = None) -> int:
    """Close every open queue entry of a name (same name key, any scope) without linking it.

    Rows that carry the name keep it as written, with no place. Returns how many entries closed.
    `actor` (the command line when None) must be allowed to; the dismissal goes on the audit trail.
    """
    actor = acting(actor, Permission.LINK_PLACES)
    raw_name = (raw_name or "").strip()
    if not raw_name:
        raise QualityError("give the place name to dismiss")
    key = name_key(raw_name) or raw_name.casefold()
    with write_transaction(engine) as conn:
        result = conn.execute(update(unresolved_place_name)
                              .where(unresolved_place_name.c.name_key == key,
                                     unresolved_place_name.c.status == "open")
                              .values(status="dismissed"))
        if not result.rowcount:
            raise QualityError("that name is not open on the queue any more (linked or dismissed already)")
        audit.record(conn, actor, "dismiss_place_name", "unresolved_place_name", None,
                     detail={"name": raw_name, "entries": result.rowcount})
    return result.rowcount
