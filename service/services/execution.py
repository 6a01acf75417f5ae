"""Running instances inside a unit of work: start, lock, resume, and record progress.

After every engine run `advance` brings the projections (human tasks, the
incident, the audit trail) in line with the engine state and stores that
state, all in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.exc import StaleDataError

from ..domain.access import Principal
from ..domain.enums import BREACH_PROCESS_ID, IncidentStatus, InstanceStatus
from ..domain.errors import Conflict, NotFound, ProcessError
from ..models import HumanTask, Incident, ProcessInstance, ProcessVersion
from ..workflow import (
    BREACH_DEADLINE,
    CALL_EVENT,
    SLA_EVENT,
    START_PROCESS,
    SURVEY_EVENT,
    Definition,
    Execution,
    Instance,
)
from . import audit, breach_register, call_events, projection, schedule, sla
from .context import Services
from .related import resolution as related_resolution
from .survey import sending as survey_sending

# Built once: these run on every request, and building a statement costs more
# than running it.
_LATEST_VERSION = (
    select(ProcessVersion)
    .where(
        ProcessVersion.process_id == bindparam("process_id"),
        ProcessVersion.retired_at.is_(None),
    )
    .order_by(ProcessVersion.version.desc())
    .limit(1)
)
_SPEC_JSON = select(ProcessVersion.spec_json).where(ProcessVersion.id == bindparam("version_id"))
_LOCK = (
    select(ProcessInstance)
    .options(undefer(ProcessInstance.state))
    .with_for_update(of=ProcessInstance)
    .execution_options(populate_existing=True)
)
_LOCK_BY_ID = _LOCK.where(ProcessInstance.id == bindparam("instance_id"))
_LOCK_BY_TASK = _LOCK.where(
    ProcessInstance.id
    == select(HumanTask.instance_id).where(HumanTask.id == bindparam("task_id")).scalar_subquery()
)


def latest_version(session: Session, process_id: str) -> ProcessVersion:
    """The newest live version: new instances never start on a retired one."""
    version = session.scalar(_LATEST_VERSION, {"process_id": process_id})
    if version is None:
        exists = session.scalar(
            select(func.count())
            .select_from(ProcessVersion)
            .where(ProcessVersion.process_id == process_id)
        )
        if exists:
            raise Conflict(f"every version of process {process_id!r} is retired")
        raise NotFound(f"no process {process_id!r} is deployed")
    return version


def definition(svc: Services, session: Session, version_id: int) -> Definition:
    return svc.runtime.definition(
        version_id,
        lambda: session.scalar(_SPEC_JSON, {"version_id": version_id}),
    )


class _ServiceCalls:
    """The host side of the process's service tasks, for one run (a `ServiceHandler`).

    SLA events are handled at once (their answer steers the process); starting
    another process waits until the run is over, so engine runs never nest.
    """

    def __init__(self, svc: Services, session: Session, instance: ProcessInstance, actor):
        self._svc, self._session, self._instance, self._actor = svc, session, instance, actor
        self.deferred: list[tuple[dict[str, Any], str]] = []

    def call(self, operation: str, params: dict[str, Any], element_id: str) -> dict[str, Any]:
        if operation == SLA_EVENT:
            return sla.record_event(
                self._session,
                own_incident(self._session, self._instance),
                params,
                now=self._svc.now(),
                actor=self._actor,
                element_id=element_id,
            )
        if operation == CALL_EVENT:
            instance = self._instance
            return call_events.record_event(
                self._session,
                self._session.get(Incident, instance.incident_id) if instance.incident_id else None,
                self._instance,
                params,
                now=self._svc.now(),
                actor=self._actor,
                element_id=element_id,
            )
        if operation == BREACH_DEADLINE:
            return breach_register.record_deadline(
                self._session,
                self._instance,
                params,
                now=self._svc.now(),
                element_id=element_id,
            )
        if operation == SURVEY_EVENT:
            return survey_sending.record_event(
                self._session,
                self._instance,
                params,
                settings=self._svc.settings,
                now=self._svc.now(),
                actor=self._actor,
                element_id=element_id,
            )
        if operation == START_PROCESS:
            if not isinstance(params.get("process_id"), str) or not isinstance(
                params.get("data", {}), dict
            ):
                raise ProcessError(
                    "start_process needs process_id (a string) and data (a dict)",
                    element_id=element_id,
                )
            self.deferred.append((params, element_id))
            return {"status": "requested"}
        raise ProcessError(f"unknown service operation {operation!r}", element_id=element_id)


@dataclass
class InstanceRun:
    """A loaded instance and the handler of its service calls for this request."""

    execution: Execution
    calls: _ServiceCalls


def start(
    svc: Services,
    session: Session,
    *,
    process_id: str,
    data: dict[str, Any],
    actor: Principal | None,
    incident: Incident | None = None,
    parent: ProcessInstance | None = None,
) -> tuple[ProcessInstance, InstanceRun]:
    version = latest_version(session, process_id)
    now = svc.now()
    instance = ProcessInstance(
        version_id=version.id,
        process_id=process_id,
        status=InstanceStatus.RUNNING,
        state="",
        created_at=now,
        updated_at=now,
        started_by_id=actor.user_id if actor else None,
        incident_id=incident.id if incident else None,
        parent_id=parent.id if parent else None,
    )
    instance.version = version
    session.add(instance)
    session.flush()
    audit.record(
        session,
        "instance.started",
        at=now,
        actor=actor,
        incident_id=instance.incident_id,
        instance_id=instance.id,
        data={
            "process_id": process_id,
            "version": version.version,
            "parent_id": instance.parent_id,
        },
    )
    calls = _ServiceCalls(svc, session, instance, actor)
    run = InstanceRun(svc.runtime.start(definition(svc, session, version.id), data, calls), calls)
    advance(svc, session, instance, run, actor=actor, new=True)
    return instance, run


def lock(session: Session, instance_id: int) -> ProcessInstance | None:
    """The instance row, locked until the transaction ends (one request at a time).

    PostgreSQL takes a row lock; SQLite write transactions already hold the
    database's write lock from their first statement.
    """
    return session.scalar(_LOCK_BY_ID, {"instance_id": instance_id})


def lock_for_task(session: Session, task_id: str) -> ProcessInstance | None:
    """The instance a task belongs to, locked (see `lock`); None for an unknown task."""
    return session.scalar(_LOCK_BY_TASK, {"task_id": task_id})


def resume(
    svc: Services,
    session: Session,
    instance: ProcessInstance,
    *,
    actor: Principal | None,
    held_ok: bool = False,
) -> InstanceRun:
    """`held_ok`: the caller (terminating) may load a suspended instance."""
    # Every path that would run an instance comes here: a held or ended one refuses.
    if not (held_ok and instance.status == InstanceStatus.SUSPENDED):
        require_running(instance)
    calls = _ServiceCalls(svc, session, instance, actor)
    loaded = svc.runtime.resume(
        definition(svc, session, instance.version_id), instance.state, calls
    )
    return InstanceRun(loaded, calls)


def require_running(instance: ProcessInstance) -> None:
    """409 for an instance a process owner suspended or terminated, with their reason."""
    if instance.status == InstanceStatus.SUSPENDED:
        raise Conflict(f"the process is suspended: {instance.hold_reason or ''}".rstrip(": "))
    if instance.status == InstanceStatus.TERMINATED:
        raise Conflict(f"the process was terminated: {instance.hold_reason or ''}".rstrip(": "))


def peek(svc: Services, session: Session, instance: ProcessInstance) -> Instance:
    """The instance loaded to be read, never run."""
    return svc.runtime.peek(definition(svc, session, instance.version_id), instance.state)


def own_incident(session: Session, instance: ProcessInstance) -> Incident | None:
    """The incident whose lifecycle this instance is (not a linked one)."""
    if instance.incident_id is None or instance.parent_id is not None:
        return None
    return session.get(Incident, instance.incident_id)


def advance(
    svc: Services,
    session: Session,
    instance: ProcessInstance,
    run: InstanceRun,
    *,
    actor: Principal | None,
    completed_lane: str | None = None,
    submitted: dict[str, Any] | None = None,
    trigger: str = "task",
    new: bool = False,
) -> None:
    """Bring rows in line with the state the run left, and store it.

    `submitted` is the form data of the task this request completed, if any;
    `trigger` says what moved the process (task, timer, message); `new` that
    the instance was created in this transaction and has no rows yet.
    """
    now = svc.now()
    snapshot = run.execution.snapshot()
    incident = own_incident(session, instance)
    previous = projection.IncidentMemory.of(incident)
    was_resolved = incident is not None and incident.status == IncidentStatus.RESOLVED
    if incident is not None:
        projection.project_incident(
            session,
            incident,
            snapshot,
            now=now,
            actor=actor,
            completed_lane=completed_lane,
            submitted=submitted or {},
            trigger=trigger,
        )
    projection.sync_tasks(
        session,
        instance,
        snapshot,
        now=now,
        actor=actor,
        previous=previous,
        incident=incident,
        new=new,
    )
    if instance.process_id == BREACH_PROCESS_ID:
        breach_register.follow(
            session, instance, snapshot, now=now, actor=actor, submitted=submitted or {}
        )
    schedule.sync(session, instance, snapshot, now)
    for params, element_id in run.calls.deferred:
        _start_linked(svc, session, instance, params, element_id, actor=actor)
    run.calls.deferred.clear()
    instance.state = run.execution.dump()
    instance.status = InstanceStatus.COMPLETED if snapshot.ended else InstanceStatus.RUNNING
    instance.updated_at = now
    # The write session does not autoflush: everything this run changed goes out
    # here in one flush, inserts batched per table.
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("the instance changed while this request worked on it; retry") from None
    if incident is not None and not was_resolved and incident.status == IncidentStatus.RESOLVED:
        # After this instance's state is stored: the children run their own engines.
        related_resolution.resolve_children(
            svc, session, incident, actor=actor, resolution=incident.resolution or ""
        )


def _start_linked(
    svc: Services,
    session: Session,
    instance: ProcessInstance,
    params: dict[str, Any],
    element_id: str,
    *,
    actor: Principal | None,
) -> None:
    process_id = params["process_id"]
    exists = session.scalar(
        select(func.count())
        .select_from(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
    )
    if not exists:
        raise ProcessError(
            f"the process asks to start {process_id!r}, which is not deployed",
            element_id=element_id,
        )
    incident = session.get(Incident, instance.incident_id) if instance.incident_id else None
    child, _ = start(
        svc,
        session,
        process_id=process_id,
        data=dict(params.get("data") or {}),
        actor=actor,
        incident=incident,
        parent=instance,
    )
    audit.record(
        session,
        "instance.linked",
        at=svc.now(),
        actor=actor,
        incident_id=instance.incident_id,
        instance_id=instance.id,
        element_id=element_id,
        data={"linked_instance_id": child.id, "process_id": process_id},
    )
