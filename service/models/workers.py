"""Worker heartbeats: which processes run the background loops, and when they last reported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class WorkerHeartbeat(Base):
    """One row per worker process (`host:pid:suffix`), rewritten every few seconds."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    # The loops it runs, comma-separated: timers, deliveries, mail.
    loops: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime] = mapped_column(index=True)
    beats: Mapped[int] = mapped_column(default=0)
