"""The personal-data breach register (GDPR Art. 33(5)): one row per breach."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Breach(Base):
    """Follows its `data_breach` instance: every engine run that moves the process
    updates the row in the same transaction (services.breach_register)."""

    __tablename__ = "breaches"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    # One breach per incident: flagging twice is a conflict, not a second breach.
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    summary: Mapped[str] = mapped_column(Text)
    aware_at: Mapped[datetime]
    flagged_at: Mapped[datetime]
    flagged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    risk: Mapped[str | None] = mapped_column(String(16), index=True)
    risk_rationale: Mapped[str | None] = mapped_column(Text)
    no_notice_reason: Mapped[str | None] = mapped_column(Text)
    contained: Mapped[bool | None]
    containment_measures: Mapped[str | None] = mapped_column(Text)
    authority_due_at: Mapped[datetime | None] = mapped_column(index=True)
    authority_warning_at: Mapped[datetime | None]
    authority_warned_at: Mapped[datetime | None]
    authority_escalated_at: Mapped[datetime | None]
    authority_notified_at: Mapped[datetime | None]
    authority_reference: Mapped[str | None] = mapped_column(String(200))
    delay_reason: Mapped[str | None] = mapped_column(Text)
    # What the authority was told (Art. 33(3)): nature, categories and numbers of
    # people and records, contact point, likely consequences, measures.
    notice: Mapped[dict[str, Any]]
    subjects_notified_at: Mapped[datetime | None]
    subjects_channel: Mapped[str | None] = mapped_column(String(32))
    subjects_message: Mapped[str | None] = mapped_column(Text)
    closure_summary: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
