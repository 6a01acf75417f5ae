"""What the `survey_event` service task does: record a survey for a closure a reporter
can rate, with its expiry; the outbox turns its `survey.sent` event into the mail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...config import Settings
from ...domain.access import Principal
from ...domain.enums import Channel, IncidentStatus
from ...domain.errors import ProcessError
from ...models import Incident, ProcessInstance, SatisfactionSurvey
from ...workflow import parse_duration
from .. import audit

# Closures with nothing for the reporter to rate: the ticket went on as a service
# request (rated there, if ever), or it was another incident's duplicate.
NOT_RATED = frozenset({"converted_to_request", "duplicate"})
SENT = "sent"


def record_event(
    session: Session,
    instance: ProcessInstance,
    params: dict[str, Any],
    *,
    settings: Settings,
    now: datetime,
    actor: Principal | None,
    element_id: str,
) -> dict[str, Any]:
    """`{"sent": true, "survey_id", "expires_at"}`, or `{"sent": false, "reason"}`."""
    if params.get("event") != SENT:
        raise ProcessError(
            f"survey_event needs event sent, got {params.get('event')!r}", element_id=element_id
        )
    incident = session.get(Incident, instance.incident_id) if instance.incident_id else None
    if incident is None:
        raise ProcessError("a survey belongs to an incident", element_id=element_id)
    valid_for = _valid_for(params.get("expires_after"), settings, now, element_id)
    reason = _not_rateable(incident)
    if reason:
        return {"sent": False, "reason": reason}
    survey = session.scalar(
        select(SatisfactionSurvey).where(SatisfactionSurvey.incident_id == incident.id)
    )
    if survey is None:
        survey = SatisfactionSurvey(
            incident_id=incident.id,
            instance_id=instance.id,
            reporter_id=incident.reporter_id,
            tier=incident.tier,
            sent_at=now,
            expires_at=now + valid_for,
        )
        session.add(survey)
        session.flush()
        audit.record(
            session,
            "survey.sent",
            at=now,
            actor=actor,
            incident_id=incident.id,
            instance_id=instance.id,
            element_id=element_id,
            data={"survey_id": survey.id, "expires_at": survey.expires_at.isoformat()},
        )
    return {"sent": True, "survey_id": survey.id, "expires_at": survey.expires_at.isoformat()}


def _valid_for(value: Any, settings: Settings, now: datetime, element_id: str) -> timedelta:
    if value in (None, ""):
        return timedelta(days=settings.survey_valid_days)
    try:
        span = parse_duration(str(value), now)
    except Exception:
        raise ProcessError(
            f"survey_event expires_after must be an ISO 8601 duration such as P14D, got {value!r}",
            element_id=element_id,
        ) from None
    if span <= timedelta(0):
        raise ProcessError("survey_event expires_after must be positive", element_id=element_id)
    return span


def _not_rateable(incident: Incident) -> str | None:
    if incident.status != IncidentStatus.CLOSED:
        return "not closed"
    if incident.closure_code in NOT_RATED:
        return f"closed as {incident.closure_code}"
    if incident.channel == Channel.MONITORING:
        # Opened by a monitoring system, whose integrator account cannot say how it went.
        return "opened by monitoring"
    return None
