"""The generic process API: which processes are deployed, start one, follow one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..domain import access
from ..domain.access import Principal
from ..domain.enums import BREACH_PROCESS_ID, STARTED_FOR_AN_INCIDENT, InstanceStatus
from ..domain.errors import Forbidden, InvalidInput, NotFound
from ..domain.numbering import MAX_ID
from ..models import (
    DecisionVersion,
    Deployment,
    Incident,
    ProcessFile,
    ProcessInstance,
    ProcessVersion,
)
from ..workflow import diagram
from . import execution, idempotency, versions
from .context import Services
from .related.followers import is_follower
from .views import InstanceView, instance_view

START_PROCESS = "start_process"


@dataclass(frozen=True)
class FileRef:
    name: str
    sha256: str


@dataclass(frozen=True)
class VersionView:
    process_id: str
    version: int
    name: str
    content_hash: str
    created_at: datetime
    created_by: str | None
    deployment_id: int | None
    files: list[FileRef]
    running_instances: int
    instances: int
    suspended_instances: int = 0
    retired_at: datetime | None = None
    retired_by: str | None = None


@dataclass(frozen=True)
class DecisionView:
    decision_id: str
    name: str
    version: int
    content_hash: str
    file: str
    created_at: datetime
    created_by: str | None


@dataclass(frozen=True)
class DeploymentView:
    id: int
    created_at: datetime
    created_by: str | None
    summary: dict[str, Any]


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
    svc: Services,
    principal: Principal,
    process_id: str,
    data: dict[str, Any],
    *,
    idempotency_key: str | None = None,
) -> tuple[InstanceView, bool]:
    """Start any deployed process with data (incidents are opened through
    `open_incident`); and whether this answers a retry with the same key."""
    if not access.may_start_processes(principal):
        raise Forbidden("only integrators, process owners and admins may start processes directly")
    if process_id in STARTED_FOR_AN_INCIDENT:
        raise InvalidInput(STARTED_FOR_AN_INCIDENT[process_id])
    if not isinstance(data, dict):
        raise InvalidInput("the process data must be a JSON object")
    key = idempotency.key(idempotency_key, START_PROCESS, {"process": process_id, "data": data})
    return idempotency.once(key, lambda: _start(svc, principal, process_id, data, key))


def _start(svc, principal, process_id, data, key) -> tuple[InstanceView, bool]:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        earlier = idempotency.earlier(session, principal, key)
        if earlier is not None:
            instance = session.get(ProcessInstance, earlier.result["instance_id"])
            return instance_view(session, instance, _visible_data(svc, session, instance)), True
        instance, run = execution.start(
            svc, session, process_id=process_id, data=data, actor=principal
        )
        idempotency.remember(
            session, principal, key, svc.now(), result={"instance_id": instance.id}
        )
        view = instance_view(session, instance, run.execution.snapshot().data)
        uow.commit()
        return view, False


def get_instance(svc: Services, principal: Principal, instance_id: int) -> InstanceView:
    with svc.db.read() as uow:
        session = uow.session
        instance = session.get(ProcessInstance, instance_id) if instance_id <= MAX_ID else None
        if instance is None or not _may_see(session, principal, instance):
            raise NotFound(f"no instance {instance_id}")
        data: dict[str, Any] = {}
        if access.sees_everything(principal) or instance.started_by_id == principal.user_id:
            # Process variables hold agents' working notes; reporters see the incident instead.
            data = _visible_data(svc, session, instance)
        return instance_view(session, instance, data)


def _visible_data(svc, session, instance) -> dict[str, Any]:
    return execution.peek(svc, session, instance).snapshot().data


def _may_see(session, principal: Principal, instance: ProcessInstance) -> bool:
    if instance.process_id == BREACH_PROCESS_ID:
        return access.may_read_breaches(principal)
    if access.sees_everything(principal) or instance.started_by_id == principal.user_id:
        return True
    if instance.incident_id is None:
        return False
    incident = session.get(Incident, instance.incident_id)
    return access.may_see_incident(
        principal,
        reporter_id=incident.reporter_id,
        opened_by_id=incident.opened_by_id,
        following=is_follower(session, incident.id, principal.user_id),
    )


def list_versions(svc: Services, principal: Principal, process_id: str) -> list[VersionView]:
    """Every version of a process, newest first, with how many instances run on each."""
    _require_definitions(principal)
    with svc.db.read() as uow:
        session = uow.session
        versions = session.scalars(
            select(ProcessVersion)
            .where(ProcessVersion.process_id == process_id)
            .order_by(ProcessVersion.version.desc())
        ).all()
        if not versions:
            raise NotFound(f"no process {process_id!r} is deployed")
        counts: dict[tuple[int, str], int] = {
            (version_id, status): count
            for version_id, status, count in session.execute(
                select(ProcessInstance.version_id, ProcessInstance.status, func.count())
                .where(ProcessInstance.process_id == process_id)
                .group_by(ProcessInstance.version_id, ProcessInstance.status)
            ).all()
        }
        return [
            VersionView(
                process_id=v.process_id,
                version=v.version,
                name=v.name,
                content_hash=v.content_hash,
                created_at=v.created_at,
                created_by=v.created_by,
                deployment_id=v.deployment_id,
                files=[FileRef(f.name, f.sha256) for f in v.files],
                running_instances=counts.get((v.id, InstanceStatus.RUNNING), 0),
                suspended_instances=counts.get((v.id, InstanceStatus.SUSPENDED), 0),
                instances=sum(c for (vid, _), c in counts.items() if vid == v.id),
                retired_at=v.retired_at,
                retired_by=v.retired_by,
            )
            for v in versions
        ]


def version_bpmn(svc: Services, principal: Principal, process_id: str, version: int) -> bytes:
    """The BPMN file of a version exactly as it was deployed."""
    _require_definitions(principal)
    with svc.db.read() as uow:
        return versions.bpmn_file(versions.find(uow.session, process_id, version)).content


def version_diagram(svc: Services, principal: Principal, process_id: str, version: int) -> bytes:
    """The version's diagram as SVG, drawn from the file's own layout."""
    _require_definitions(principal)
    with svc.db.read() as uow:
        source = versions.bpmn_file(versions.find(uow.session, process_id, version))
    return diagram.render(diagram.layout_of(source, process_id))


def instance_diagram(svc: Services, principal: Principal, instance_id: int) -> bytes:
    """The diagram of the instance's version, with where it has been and where it waits."""
    return instance_picture(svc, principal, instance_id).svg


