"""Following an incident: a reporter follows what they can see, agents add anyone.

Followers are told about the incident as its reporter is (the `followers`
audience of the notification rules) and may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...domain import access
from ...domain.access import Principal
from ...domain.errors import Conflict, FieldError, Forbidden, InvalidInput
from ...models import Incident, IncidentFollower, User
from .. import audit
from ..context import Services
from ..incidents import visible_incident
from .followers import followers_of, is_follower


@dataclass(frozen=True)
class FollowerView:
    id: int
    username: str
    display_name: str | None


def list_followers(svc: Services, principal: Principal, number: str) -> list[FollowerView]:
    """Agents see every follower; anyone else who sees the incident, at most themselves."""
    with svc.db.read() as uow:
        incident = visible_incident(uow.session, principal, number)
        return _listed(uow.session, principal, incident)


def follow(svc: Services, principal: Principal, number: str, who: int | str) -> list[FollowerView]:
    """Adding a follower again changes nothing. Returns what `list_followers` returns."""
    with svc.db.unit_of_work() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        user = _user(session, who)
        _may_change(principal, user, "follow")
        add_follower(session, incident, user.id, added_by=principal, now=svc.now())
        session.flush()
        users = _listed(session, principal, incident)
        uow.commit()
        return users


def unfollow(
    svc: Services, principal: Principal, number: str, who: int | str
) -> list[FollowerView]:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        user = _user(session, who)
        _may_change(principal, user, "unfollow")
        if not is_follower(session, incident.id, user.id):
            raise Conflict(f"{user.username} does not follow {incident.number}")
        session.execute(
            delete(IncidentFollower).where(
                IncidentFollower.incident_id == incident.id, IncidentFollower.user_id == user.id
            )
        )
        audit.record(
            session,
            "incident.follower_removed",
            at=svc.now(),
            actor=principal,
            incident_id=incident.id,
            data={"user": user.username},
        )
        users = _listed(session, principal, incident)
        uow.commit()
        return users


def add_follower(
    session: Session,
    incident: Incident,
    user_id: int,
    *,
    added_by: Principal | None,
    now: datetime,
    reason: str | None = None,
) -> bool:
    """In the caller's transaction; False when the user already follows it."""
    if is_follower(session, incident.id, user_id):
        return False
    session.add(
        IncidentFollower(
            incident_id=incident.id,
            user_id=user_id,
            added_by_id=added_by.user_id if added_by else None,
            added_at=now,
        )
    )
    username = session.scalar(select(User.username).where(User.id == user_id))
    audit.record(
        session,
        "incident.follower_added",
        at=now,
        actor=added_by,
        incident_id=incident.id,
        data={"user": username, "reason": reason},
    )
    return True


def _listed(session: Session, principal: Principal, incident: Incident) -> list[FollowerView]:
    users = followers_of(session, incident.id)
    if not access.sees_everything(principal):
        users = [user for user in users if user.id == principal.user_id]
    return [FollowerView(user.id, user.username, user.display_name) for user in users]


def _may_change(principal: Principal, user: User, what: str) -> None:
    if user.id != principal.user_id and not access.may_relate_incidents(principal):
        raise Forbidden(f"you may {what} an incident only for yourself")


def _user(session: Session, who: int | str) -> User:
    if isinstance(who, int) and not isinstance(who, bool):
        user = session.get(User, who) if -(2**31) < who < 2**31 else None
    else:
        user = session.scalar(select(User).where(User.username == str(who).strip().lower()))
    if user is None:
        raise InvalidInput("unknown user", [FieldError("$.user", f"no user {who}")])
    return user
