"""Declaring an incident major: by an L3 agent or a group lead, or by a decision table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...domain import major as rules
from ...domain.access import Principal
from ...domain.enums import MAJOR_PROCESS_ID, Group
from ...domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from ...domain.major import MajorStatus
from ...models import Incident, MajorIncident, ProcessInstance, User
from .. import audit, decisions, execution
from ..assignment import members
from ..context import Services
from ..incidents import visible_incident
from .records import major_of
from .views import MajorView, major_views

_LIFECYCLE = select(ProcessInstance.id).where(
    ProcessInstance.incident_id == bindparam("incident_id"), ProcessInstance.parent_id.is_(None)
)


@dataclass(frozen=True)
class DeclareMajor:
    reason: str
    # The major-incident manager's username; the declarer when they are in L3.
    manager: str | None = None


def declare_major(
    svc: Services, principal: Principal, number: str, command: DeclareMajor
) -> MajorView:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        if not rules.may_declare(principal, leads=members.leads(session, principal)):
            raise Forbidden("only L3 agents and group leads may declare a major incident")
        reason = (command.reason or "").strip()
        if not reason:
            raise InvalidInput("give a reason", [FieldError("$.reason", "must not be blank")])
        manager = _manager(session, principal, command.manager)
        _declare(svc, session, incident, reason=reason, manager=manager, actor=principal)
        view = major_views(session, [major_of(session, incident.id)])[incident.id]
        uow.commit()
        return view


def consider(svc: Services, session: Session, incident: Incident, **inputs: int) -> bool:
    """Ask major_trigger.dmn whether the incident is major now (inputs: alerts,
    alert_minutes, children); declare it if so, in the caller's transaction."""
    if rules.refusal_for_status(incident.status) or major_of(session, incident.id) is not None:
        return False
    # A desk whose owners have not deployed both goes on as before.
    if not decisions.deployed(session, rules.MAJOR_TRIGGER_DECISION) or not _process_deployed(
        session
    ):
        return False
    values = {"alerts": 0, "alert_minutes": 0, "children": 0} | inputs
    outputs = decisions.decide(svc, session, rules.MAJOR_TRIGGER_DECISION, values)
    if outputs.get("declare") is not True:
        return False
    manager = _default_manager(session)
    if manager is None:
        return False
    reason = str(outputs.get("reason") or "declared by the decision table major_trigger")
    _declare(svc, session, incident, reason=reason, manager=manager, actor=None, inputs=values)
    return True


def _declare(svc, session, incident, *, reason, manager: User, actor, inputs=None) -> None:
    refusal = rules.refusal_for_status(incident.status)
    if refusal:
        raise Conflict(f"incident {incident.number}: {refusal}")
    lifecycle_id = session.scalar(_LIFECYCLE, {"incident_id": incident.id})
    # Serialises declarations of one incident; the unique incident_id settles the rest.
    lifecycle = execution.lock(session, lifecycle_id) if lifecycle_id else None
    if lifecycle is None:
        raise Conflict(f"incident {incident.number} has no process to link a major incident to")
    if major_of(session, incident.id) is not None:
        raise Conflict(f"incident {incident.number} is already a major incident")
    now = svc.now()
    row = MajorIncident(
        incident_id=incident.id,
        reason=reason[: rules.REASON_MAX],
        declared_at=now,
        declared_by_id=actor.user_id if actor else None,
        manager_id=manager.id,
        updates=0,
        status=MajorStatus.ACTIVE,
        updated_at=now,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"incident {incident.number} is already a major incident") from None
    audit.record(
        session,
        "major.declaration_recorded",
        at=now,
        actor=actor,
        incident_id=incident.id,
        data={
            "reason": row.reason,
            "manager": manager.username,
            "automatic": actor is None,
            **({"inputs": inputs} if inputs else {}),
        },
    )
    instance = execution.start_linked(
        svc,
        session,
        process_id=MAJOR_PROCESS_ID,
        data={
            "incident_number": incident.number,
            "priority": incident.priority,
            "reason": row.reason,
            "declared_by": actor.username if actor else None,
            "manager": manager.username,
        },
        actor=actor,
        incident=incident,
        parent=lifecycle,
    )
    row.instance_id = instance.id
    session.flush()


def _process_deployed(session: Session) -> bool:
    try:
        execution.latest_version(session, MAJOR_PROCESS_ID)
    except NotFound:
        return False
    return True


def _manager(session: Session, principal: Principal, username: str | None) -> User:
    if username is None:
        if rules.may_manage(principal.groups):
            return session.get(User, principal.user_id)
        raise InvalidInput(
            "name the major-incident manager (an L3 agent)",
            [FieldError("$.manager", "required when you are not in L3")],
        )
    user = members.member(session, username.strip(), Group.L3)
    if user is None:
        raise InvalidInput(
            f"{username!r} cannot manage a major incident",
            [FieldError("$.manager", "must be an active L3 agent")],
        )
    return user


def _default_manager(session: Session) -> User | None:
    """For a declaration by the table: the L3 lead, else the first L3 agent."""
    found = [u for u in members.members(session, Group.L3) if u.disabled_at is None]
    leads = [u for u in found if any(g.is_lead and g.group == Group.L3 for g in u.groups)]
    return (leads or found or [None])[0]
