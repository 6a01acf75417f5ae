"""One instance for the owners' page: its audit trail and the failed steps in it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import BREACH_PROCESS_ID
from ...domain.errors import Forbidden, NotFound
from ...domain.numbering import MAX_ID
from ...models import AuditEvent, ProcessInstance, Timer
from .. import failures
from ..context import Services
from ..views import EventView, event_views


@dataclass(frozen=True)
class FailedStep:
    """Where a run of the instance failed: the error, and the file, element and line
    the engine named (None when it named none)."""

    at: object
    kind: str
    error: str | None
    file: str | None
    element_id: str | None
    line: int | None


@dataclass(frozen=True)
class InstanceTrail:
    events: list[EventView]
    failures: list[FailedStep]


def trail(svc: Services, principal: Principal, instance_id: int) -> InstanceTrail:
    """Oldest first. Failed runs come from kept submissions and from timers whose
    retries ran out."""
    if not access.may_use_cockpit(principal):
        raise Forbidden("process owners and admins open instances here")
    with svc.db.read() as uow:
        session = uow.session
        instance = session.get(ProcessInstance, instance_id) if instance_id <= MAX_ID else None
        if instance is None or (
            instance.process_id == BREACH_PROCESS_ID and not access.may_read_breaches(principal)
        ):
            raise NotFound(f"no instance {instance_id}")
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
        ).all()
        failed = [
            FailedStep(
                e.at,
                e.type,
                e.data.get("error"),
                e.data.get("file"),
                e.element_id,
                e.data.get("line"),
            )
            for e in events
            if e.type in failures.TYPES
        ]
        for timer in session.scalars(
            select(Timer).where(Timer.instance_id == instance_id, Timer.state == "failed")
        ):
            failed.append(
                FailedStep(timer.due_at, "timer", timer.last_error, None, timer.element_id, None)
            )
        return InstanceTrail(event_views(session, events), failed)
