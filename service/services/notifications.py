"""Who must be told what: one row per recipient, in the caller's transaction.

This is the only way the application notifies anyone. Rows wait here until a
delivery channel (mail, webhook) sends them; until then people read them
through the API and the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from ..domain.access import Principal
from ..models import Incident, Notification, User, UserGroup
from . import audit
from .context import Services
from .paging import page_of

MEMBER = "member"
LEAD = "lead"
# The rows this transaction created, with their mail template: the outbox
# turns them into deliveries at commit.
CREATED = "incident_desk.notifications_created"

_LEADS = (
    select(User.id, User.username)
    .join(UserGroup, UserGroup.user_id == User.id)
    .where(UserGroup.group == bindparam("group"), UserGroup.is_lead.is_(True))
    .order_by(User.username)
)


@dataclass(frozen=True)
class NotificationView:
    id: int
    created_at: datetime
    event: str
    incident_number: str | None
    recipient: str | None
    recipient_group: str | None
    role: str
    data: dict[str, Any]
    delivered_at: datetime | None
    # Only notifications addressed to one user are marked read (a group's are shared).
    read_at: datetime | None = None


@dataclass(frozen=True)
class Created:
    notification: Notification
    template: str | None
    # What the template sees as `event`: type, actor, data.
    event: dict[str, Any]
    # Files for the e-mail, by kind (see notify.rules.CALENDAR).
    attach: tuple[str, ...] = ()


def add(
    session: Session,
    notification: Notification,
    *,
    template: str | None,
    event: dict[str, Any],
    attach: tuple[str, ...] = (),
) -> None:
    session.add(notification)
    session.info.setdefault(CREATED, []).append(Created(notification, template, event, attach))


def created(session: Session) -> list[Created]:
    return session.info.pop(CREATED, [])


def notify_group(
    session: Session,
    *,
    now: datetime,
    event: str,
    group: str,
    role: str,
    incident_id: int | None,
    data: dict[str, Any],
    template: str | None = None,
) -> list[str]:
    """Tell a group's members, or its leads by name (the group itself when it has none).

    Returns who was addressed, for the audit trail.
    """
    recipients: list[tuple[int | None, str]] = []
    if role == LEAD:
        recipients = list(session.execute(_LEADS, {"group": group}).all())
    if not recipients:
        recipients = [(None, f"group {group}" + (" (lead)" if role == LEAD else ""))]
    context = {"type": event, "actor": audit.SYSTEM_ACTOR, "data": data}
    for user_id, _label in recipients:
        notification = Notification(
            created_at=now,
            incident_id=incident_id,
            event=event,
            recipient_id=user_id,
            recipient_group=None if user_id else group,
            role=role,
            data=data,
        )
        add(session, notification, template=template, event=context)
    addressed = [label for _, label in recipients]
    audit.record(
        session,
        "notification.created",
        at=now,
        actor=None,
        incident_id=incident_id,
        data={"event": event, "to": addressed, "group": group, "role": role},
    )
    return addressed


def list_notifications(
    svc: Services, principal: Principal, *, page: int, page_size: int
) -> tuple[list[NotificationView], int]:
    """Notifications addressed to the principal, or to a group they are in (as member or lead)."""
    with svc.db.read() as uow:
        session = uow.session
        led = session.scalars(
            select(UserGroup.group).where(
                UserGroup.user_id == principal.user_id, UserGroup.is_lead.is_(True)
            )
        ).all()
        mine = or_(
            Notification.recipient_id == principal.user_id,
            and_(
                Notification.recipient_id.is_(None),
                Notification.recipient_group.in_(sorted(principal.groups)),
                Notification.role == MEMBER,
            ),
            and_(
                Notification.recipient_id.is_(None),
                Notification.recipient_group.in_(sorted(led)),
                Notification.role == LEAD,
            ),
        )
        rows, total = page_of(
            session,
            Notification,
            [mine],
            select(Notification, Incident.number, User.username)
            .outerjoin(Incident, Incident.id == Notification.incident_id)
            .outerjoin(User, User.id == Notification.recipient_id)
            .order_by(Notification.id.desc()),
            page=page,
            page_size=page_size,
        )
        return [
            NotificationView(
                n.id,
                n.created_at,
                n.event,
                number,
                username,
                n.recipient_group,
                n.role,
                n.data,
                n.delivered_at,
                n.read_at,
            )
            for n, number, username in rows
        ], total


def unread_count(svc: Services, principal: Principal) -> int:
    """Notifications addressed to the principal by name and not yet seen (the header badge)."""
    with svc.db.read() as uow:
        return (
            uow.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(
                    Notification.recipient_id == principal.user_id,
                    Notification.read_at.is_(None),
                )
            )
            or 0
        )


def mark_read(svc: Services, principal: Principal, ids: list[int]) -> int:
    """Mark the principal's own notifications among `ids` read; how many were unread."""
    if not ids:
        return 0
    with svc.db.unit_of_work() as uow:
        result = uow.session.execute(
            update(Notification)
            .where(
                Notification.id.in_(ids),
                Notification.recipient_id == principal.user_id,
                Notification.read_at.is_(None),
            )
            .values(read_at=svc.now())
        )
        uow.commit()
        return result.rowcount or 0
