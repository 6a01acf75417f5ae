"""The rating an incident got, as agents read it on the incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import SatisfactionSurvey


@dataclass(frozen=True)
class SatisfactionView:
    sent_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    score: int | None
    comment: str | None
    state: str  # waiting, answered or expired


def of_incident(session: Session, incident_id: int, now: datetime) -> SatisfactionView | None:
    survey = session.scalar(
        select(SatisfactionSurvey).where(SatisfactionSurvey.incident_id == incident_id)
    )
    if survey is None:
        return None
    if survey.answered_at is not None:
        state = "answered"
    else:
        state = "expired" if now >= survey.expires_at else "waiting"
    return SatisfactionView(
        sent_at=survey.sent_at,
        expires_at=survey.expires_at,
        answered_at=survey.answered_at,
        score=survey.score,
        comment=survey.comment,
        state=state,
    )
