"""Webhook subscriptions: an admin registers an endpoint and the events it wants."""

from __future__ import annotations

import fnmatch
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..domain import access
from ..domain.access import Principal
from ..domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from ..domain.numbering import MAX_ID
from ..models import Delivery, WebhookSubscription
from ..notify import webhook
from . import audit, idempotency
from .context import Services
from .outbox import CANCELLED, PENDING
from .paging import offset_of

# Event patterns: dotted names with shell wildcards (`incident.*`, `sla.*`, `*`).
_PATTERN = re.compile(r"^[a-z0-9_.*?\[\]-]{1,64}$")
MAX_PATTERNS = 50
CREATE_WEBHOOK = "create_webhook"


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    url: str
    events: list[str]
    description: str | None
    created_at: datetime
    created_by: str
    secret_hint: str
    # Only in the answer to the creation: the whole secret, shown once.
    secret: str | None = None


def create(
    svc: Services,
    principal: Principal,
    *,
    url: str,
    events: list[str],
    description: str | None,
    secret: str | None,
    idempotency_key: str | None = None,
) -> tuple[SubscriptionView, bool]:
    """The new subscription with its secret; and whether this answers a retry (the same
    `idempotency_key`), which shows the same secret again."""
    _require_admin(principal)
    errors = []
    if problem := webhook.check_url(url, svc.settings.webhook_hosts):
        errors.append(FieldError("$.url", problem))
    if not events or len(events) > MAX_PATTERNS:
        errors.append(FieldError("$.events", f"1 to {MAX_PATTERNS} event patterns"))
    errors += [
        FieldError(f"$.events[{i}]", "an event type or pattern such as incident.* or sla.breached")
        for i, pattern in enumerate(events)
        if not _PATTERN.match(pattern) or _broken_pattern(pattern)
    ]
    if errors:
        raise InvalidInput("the subscription is not valid", errors)
    request = {"url": url, "events": events, "description": description, "secret": secret}
    key = idempotency.key(idempotency_key, CREATE_WEBHOOK, request)
    return idempotency.once(
        key, lambda: _create(svc, principal, url, events, description, secret, key)
    )


def _create(svc, principal, url, events, description, secret, key):
    now = svc.now()
    with svc.db.unit_of_work() as uow:
        session = uow.session
        earlier = idempotency.earlier(session, principal, key)
        if earlier is not None:
            row = session.get(WebhookSubscription, earlier.result["subscription_id"])
            return _view(row, with_secret=True), True
        row = WebhookSubscription(
            url=url,
            events=list(dict.fromkeys(events)),
            secret=secret or secrets.token_urlsafe(32),
            description=description,
            created_at=now,
            created_by=principal.username,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            "webhook.created",
            at=now,
            actor=principal,
            data={"subscription_id": row.id, "url": url, "events": row.events},
        )
        idempotency.remember(session, principal, key, now, result={"subscription_id": row.id})
        view = _view(row, with_secret=True)
        uow.commit()
        return view, False


def list_subscriptions(
    svc: Services, principal: Principal, *, page: int, page_size: int
) -> tuple[list[SubscriptionView], int]:
    _require_admin(principal)
    live = WebhookSubscription.deleted_at.is_(None)
    with svc.db.read() as uow:
        session = uow.session
        total = (
            session.scalar(select(func.count()).select_from(WebhookSubscription).where(live)) or 0
        )
        offset = offset_of(page, page_size, total)
        if offset is None:
            return [], total
        rows = session.scalars(
            select(WebhookSubscription)
            .where(live)
            .order_by(WebhookSubscription.id)
            .limit(page_size)
            .offset(offset)
        ).all()
        return [_view(row) for row in rows], total


def get(svc: Services, principal: Principal, subscription_id: int) -> SubscriptionView:
    _require_admin(principal)
    with svc.db.read() as uow:
        return _view(_live(uow.session, subscription_id))


def delete(svc: Services, principal: Principal, subscription_id: int) -> None:
    """Stop calling the endpoint; what was still waiting for it is cancelled."""
    _require_admin(principal)
    now = svc.now()
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row = _live(session, subscription_id)
        row.deleted_at = now
        cancelled = session.execute(
            Delivery.__table__.update()
            .where(Delivery.subscription_id == row.id, Delivery.state == PENDING)
            .values(state=CANCELLED, last_error="the subscription was deleted")
        ).rowcount
        audit.record(
            session,
            "webhook.deleted",
            at=now,
            actor=principal,
            data={"subscription_id": row.id, "url": row.url, "cancelled_deliveries": cancelled},
        )
        uow.commit()


def _live(session, subscription_id: int) -> WebhookSubscription:
    row = (
        session.get(WebhookSubscription, subscription_id) if 0 < subscription_id <= MAX_ID else None
    )
    if row is None or row.deleted_at is not None:
        raise NotFound(f"no webhook subscription {subscription_id}")
    return row


def _broken_pattern(pattern: str) -> bool:
    try:
        re.compile(fnmatch.translate(pattern))
    except re.error:
        return True
    return False


def _require_admin(principal: Principal) -> None:
    if not access.administers(principal):
        raise Forbidden("only admins manage webhook subscriptions")


def _view(row: WebhookSubscription, *, with_secret: bool = False) -> SubscriptionView:
    return SubscriptionView(
        row.id,
        row.url,
        list(row.events),
        row.description,
        row.created_at,
        row.created_by,
        secret_hint="..." + row.secret[-4:],
        secret=row.secret if with_secret else None,
    )
