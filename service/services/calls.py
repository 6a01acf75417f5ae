"""Calls with the reporter (personalised service for P1 and P2 incidents at L2 or L3).

An agent asks for one; the `call` process then has them arrange it (a form),
invites the reporter (an e-mail with a calendar file, by the notification
rules), reminds both sides shortly before, and records the outcome on the
incident as an internal note. The process calls back here through its
`call_event` service tasks.
"""

from __future__ import annotations

from sqlalchemy import select

from ..domain.access import Principal
from ..domain.enums import CALL_PROCESS_ID, IncidentStatus, InstanceStatus, Priority, Tier
from ..domain.errors import Conflict, Forbidden
from ..models import ProcessInstance
from . import execution, idempotency
from .context import Services
from .incidents import visible_incident
from .views import InstanceView, instance_view

REQUEST_CALL = "request_call"
PRIORITIES = (Priority.P1, Priority.P2)
TIERS = (Tier.L2, Tier.L3)


def request_call(
    svc: Services, principal: Principal, number: str, *, idempotency_key: str | None = None
) -> tuple[InstanceView, bool]:
    """Start a call process for the incident (its first task is arranging the call); and
    whether this answers a retry (the same `idempotency_key`) of an earlier request."""
    if not any(principal.in_group(tier) for tier in TIERS):
        raise Forbidden("only L2 and L3 agents arrange calls")
    key = idempotency.key(idempotency_key, REQUEST_CALL, {"number": number})
    return idempotency.once(key, lambda: _request(svc, principal, number, key))


def _request(svc, principal, number, key) -> tuple[InstanceView, bool]:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        earlier = idempotency.earlier(session, principal, key)
        if earlier is not None:
            instance = session.get(ProcessInstance, earlier.result["instance_id"])
            data = execution.peek(svc, session, instance).snapshot().data
            return instance_view(session, instance, data), True
        if (
            incident.priority not in PRIORITIES
            or incident.tier not in TIERS
            or incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
        ):
            raise Conflict(
                f"calls are for open P1 and P2 incidents at L2 or L3; {number} is "
                f"{incident.priority or 'unprioritised'} at {incident.tier}, {incident.status}"
            )
        running = session.scalar(
            select(ProcessInstance.id).where(
                ProcessInstance.incident_id == incident.id,
                ProcessInstance.process_id == CALL_PROCESS_ID,
                ProcessInstance.status == InstanceStatus.RUNNING,
            )
        )
        if running is not None:
            raise Conflict(f"a call for {number} is already under way (instance {running})")
        parent = session.scalar(
            select(ProcessInstance).where(
                ProcessInstance.incident_id == incident.id, ProcessInstance.parent_id.is_(None)
            )
        )
        # Every variable the process reads, None until its form sets it.
        data = {
            "incident_number": incident.number,
            "title": incident.title,
            "duration_minutes": 30,
            "agenda": None,
            "next_steps": None,
        }
        instance, run = execution.start(
            svc,
            session,
            process_id=CALL_PROCESS_ID,
            data=data,
            actor=principal,
            incident=incident,
            parent=parent,
        )
        idempotency.remember(
            session,
            principal,
            key,
            svc.now(),
            incident_id=incident.id,
            result={"instance_id": instance.id},
        )
        view = instance_view(session, instance, run.execution.snapshot().data)
        uow.commit()
        return view, False
