"""The generic process API: which processes are deployed, start one, follow one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..domain import access
from ..domain.access import Principal
from ..domain.enums import INCIDENT_PROCESS_ID, InstanceStatus
from ..domain.errors import Forbidden, InvalidInput, NotFound
from ..domain.numbering import MAX_ID
from ..models import Incident, ProcessInstance, ProcessVersion
from . import execution
from .context import Services
from .views import InstanceView, instance_view


@dataclass(frozen=True)
class ProcessView:
    id: str
    name: str
    latest_version: int
    versions: int
    deployed_at: datetime
    running_instances: int


def list_processes(svc: Services, principal: Principal) -> list[ProcessView]:
    with svc.db.read() as uow:
        session = uow.session
        latest = (
            select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("latest"))
            .group_by(ProcessVersion.process_id)
            .subquery()
        )
        rows = session.execute(
            select(ProcessVersion, latest.c.latest)
            .join(
                latest,
                (latest.c.process_id == ProcessVersion.process_id)
                & (latest.c.latest == ProcessVersion.version),
            )
            .order_by(ProcessVersion.process_id)
        ).all()
        running = dict(
            session.execute(
                select(ProcessInstance.process_id, func.count())
                .where(ProcessInstance.status == InstanceStatus.RUNNING)
                .group_by(ProcessInstance.process_id)
            ).all()
        )
        return [
            ProcessView(
                id=version.process_id,
                name=version.name,
                latest_version=version.version,
                versions=number,
                deployed_at=version.created_at,
                running_instances=running.get(version.process_id, 0),
            )
            for version, number in rows
        ]


def start_process(
    svc: Services, principal: Principal, process_id: str, data: dict[str, Any]
) -> InstanceView:
    """Start any deployed process with data. Incidents are opened through `open_incident`."""
    if not access.may_start_processes(principal):
        raise Forbidden("only integrators, process owners and admins may start processes directly")
    if process_id == INCIDENT_PROCESS_ID:
        raise InvalidInput("open incidents with POST /api/incidents")
    if not isinstance(data, dict):
        raise InvalidInput("the process data must be a JSON object")
    with svc.db.unit_of_work() as uow:
        instance, run = execution.start(
            svc, uow.session, process_id=process_id, data=data, actor=principal
        )
        view = instance_view(uow.session, instance, run.execution.snapshot().data)
        uow.commit()
        return view


def get_instance(svc: Services, principal: Principal, instance_id: int) -> InstanceView:
    with svc.db.read() as uow:
        session = uow.session
        instance = session.get(ProcessInstance, instance_id) if instance_id <= MAX_ID else None
        if instance is None or not _may_see(session, principal, instance):
            raise NotFound(f"no instance {instance_id}")
        data: dict[str, Any] = {}
        if access.sees_everything(principal) or instance.started_by_id == principal.user_id:
            # Process variables hold agents' working notes; reporters see the incident instead.
            data = execution.peek(svc, session, instance).snapshot().data
        return instance_view(session, instance, data)


def _may_see(session, principal: Principal, instance: ProcessInstance) -> bool:
    if access.sees_everything(principal) or instance.started_by_id == principal.user_id:
        return True
    if instance.incident_id is None:
        return False
    incident = session.get(Incident, instance.incident_id)
    return access.may_see_incident(
        principal, reporter_id=incident.reporter_id, opened_by_id=incident.opened_by_id
    )
