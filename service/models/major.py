"""Major incidents: one row per declared major incident, its cadence and its review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class MajorIncident(Base):
    """Follows its `major_incident` instance: every engine run that moves the process
    updates the row in the same transaction (services.major.record)."""

    __tablename__ = "major_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Declared once: declaring twice is a conflict, not a second major incident.
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime]
    # None when a decision table declared it (major_trigger.dmn).
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    update_minutes: Mapped[int | None]
    last_update_at: Mapped[datetime | None]
    last_update: Mapped[str | None] = mapped_column(Text)
    updates: Mapped[int] = mapped_column(default=0)
    next_update_due_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_for: Mapped[datetime | None]
    escalated_for: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    review_due_at: Mapped[datetime | None]
    # What the post-incident review recorded: timeline, cause, actions.
    review: Mapped[dict[str, Any] | None]
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    updated_at: Mapped[datetime]
