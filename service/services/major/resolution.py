"""The incident's own process resolved it: its major-incident process moves on to the review."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...domain.access import Principal
from ...domain.enums import MAJOR_RESOLVED_MESSAGE, InstanceStatus
from ...domain.major import MajorStatus
from ...models import Incident
from .. import execution
from .records import major_of


def incident_resolved(
    svc, session: Session, incident: Incident, *, actor: Principal | None
) -> None:
    """Deliver the resolution to the waiting major-incident process, if there is one.

    Called after the incident's own run (engine runs never nest). A process
    owner's version that no longer waits for the message is left be.
    """
    row = major_of(session, incident.id)
    if row is None or row.status != MajorStatus.ACTIVE or row.instance_id is None:
        return
    instance = execution.lock(session, row.instance_id)
    if instance is None or instance.status != InstanceStatus.RUNNING:
        return
    run = execution.resume(svc, session, instance, actor=actor)
    payload = {"resolution": incident.resolution or "", "status": incident.status}
    if run.execution.deliver_message(MAJOR_RESOLVED_MESSAGE, payload):
        execution.advance(svc, session, instance, run, actor=actor, trigger="message")
