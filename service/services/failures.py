"""What a user submitted when the run it started failed: kept, never lost.

The request is rolled back (a failed run changes nothing), so the submission
is written in a transaction of its own, as an audit event with the error and
where the process failed. Admins list them (`recent`) across incidents; an
incident's own show in its trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from ..domain import access
from ..domain.access import Principal
from ..domain.enums import BREACH_PROCESS_ID
from ..domain.errors import Forbidden, ProcessError
from ..models import AuditEvent, Incident, ProcessInstance
from . import audit
from .context import Services
from .paging import page_of

TASK_FAILED = "task.failed"
INCIDENT_FAILED = "incident.failed"
COMMENT_FAILED = "comment.failed"
ALERT_FAILED = "alert.failed"
TYPES = (TASK_FAILED, INCIDENT_FAILED, COMMENT_FAILED, ALERT_FAILED)
_BREACHES = select(ProcessInstance.id).where(ProcessInstance.process_id == BREACH_PROCESS_ID)


@dataclass(frozen=True)
class FailureView:
    id: int
    at: datetime
    type: str
    actor: str
    incident_number: str | None
    instance_id: int | None
    task_id: str | None
    element_id: str | None
    error: str | None
    submitted: Any


def keep(
    svc: Services,
    principal: Principal | None,
    event_type: str,
    submitted: Any,
    error: ProcessError,
    *,
    incident_id: int | None = None,
    instance_id: int | None = None,
    task_id: str | None = None,
    element_id: str | None = None,
) -> None:
    with svc.db.unit_of_work() as uow:
        audit.record(
            uow.session,
            event_type,
            at=svc.now(),
            actor=principal,
            incident_id=incident_id,
            instance_id=instance_id,
            task_id=task_id,
            element_id=error.element_id or element_id,
            data={
                "submitted": submitted,
                "error": error.message,
                "file": error.file,
                "line": error.line,
            },
        )
        uow.commit()


def recent(
    svc: Services, principal: Principal, *, page: int, page_size: int
) -> tuple[list[FailureView], int]:
    """Failed submissions, newest first (admins)."""
    if not access.administers(principal):
        raise Forbidden("only admins see failed submissions")
    with svc.db.read() as uow:
        session = uow.session
        where = [AuditEvent.type.in_(TYPES)]
        if not access.may_read_breaches(principal):
            where.append(
                or_(AuditEvent.instance_id.is_(None), AuditEvent.instance_id.not_in(_BREACHES))
            )
        rows, total = page_of(
            session,
            AuditEvent,
            where,
            select(AuditEvent, Incident.number)
            .outerjoin(Incident, Incident.id == AuditEvent.incident_id)
            .order_by(AuditEvent.id.desc()),
            page=page,
            page_size=page_size,
        )
        return [
            FailureView(
                event.id,
                event.at,
                event.type,
                event.actor,
                number,
                event.instance_id,
                event.task_id,
                event.element_id,
                event.data.get("error"),
                event.data.get("submitted"),
            )
            for event, number in rows
        ], total
