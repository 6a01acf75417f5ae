"""Every process and decision table with its versions, their diagrams and their files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ...domain.access import Principal
from ...domain.enums import InstanceStatus
from ...domain.errors import NotFound
from ...domain.numbering import MAX_ID
from ...models import DecisionVersion, ProcessFile, ProcessInstance, ProcessVersion
from ...workflow import SourceFile, diagram
from .. import versions
from ..context import Services
from . import require_owner


@dataclass(frozen=True)
class VersionRow:
    version: int
    name: str
    created_at: datetime
    created_by: str | None
    content_hash: str
    running: int
    files: tuple[str, ...]
    # None while live; set once the version is retired (no new instances start on it).
    retired_at: datetime | None
    retired_by: str | None = None
    suspended: int = 0


@dataclass(frozen=True)
class ProcessRow:
    process_id: str
    name: str
    versions: tuple[VersionRow, ...]  # newest first


@dataclass(frozen=True)
class DecisionRow:
    decision_id: str
    name: str
    versions: tuple[VersionRow, ...]


def catalogue(svc: Services, principal: Principal) -> tuple[list[ProcessRow], list[DecisionRow]]:
    require_owner(principal)
    with svc.db.read() as uow:
        session = uow.session
        counts = {
            (version_id, status): count
            for version_id, status, count in session.execute(
                select(ProcessInstance.version_id, ProcessInstance.status, func.count())
                .where(
                    ProcessInstance.status.in_((InstanceStatus.RUNNING, InstanceStatus.SUSPENDED))
                )
                .group_by(ProcessInstance.version_id, ProcessInstance.status)
            ).all()
        }
        processes: dict[str, list[VersionRow]] = {}
        names: dict[str, str] = {}
        for v in session.scalars(
            select(ProcessVersion).order_by(
                ProcessVersion.process_id, ProcessVersion.version.desc()
            )
        ):
            names.setdefault(v.process_id, v.name)
            processes.setdefault(v.process_id, []).append(
                VersionRow(
                    v.version,
                    v.name,
                    v.created_at,
                    v.created_by,
                    v.content_hash,
                    counts.get((v.id, InstanceStatus.RUNNING), 0),
                    tuple(f.name for f in v.files),
                    v.retired_at,
                    v.retired_by,
                    counts.get((v.id, InstanceStatus.SUSPENDED), 0),
                )
            )
        decisions: dict[str, list[VersionRow]] = {}
        decision_names: dict[str, str] = {}
        for d, file in session.execute(
            select(DecisionVersion, ProcessFile.name)
            .join(ProcessFile, ProcessFile.id == DecisionVersion.file_id)
            .order_by(DecisionVersion.decision_id, DecisionVersion.version.desc())
        ):
            decision_names.setdefault(d.decision_id, d.name)
            decisions.setdefault(d.decision_id, []).append(
                VersionRow(
                    d.version, d.name, d.created_at, d.created_by, d.content_hash, 0, (file,), None
                )
            )
    return (
        [ProcessRow(p, names[p], tuple(rows)) for p, rows in processes.items()],
        [DecisionRow(d, decision_names[d], tuple(rows)) for d, rows in decisions.items()],
    )


def process_versions(svc: Services, principal: Principal, process_id: str) -> ProcessRow:
    found = next((p for p in catalogue(svc, principal)[0] if p.process_id == process_id), None)
    if found is None:
        raise NotFound(f"no process {process_id!r} is deployed")
    return found


def version_file(
    svc: Services, principal: Principal, process_id: str, version: int, name: str
) -> SourceFile:
    """One of the files the version was built from, as deployed."""
    require_owner(principal)
    with svc.db.read() as uow:
        found = versions.find(uow.session, process_id, version)
        for file in found.files:
            if file.name == name:
                return SourceFile(file.name, file.content)
    raise NotFound(f"version {version} of {process_id!r} has no file {name!r}")


def decision_source(
    svc: Services, principal: Principal, decision_id: str, version: int
) -> SourceFile:
    require_owner(principal)
    with svc.db.read() as uow:
        row = (
            uow.session.execute(
                select(ProcessFile.name, ProcessFile.content)
                .join(DecisionVersion, DecisionVersion.file_id == ProcessFile.id)
                .where(
                    DecisionVersion.decision_id == decision_id, DecisionVersion.version == version
                )
            ).first()
            if 0 < version <= MAX_ID
            else None
        )
    if row is None:
        raise NotFound(f"no version {version} of decision {decision_id!r}")
    return SourceFile(row.name, row.content)


def bpmn_source(svc: Services, principal: Principal, process_id: str, version: int) -> SourceFile:
    require_owner(principal)
    with svc.db.read() as uow:
        return versions.bpmn_file(versions.find(uow.session, process_id, version))


def layout(svc: Services, principal: Principal, process_id: str, version: int) -> diagram.Layout:
    return diagram.layout_of(bpmn_source(svc, principal, process_id, version), process_id)
