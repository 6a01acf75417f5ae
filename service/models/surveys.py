"""Satisfaction surveys: one row per survey sent after a closure, with its answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class SatisfactionSurvey(Base):
    """The row is what makes a link single-use: once `answered_at` is set, a link
    shows the recorded answer and records nothing new."""

    __tablename__ = "satisfaction_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One survey per incident: a closure is rated once.
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The group that resolved the incident, told about a bad rating.
    tier: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(index=True)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    commented_at: Mapped[datetime | None]
