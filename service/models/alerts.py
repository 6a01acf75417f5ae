"""Alerts from monitoring, grouped by dedup key onto the incident they opened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AlertGroup(Base):
    """Every alert received under one dedup key while its incident is open.

    At most one open row per key (a partial unique index, so concurrent first
    alerts cannot open two incidents); the row is closed when its incident
    closes, and the next firing alert under the key starts a new row.
    """

    __tablename__ = "alert_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(255))
    # Null only inside the transaction that claimed the key and is opening the incident.
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    source: Mapped[str] = mapped_column(String(100))
    check_name: Mapped[str] = mapped_column(String(200))
    resource: Mapped[str] = mapped_column(String(200))
    count: Mapped[int]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    last_status: Mapped[str] = mapped_column(String(16))
    last_severity: Mapped[str] = mapped_column(String(16))
    last_summary: Mapped[str] = mapped_column(String(1024))
    resolved_at: Mapped[datetime | None]
    open: Mapped[bool]

    __table_args__ = (
        Index(
            "uq_alert_groups_open_dedup_key",
            "dedup_key",
            unique=True,
            sqlite_where=text("open"),
            postgresql_where=text("open"),
        ),
        Index("ix_alert_groups_last_seen_at", "last_seen_at"),
    )
