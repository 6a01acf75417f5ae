"""Finding process instances by process, version, state, waiting element, incident,
start period and top-level data values (process owners and admins)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import BREACH_PROCESS_ID, InstanceStatus, TaskState
from ...domain.errors import FieldError, Forbidden, InvalidInput
from ...models import AuditEvent, HumanTask, Incident, ProcessInstance, ProcessVersion, Timer
from .. import execution, failures
from ..context import Services
from ..paging import offset_of

STATES = ("running", "waiting", "failed", "suspended", "completed")
# Data filters read each candidate's stored state: past this many, narrow the search.
MAX_DATA_SCAN = 2000


@dataclass(frozen=True)
class InstanceFilters:
    process_id: str | None = None
    version: int | None = None
    state: str | None = None
    element: str | None = None
    incident: str | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InstanceRow:
    id: int
    process_id: str
    version: int
    status: str
    created_at: datetime
    updated_at: datetime
    incident_number: str | None
    waiting_at: list[str]
    failed: bool


def _ready_at(element: str | None = None):
    task = exists().where(
        HumanTask.instance_id == ProcessInstance.id, HumanTask.state == TaskState.READY
    )
    timer = exists().where(Timer.instance_id == ProcessInstance.id, Timer.state == "waiting")
    if element is not None:
        task = task.where(HumanTask.key == element)
        timer = timer.where(Timer.element_id == element)
    return or_(task, timer)


# Failed: a timer whose retries ran out, or a run that failed (its submission kept,
# the request rolled back) with nothing moving the instance on since.
_FAILED = or_(
    exists().where(Timer.instance_id == ProcessInstance.id, Timer.state == "failed"),
    and_(
        ProcessInstance.status == InstanceStatus.RUNNING,
        exists().where(
            AuditEvent.instance_id == ProcessInstance.id,
            AuditEvent.type.in_(failures.TYPES),
            AuditEvent.at >= ProcessInstance.updated_at,
        ),
    ),
)


def _where(principal: Principal, filters: InstanceFilters) -> list:
    where: list = []
    if not access.may_read_breaches(principal):
        where.append(ProcessInstance.process_id != BREACH_PROCESS_ID)
    if filters.process_id:
        where.append(ProcessInstance.process_id == filters.process_id)
    if filters.version is not None:
        where.append(
            ProcessInstance.version_id.in_(
                select(ProcessVersion.id).where(ProcessVersion.version == filters.version)
            )
        )
    state = filters.state
    if state == "waiting":
        where += [ProcessInstance.status == InstanceStatus.RUNNING, _ready_at(filters.element)]
    elif state == "failed":
        where.append(_FAILED)
    elif state:
        where.append(ProcessInstance.status == state)
    if filters.element and state != "waiting":
        where.append(_ready_at(filters.element))
    if filters.incident:
        where.append(
            ProcessInstance.incident_id.in_(
                select(Incident.id).where(Incident.number == filters.incident.upper())
            )
        )
    if filters.started_from:
        where.append(ProcessInstance.created_at >= filters.started_from)
    if filters.started_to:
        where.append(ProcessInstance.created_at < filters.started_to)
    return where


def search(
    svc: Services, principal: Principal, filters: InstanceFilters, *, page: int, page_size: int
) -> tuple[list[InstanceRow], int]:
    """Newest first. Data filters compare the text of a top-level value for equality."""
    if not access.may_use_cockpit(principal):
        raise Forbidden("process owners and admins search instances")
    if filters.state and filters.state not in STATES:
        message = f"state: one of {', '.join(STATES)}"
        raise InvalidInput(message, [FieldError("state", message, "query")])
    with svc.db.read() as uow:
        session = uow.session
        query = (
            select(ProcessInstance.id)
            .where(*_where(principal, filters))
            .order_by(ProcessInstance.id.desc())
        )
        if filters.data:
            ids = session.scalars(query.limit(MAX_DATA_SCAN + 1)).all()
            if len(ids) > MAX_DATA_SCAN:
                message = (
                    f"data filters look at {MAX_DATA_SCAN} instances at most: "
                    "narrow the search by process, version, state or period"
                )
                raise InvalidInput(message, [FieldError("data", message, "query")])
            ids = [i for i in ids if _data_matches(svc, session, i, filters.data)]
        else:
            ids = session.scalars(query).all()
        total = len(ids)
        offset = offset_of(page, page_size, total)
        if offset is None:
            return [], total
        return [_row(session, i) for i in ids[offset : offset + page_size]], total


def _data_matches(svc, session, instance_id: int, wanted: dict[str, str]) -> bool:
    data = execution.peek(svc, session, session.get(ProcessInstance, instance_id)).snapshot().data
    return all(key in data and _text(data[key]) == value for key, value in wanted.items())


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _row(session, instance_id: int) -> InstanceRow:
    instance = session.get(ProcessInstance, instance_id)
    number = (
        session.scalar(select(Incident.number).where(Incident.id == instance.incident_id))
        if instance.incident_id
        else None
    )
    waiting = (
        session.scalars(
            select(HumanTask.key).where(
                HumanTask.instance_id == instance.id, HumanTask.state == TaskState.READY
            )
        ).all()
        + session.scalars(
            select(Timer.element_id).where(
                Timer.instance_id == instance.id, Timer.state == "waiting"
            )
        ).all()
    )
    failed = session.scalar(
        select(ProcessInstance.id).where(ProcessInstance.id == instance.id, _FAILED)
    )
    return InstanceRow(
        instance.id,
        instance.process_id,
        instance.version.version,
        instance.status,
        instance.created_at,
        instance.updated_at,
        number,
        sorted(set(waiting)),
        failed is not None,
    )
