"""Sending the outbox: claim due deliveries, send each, record what happened.

At least once: a delivery is leased, sent outside any transaction, then
marked sent. A worker that dies in between leaves the lease to expire and
another worker sends it again, with the same event id (webhooks) or
Message-ID (e-mail), so receivers can tell. Failures back off exponentially;
after `delivery_max_attempts` a delivery is dead until an admin retries it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, true, update

from ..domain import access
from ..domain.access import Principal
from ..domain.errors import Conflict, Forbidden, NotFound
from ..domain.numbering import MAX_ID
from ..models import Delivery, Incident, Notification, WebhookSubscription
from ..notify import mail, webhook
from ..notify.failures import PermanentFailure
from . import audit
from .context import Services
from .outbox import CANCELLED, CHANGED, DEAD, EMAIL, PENDING, SENT, WEBHOOK
from .paging import page_of

log = logging.getLogger(__name__)

# Longer than any one send may take (timeouts are seconds), so a live
# worker never loses its lease; a dead one's deliveries wait this long.
LEASE = timedelta(minutes=5)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


class SendFailed(Exception):
    """A try that may succeed later (a refused connection, an HTTP 500)."""


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    event_id: str
    event_type: str
    recipient: str
    payload: dict[str, Any]
    secret: str | None
    # For the worker's log lines: the request that caused it, and its incident.
    request_id: str | None = None
    incident: str | None = None

    def __repr__(self) -> str:  # the secret stays out of logs
        return f"Claimed(id={self.id}, channel={self.channel}, event={self.event_type})"


@dataclass(frozen=True)
class DeliveryView:
    id: int
    created_at: datetime
    channel: str
    event_id: str
    event_type: str
    incident_number: str | None
    subscription_id: int | None
    recipient: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None  # for a bounced e-mail, "bounced: <status> <the server's words>"
    sent_at: datetime | None
    message_id: str | None


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 30 s, 1 min, 2 min, ... at most an hour."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def claim_due(svc: Services, owner: str, limit: int = 20) -> list[Claimed]:
    """Lease up to `limit` due deliveries, oldest first."""
    now = svc.now()
    due = (
        select(Delivery.id)
        .where(
            Delivery.state == PENDING,
            Delivery.next_attempt_at <= now,
            or_(Delivery.lease_expires_at.is_(None), Delivery.lease_expires_at < now),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if svc.db.dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        ids = session.scalars(due).all()
        if not ids:
            return []
        rows = session.execute(
            select(Delivery, WebhookSubscription, Incident.number)
            .outerjoin(WebhookSubscription, WebhookSubscription.id == Delivery.subscription_id)
            .outerjoin(Incident, Incident.id == Delivery.incident_id)
            .where(Delivery.id.in_(ids))
            .order_by(Delivery.next_attempt_at, Delivery.id)
        ).all()
        claimed = []
        for row, subscription, number in rows:
            if row.channel == WEBHOOK and (subscription is None or subscription.deleted_at):
                row.state = CANCELLED
                row.last_error = "the subscription was deleted"
                continue
            row.lease_owner = owner
            row.lease_expires_at = now + LEASE
            claimed.append(
                Claimed(
                    row.id,
                    row.channel,
                    row.event_id,
                    row.event_type,
                    row.recipient,
                    row.payload,
                    subscription.secret if subscription else None,
                    row.request_id,
                    number,
                )
            )
        uow.commit()
        return claimed


def send(svc: Services, claimed: Claimed, owner: str) -> bool:
    """Send one claimed delivery and record the outcome; True when it went out."""
    try:
        if claimed.channel == EMAIL:
            _send_mail(svc, claimed)
        else:
            _send_webhook(svc, claimed)
    except PermanentFailure as exc:
        _record_failure(svc, claimed, owner, str(exc), permanent=True)
        return False
    except Exception as exc:  # the worker must outlive any one receiver
        # The kind only: a mail server's answer may quote the address.
        log.info("delivery %s failed (%s); attempt recorded", claimed.id, exc.__class__.__name__)
        _record_failure(svc, claimed, owner, f"{exc}" or exc.__class__.__name__, permanent=False)
        return False
    _record_success(svc, claimed)
    return True


def next_wakeup(svc: Services) -> datetime | None:
    with svc.db.read() as uow:
        session = uow.session
        candidates = [
            session.scalar(
                select(func.min(Delivery.next_attempt_at)).where(
                    Delivery.state == PENDING, Delivery.lease_owner.is_(None)
                )
            ),
            session.scalar(
                select(func.min(Delivery.lease_expires_at)).where(
                    Delivery.state == PENDING, Delivery.lease_owner.is_not(None)
                )
            ),
        ]
    found = [c for c in candidates if c is not None]
    return min(found) if found else None


def _send_mail(svc: Services, claimed: Claimed) -> None:
    settings = svc.settings
    if not settings.smtp_host:
        raise SendFailed("no SMTP server is configured (INCIDENT_DESK_SMTP_HOST)")
    smtp = mail.SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password,
        ca_file=settings.smtp_ca_file,
    )
    mail.send(smtp, mail.build(claimed.payload, settings.mail_from, settings.mail_reply_to))


def _send_webhook(svc: Services, claimed: Claimed) -> None:
    answer = webhook.post(
        claimed.recipient,
        secret=claimed.secret or "",
        event_id=claimed.event_id,
        event_type=claimed.event_type,
        body=webhook.encode(claimed.payload["body"]),
        timeout=svc.settings.webhook_timeout,
        clock=lambda: svc.now().timestamp(),
        allowed_hosts=svc.settings.webhook_hosts,
    )
    if not answer.ok:
        raise SendFailed(answer.detail)


def _record_success(svc: Services, claimed: Claimed) -> None:
    now = svc.now()
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row = session.get(Delivery, claimed.id)
        # Sent is sent, even when our lease ran out meanwhile.
        if row is None or row.state != PENDING:
            return
        row.state = SENT
        row.sent_at = now
        row.attempts += 1
        row.lease_owner = row.lease_expires_at = None
        row.last_error = None
        if row.notification_id is not None:
            session.execute(
                update(Notification)
                .where(Notification.id == row.notification_id, Notification.delivered_at.is_(None))
                .values(delivered_at=now)
            )
        uow.commit()


def _record_failure(
    svc: Services, claimed: Claimed, owner: str, error: str, *, permanent: bool
) -> None:
    now = svc.now()
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row = session.get(Delivery, claimed.id)
        if row is None or row.state != PENDING or row.lease_owner != owner:
            return
        row.attempts += 1
        row.last_error = error[:2000]
        row.lease_owner = row.lease_expires_at = None
        if permanent or row.attempts >= svc.settings.delivery_max_attempts:
            row.state = DEAD
            audit.record(
                session,
                "delivery.dead",
                at=now,
                actor=None,
                incident_id=row.incident_id,
                data={
                    "delivery_id": row.id,
                    "channel": row.channel,
                    "event": row.event_type,
                    "attempts": row.attempts,
                    "error": row.last_error,
                },
            )
        else:
            row.next_attempt_at = now + backoff(row.attempts)
        uow.commit()


# -- the admin's view -----------------------------------------------------------


def list_deliveries(
    svc: Services,
    principal: Principal,
    *,
    state: str | None,
    channel: str | None,
    subscription_id: int | None,
    page: int,
    page_size: int,
) -> tuple[list[DeliveryView], int]:
    _require_admin(principal)
    where = [true()]
    if state:
        where.append(Delivery.state == state)
    if channel:
        where.append(Delivery.channel == channel)
    if subscription_id is not None:
        where.append(Delivery.subscription_id == subscription_id)
    with svc.db.read() as uow:
        session = uow.session
        rows, total = page_of(
            session,
            Delivery,
            where,
            select(Delivery, Incident.number)
            .outerjoin(Incident, Incident.id == Delivery.incident_id)
            .order_by(Delivery.id.desc()),
            page=page,
            page_size=page_size,
        )
        return [_view(row, number) for row, number in rows], total


def retry(svc: Services, principal: Principal, delivery_id: int) -> DeliveryView:
    """Give a dead (or waiting) delivery a fresh set of attempts, due at once."""
    _require_admin(principal)
    now = svc.now()
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row = session.get(Delivery, delivery_id) if 0 < delivery_id <= MAX_ID else None
        if row is None:
            raise NotFound(f"no delivery {delivery_id}")
        if row.state in (SENT, CANCELLED):
            raise Conflict(f"delivery {delivery_id} is {row.state}; there is nothing to retry")
        if row.channel == WEBHOOK:
            subscription = session.get(WebhookSubscription, row.subscription_id)
            if subscription is None or subscription.deleted_at is not None:
                raise Conflict(f"the webhook subscription of delivery {delivery_id} was deleted")
        if not row.payload:
            raise Conflict(f"delivery {delivery_id} has no message to send: {row.last_error}")
        previous = row.last_error
        row.state = PENDING
        row.attempts = 0
        row.next_attempt_at = now
        row.lease_owner = row.lease_expires_at = None
        audit.record(
            session,
            "delivery.retried",
            at=now,
            actor=principal,
            incident_id=row.incident_id,
            data={"delivery_id": row.id, "last_error": previous},
        )
        session.info[CHANGED] = True
        number = session.scalar(select(Incident.number).where(Incident.id == row.incident_id))
        view = _view(row, number)
        uow.commit()
        return view


def _require_admin(principal: Principal) -> None:
    if not access.administers(principal):
        raise Forbidden("only admins manage deliveries")


def _view(row: Delivery, number: str | None) -> DeliveryView:
    return DeliveryView(
        row.id,
        row.created_at,
        row.channel,
        row.event_id,
        row.event_type,
        number,
        row.subscription_id,
        row.recipient,
        row.state,
        row.attempts,
        row.next_attempt_at if row.state == PENDING else None,
        row.last_error,
        row.sent_at,
        row.message_id,
    )
