"""The search index: each incident's searchable text, once for agents and once for its
reporter (who sees neither internal notes nor who reported it)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

# PostgreSQL matches on `document`; SQLite keeps the folded text in the FTS5 table
# incident_search_fts (rowid = id), which SQLAlchemy does not describe, and leaves
# `document` empty.
DOCUMENT = TSVECTOR().with_variant(Text(), "sqlite")
FTS_TABLE = "incident_search_fts"
# The indexed fields, in the FTS5 table's column order.
FIELDS = ("title", "number", "description", "comments", "resolution", "reporter")


class IncidentSearch(Base):
    __tablename__ = "incident_search"

    # incident id * 2 + (0 for the reporter's text, 1 for the agents'): known before
    # the insert, so the FTS5 row can share it.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    audience: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    number: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    comments: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text)
    reporter: Mapped[str] = mapped_column(Text)
    document: Mapped[str | None] = mapped_column(DOCUMENT)

    __table_args__ = (Index("ix_incident_search_document", "document", postgresql_using="gin"),)
