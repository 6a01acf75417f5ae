"""Marking someone away (leave, sick, off shift) or back: automatic assignment passes them by."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...domain import access
from ...domain.access import Principal
from ...domain.errors import Forbidden, NotFound
from ...models import User
from .. import audit
from ..context import Services
from . import members


@dataclass(frozen=True)
class AwayView:
    user: str
    away: bool


def set_away(svc: Services, principal: Principal, username: str, away: bool) -> AwayView:
    """For oneself, or by an admin or a lead of a group the user is in."""
    with svc.db.unit_of_work() as uow:
        session = uow.session
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            raise NotFound(f"no user {username}")
        oneself = user.id == principal.user_id
        leads_them = bool(user.group_names & members.leads(session, principal))
        if not (oneself or access.administers(principal) or leads_them):
            raise Forbidden("only the user, a lead of their group or an admin says they are away")
        if user.away != away:
            user.away = away
            audit.record(
                session,
                "user.away_changed",
                at=svc.now(),
                actor=principal,
                data={"user": user.username, "away": away},
            )
        view = AwayView(user.username, user.away)
        uow.commit()
        return view


def is_away(svc: Services, principal: Principal) -> bool:
    with svc.db.read() as uow:
        return bool(uow.session.scalar(select(User.away).where(User.id == principal.user_id)))
