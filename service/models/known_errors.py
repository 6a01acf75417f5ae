"""Known errors: a problem seen before, its cause and workaround, and the incidents it explains."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class KnownError(Base):
    __tablename__ = "known_errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    symptom: Mapped[str] = mapped_column(String(200))
    cause: Mapped[str | None] = mapped_column(Text)
    workaround: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(8), index=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    updated_at: Mapped[datetime]
    fixed_at: Mapped[datetime | None]


class KnownErrorIncident(Base):
    """One incident the known error explains."""

    __tablename__ = "known_error_incidents"

    known_error_id: Mapped[int] = mapped_column(ForeignKey("known_errors.id"), primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id"), primary_key=True, index=True
    )
    linked_at: Mapped[datetime]
