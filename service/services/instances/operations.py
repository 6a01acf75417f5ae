"""Suspend, resume, terminate, retry and reset one instance, each audited with who and why.

Every operation locks the instance row as a task completion does
(`execution.lock`), so an operation and a completion racing on one instance
run one after the other and the second sees what the first left: a
terminate that loses answers 409, a completion that loses answers 409.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import BREACH_PROCESS_ID, IncidentStatus, InstanceStatus, TaskState
from ...domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from ...domain.numbering import MAX_ID, format_number
from ...models import HumanTask, Incident, ProcessInstance, Timer
from .. import alert_groups, audit, execution, projection, schedule
from ..context import Services

MAX_REASON = 2000
TERMINATED_CLOSURE = "terminated"
_OPEN = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


@dataclass(frozen=True)
class InstanceView:
    id: int
    process_id: str
    version: int
    status: str
    reason: str | None
    incident_number: str | None
    updated_at: datetime


@dataclass(frozen=True)
class ResetPoint:
    task_id: str
    element_id: str
    name: str
    lane: str | None
    completed_at: datetime | None
    data: dict[str, Any]


def check_reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("a reason is required", [FieldError("$.reason", "give a reason")])
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            "the reason is too long",
            [FieldError("$.reason", f"at most {MAX_REASON} characters")],
        )
    return reason.strip()


def suspend(svc: Services, principal: Principal, instance_id: int, reason: str) -> InstanceView:
    """Hold a running instance: its timers wait, its tasks cannot be completed."""
    reason = check_reason(reason)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        instance = _locked(session, principal, instance_id)
        if instance.status != InstanceStatus.RUNNING:
            raise Conflict(
                f"only a running instance can be suspended; this one is {instance.status}"
            )
        instance.status = InstanceStatus.SUSPENDED
        instance.hold_reason = reason
        _done(svc, session, instance, principal, "instance.suspended", {"reason": reason})
        return _commit(uow, session, instance)


def resume(svc: Services, principal: Principal, instance_id: int, reason: str) -> InstanceView:
    """Release a suspended instance; the timers that fell due meanwhile fire at the
    worker's next sweep, which this commit wakes."""
    reason = check_reason(reason)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        instance = _locked(session, principal, instance_id)
        if instance.status != InstanceStatus.SUSPENDED:
            raise Conflict(
                f"only a suspended instance can be resumed; this one is {instance.status}"
            )
        due = session.scalar(
            select(Timer.id)
            .where(Timer.instance_id == instance.id, Timer.due_at < svc.now())
            .limit(1)
        )
        instance.status = InstanceStatus.RUNNING
        held_for = instance.hold_reason
        instance.hold_reason = None
        _done(
            svc,
            session,
            instance,
            principal,
            "instance.resumed",
            {"reason": reason, "suspended_for": held_for, "due_timers": due is not None},
        )
        session.info[schedule.CHANGED] = True
        return _commit(uow, session, instance)


def terminate(svc: Services, principal: Principal, instance_id: int, reason: str) -> InstanceView:
    """Cancel the instance through the engine and close its incident as `terminated`."""
    reason = check_reason(reason)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        instance = _locked(session, principal, instance_id)
        if instance.status not in _OPEN:
            raise Conflict(f"the instance has already ended ({instance.status})")
        _terminate(svc, session, instance, principal, reason)
        return _commit(uow, session, instance)


def retry(svc: Services, principal: Principal, instance_id: int, reason: str) -> InstanceView:
    """Run the failed step again: failed timers get fresh attempts and the instance
    runs at once; a step that fails again answers with its element, file and line."""
    reason = check_reason(reason)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        instance = _locked(session, principal, instance_id)
        failed = list(
            session.scalars(
                select(Timer).where(
                    Timer.instance_id == instance.id, Timer.state == schedule.FAILED
                )
            )
        )
        if not failed:
            raise Conflict("the instance has no failed step to retry")
        execution.require_running(instance)
        session.execute(
            update(Timer)
            .where(Timer.id.in_([row.id for row in failed]))
            .values(
                state=schedule.WAITING,
                attempts=0,
                next_attempt_at=None,
                lease_owner=None,
                lease_expires_at=None,
            )
        )
        run = execution.resume(svc, session, instance, actor=principal)
        run.execution.run()
        _done(
            svc,
            session,
            instance,
            principal,
            "instance.retried",
            {
                "reason": reason,
                "elements": sorted({row.element_id for row in failed}),
                "last_error": failed[0].last_error,
            },
        )
        execution.advance(svc, session, instance, run, actor=principal, trigger="timer")
        return _commit(uow, session, instance)


def reset_points(svc: Services, principal: Principal, instance_id: int) -> list[ResetPoint]:
    """The completed user and script steps the instance can go back to, with their data."""
    with svc.db.read() as uow:
        session = uow.session
        instance = _get(session, principal, instance_id)
        if instance.status not in _OPEN:
            return []
        loaded = execution.peek(svc, session, instance)
        return [
            ResetPoint(
                point["task_id"],
                point["element_id"],
                point["name"],
                point["lane"],
                _instant(point["completed_at"]),
                _plain(point["data"]),
            )
            for point in loaded.reset_points()
        ]


