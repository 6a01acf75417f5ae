"""E-mail that came in, kept whole: what it became, and its bytes for download."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class InboundMessage(Base):
    """One message taken from the MTA's pipe or a mailbox.

    `message_key` (SHA-256 of the Message-ID, or of the bytes when there is
    none) is unique: the same message delivered twice is taken once. The
    original bytes stay here, so what a reporter wrote is never lost, even
    when the process refused it, and the quoted history cut from a reply can
    still be read.
    """

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    via: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    # opened, commented, noted, auto_reply, bounce, refused, limited, failed
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    size: Mapped[int]
    raw: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_inbound_messages_sender", "sender", "received_at"),)
