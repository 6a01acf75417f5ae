"""The append-only audit trail: who did what, when, with which data.

Events are collected on the session and written in one multi-row INSERT just
before the transaction commits: a request records several of them, and the
ORM would send one statement per row. They commit, or roll back, with the
change they describe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..domain.access import Principal
from ..models import AuditEvent, HumanTask

SYSTEM_ACTOR = "system"
_PENDING = "incident_desk.audit_events"


def record(
    session: Session,
    event_type: str,
    *,
    at: datetime,
    actor: Principal | None,
    incident_id: int | None = None,
    instance_id: int | None = None,
    task_id: str | None = None,
    element_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.info.setdefault(_PENDING, []).append(
        {
            "at": at,
            "incident_id": incident_id,
            "instance_id": instance_id,
            "actor_id": actor.user_id if actor else None,
            "actor": actor.username if actor else SYSTEM_ACTOR,
            "type": event_type,
            "task_id": task_id,
            "element_id": element_id,
            "data": data or {},
        }
    )


def record_task(
    session: Session,
    event_type: str,
    row: HumanTask,
    *,
    at: datetime,
    actor: Principal | None,
    data: dict[str, Any],
) -> None:
    """An event about a task row: where it stands, its name and lane, and `data`."""
    record(
        session,
        event_type,
        at=at,
        actor=actor,
        incident_id=row.incident_id,
        instance_id=row.instance_id,
        task_id=row.id,
        element_id=row.key,
        data={"name": row.name, "lane": row.lane, **data},
    )


def pending(session: Session) -> list[dict[str, Any]]:
    """The events recorded in this transaction so far (the outbox reads them at commit)."""
    return session.info.get(_PENDING, [])


def write_pending(session: Session) -> None:
    """Registered to run before every write transaction commits (see build_services)."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        # A Core insert: the ORM's bulk insert would split the rows by which
        # values are None and send one statement per group.
        session.execute(insert(AuditEvent.__table__), pending)


def discard_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
