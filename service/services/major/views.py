"""What the API and the pages show of a major incident and its post-incident review.

Imports no use case: the incident views read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ...models import MajorIncident, User

_USERNAMES = select(User.id, User.username).where(User.id.in_(bindparam("ids", expanding=True)))
OF_INCIDENTS = select(MajorIncident).where(
    MajorIncident.incident_id.in_(bindparam("ids", expanding=True))
)


@dataclass(frozen=True)
class MajorView:
    status: str
    reason: str
    declared_at: datetime
    # None: declared by the decision table major_trigger.
    declared_by: str | None
    manager: str
    update_minutes: int | None
    updates: int
    last_update_at: datetime | None
    last_update: str | None
    next_update_due_at: datetime | None
    resolved_at: datetime | None
    review_due_at: datetime | None
    reviewed_at: datetime | None


@dataclass(frozen=True)
class ReviewView:
    incident_number: str
    timeline: str
    cause: str
    actions: str
    reviewed_at: datetime
    reviewed_by: str | None
    due_at: datetime | None


def _usernames(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    return dict(session.execute(_USERNAMES, {"ids": wanted}).all()) if wanted else {}


def major_views(session: Session, rows: Sequence[MajorIncident]) -> dict[int, MajorView]:
    """By incident id."""
    names = _usernames(session, [i for r in rows for i in (r.declared_by_id, r.manager_id)])
    return {
        r.incident_id: MajorView(
            status=r.status,
            reason=r.reason,
            declared_at=r.declared_at,
            declared_by=names.get(r.declared_by_id) if r.declared_by_id else None,
            manager=names.get(r.manager_id, ""),
            update_minutes=r.update_minutes,
            updates=r.updates,
            last_update_at=r.last_update_at,
            last_update=r.last_update,
            next_update_due_at=r.next_update_due_at,
            resolved_at=r.resolved_at,
            review_due_at=r.review_due_at,
            reviewed_at=r.reviewed_at,
        )
        for r in rows
    }


def of_incidents(session: Session, ids: Iterable[int]) -> dict[int, MajorView]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return major_views(session, session.scalars(OF_INCIDENTS, {"ids": wanted}).all())


def review_view(session: Session, number: str, row: MajorIncident) -> ReviewView:
    review: dict[str, Any] = row.review or {}
    names = _usernames(session, [row.reviewed_by_id])
    return ReviewView(
        incident_number=number,
        timeline=review.get("timeline", ""),
        cause=review.get("cause", ""),
        actions=review.get("actions", ""),
        reviewed_at=row.reviewed_at,
        reviewed_by=names.get(row.reviewed_by_id) if row.reviewed_by_id else None,
        due_at=row.review_due_at,
    )


def review_of(session: Session, incident_id: int, number: str) -> ReviewView | None:
    row = session.scalars(OF_INCIDENTS, {"ids": [incident_id]}).first()
    if row is None or row.review is None or row.reviewed_at is None:
        return None
    return review_view(session, number, row)
