"""Who follows an incident: told of its progress as its reporter is, and may read it."""

from __future__ import annotations

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from ...models import IncidentFollower, User


def followers_of(session: Session, incident_id: int) -> list[User]:
    """The users following the incident, by username."""
    return list(
        session.scalars(
            select(User)
            .join(IncidentFollower, IncidentFollower.user_id == User.id)
            .where(IncidentFollower.incident_id == incident_id)
            .order_by(User.username)
        )
    )


def follower_ids(session: Session, incident_id: int) -> list[int]:
    """The ids of the users following the incident, lowest first."""
    return list(
        session.scalars(
            select(IncidentFollower.user_id)
            .where(IncidentFollower.incident_id == incident_id)
            .order_by(IncidentFollower.user_id)
        )
    )


def is_follower(session: Session, incident_id: int, user_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    IncidentFollower.incident_id == incident_id,
                    IncidentFollower.user_id == user_id,
                )
            )
        )
    )


def followed_by(user_id: int) -> Select:
    """The ids of the incidents the user follows, as a subquery for `Incident.id.in_`."""
    return select(IncidentFollower.incident_id).where(IncidentFollower.user_id == user_id)
