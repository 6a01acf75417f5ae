"""Group membership as assignment reads it: who is in a group, who leads it, who is away."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.access import Principal
from ...models import User, UserGroup
from ..context import Services


def leads(session: Session, principal: Principal) -> frozenset[str]:
    """The groups the principal leads."""
    return frozenset(
        session.scalars(
            select(UserGroup.group).where(
                UserGroup.user_id == principal.user_id, UserGroup.is_lead.is_(True)
            )
        )
    )


def member(session: Session, username: str, group: str) -> User | None:
    return session.scalar(
        select(User)
        .join(UserGroup, UserGroup.user_id == User.id)
        .where(User.username == username, UserGroup.group == group, User.disabled_at.is_(None))
    )


def members(session: Session, group: str, *, present_only: bool = False) -> list[User]:
    """The group's members by user id: the order a round goes in."""
    query = (
        select(User)
        .join(UserGroup, UserGroup.user_id == User.id)
        .where(UserGroup.group == group)
        .order_by(User.id)
    )
    if present_only:
        query = query.where(User.away.is_(False), User.disabled_at.is_(None))
    return list(session.scalars(query))


def roster(svc: Services, groups: Iterable[str]) -> dict[str, list[str]]:
    """Usernames of each group's members, for choosing whom to hand a task to."""
    wanted = sorted(set(groups))
    found: dict[str, list[str]] = {group: [] for group in wanted}
    if not wanted:
        return found
    with svc.db.read() as uow:
        rows = uow.session.execute(
            select(UserGroup.group, User.username)
            .join(User, User.id == UserGroup.user_id)
            .where(UserGroup.group.in_(wanted), User.disabled_at.is_(None))
            .order_by(UserGroup.group, User.username)
        )
        for group, username in rows:
            found[group].append(username)
    return found
