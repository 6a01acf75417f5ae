"""The major-incident row follows its process, in the transaction of the engine run.

`record_event` is the host side of the `major_event` service tasks of
major_incident.bpmn (stakeholders told, reminder, escalation, an update
published, the incident resolved, the review recorded); `follow` runs after
every engine run of such an instance and copies the due times the process set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ...domain import instants
from ...domain.access import Principal
from ...domain.enums import TaskState
from ...domain.errors import InvalidInput, ProcessError
from ...domain.major import REVIEW_FIELDS, MajorStatus
from ...models import HumanTask, Incident, MajorIncident, Notification, ProcessInstance
from ...workflow import Snapshot
from .. import audit, notifications
from . import family

DECLARED, REMINDER, ESCALATED = "declared", "reminder", "escalated"
UPDATE, RESOLVED, REVIEWED = "update", "resolved", "reviewed"
EVENTS = (DECLARED, REMINDER, ESCALATED, UPDATE, RESOLVED, REVIEWED)
# Whom a late update is escalated to, unless the step names a group.
ESCALATION_GROUP = "L3"

_OF_INCIDENT = select(MajorIncident).where(MajorIncident.incident_id == bindparam("incident_id"))


def major_of(session: Session, incident_id: int) -> MajorIncident | None:
    return session.scalar(_OF_INCIDENT, {"incident_id": incident_id})


def _row_of(session: Session, instance: ProcessInstance) -> MajorIncident | None:
    if instance.incident_id is None:
        return None
    row = major_of(session, instance.incident_id)
    if row is None or row.instance_id not in (None, instance.id):
        return None
    return row


def follow(session: Session, instance: ProcessInstance, snapshot: Snapshot, *, now) -> None:
    row = _row_of(session, instance)
    if row is None:
        return
    data = snapshot.data
    if row.status == MajorStatus.ACTIVE:
        due = instants.aware(data.get("update_due"))
        if due is not None and due != row.next_update_due_at:
            row.next_update_due_at = due
            row.update_minutes = max(1, round((due - now).total_seconds() / 60))
    else:
        row.next_update_due_at = None
        row.review_due_at = instants.aware(data.get("review_due")) or row.review_due_at
    # The manager's steps go straight to the manager, not to the L3 queue. Tasks
    # become ready in this run only, so the new rows are the ones to look at.
    for task in session.new:
        if (
            isinstance(task, HumanTask)
            and task.instance_id == instance.id
            and task.state == TaskState.READY
            and task.claimed_by_id is None
        ):
            task.claimed_by_id = row.manager_id
    row.updated_at = now


def record_event(
    svc,
    session: Session,
    instance: ProcessInstance,
    params: dict[str, Any],
    *,
    now: datetime,
    actor: Principal | None,
    element_id: str,
    later: list,
) -> dict[str, Any]:
    """What a step of the major-incident process did; `later` takes work that runs
    other instances (resolving the children), which waits until this run is over."""
    kind = params.get("event")
    if kind not in EVENTS:
        raise ProcessError(
            f"major_event needs event one of {', '.join(EVENTS)}; got {kind!r}",
            element_id=element_id,
        )
    row = _row_of(session, instance)
    if row is None:
        return {"recorded": False}
    incident = session.get(Incident, row.incident_id)

    def event(event_type: str, incident_id: int = row.incident_id, **payload) -> None:
        audit.record(
            session,
            event_type,
            at=now,
            actor=actor,
            incident_id=incident_id,
            instance_id=instance.id,
            element_id=element_id,
            data={"major_incident": incident.number, **payload},
        )

    if kind == DECLARED:
        event("major.declared", reason=row.reason, manager_id=row.manager_id)
    elif kind in (REMINDER, ESCALATED):
        return _late(session, row, incident, kind, params, now=now, element_id=element_id)
    elif kind == UPDATE:
        _publish(session, row, incident, params, now=now, event=event)
    elif kind == RESOLVED:
        row.status = MajorStatus.REVIEW
        row.resolved_at = now
        row.next_update_due_at = None
        event("major.resolved", resolution=incident.resolution)
        later.append(lambda: family.resolve_children(svc, session, incident, actor=actor))
    else:
        _review(row, params, now=now, actor=actor, event=event)
    row.updated_at = now
    return {"recorded": True}


def _late(session, row, incident, kind, params, *, now, element_id) -> dict[str, Any]:
    """Told once per due time: each pass of the cadence arms the timers again."""
    due = instants.required(params.get("due"), element_id=element_id, what="major_event `due`")
    if row.status != MajorStatus.ACTIVE or (row.last_update_at and row.last_update_at >= due):
        return {"recorded": False}
    if (row.reminded_for if kind == REMINDER else row.escalated_for) == due:
        return {"recorded": False}
    data = {
        "major_incident": incident.number,
        "due_at": due.isoformat(),
        "late_seconds": int((now - due).total_seconds()),
    }
    name = "major.update_late" if kind == REMINDER else "major.update_escalated"
    # The clock acted, not whoever's request happened to run the timer.
    audit.record(
        session,
        name,
        at=now,
        actor=None,
        incident_id=row.incident_id,
        element_id=element_id,
        instance_id=row.instance_id,
        data=data,
    )
    if kind == REMINDER:
        row.reminded_for = due
        _tell_manager(session, row, name, data, now=now)
    else:
        row.escalated_for = due
        notifications.notify_group(
            session,
            now=now,
            event=name,
            group=str(params.get("group") or ESCALATION_GROUP),
            role=notifications.LEAD,
            incident_id=row.incident_id,
            data=data,
            template="major_escalated",
        )
    row.updated_at = now
    return {"recorded": True}


def _tell_manager(session, row: MajorIncident, name: str, data: dict, *, now) -> None:
    notifications.add(
        session,
        Notification(
            created_at=now,
            incident_id=row.incident_id,
            event=name,
            recipient_id=row.manager_id,
            recipient_group=None,
            role=notifications.MEMBER,
            data=data,
        ),
        template="major_reminder",
        event={"type": name, "actor": audit.SYSTEM_ACTOR, "data": data},
    )


def _publish(session, row, incident, params, *, now, event) -> None:
    text = str(params.get("text") or "").strip()
    if not text:
        raise InvalidInput("the update is empty", [])
    next_steps = str(params.get("next_steps") or "").strip() or None
    row.last_update_at = now
    row.last_update = text
    row.updates += 1
    payload = {"update": text, "next_steps": next_steps, "update_number": row.updates}
    # One event per incident of the family: the rules tell each one's reporter and followers.
    event("major.update_published", **payload)
    for child in family.children(session, incident):
        event("major.update_published", incident_id=child.id, **payload)


def _review(row, params, *, now, actor, event) -> None:
    review = {name: str(params.get(name) or "").strip() for name in REVIEW_FIELDS}
    row.review = review
    row.reviewed_at = now
    row.reviewed_by_id = actor.user_id if actor else None
    row.status = MajorStatus.REVIEWED
    event("major.reviewed", **review)
