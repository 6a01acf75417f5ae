"""What a known error looks like to its readers: the record and its linked incidents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Incident, KnownError, KnownErrorIncident, User


@dataclass(frozen=True)
class LinkedIncident:
    number: str
    title: str
    status: str


@dataclass(frozen=True)
class KnownErrorView:
    id: int
    symptom: str
    cause: str | None
    workaround: str
    category: str | None
    status: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    fixed_at: datetime | None
    incidents: list[LinkedIncident]


def linked_incidents(session: Session, known_error_id: int) -> list[Incident]:
    return list(
        session.scalars(
            select(Incident)
            .join(KnownErrorIncident, KnownErrorIncident.incident_id == Incident.id)
            .where(KnownErrorIncident.known_error_id == known_error_id)
            .order_by(Incident.id)
        )
    )


def known_error_views(session: Session, rows: Sequence[KnownError]) -> list[KnownErrorView]:
    """Views of `rows`, their incidents and authors fetched in one query each."""
    ids = [row.id for row in rows]
    links: dict[int, list[LinkedIncident]] = {i: [] for i in ids}
    if ids:
        found = session.execute(
            select(KnownErrorIncident.known_error_id, Incident)
            .join(Incident, Incident.id == KnownErrorIncident.incident_id)
            .where(KnownErrorIncident.known_error_id.in_(ids))
            .order_by(Incident.id)
        ).all()
        for known_error_id, incident in found:
            links[known_error_id].append(
                LinkedIncident(incident.number or "", incident.title, incident.status)
            )
    author_ids = {row.created_by_id for row in rows}
    names = dict(
        session.execute(select(User.id, User.username).where(User.id.in_(author_ids))).all()
        if author_ids
        else []
    )
    return [
        KnownErrorView(
            id=row.id,
            symptom=row.symptom,
            cause=row.cause,
            workaround=row.workaround,
            category=row.category,
            status=row.status,
            created_at=row.created_at,
            created_by=names.get(row.created_by_id, ""),
            updated_at=row.updated_at,
            fixed_at=row.fixed_at,
            incidents=links[row.id],
        )
        for row in rows
    ]
