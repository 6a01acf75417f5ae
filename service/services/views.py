"""Plain read models handed to the HTTP layer, built inside the transaction.

A view is built on every request, so its queries are built once, here, with
bound parameters (building a SELECT costs more than running it on SQLite), and
they read columns, not ORM objects, which cost several times more to load.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..domain import sla
from ..domain.enums import BREACH_PROCESS_ID, MAJOR_PROCESS_ID, IncidentStatus, TaskState
from ..domain.numbering import format_number
from ..domain.sla import Clock
from ..models import (
    AuditEvent,
    Breach,
    HumanTask,
    Incident,
    ProcessInstance,
    ProcessVersion,
    User,
)
from .calendars.reading import spans as calendar_spans
from .major import views as major_views

# The columns a TaskView needs, readable by attribute from a result row.
TASK_COLUMNS = (
    HumanTask.id,
    HumanTask.key,
    HumanTask.name,
    HumanTask.lane,
    HumanTask.state,
    HumanTask.instance_id,
    HumanTask.incident_id,
    HumanTask.claimed_by_id,
    HumanTask.created_at,
    HumanTask.completed_by_id,
    HumanTask.completed_at,
    HumanTask.form,
)


def _ids(name: str = "ids"):
    return bindparam(name, expanding=True)


_USERNAMES = select(User.id, User.username).where(User.id.in_(_ids()))
_NUMBERS = select(Incident.id, Incident.number).where(Incident.id.in_(_ids()))
_BREACHES_OF_INCIDENTS = select(Breach.incident_id, Breach.number).where(
    Breach.incident_id.in_(_ids())
)
_TASK_CONTEXT = (
    select(ProcessInstance.id, ProcessInstance.process_id, Incident.number)
    .outerjoin(Incident, Incident.id == ProcessInstance.incident_id)
    .where(ProcessInstance.id.in_(_ids()))
)
_INSTANCES_OF_INCIDENTS = (
    select(
        ProcessInstance.id,
        ProcessInstance.process_id,
        ProcessInstance.status,
        ProcessInstance.incident_id,
        ProcessInstance.parent_id,
        ProcessVersion.version,
    )
    .join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
    .where(ProcessInstance.incident_id.in_(_ids()))
    .order_by(ProcessInstance.id)
)
_OPEN_TASKS_OF_INCIDENTS = (
    select(*TASK_COLUMNS)
    .where(HumanTask.incident_id.in_(_ids()), HumanTask.state == TaskState.READY)
    .order_by(HumanTask.seq)
)
_OPEN_TASKS_OF_INSTANCE = (
    select(*TASK_COLUMNS)
    .where(HumanTask.instance_id == bindparam("instance_id"), HumanTask.state == TaskState.READY)
    .order_by(HumanTask.seq)
)


@dataclass(frozen=True)
class TaskView:
    id: str
    key: str
    name: str
    lane: str | None
    state: str
    process_id: str
    instance_id: int
    incident_number: str | None
    claimed_by: str | None
    created_at: datetime
    completed_by: str | None
    completed_at: datetime | None
    form: str | None


@dataclass(frozen=True)
class InstanceRef:
    id: int
    process_id: str
    version: int
    status: str


@dataclass(frozen=True)
class SlaView:
    first_response: Clock | None
    resolution: Clock | None


@dataclass(frozen=True)
class ErrorView:
    """Something that failed for good and waits for an admin (a timer out of retries)."""

    kind: str
    timer_id: int
    element_id: str
    message: str | None
    attempts: int


@dataclass(frozen=True)
class IncidentView:
    number: str
    title: str
    description: str
    reporter: str
    opened_by: str
    reporter_name: str
    reporter_contact: str
    reported_at: datetime
    channel: str
    kind: str | None
    category: str | None
    impact: str | None
    urgency: str | None
    affected_item: str | None
    priority: str | None
    status: str
    tier: str | None
    assignee: str | None
    first_response_target: str | None
    resolution_target: str | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    closure_code: str | None
    resolution: str | None
    reopen_count: int
    hold_reason: str | None
    sla: SlaView
    created_at: datetime
    updated_at: datetime
    instance: InstanceRef | None
    linked_instances: list[InstanceRef] = field(default_factory=list)
    open_tasks: list[TaskView] = field(default_factory=list)
    errors: list[ErrorView] = field(default_factory=list)
    # The breach register's number, for those who may read the register.
    breach: str | None = None
    # The major incident it was declared (major.views.MajorView), and its review.
    major: Any = None
    review: Any = None
    # The reporter's satisfaction rating (survey.views.SatisfactionView), for agents.
    satisfaction: Any = None
    # Where a search matched (search.snippets.Snippet), in a list of search results.
    snippets: list[Any] = field(default_factory=list)
    # The incident this one is part of, and the one it was merged into as a duplicate.
    parent: str | None = None
    merged_into: str | None = None
    # Filled for one incident's own representation (related.reading): related.views.RelatedRef.
    children: list[Any] = field(default_factory=list)
    merged: list[Any] = field(default_factory=list)
    followers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EventView:
    id: int
    at: datetime
    actor: str
    type: str
    incident_number: str | None
    instance_id: int | None
    task_id: str | None
    element_id: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class InstanceView:
    id: int
    process_id: str
    version: int
    status: str
    created_at: datetime
    updated_at: datetime
    started_by: str | None
    incident_number: str | None
    parent_id: int | None
    data: dict[str, Any]
    open_tasks: list[TaskView]


@dataclass(frozen=True)
class TaskDetail:
    task: TaskView
    form_schema: dict[str, Any]
    ui_schema: dict[str, Any]
    data: dict[str, Any]
    incident: IncidentView | None
    # At triage: resolved incidents like this one (search.solutions.Solution).
    earlier_solutions: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Completion:
    task: TaskView
    incident: IncidentView | None
    instance: InstanceRef


def usernames(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    return _by_id(session, _USERNAMES, ids)


def _incident_numbers(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    return _by_id(session, _NUMBERS, ids)


def _by_id(session: Session, statement, ids: Iterable[int | None]) -> dict:
    """One query for many rows' labels: {id: value} for the ids that are not None."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(statement, {"ids": sorted(wanted)}).all())


