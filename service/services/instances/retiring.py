"""Retiring process versions, or a whole process: no new instance starts on them.

Instances already running on a retired version finish on it. The newest live
version is what `execution.latest_version` starts; the last live version of
the incident lifecycle cannot be retired, or the desk could open no incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ...domain.access import Principal
from ...domain.enums import INCIDENT_PROCESS_ID, InstanceStatus
from ...domain.errors import Conflict, NotFound
from ...models import ProcessInstance, ProcessVersion
from .. import audit
from ..context import Services
from .operations import _require, check_reason


@dataclass(frozen=True)
class RetiredView:
    process_id: str
    version: int
    retired_at: datetime
    retired_by: str
    running: int
    live_version: int | None


def retire_version(
    svc: Services, principal: Principal, process_id: str, version: int, reason: str
) -> RetiredView:
    reason = check_reason(reason)
    _require(principal)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        versions = _versions(session, process_id)
        row = next((v for v in versions if v.version == version), None)
        if row is None:
            raise NotFound(f"process {process_id!r} has no version {version}")
        if row.retired_at is not None:
            raise Conflict(f"version {version} of {process_id!r} is already retired")
        live = [v for v in versions if v.retired_at is None and v.id != row.id]
        if not live and process_id == INCIDENT_PROCESS_ID:
            raise Conflict(
                f"version {version} is the last live version of {process_id!r}: "
                "retiring it, the desk could open no incident"
            )
        _retire(svc, session, principal, [row], reason)
        view = _view(session, row, live[0].version if live else None)
        uow.commit()
        return view


def retire_process(
    svc: Services, principal: Principal, process_id: str, reason: str
) -> list[RetiredView]:
    """Retire every live version of a process (a probe deployed once to try something)."""
    reason = check_reason(reason)
    _require(principal)
    if process_id == INCIDENT_PROCESS_ID:
        raise Conflict(f"{process_id!r} cannot be retired: the desk could open no incident")
    with svc.db.unit_of_work() as uow:
        session = uow.session
        live = [v for v in _versions(session, process_id) if v.retired_at is None]
        if not live:
            raise Conflict(f"every version of {process_id!r} is already retired")
        _retire(svc, session, principal, live, reason)
        views = [_view(session, row, None) for row in live]
        uow.commit()
        return views


def _versions(session, process_id: str) -> list[ProcessVersion]:
    versions = list(
        session.scalars(
            select(ProcessVersion)
            .where(ProcessVersion.process_id == process_id)
            .order_by(ProcessVersion.version.desc())
            .with_for_update()
        )
    )
    if not versions:
        raise NotFound(f"no process {process_id!r} is deployed")
    return versions


def _retire(svc, session, principal: Principal, rows: list[ProcessVersion], reason: str) -> None:
    now = svc.now()
    for row in rows:
        row.retired_at = now
        row.retired_by = principal.username
        audit.record(
            session,
            "process.retired",
            at=now,
            actor=principal,
            data={"process_id": row.process_id, "version": row.version, "reason": reason},
        )
    session.flush()


def _view(session, row: ProcessVersion, live_version: int | None) -> RetiredView:
    running = session.scalar(
        select(func.count())
        .select_from(ProcessInstance)
        .where(
            ProcessInstance.version_id == row.id,
            ProcessInstance.status.in_((InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)),
        )
    )
    return RetiredView(
        row.process_id, row.version, row.retired_at, row.retired_by, running, live_version
    )
