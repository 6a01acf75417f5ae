"""Redactions of the audit trail: the one change its rows allow, each one recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AuditRedaction(Base):
    """A person's erasure rewrote this event's `data` and `actor` (never its type, time,
    links or actor id). The database refuses any other change to the trail, and this one
    without a redaction row for the event (migration 0019)."""

    __tablename__ = "audit_redactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), index=True)
    redacted_at: Mapped[datetime]
    why: Mapped[str] = mapped_column(String(32))