def task_views(session: Session, rows: Sequence[Any]) -> list[TaskView]:
    """`rows`: HumanTask objects or rows of TASK_COLUMNS."""
    if not rows:
        return []
    names = usernames(session, _task_user_ids(rows))
    found = session.execute(_TASK_CONTEXT, {"ids": sorted({r.instance_id for r in rows})}).all()
    processes = {instance_id: process_id for instance_id, process_id, _ in found}
    numbers = {instance_id: number for instance_id, _, number in found}
    return [_task_view(r, names, processes, numbers) for r in rows]


def task_view_of(
    row: HumanTask, instance: ProcessInstance, incident: Incident | None, names: dict[int, str]
) -> TaskView:
    """A task's view from rows at hand; `names` must hold its claimer and completer."""
    number = {instance.id: incident.number} if incident is not None else {}
    return _task_view(row, names, {instance.id: instance.process_id}, number)


def _task_user_ids(rows: Iterable[HumanTask]) -> list[int | None]:
    return [user_id for r in rows for user_id in (r.claimed_by_id, r.completed_by_id)]


def _task_view(row: HumanTask, names, processes, numbers) -> TaskView:
    """`processes` and `numbers` are keyed by instance id."""
    return TaskView(
        id=row.id,
        key=row.key,
        name=row.name,
        lane=row.lane,
        state=row.state,
        process_id=processes.get(row.instance_id, ""),
        instance_id=row.instance_id,
        incident_number=numbers.get(row.instance_id) if row.incident_id else None,
        claimed_by=names.get(row.claimed_by_id) if row.claimed_by_id else None,
        created_at=row.created_at,
        completed_by=names.get(row.completed_by_id) if row.completed_by_id else None,
        completed_at=row.completed_at,
        form=row.form,
    )


