"""The append-only audit trail: who did what, when, with which data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..domain.access import Principal
from ..models import AuditEvent

SYSTEM_ACTOR = "system"


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
) -> AuditEvent:
    event = AuditEvent(
        at=at,
        incident_id=incident_id,
        instance_id=instance_id,
        actor_id=actor.user_id if actor else None,
        actor=actor.username if actor else SYSTEM_ACTOR,
        type=event_type,
        task_id=task_id,
        element_id=element_id,
        data=data or {},
    )
    session.add(event)
    return event
