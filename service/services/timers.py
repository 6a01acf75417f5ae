"""Firing timers, retries with backoff, and the admin's view of failed ones.

A worker fires each claimed timer in its own transaction under the instance
lock; the run that fires it deletes its row in the same commit (see
`schedule.sync`), so a timer fires exactly once, and never before it is due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import access
from ..domain.access import Principal
from ..domain.errors import Forbidden, NotFound
from ..domain.numbering import MAX_ID
from ..models import Incident, ProcessInstance, Timer
from . import audit, execution
from .context import Services
from .paging import page_of
from .schedule import CHANGED, FAILED, WAITING, Claimed

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=10)


@dataclass(frozen=True)
class TimerView:
    id: int
    instance_id: int
    incident_number: str | None
    element_id: str
    due_at: datetime
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None


def fire(svc: Services, claimed: Claimed, owner: str) -> bool:
    """Run the claimed timer's instance; False when the timer was already gone or not ours.

    A failure rolls the run back and schedules a retry with backoff; after
    MAX_ATTEMPTS the timer stays `failed` until an admin retries it.
    """
    try:
        return _fire(svc, claimed, owner)
    except Exception as exc:  # the worker must outlive any one broken instance
        # The message may quote the instance's data: it goes to the timer row (admins
        # read it there), not to the log.
        log.warning(
            "timer %s of instance %s failed (%s at %s); attempt recorded",
            claimed.id,
            claimed.instance_id,
            exc.__class__.__name__,
            getattr(exc, "element_id", None) or claimed.element_id,
        )
        _record_failure(svc, claimed, owner, exc)
        return False


def _fire(svc: Services, claimed: Claimed, owner: str) -> bool:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        instance = execution.lock(session, claimed.instance_id)
        row = session.get(Timer, claimed.id)
        if instance is None or row is None or row.lease_owner != owner:
            return False
        now = svc.now()
        run = execution.resume(svc, session, instance, actor=None)
        run.execution.run()
        audit.record(
            session,
            "timer.fired",
            at=now,
            actor=None,
            incident_id=instance.incident_id,
            instance_id=instance.id,
            element_id=claimed.element_id,
            data={
                "due_at": claimed.due_at.isoformat(),
                "late_ms": int((now - claimed.due_at).total_seconds() * 1000),
                "worker": owner,
            },
        )
        execution.advance(svc, session, instance, run, actor=None, trigger="timer")
        uow.commit()
        return True


def _record_failure(svc: Services, claimed: Claimed, owner: str, exc: Exception) -> None:
    now = svc.now()
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row = session.get(Timer, claimed.id)
        if row is None or row.lease_owner != owner:
            return
        row.attempts += 1
        row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        row.lease_owner = None
        row.lease_expires_at = None
        row.next_attempt_at = now + BACKOFF_BASE * (2 ** (row.attempts - 1))
        if row.attempts >= MAX_ATTEMPTS:
            row.state = FAILED
            instance = session.get(ProcessInstance, row.instance_id)
            audit.record(
                session,
                "timer.failed",
                at=now,
                actor=None,
                incident_id=instance.incident_id if instance else None,
                instance_id=row.instance_id,
                element_id=row.element_id,
                data={"attempts": row.attempts, "error": row.last_error},
            )
        uow.commit()


def list_timers(
    svc: Services, principal: Principal, *, state: str | None, page: int, page_size: int
) -> tuple[list[TimerView], int]:
    _require_admin(principal)
    with svc.db.read() as uow:
        session = uow.session
        rows, total = page_of(
            session,
            Timer,
            [Timer.state == state] if state else [],
            select(Timer, Incident.number)
            .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .outerjoin(Incident, Incident.id == ProcessInstance.incident_id)
            .order_by(Timer.due_at, Timer.id),
            page=page,
            page_size=page_size,
        )
        return [_view(row, number) for row, number in rows], total


def retry(svc: Services, principal: Principal, timer_id: int) -> TimerView:
    """Give a failed timer a fresh set of attempts, due at once."""
    _require_admin(principal)
    now = svc.now()
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row = session.get(Timer, timer_id) if timer_id <= MAX_ID else None
        if row is None:
            raise NotFound(f"no timer {timer_id}")
        row.state = WAITING
        row.attempts = 0
        row.next_attempt_at = None
        row.lease_owner = None
        row.lease_expires_at = None
        instance = session.get(ProcessInstance, row.instance_id)
        audit.record(
            session,
            "timer.retried",
            at=now,
            actor=principal,
            incident_id=instance.incident_id if instance else None,
            instance_id=row.instance_id,
            element_id=row.element_id,
            data={"last_error": row.last_error},
        )
        session.info[CHANGED] = True
        number = session.scalar(
            select(Incident.number).where(
                Incident.id == (instance.incident_id if instance else None)
            )
        )
        view = _view(row, number)
        uow.commit()
        return view


def failures_of(session: Session, incident_id: int) -> list[TimerView]:
    rows = session.execute(
        select(Timer, Incident.number)
        .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
        .join(Incident, Incident.id == ProcessInstance.incident_id)
        .where(ProcessInstance.incident_id == incident_id, Timer.state == FAILED)
    ).all()
    return [_view(row, number) for row, number in rows]


def _require_admin(principal: Principal) -> None:
    if not access.may_release_for_others(principal):
        raise Forbidden("only admins manage timers")


def _view(row: Timer, number: str | None) -> TimerView:
    return TimerView(
        row.id,
        row.instance_id,
        number,
        row.element_id,
        row.due_at,
        row.state,
        row.attempts,
        row.last_error,
        row.next_attempt_at,
    )