@dataclass(frozen=True)
class Picture:
    svg: bytes
    # The first step it waits at, in the picture's pixels (left, top, width, height).
    focus: tuple[float, float, float, float] | None


def instance_picture(svc: Services, principal: Principal, instance_id: int) -> Picture:
    _require_definitions(principal)
    with svc.db.read() as uow:
        session = uow.session
        instance = session.get(ProcessInstance, instance_id) if instance_id <= MAX_ID else None
        if instance is None or not _may_see(session, principal, instance):
            raise NotFound(f"no instance {instance_id}")
        process_id = instance.process_id
        source = versions.bpmn_file(instance.version)
        trail = execution.peek(svc, session, instance).trail()
    layout = diagram.layout_of(source, process_id)
    return Picture(
        diagram.render(layout, states=trail.states, taken=trail.taken),
        diagram.focus(layout, trail.states),
    )


def list_decisions(svc: Services, principal: Principal) -> list[DecisionView]:
    _require_definitions(principal)
    with svc.db.read() as uow:
        rows = uow.session.execute(
            select(DecisionVersion, ProcessFile.name)
            .join(ProcessFile, ProcessFile.id == DecisionVersion.file_id)
            .order_by(DecisionVersion.decision_id, DecisionVersion.version.desc())
        ).all()
        return [
            DecisionView(
                d.decision_id, d.name, d.version, d.content_hash, file, d.created_at, d.created_by
            )
            for d, file in rows
        ]


def list_deployments(svc: Services, principal: Principal) -> list[DeploymentView]:
    _require_definitions(principal)
    with svc.db.read() as uow:
        rows = uow.session.scalars(select(Deployment).order_by(Deployment.id.desc())).all()
        return [DeploymentView(d.id, d.created_at, d.created_by, d.summary) for d in rows]


def get_deployment(svc: Services, principal: Principal, deployment_id: int) -> DeploymentView:
    _require_definitions(principal)
    with svc.db.read() as uow:
        row = uow.session.get(Deployment, deployment_id) if deployment_id <= MAX_ID else None
        if row is None:
            raise NotFound(f"no deployment {deployment_id}")
        return DeploymentView(row.id, row.created_at, row.created_by, row.summary)


def _require_definitions(principal: Principal) -> None:
    if not access.may_read_definitions(principal):
        raise Forbidden("reporters do not read process definitions")
