"""Use cases of known errors: record, record from a resolved incident, read, change, link.

Every change is audited. An event about a link names the incident, so it shows in
that incident's trail too; marking a known error fixed records `known_error.fixed`
on each linked incident, and the notification rules tell the reporters of those
not yet closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import IncidentStatus, KnownErrorStatus
from ...domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from ...domain.numbering import MAX_ID, parse_number
from ...models import Incident, KnownError, KnownErrorIncident
from .. import audit
from ..context import Services
from ..incidents import visible_incident
from ..paging import offset_of
from .views import KnownErrorView, known_error_views, linked_incidents

# The incident's title is the symptom; the column holds as much.
SYMPTOM_LENGTH = 200
_EDITABLE = ("symptom", "cause", "workaround", "category")


@dataclass(frozen=True)
class NewKnownError:
    symptom: str
    workaround: str
    cause: str | None = None
    category: str | None = None
    incidents: list[str] = field(default_factory=list)


def _require(principal: Principal) -> None:
    if not access.may_work_known_errors(principal):
        raise Forbidden("known errors are internal records, for agents")


def create_known_error(svc: Services, principal: Principal, new: NewKnownError) -> KnownErrorView:
    _require(principal)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        incidents = [
            _incident_for(session, principal, number, f"$.incidents[{i}]")
            for i, number in enumerate(dict.fromkeys(new.incidents))
        ]
        row = _add(session, principal, svc.now(), new, incidents)
        view = known_error_views(session, [row])[0]
        uow.commit()
        return view


def create_from_incident(svc: Services, principal: Principal, number: str) -> KnownErrorView:
    """In one step: the incident's title is the symptom, its resolution the workaround,
    its category the category; the incident is linked."""
    _require(principal)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        if not incident.resolution:
            raise Conflict(f"{number} has no resolution yet")
        new = NewKnownError(
            symptom=incident.title[:SYMPTOM_LENGTH],
            workaround=incident.resolution,
            category=incident.category,
        )
        row = _add(session, principal, svc.now(), new, [incident], source=incident.number)
        view = known_error_views(session, [row])[0]
        uow.commit()
        return view


def get_known_error(svc: Services, principal: Principal, known_error_id: int) -> KnownErrorView:
    _require(principal)
    with svc.db.read() as uow:
        row = _row(uow.session, known_error_id)
        return known_error_views(uow.session, [row])[0]


def list_known_errors(
    svc: Services,
    principal: Principal,
    *,
    status: str | None = None,
    category: str | None = None,
    text: str | None = None,
    page: int,
    page_size: int,
) -> tuple[list[KnownErrorView], int]:
    """Open ones first, then the most recently changed."""
    _require(principal)
    where = []
    if status:
        where.append(KnownError.status == status)
    if category:
        where.append(KnownError.category == category)
    if text and text.strip():
        pattern = f"%{_escaped(text.strip().lower())}%"
        where.append(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (KnownError.symptom, KnownError.cause, KnownError.workaround)
                )
            )
        )
    with svc.db.read() as uow:
        session = uow.session
        total = session.scalar(select(func.count()).select_from(KnownError).where(*where)) or 0
        offset = offset_of(page, page_size, total)
        if offset is None:
            return [], total
        rows = session.scalars(
            select(KnownError)
            .where(*where)
            .order_by(
                (KnownError.status == KnownErrorStatus.FIXED).asc(),
                KnownError.updated_at.desc(),
                KnownError.id.desc(),
            )
            .limit(page_size)
            .offset(offset)
        ).all()
        return known_error_views(session, rows), total


def update_known_error(
    svc: Services, principal: Principal, known_error_id: int, changes: dict[str, Any]
) -> KnownErrorView:
    """Changes the fields given; `status` fixed tells the linked open incidents' reporters."""
    _require(principal)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row = _row(session, known_error_id, lock=True)
        now = svc.now()
        changed = {
            name: {"from": getattr(row, name), "to": value}
            for name, value in changes.items()
            if name in (*_EDITABLE, "status") and getattr(row, name) != value
        }
        if not changed:
            return known_error_views(session, [row])[0]
        for name, change in changed.items():
            setattr(row, name, change["to"])
        row.updated_at = now
        audit.record(
            session,
            "known_error.updated",
            at=now,
            actor=principal,
            data={"known_error_id": row.id, "changes": changed},
        )
        if "status" in changed:
            _status_changed(session, principal, row, now)
        view = known_error_views(session, [row])[0]
        uow.commit()
        return view


