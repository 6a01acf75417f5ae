"""What the `call` process's service tasks do on the incident: record the call,
compute the reminder, keep the outcome as an internal note (see services.calls)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..domain import instants
from ..domain.access import Principal
from ..domain.errors import ProcessError
from ..models import Incident, ProcessInstance
from ..workflow import parse_duration
from . import audit, notes


def record_event(
    session: Session,
    incident: Incident | None,
    instance: ProcessInstance,
    params: dict[str, Any],
    *,
    now: datetime,
    actor: Principal | None,
    element_id: str,
) -> dict[str, Any]:
    """What a `call_event` service task does: scheduled, reminder or outcome."""
    event, call = params.get("event"), params.get("call")
    if event not in ("scheduled", "reminder", "outcome") or not isinstance(call, dict):
        raise ProcessError(
            f"call_event needs event scheduled|reminder|outcome and a call dict, got {event!r}",
            element_id=element_id,
        )
    if incident is None:
        raise ProcessError("a call belongs to an incident", element_id=element_id)
    starts = instants.required(
        call.get("call_at"), element_id=element_id, what="the call's call_at"
    )
    data = {"call_id": instance.id, **call, "call_at": starts.isoformat()}
    answer: dict[str, Any] = {}
    if event == "scheduled":
        if starts <= now:
            raise ProcessError(
                f"the call must be in the future; {starts.isoformat()} has passed",
                element_id=element_id,
            )
        minutes = int(call.get("duration_minutes") or 30)
        remind = parse_duration(str(params.get("remind_before") or "PT15M"), starts)
        data |= {
            "duration_minutes": minutes,
            "ends_at": (starts + timedelta(minutes=minutes)).isoformat(),
            "agent": actor.username if actor else None,
        }
        answer = {"reminder_at": max(starts - remind, now).isoformat()}
    elif event == "outcome":
        held = "held" if call.get("held") else "did not take place"
        lines = [f"Call of {starts.isoformat()} {held}.", str(call.get("outcome") or "")]
        if call.get("next_steps"):
            lines.append(f"Next steps: {call['next_steps']}")
        if actor is None:
            raise ProcessError("a call's outcome is recorded by a person", element_id=element_id)
        notes.add_internal_note(session, incident, author=actor, body="\n".join(lines), now=now)
    audit.record(
        session,
        f"call.{event}",
        at=now,
        actor=actor,
        incident_id=incident.id,
        instance_id=instance.id,
        element_id=element_id,
        data=data,
    )
    return answer
