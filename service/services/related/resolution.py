"""A resolved parent resolves its open children, each through its own process.

The children's processes wait for the `parent_resolved` message on their work
steps and while on hold; the message takes them on to the reporter's
confirmation like any resolution, so the audit trail, the notifications and the
confirm task all come from the engine, never from rows written beside it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...domain.access import Principal
from ...domain.enums import PARENT_RESOLVED_MESSAGE, IncidentStatus
from ...models import Incident
from .. import audit, execution
from ..context import Services
from .family import child_incidents, lifecycle_instance_id

_DONE = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)


def resolve_children(
    svc: Services,
    session: Session,
    parent: Incident,
    *,
    actor: Principal | None,
    resolution: str,
) -> list[int]:
    """Deliver `parent_resolved` to every open child's process, each under its lock, in
    the caller's transaction. Returns the ids of the children it resolved; resolved and
    closed children are skipped. A child whose process does not wait for the message
    (it runs a version without it) is left as it is, and the trail says so."""
    resolved: list[int] = []
    for child in child_incidents(session, parent.id):
        if child.status in _DONE:
            continue
        instance_id = lifecycle_instance_id(session, child.id)
        instance = execution.lock(session, instance_id) if instance_id is not None else None
        if instance is None:
            continue
        session.refresh(child)
        if child.status in _DONE:
            continue
        run = execution.resume(svc, session, instance, actor=actor)
        payload = {"parent": parent.number, "resolution": resolution}
        if run.execution.deliver_message(PARENT_RESOLVED_MESSAGE, payload):
            execution.advance(svc, session, instance, run, actor=actor, trigger="message")
            audit.record(
                session,
                "incident.resolved_with_parent",
                at=svc.now(),
                actor=actor,
                incident_id=child.id,
                data={"parent": parent.number, "status": child.status},
            )
            resolved.append(child.id)
        else:
            audit.record(
                session,
                "related.parent_resolution_not_delivered",
                at=svc.now(),
                actor=actor,
                incident_id=child.id,
                data={"parent": parent.number, "status": child.status},
            )
    return resolved