def link_incident(
    svc: Services, principal: Principal, known_error_id: int, number: str
) -> KnownErrorView:
    """Linking one already linked changes nothing."""
    _require(principal)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row = _row(session, known_error_id, lock=True)
        incident = _incident_for(session, principal, number, "$.incident")
        if session.get(KnownErrorIncident, (row.id, incident.id)) is None:
            now = svc.now()
            _link(session, principal, row, incident, now)
            row.updated_at = now
        view = known_error_views(session, [row])[0]
        uow.commit()
        return view


def unlink_incident(
    svc: Services, principal: Principal, known_error_id: int, number: str
) -> KnownErrorView:
    _require(principal)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row = _row(session, known_error_id, lock=True)
        incident_id = parse_number(number)
        link = session.get(KnownErrorIncident, (row.id, incident_id)) if incident_id else None
        if link is None:
            raise NotFound(f"{number} is not linked to known error {known_error_id}")
        session.execute(
            delete(KnownErrorIncident).where(
                KnownErrorIncident.known_error_id == row.id,
                KnownErrorIncident.incident_id == incident_id,
            )
        )
        now = svc.now()
        row.updated_at = now
        audit.record(
            session,
            "known_error.unlinked",
            at=now,
            actor=principal,
            incident_id=incident_id,
            data=_summary(row),
        )
        view = known_error_views(session, [row])[0]
        uow.commit()
        return view


# -- in the caller's transaction ------------------------------------------------


def _add(
    session: Session,
    principal: Principal,
    now: datetime,
    new: NewKnownError,
    incidents: list[Incident],
    source: str | None = None,
) -> KnownError:
    row = KnownError(
        symptom=new.symptom,
        cause=new.cause,
        workaround=new.workaround,
        category=new.category,
        status=KnownErrorStatus.OPEN.value,
        created_at=now,
        created_by_id=principal.user_id,
        updated_at=now,
        fixed_at=None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "known_error.created",
        at=now,
        actor=principal,
        data={**_summary(row), "from_incident": source},
    )
    for incident in incidents:
        _link(session, principal, row, incident, now)
    return row


def _link(session, principal, row: KnownError, incident: Incident, now: datetime) -> None:
    session.add(KnownErrorIncident(known_error_id=row.id, incident_id=incident.id, linked_at=now))
    session.flush()
    audit.record(
        session,
        "known_error.linked",
        at=now,
        actor=principal,
        incident_id=incident.id,
        data=_summary(row),
    )


def _status_changed(session, principal, row: KnownError, now: datetime) -> None:
    if row.status != KnownErrorStatus.FIXED:
        row.fixed_at = None
        return
    row.fixed_at = now
    # On each linked incident's trail; the rules tell the reporters of the open ones.
    for incident in linked_incidents(session, row.id):
        audit.record(
            session,
            "known_error.fixed",
            at=now,
            actor=principal,
            incident_id=incident.id,
            data={
                **_summary(row),
                "incident_open": incident.status != IncidentStatus.CLOSED,
            },
        )


def _summary(row: KnownError) -> dict[str, Any]:
    return {"known_error_id": row.id, "symptom": row.symptom, "workaround": row.workaround}


def _row(session: Session, known_error_id: int, *, lock: bool = False) -> KnownError:
    row = None
    if 0 < known_error_id <= MAX_ID:
        row = session.get(KnownError, known_error_id, with_for_update=lock)
    if row is None:
        raise NotFound(f"no known error {known_error_id}")
    return row


def _incident_for(session, principal, number: str, where: str) -> Incident:
    try:
        return visible_incident(session, principal, number)
    except NotFound as error:
        raise InvalidInput(error.message, [FieldError(where, error.message)]) from error


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
