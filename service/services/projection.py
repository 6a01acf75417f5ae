"""Keep the query-able rows in line with the engine: human tasks and the incident.

Worklists and incident lists are SQL over these rows; nothing outside the
engine ever has to load a workflow to answer "what is waiting for whom".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..domain import instants, lifecycle
from ..domain.access import Principal, is_agent_lane
from ..domain.enums import IncidentStatus, Priority, TaskState, Tier
from ..domain.errors import ProcessError
from ..domain.numbering import format_number
from ..models import HumanTask, Incident, ProcessInstance, User, UserGroup
from ..workflow import Snapshot
from . import alert_groups, audit
from .assignment import automatic

# Process variables copied onto the incident whenever the process sets them.
_COPIED_FIELDS = (
    "kind",
    "category",
    "impact",
    "urgency",
    "affected_item",
    "priority",
    "first_response_target",
    "resolution_target",
)


_READY_TASKS = select(HumanTask).where(
    HumanTask.instance_id == bindparam("instance_id"), HumanTask.state == TaskState.READY
)
_IN_GROUP = select(UserGroup.user_id).where(
    UserGroup.user_id == bindparam("user_id"), UserGroup.group == bindparam("group")
)
_USERNAME = select(User.username).where(User.id == bindparam("user_id"))


# (incident column, process variable, clock named in the audit trail when it moves)
_DEADLINES = (
    ("first_response_due_at", "first_response_due", "first_response"),
    ("resolution_due_at", "resolution_due", "resolution"),
    ("resolution_warning_at", "resolution_warning_due", None),
    ("first_response_warning_at", "first_response_warning_due", None),
)


@dataclass(frozen=True)
class IncidentMemory:
    """Who held the incident, at which tier, before this engine run."""

    tier: str | None
    assignee_id: int | None

    @classmethod
    def of(cls, incident: Incident | None) -> IncidentMemory:
        if incident is None:
            return cls(None, None)
        return cls(incident.tier, incident.assignee_id)


def project_incident(
    session: Session,
    incident: Incident,
    snapshot: Snapshot,
    *,
    now: datetime,
    actor: Principal | None,
    completed_lane: str | None,
    submitted: dict[str, Any],
    trigger: str,
) -> None:
    """`submitted`: the form data of the task completed in this run (empty otherwise);
    `trigger`: what moved the process (task, timer or message)."""
    data = snapshot.data
    lanes = [task.lane for task in snapshot.ready]
    old_status = IncidentStatus(incident.status)
    old_tier = Tier(incident.tier) if incident.tier else None
    old_priority = incident.priority

    for name in _COPIED_FIELDS:
        value = data.get(name)
        if value is not None:
            # A process owner's form may allow longer text than the column holds.
            setattr(incident, name, str(value)[: Incident.__table__.c[name].type.length])
    if incident.priority is not None and incident.priority not in Priority.__members__:
        raise ProcessError(f"the process set an unknown priority {incident.priority!r}")

    def event(event_type: str, **payload) -> None:
        audit.record(
            session, event_type, at=now, actor=actor, incident_id=incident.id, data=payload
        )

    _project_deadlines(incident, data, event)
    if is_agent_lane(completed_lane) and incident.first_response_at is None:
        incident.first_response_at = now
        _late_breach(session, incident, "first_response", now, event)

    new_status = lifecycle.derive_status(
        process_ended=snapshot.ended,
        waiting_lanes=lanes,
        # A public reply answers the reporter (first response) but only completed
        # agent work moves an incident on from new.
        agent_has_acted=old_status != IncidentStatus.NEW or is_agent_lane(completed_lane),
        reporter_events=[message.lane for message in snapshot.messages],
    )
    closure_code = data.get("closure_code") if snapshot.ended else None
    lifecycle.check_transition(
        old_status, new_status, closure_code=closure_code, resolution=data.get("resolution")
    )
    new_tier = lifecycle.current_tier(lanes, old_tier)

    if incident.priority != old_priority:
        event(
            "incident.prioritised",
            priority=incident.priority,
            previous_priority=old_priority,
            impact=incident.impact,
            urgency=incident.urgency,
            first_response_target=incident.first_response_target,
            resolution_target=incident.resolution_target,
            reason=submitted.get("reprioritise_reason"),
        )
    if lifecycle.is_reopen(old_status, new_status):
        incident.resolved_at = None
        incident.reopen_count += 1
        event("incident.reopened", tier=new_tier, comment=submitted.get("comment"))
    elif new_tier != old_tier and old_tier is not None:
        escalated = lifecycle.is_escalation(old_tier, new_tier)
        reason = (
            submitted.get("escalation_reason") if trigger == "task" else "resolution target missed"
        )
        event(
            "incident.escalated" if escalated else "incident.routed",
            from_tier=old_tier,
            to_tier=new_tier,
            reason=reason,
            trigger=trigger,
        )
    if new_status != old_status:
        _enter(session, incident, old_status, new_status, data, submitted, now, event)
        if new_status == IncidentStatus.CLOSED:
            incident.closure_code = str(closure_code)[:64]
            closed = {"closure_code": incident.closure_code}
            if incident.merged_into_id is not None:
                closed["merged_into"] = format_number(incident.merged_into_id)
            event("incident.closed", **closed)
            alert_groups.release(session, incident.id)
        event("incident.status_changed", from_status=old_status, to_status=new_status)

    incident.status = new_status
    incident.tier = new_tier
    incident.updated_at = now


def _enter(session, incident, old_status, new_status, data, submitted, now, event) -> None:
    """What entering and leaving a status does to the incident and its clocks."""
    if old_status == IncidentStatus.ON_HOLD:
        held = int((now - incident.paused_since).total_seconds()) if incident.paused_since else 0
        incident.paused_since = None
        event("incident.resumed", held_seconds=held)
    if new_status == IncidentStatus.ON_HOLD:
        incident.paused_since = instants.aware(data.get("paused_at")) or now
        incident.hold_reason = submitted.get("hold_reason") or incident.hold_reason
        event("incident.on_hold", reason=incident.hold_reason)
    elif new_status == IncidentStatus.RESOLVED:
        incident.resolved_at = now
        incident.resolution = data.get("resolution")
        event("incident.resolved", tier=incident.tier, resolution=incident.resolution)
        _late_breach(session, incident, "resolution", now, event)
    elif new_status == IncidentStatus.CLOSED:
        incident.closed_at = now


def _project_deadlines(incident: Incident, data: dict[str, Any], event) -> None:
    """Copy the due times the process computed; a moved deadline goes in the audit trail."""
    incident.paused_seconds = int(float(data.get("paused_seconds") or 0))
    if data.get("calendar") is not None:
        incident.sla_calendar = str(data["calendar"])[:64]
    for column, variable, clock in _DEADLINES:
        new = instants.aware(data.get(variable))
        old = getattr(incident, column)
        if new is None or new == old:
            continue
        setattr(incident, column, new)
        if old is not None and clock is not None:
            event(
                "sla.due_changed",
                clock=clock,
                old_due_at=old.isoformat(),
                new_due_at=new.isoformat(),
            )


def _late_breach(session, incident: Incident, clock: str, now: datetime, event) -> None:
    """A target met late without its timer having fired (no worker ran) is still a breach."""
    if clock == "first_response":
        due, breached = incident.first_response_due_at, incident.first_response_breached_at
    else:
        due, breached = incident.resolution_due_at, incident.resolution_breached_for
    if due is None or now <= due or breached is not None:
        return
    if clock == "first_response":
        incident.first_response_breached_at = now
    else:
        incident.resolution_breached_at = incident.resolution_breached_at or now
        incident.resolution_breached_for = due
    event(
        "sla.breached",
        clock=clock,
        due_at=due.isoformat(),
        late_seconds=int((now - due).total_seconds()),
    )


def sync_tasks(
    session: Session,
    instance: ProcessInstance,
    snapshot: Snapshot,
    *,
    now: datetime,
    actor: Principal | None,
    previous: IncidentMemory,
    incident: Incident | None,
    new: bool = False,
) -> None:
    """Insert rows for tasks that became ready; cancel rows whose task went away."""
    stored = [] if new else session.scalars(_READY_TASKS, {"instance_id": instance.id})
    # The row of a task completed in this request is still ready in the database
    # (nothing is flushed yet) but not in the session.
    open_rows = [row for row in stored if row.state == TaskState.READY]
    ready_ids = {task.id for task in snapshot.ready}
    for row in open_rows:
        if row.id not in ready_ids:
            row.state = TaskState.CANCELLED
            row.completed_at = now
            _task_event(session, "task.cancelled", row, now=now, actor=actor)
    known = {row.id: row for row in open_rows}
    ready_rows = [row for row in open_rows if row.id in ready_ids]
    for task in snapshot.ready:
        if task.id in known:
            _refresh(session, known[task.id], task, now=now, actor=actor)
            continue
        row = HumanTask(
            id=task.id,
            instance_id=instance.id,
            incident_id=instance.incident_id,
            key=task.key,
            name=task.name,
            lane=task.lane,
            form=task.form,
            ui_form=task.ui_form,
            state=TaskState.READY,
            claimed_by_id=_inherited_claim(session, task.lane, previous, actor),
            created_at=now,
        )
        session.add(row)
        ready_rows.append(row)
        _task_event(session, "task.created", row, now=now, actor=actor)
        # Work that comes back to who held it stays theirs; the group's rule places the rest.
        automatic.place(session, row, now=now, actor=actor)
    if incident is not None:
        agent_rows = [row for row in ready_rows if is_agent_lane(row.lane)]
        if agent_rows:
            incident.assignee_id = agent_rows[0].claimed_by_id


def _refresh(session: Session, row: HumanTask, task, *, now: datetime, actor) -> None:
    """A task still waiting whose step changed under it (the instance moved to
    another version): the row follows, and a claim outside the new lane goes."""
    fields = {"name": task.name, "lane": task.lane, "form": task.form, "ui_form": task.ui_form}
    changed = {key: value for key, value in fields.items() if getattr(row, key) != value}
    if not changed:
        return
    for key, value in changed.items():
        setattr(row, key, value)
    if "lane" in changed and row.claimed_by_id is not None:
        still_in_lane = is_agent_lane(row.lane) and session.scalar(
            _IN_GROUP, {"user_id": row.claimed_by_id, "group": row.lane}
        )
        if not still_in_lane:
            row.claimed_by_id = None
    _task_event(session, "task.changed", row, now=now, actor=actor)


def _inherited_claim(
    session: Session, lane: str | None, previous: IncidentMemory, actor: Principal | None
) -> int | None:
    """The agent who held the incident at this tier keeps it when work comes back to it."""
    if not is_agent_lane(lane) or previous.assignee_id is None or previous.tier != lane:
        return None
    if actor is not None and actor.user_id == previous.assignee_id:
        return actor.user_id if actor.in_group(lane) else None
    return session.scalar(_IN_GROUP, {"user_id": previous.assignee_id, "group": lane})


def _task_event(
    session: Session, event_type: str, row: HumanTask, *, now: datetime, actor: Principal | None
) -> None:
    audit.record_task(
        session,
        event_type,
        row,
        at=now,
        actor=actor,
        data={"claimed_by": _username(session, row.claimed_by_id, actor)},
    )


def _username(session: Session, user_id: int | None, actor: Principal | None) -> str | None:
    if user_id is None:
        return None
    if actor is not None and actor.user_id == user_id:
        return actor.username
    return session.scalar(_USERNAME, {"user_id": user_id})
