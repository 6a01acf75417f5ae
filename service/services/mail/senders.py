"""Who wrote: the user behind an address, a reporter made for a new one, the gateway
that signs notes from strangers, and how much one address may send."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain.access import Principal
from ...models import InboundMessage, User

# Notes from people who are not on the incident are signed by this user: it has no
# groups, no password and no token, so nobody can sign in as it.
GATEWAY = "mail-gateway"
_NOT_IN_USERNAMES = re.compile(r"[^a-z0-9._@-]+")


def principal(user: User) -> Principal:
    return Principal(user.id, user.username, user.group_names, user.language, user.time_zone)


def by_address(session: Session, address: str) -> User | None:
    """The user whose contact is this address (the oldest, when several share one)."""
    return session.scalar(
        select(User).where(func.lower(User.contact) == address.lower()).order_by(User.id).limit(1)
    )


def new_reporter(session: Session, address: str, name: str, now: datetime) -> User:
    """A reporter for an address no user has: no groups, no password; they follow their
    incidents by mail and may be given a password later."""
    base = _NOT_IN_USERNAMES.sub("-", address.lower())[:56].strip("-.") or "reporter"
    username, suffix = base, 1
    while session.scalar(select(User.id).where(User.username == username)) is not None:
        suffix += 1
        username = f"{base}-{suffix}"
    user = User(username=username, display_name=name or None, contact=address, created_at=now)
    session.add(user)
    session.flush()
    return user


def gateway(session: Session, now: datetime) -> User:
    user = session.scalar(select(User).where(User.username == GATEWAY))
    if user is None:
        user = User(username=GATEWAY, display_name="E-mail", created_at=now)
        session.add(user)
        session.flush()
    return user


def taken_lately(session: Session, address: str, now: datetime, *, but: int) -> int:
    """Messages from the address in the last hour, this one (`but`) aside."""
    return session.scalar(
        select(func.count())
        .select_from(InboundMessage)
        .where(
            InboundMessage.sender == address,
            InboundMessage.received_at > now - timedelta(hours=1),
            InboundMessage.id != but,
        )
    )


def refused_lately(session: Session, address: str, now: datetime, outcome: str) -> bool:
    """Whether the address was already refused (and so answered) in the last day."""
    return (
        session.scalar(
            select(InboundMessage.id)
            .where(
                InboundMessage.sender == address,
                InboundMessage.outcome == outcome,
                InboundMessage.received_at > now - timedelta(days=1),
            )
            .limit(1)
        )
        is not None
    )
