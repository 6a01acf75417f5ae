"""What the SLA timers of the process do when they fire: record, notify, decide.

Called synchronously from the process's `sla_event` service tasks, inside the
run that fires the timer, so its answer (escalate or not) steers the process
and its records commit with the run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..domain import instants
from ..domain.access import Principal
from ..domain.enums import IncidentStatus
from ..domain.errors import ProcessError
from ..models import Incident
from . import audit, notifications

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"


def record_event(
    session: Session,
    incident: Incident | None,
    params: dict[str, Any],
    *,
    now: datetime,
    actor: Principal | None,
    element_id: str,
) -> dict[str, Any]:
    """Handle one timer's SLA event; `{"escalate": True}` only for the first breach of a deadline.

    Idempotent per deadline: a tier that takes over a breached incident arms
    its own timers for the same, already missed, due time; they fire at once
    and must neither notify nor escalate again.
    """
    clock, event = params.get("clock"), params.get("event")
    group, role = str(params.get("group") or ""), str(params.get("notify") or "")
    if clock not in (FIRST_RESPONSE, RESOLUTION) or event not in ("warning", "breach"):
        raise ProcessError(
            f"sla_event needs clock first_response|resolution and event warning|breach, "
            f"got {clock!r} and {event!r}",
            element_id=element_id,
        )
    if role not in (notifications.MEMBER, notifications.LEAD, "group"):
        raise ProcessError(
            f"sla_event notify must be group or lead, got {role!r}", element_id=element_id
        )
    if incident is None:
        return {"escalate": False}
    due = instants.required(params.get("due"), element_id=element_id, what="sla_event `due`")
    role = notifications.LEAD if role == notifications.LEAD else notifications.MEMBER

    def tell(kind: str) -> None:
        notifications.notify_group(
            session,
            now=now,
            event=f"sla.{clock}.{kind}",
            group=group,
            role=role,
            incident_id=incident.id,
            data={"number": incident.number, "clock": clock, "due_at": due.isoformat()},
            template=f"sla_{kind}",
        )

    def log(kind: str) -> None:
        audit.record(
            session,
            f"sla.{kind}",
            at=now,
            actor=actor,
            incident_id=incident.id,
            element_id=element_id,
            data={
                "clock": clock,
                "due_at": due.isoformat(),
                "group": group,
                "late_seconds": int((now - due).total_seconds()),
            },
        )

    if clock == FIRST_RESPONSE:
        if (
            incident.first_response_at is not None
            or incident.first_response_breached_at is not None
        ):
            return {"escalate": False}
        incident.first_response_breached_at = now
        log("breached")
        tell("breached")
        return {"escalate": False}
    if event == "warning":
        if incident.resolution_warned_for == due or incident.status != IncidentStatus.IN_PROGRESS:
            return {"escalate": False}
        incident.resolution_warned_for = due
        log("warning")
        tell("warning")
        return {"escalate": False}
    if incident.resolution_breached_for == due:
        return {"escalate": False}
    if incident.resolution_breached_at is None:
        incident.resolution_breached_at = now
    incident.resolution_breached_for = due
    log("breached")
    tell("breached")
    return {"escalate": True}