def incident_views(
    session: Session, incidents: Sequence[Incident], now: datetime, *, confidential: bool = False
) -> list[IncidentView]:
    """Three queries whatever the number of incidents: instances, open tasks, user names
    (and the breaches when `confidential`).

    The SLA clocks are read at `now`. A personal-data breach shows only when
    `confidential`: for everyone else its instance is left out and its tasks are
    not theirs to see."""
    if not incidents:
        return []
    ids = [i.id for i in incidents]
    instances = session.execute(_INSTANCES_OF_INCIDENTS, {"ids": ids}).all()
    breaches: dict[int, str] = {}
    if confidential:
        breaches = dict(session.execute(_BREACHES_OF_INCIDENTS, {"ids": ids}).all())
    else:
        instances = [inst for inst in instances if inst.process_id != BREACH_PROCESS_ID]
    open_rows = session.execute(_OPEN_TASKS_OF_INCIDENTS, {"ids": ids}).all()
    # A major incident always has its major-incident process among the instances.
    majors = major_views.of_incidents(
        session, [inst.incident_id for inst in instances if inst.process_id == MAJOR_PROCESS_ID]
    )
    names = usernames(
        session,
        [user_id for i in incidents for user_id in (i.reporter_id, i.opened_by_id, i.assignee_id)]
        + _task_user_ids(open_rows),
    )
    numbers = {i.id: i.number for i in incidents}
    counted_in = calendar_spans(session, incidents)
    processes = {inst.id: inst.process_id for inst in instances}
    instance_numbers = {inst.id: numbers[inst.incident_id] for inst in instances}
    tasks_by_incident: dict[int, list[TaskView]] = {}
    for row in open_rows:
        if row.instance_id not in processes:
            continue
        view = _task_view(row, names, processes, instance_numbers)
        tasks_by_incident.setdefault(row.incident_id, []).append(view)
    own: dict[int, InstanceRef] = {}
    linked: dict[int, list[InstanceRef]] = {}
    for inst in instances:
        ref = InstanceRef(inst.id, inst.process_id, inst.version, inst.status)
        if inst.parent_id is None:
            own[inst.incident_id] = ref
        else:
            linked.setdefault(inst.incident_id, []).append(ref)
    return [
        IncidentView(
            number=i.number or "",
            title=i.title,
            description=i.description,
            reporter=names.get(i.reporter_id, ""),
            opened_by=names.get(i.opened_by_id, ""),
            reporter_name=i.reporter_name,
            reporter_contact=i.reporter_contact,
            reported_at=i.reported_at,
            channel=i.channel,
            kind=i.kind,
            category=i.category,
            impact=i.impact,
            urgency=i.urgency,
            affected_item=i.affected_item,
            priority=i.priority,
            status=i.status,
            tier=i.tier,
            assignee=names.get(i.assignee_id) if i.assignee_id else None,
            first_response_target=i.first_response_target,
            resolution_target=i.resolution_target,
            first_response_at=i.first_response_at,
            resolved_at=i.resolved_at,
            closed_at=i.closed_at,
            closure_code=i.closure_code,
            resolution=i.resolution,
            reopen_count=i.reopen_count,
            hold_reason=i.hold_reason if i.status == IncidentStatus.ON_HOLD else None,
            sla=sla_view(i, now, counted_in.get(i.id, sla.wall_seconds)),
            created_at=i.created_at,
            updated_at=i.updated_at,
            instance=own.get(i.id),
            linked_instances=linked.get(i.id, []),
            open_tasks=tasks_by_incident.get(i.id, []),
            breach=breaches.get(i.id),
            major=majors.get(i.id),
            parent=format_number(i.parent_id) if i.parent_id else None,
            merged_into=format_number(i.merged_into_id) if i.merged_into_id else None,
        )
        for i in incidents
    ]


def incident_view(
    session: Session, incident: Incident, now: datetime, *, confidential: bool = False
) -> IncidentView:
    return incident_views(session, [incident], now, confidential=confidential)[0]


def sla_view(incident: Incident, now: datetime, span: sla.Span = sla.wall_seconds) -> SlaView:
    """`span`: how the incident's calendar counts time (`calendars.reading.spans`)."""
    calendar = incident.sla_calendar
    return SlaView(
        first_response=sla.first_response_clock(
            target=incident.first_response_target,
            due_at=incident.first_response_due_at,
            warning_at=incident.first_response_warning_at,
            responded_at=incident.first_response_at,
            breached_at=incident.first_response_breached_at,
            now=now,
            span=span,
            calendar=calendar,
        ),
        resolution=sla.resolution_clock(
            target=incident.resolution_target,
            due_at=incident.resolution_due_at,
            warning_at=incident.resolution_warning_at,
            resolved_at=incident.resolved_at or incident.closed_at,
            paused_seconds=incident.paused_seconds,
            paused_since=incident.paused_since,
            on_hold=incident.status == IncidentStatus.ON_HOLD,
            breached_at=incident.resolution_breached_at,
            now=now,
            span=span,
            calendar=calendar,
        ),
    )


def instance_ref(instance: ProcessInstance) -> InstanceRef:
    return InstanceRef(
        id=instance.id,
        process_id=instance.process_id,
        version=instance.version.version,
        status=instance.status,
    )


def instance_view(
    session: Session, instance: ProcessInstance, data: dict[str, Any]
) -> InstanceView:
    names = usernames(session, [instance.started_by_id])
    numbers = _incident_numbers(session, [instance.incident_id])
    open_rows = session.execute(_OPEN_TASKS_OF_INSTANCE, {"instance_id": instance.id}).all()
    return InstanceView(
        id=instance.id,
        process_id=instance.process_id,
        version=instance.version.version,
        status=instance.status,
        created_at=instance.created_at,
        updated_at=instance.updated_at,
        started_by=names.get(instance.started_by_id) if instance.started_by_id else None,
        incident_number=numbers.get(instance.incident_id) if instance.incident_id else None,
        parent_id=instance.parent_id,
        data=data,
        open_tasks=task_views(session, open_rows),
    )


def event_views(session: Session, events: Sequence[AuditEvent]) -> list[EventView]:
    numbers = _incident_numbers(session, [e.incident_id for e in events])
    return [
        EventView(
            id=e.id,
            at=e.at,
            actor=e.actor,
            type=e.type,
            incident_number=numbers.get(e.incident_id) if e.incident_id else None,
            instance_id=e.instance_id,
            task_id=e.task_id,
            element_id=e.element_id,
            data=e.data,
        )
        for e in events
    ]
