"""Retention: the personal data of incidents closed longer ago than
INCIDENT_DESK_RETENTION_DAYS is pseudonymised, the way an erasure does it, one incident
per transaction. Marked incidents are not taken again, so rounds are idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ...domain.enums import IncidentStatus
from ...models import Incident
from ..context import Services
from . import erasure

BATCH = 50


def due(svc: Services, limit: int = BATCH) -> list[int]:
    """Ids of closed incidents past retention and not yet pseudonymised, oldest first."""
    days = svc.settings.retention_days
    if days <= 0:
        return []
    with svc.db.read() as uow:
        return list(
            uow.session.scalars(
                select(Incident.id)
                .where(
                    Incident.status == IncidentStatus.CLOSED,
                    Incident.closed_at < svc.now() - timedelta(days=days),
                    Incident.personal_data_erased_at.is_(None),
                )
                .order_by(Incident.closed_at, Incident.id)
                .limit(limit)
            )
        )


def pseudonymise(svc: Services, incident_id: int) -> bool:
    """One incident; False when another worker did it first."""
    with svc.db.unit_of_work() as uow:
        session = uow.session
        incident = session.scalar(
            select(Incident).where(Incident.id == incident_id).with_for_update()
        )
        if incident is None or incident.personal_data_erased_at is not None:
            return False
        erasure.pseudonymise_incident(svc, session, incident, svc.now())
        uow.commit()
        return True


def next_due(svc: Services) -> datetime | None:
    """When the next closed incident passes retention (None: nothing waits)."""
    days = svc.settings.retention_days
    if days <= 0:
        return None
    with svc.db.read() as uow:
        closed = uow.session.scalar(
            select(Incident.closed_at)
            .where(
                Incident.status == IncidentStatus.CLOSED,
                Incident.personal_data_erased_at.is_(None),
            )
            .order_by(Incident.closed_at)
            .limit(1)
        )
    return closed + timedelta(days=days) if closed else None
