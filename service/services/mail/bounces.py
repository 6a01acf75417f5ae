"""Bounces come back: a permanent failure marks the e-mail delivery it names dead.

`record` works in the caller's transaction (mail intake hands it what
`service.notify.bounces.bounces` read from a message); `record_bounces` is the
same as a use case of its own. A delayed (4.x.x) notice is kept in the audit
trail and changes nothing: the mail server is still trying.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...models import Delivery, Notification
from ...notify.bounces import DELAYED, Bounce
from .. import audit
from ..context import Services
from ..outbox import CANCELLED, DEAD, EMAIL, SENT

log = logging.getLogger(__name__)

BOUNCED_PREFIX = "bounced: "
# What became of one reported recipient.
BOUNCED = "bounced"  # the delivery is dead now
NOTED = "noted"  # a delay (or a temporary failure), kept in the audit trail
ALREADY = "already"  # this bounce was recorded before
UNMATCHED = "unmatched"  # no e-mail of ours to that recipient with that Message-ID
IGNORED = "ignored"  # delivered, relayed, expanded: nothing went wrong


@dataclass(frozen=True)
class Recorded:
    bounce: Bounce
    outcome: str
    delivery_id: int | None = None
    incident_id: int | None = None


def record(session: Session, bounces: Iterable[Bounce], now: datetime) -> list[Recorded]:
    """Apply each bounce to the delivery it names (by Message-ID and recipient)."""
    return [_one(session, bounce, now) for bounce in bounces]


def record_bounces(svc: Services, bounces: Iterable[Bounce]) -> list[Recorded]:
    """`record` in a transaction of its own."""
    with svc.db.unit_of_work() as uow:
        recorded = record(uow.session, list(bounces), svc.now())
        uow.commit()
        return recorded


def _one(session: Session, bounce: Bounce, now: datetime) -> Recorded:
    delayed = bounce.action == DELAYED or bounce.status.startswith("4.")
    if not bounce.permanent and not delayed:
        return Recorded(bounce, IGNORED)
    row = _delivery(session, bounce)
    if row is None:
        # Counts only: the address is personal data.
        log.info("a bounce names no e-mail delivery of ours (status %s)", bounce.status or "?")
        return Recorded(bounce, UNMATCHED)
    found = Recorded(bounce, NOTED, row.id, row.incident_id)
    data = {
        "delivery_id": row.id,
        "channel": row.channel,
        "event": row.event_type,
        "action": bounce.action,
        "status": bounce.status,
        "diagnostic": bounce.diagnostic,
    }
    if not bounce.permanent:
        audit.record(
            session, "delivery.delayed", at=now, actor=None, incident_id=row.incident_id, data=data
        )
        return found
    error = (BOUNCED_PREFIX + bounce.reason)[:2000]
    if row.state == CANCELLED or (row.state == DEAD and row.last_error == error):
        return Recorded(bounce, ALREADY, row.id, row.incident_id)
    # Sent (the usual case: the bounce comes after the hand-over), waiting for a retry,
    # or dead for another reason: the address is what fails now.
    row.state = DEAD
    row.last_error = error
    row.lease_owner = row.lease_expires_at = None
    _undelivered(session, row)
    audit.record(
        session,
        "delivery.bounced",
        at=now,
        actor=None,
        incident_id=row.incident_id,
        data={**data, "error": error},
    )
    return Recorded(bounce, BOUNCED, row.id, row.incident_id)


def _undelivered(session: Session, row: Delivery) -> None:
    """The notification the mail carried reached nobody, unless another channel (a
    webhook) still delivered it."""
    if row.notification_id is None:
        return
    others = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.notification_id == row.notification_id,
            Delivery.id != row.id,
            Delivery.state == SENT,
        )
    )
    if not others:
        session.execute(
            update(Notification)
            .where(Notification.id == row.notification_id)
            .values(delivered_at=None)
        )


def _delivery(session: Session, bounce: Bounce) -> Delivery | None:
    if not bounce.message_id:
        return None
    addressed = {a for a in (bounce.recipient, bounce.original_recipient) if a}
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.channel == EMAIL, Delivery.message_id == bounce.message_id)
        .order_by(Delivery.id)
    ).all()
    return next((r for r in rows if r.recipient.strip().lower() in addressed), None)
