"""The audit trail: one row per change a person makes, written in the change's own transaction.

Every function of db/ that changes data on a person's behalf takes the `actor` (access.policy)
doing it, checks the actor may (`require`), and records the action here before its transaction
commits: a change and its entry land together or not at all. Without an actor, the caller is a
command run on the server (access.policy.command_line_actor).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, select

from access.policy import Actor, Permission, command_line_actor
from db.schema import audit_event

if TYPE_CHECKING:  # pandas only for the Admin page's read: every load imports this module (~70 MB less)
    import pandas as pd

AUDIT_COLUMNS = ["audit_id", "occurred_at", "actor", "role", "how", "action", "target_table", "target_id", "batch_id",
                 "detail"]


def acting(actor: Actor | None, permission: Permission) -> Actor:
    """The actor (the command line when None), once it is known to be allowed `permission`
    (access.policy.PermissionDenied otherwise)."""
    actor = actor or command_line_actor()
    actor.require(permission)
    return actor


def record(conn: Connection, actor: Actor, action: str, target_table: str, target_id: int | None = None, *,
           batch_id: int | None = None, detail: dict | None = None) -> None:
    from db.writes import utc_now

    conn.execute(audit_event.insert().values(
        occurred_at=utc_now(), actor=actor.name, role=actor.role.label, how=actor.how, action=action,
        target_table=target_table, target_id=target_id, batch_id=batch_id,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)))


def query_audit(engine: Engine, limit: int = 500, action: str | None = None) -> pd.DataFrame:
    """The latest entries first (at most `limit`), optionally of one action."""
    from db.queries import _frame

    a = audit_event
    query = select(*(a.c[name] for name in AUDIT_COLUMNS)).order_by(a.c.audit_id.desc()).limit(limit)
    if action:
        query = query.where(a.c.action == action)
    return _frame(engine, query)
