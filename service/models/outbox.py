"""What must still be sent out: e-mails and webhook calls, and who subscribed to what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument


class WebhookSubscription(Base):
    """An integrator's endpoint and the events it wants.

    The secret signs every body (HMAC-SHA256), so it has to be kept readable;
    the API shows it once, at creation.
    """

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSONDocument)
    secret: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    deleted_at: Mapped[datetime | None]


class Delivery(Base):
    """One message to send: written in the same transaction as its cause (an outbox).

    `payload` holds everything needed to send it again byte for byte, so a
    retry, or a resend after a worker died between sending and recording it,
    carries the same event id and Message-ID.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_subscriptions.id"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(2000))
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    # An e-mail's Message-ID (as in its payload): a bounce names it.
    message_id: Mapped[str | None] = mapped_column(String(250), index=True)
    # The X-Request-Id of the request that caused it: the worker's log names it.
    request_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_deliveries_state_next", "state", "next_attempt_at"),)
