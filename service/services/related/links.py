"""Linking an incident to the parent it is part of, and unlinking it (agents).

Both incidents' trails record the link. Refused: linking to itself, to one of its
own descendants (a cycle), to a closed or unknown incident, or a closed child.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import IncidentStatus
from ...domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from ...models import Incident
from .. import audit
from ..context import Services
from ..incidents import visible_incident
from ..major import triggers as major_triggers
from ..views import IncidentView
from .family import ancestor_ids
from .reading import related_view


def require_agent(principal: Principal, what: str) -> None:
    if not access.may_relate_incidents(principal):
        raise Forbidden(f"{what} is for agents")


def other_incident(session: Session, principal: Principal, number: str, field: str) -> Incident:
    """The incident a body names; unknown is bad input, not a missing resource."""
    try:
        return visible_incident(session, principal, number)
    except NotFound:
        raise InvalidInput(
            f"no incident {number}", [FieldError(f"$.{field}", f"no incident {number}")]
        ) from None


def link_parent(
    svc: Services, principal: Principal, number: str, parent_number: str
) -> IncidentView:
    require_agent(principal, "linking incidents")
    with svc.db.unit_of_work() as uow:
        session = uow.session
        child = visible_incident(session, principal, number)
        parent = other_incident(session, principal, parent_number, "parent")
        _lock(session, child.id, parent.id)
        if parent.id == child.id:
            raise InvalidInput(
                "an incident cannot be its own parent",
                [FieldError("$.parent", "the incident itself")],
            )
        if child.id in ancestor_ids(session, parent):
            raise Conflict(f"{parent.number} is part of {child.number}: the link would be a cycle")
        for incident, role in ((parent, "parent"), (child, "incident")):
            if incident.status == IncidentStatus.CLOSED:
                raise Conflict(f"the {role} {incident.number} is closed")
        if child.parent_id != parent.id:
            previous = child.parent_id
            child.parent_id = parent.id
            now = svc.now()
            record_link(
                session, principal, now, "linked", child, parent,
                {"previous_parent": _number(session, previous)},
            )  # fmt: skip
            session.flush()
            # Enough children make the parent a major incident (major_trigger.dmn).
            major_triggers.after_child_linked(svc, session, parent)
        session.flush()
        view = related_view(svc, session, principal, child)
        uow.commit()
        return view


def unlink_parent(svc: Services, principal: Principal, number: str) -> IncidentView:
    require_agent(principal, "unlinking incidents")
    with svc.db.unit_of_work() as uow:
        session = uow.session
        child = visible_incident(session, principal, number)
        if child.parent_id is None:
            raise Conflict(f"{child.number} has no parent")
        parent = session.get(Incident, child.parent_id)
        child.parent_id = None
        record_link(session, principal, svc.now(), "unlinked", child, parent)
        session.flush()
        view = related_view(svc, session, principal, child)
        uow.commit()
        return view


def record_link(
    session: Session,
    principal: Principal,
    now,
    change: str,
    child: Incident,
    parent: Incident,
    extra: dict | None = None,
    *,
    on_parent: bool = True,
) -> None:
    """`incident.parent_<change>` on the child's trail and, unless `on_parent` is
    false, `incident.child_<change>` on the parent's."""
    data = {"parent": parent.number, "child": child.number} | (extra or {})
    trails = [("parent", child)] + ([("child", parent)] if on_parent else [])
    for side, incident in trails:
        audit.record(
            session,
            f"incident.{side}_{change}",
            at=now,
            actor=principal,
            incident_id=incident.id,
            data=data,
        )


def _number(session: Session, incident_id: int | None) -> str | None:
    if incident_id is None:
        return None
    incident = session.get(Incident, incident_id)
    return incident.number if incident else None


def _lock(session: Session, *incident_ids: int) -> None:
    """Two links made at once must not both pass the cycle check: their rows are locked,
    in id order so that two such requests never wait for each other."""
    session.execute(
        select(Incident.id)
        .where(Incident.id.in_(sorted(set(incident_ids))))
        .order_by(Incident.id)
        .with_for_update()
    ).all()