def reset(
    svc: Services, principal: Principal, instance_id: int, task_id: str, reason: str
) -> InstanceView:
    """Move a running instance back to a completed step; it runs on from there."""
    reason = check_reason(reason)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        instance = _locked(session, principal, instance_id)
        run = execution.resume(svc, session, instance, actor=principal)
        before = [task.key for task in run.execution.snapshot().ready]
        points = {
            point["task_id"]: point
            for point in execution.peek(svc, session, instance).reset_points()
        }
        if task_id not in points:
            raise InvalidInput(
                "the instance cannot go back to that task",
                [FieldError("$.task", "not one of the instance's reset points")],
            )
        run.execution.reset_to(task_id)
        _reopen_rows(svc, session, instance, run.execution.snapshot(), principal)
        _done(
            svc,
            session,
            instance,
            principal,
            "instance.reset",
            {
                "reason": reason,
                "from_elements": before,
                "to_element": points[task_id]["element_id"],
                "to_task": task_id,
            },
        )
        execution.advance(svc, session, instance, run, actor=principal, trigger="reset")
        return _commit(uow, session, instance)


def _reopen_rows(svc, session: Session, instance: ProcessInstance, snapshot, principal) -> None:
    """The engine reopens the step it went back to under its old task id: that
    task's row, completed before, becomes ready again (the trail keeps both)."""
    now = svc.now()
    for task in snapshot.ready:
        row = session.scalar(select(HumanTask).where(HumanTask.id == task.id))
        if row is None or row.instance_id != instance.id or row.state == TaskState.READY:
            continue
        row.state = TaskState.READY
        row.completed_at = None
        row.completed_by_id = None
        row.claimed_by_id = None
        row.created_at = now
        audit.record_task(session, "task.created", row, at=now, actor=principal, data={})
    session.flush()


def _terminate(
    svc: Services, session: Session, instance: ProcessInstance, principal: Principal, reason: str
) -> None:
    now = svc.now()
    run = execution.resume(svc, session, instance, actor=principal, held_ok=True)
    run.execution.cancel()
    snapshot = run.execution.snapshot()
    incident = execution.own_incident(session, instance)
    projection.sync_tasks(
        session,
        instance,
        snapshot,
        now=now,
        actor=principal,
        previous=projection.IncidentMemory.of(incident),
        incident=incident,
    )
    schedule.sync(session, instance, snapshot, now)
    instance.state = run.execution.dump()
    instance.status = InstanceStatus.TERMINATED
    instance.hold_reason = reason
    instance.updated_at = now
    _done(svc, session, instance, principal, "instance.terminated", {"reason": reason})
    if incident is not None and incident.status != IncidentStatus.CLOSED:
        _close(session, incident, principal, now, reason)
    # Linked processes end with it, except a breach: telling the authority is a legal
    # duty that outlives the incident's lifecycle.
    children = session.scalars(
        select(ProcessInstance.id).where(
            ProcessInstance.parent_id == instance.id,
            ProcessInstance.status.in_(_OPEN),
            ProcessInstance.process_id != BREACH_PROCESS_ID,
        )
    ).all()
    for child_id in children:
        child = execution.lock(session, child_id)
        if child is not None and child.status in _OPEN:
            _terminate(svc, session, child, principal, reason)


def _close(session: Session, incident: Incident, principal: Principal, now, reason: str) -> None:
    old_status = incident.status
    incident.status = IncidentStatus.CLOSED
    incident.closure_code = TERMINATED_CLOSURE
    incident.closed_at = now
    incident.resolution = incident.resolution or reason
    incident.updated_at = now
    for event_type, data in (
        ("incident.closed", {"closure_code": TERMINATED_CLOSURE, "reason": reason}),
        (
            "incident.status_changed",
            {"from_status": old_status, "to_status": IncidentStatus.CLOSED},
        ),
    ):
        audit.record(
            session, event_type, at=now, actor=principal, incident_id=incident.id, data=data
        )
    alert_groups.release(session, incident.id)


def _done(svc, session, instance, principal, event_type: str, data: dict[str, Any]) -> None:
    instance.updated_at = svc.now()
    audit.record(
        session,
        event_type,
        at=svc.now(),
        actor=principal,
        incident_id=instance.incident_id,
        instance_id=instance.id,
        data={"process_id": instance.process_id, "version": instance.version.version, **data},
    )


def _commit(uow, session: Session, instance: ProcessInstance) -> InstanceView:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("the instance changed while this request worked on it; retry") from None
    view = _view(session, instance)
    uow.commit()
    return view


def _locked(session: Session, principal: Principal, instance_id: int) -> ProcessInstance:
    _require(principal)
    instance = execution.lock(session, instance_id) if 0 < instance_id <= MAX_ID else None
    if instance is None:
        raise NotFound(f"no instance {instance_id}")
    return instance


def _get(session: Session, principal: Principal, instance_id: int) -> ProcessInstance:
    _require(principal)
    instance = session.get(ProcessInstance, instance_id) if 0 < instance_id <= MAX_ID else None
    if instance is None:
        raise NotFound(f"no instance {instance_id}")
    return instance


def _require(principal: Principal) -> None:
    if not access.may_operate_instances(principal):
        raise Forbidden("only process owners and admins operate instances")


def _view(session: Session, instance: ProcessInstance) -> InstanceView:
    return InstanceView(
        instance.id,
        instance.process_id,
        instance.version.version,
        instance.status,
        instance.hold_reason,
        format_number(instance.incident_id) if instance.incident_id else None,
        instance.updated_at,
    )


def _instant(value) -> datetime | None:
    if value is None:
        return None
    from datetime import UTC

    return datetime.fromtimestamp(float(value), UTC)


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """The step's data as JSON shows it (dates as ISO strings)."""
    return json.loads(json.dumps(data, default=str))
