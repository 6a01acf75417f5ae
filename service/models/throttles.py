"""Failed sign-ins and unknown tokens, counted per key, shared by every process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Throttle(Base):
    """`key` is `account:<name>`, `address:<ip>` or `token:<ip>`."""

    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int]
    since: Mapped[datetime]
    blocked_until: Mapped[datetime | None]
