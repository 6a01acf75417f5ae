"""The query-able projections of running processes, and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reporter_name: Mapped[str] = mapped_column(String(200))
    reporter_contact: Mapped[str] = mapped_column(String(200))
    reported_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(64), index=True)
    impact: Mapped[str | None] = mapped_column(String(8))
    urgency: Mapped[str | None] = mapped_column(String(8))
    affected_item: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str | None] = mapped_column(String(2), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    tier: Mapped[str | None] = mapped_column(String(2), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    first_response_target: Mapped[str | None] = mapped_column(String(32))
    resolution_target: Mapped[str | None] = mapped_column(String(32))
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closure_code: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(default=0)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    # SLA clocks. Due times come from the process; breaches and warnings are
    # recorded by the SLA service calls the boundary timers make.
    first_response_due_at: Mapped[datetime | None]
    first_response_warning_at: Mapped[datetime | None]
    first_response_breached_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None] = mapped_column(index=True)
    resolution_warning_at: Mapped[datetime | None] = mapped_column(index=True)
    resolution_warned_for: Mapped[datetime | None]
    resolution_breached_at: Mapped[datetime | None]
    resolution_breached_for: Mapped[datetime | None]
    paused_seconds: Mapped[int] = mapped_column(default=0)
    paused_since: Mapped[datetime | None]
    # The calendar (sla.dmn) the due times count in; None or 24x7: around the clock.
    sla_calendar: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Set once the reporter's personal data on it was pseudonymised (erasure or retention).
    personal_data_erased_at: Mapped[datetime | None]
    # The incident this one is part of: resolving the parent resolves it (services.related).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    # The incident this duplicate was merged into (closed as `duplicate`).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)


class HumanTask(Base):
    """A user task of some instance: the worklists are queries on this table."""

    __tablename__ = "human_tasks"

    # Insertion order: tasks that became ready in the same instant still sort
    # in the order the engine reached them.
    seq: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str | None] = mapped_column(String(64))
    form: Mapped[str | None] = mapped_column(String(255))
    ui_form: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_human_tasks_state_lane", "state", "lane"),
        Index("ix_human_tasks_instance_state", "instance_id", "state"),
    )


class AuditEvent(Base):
    """Append-only (a database trigger refuses UPDATE and DELETE)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]]

    __table_args__ = (
        Index("ix_audit_events_incident", "incident_id", "id"),
        Index("ix_audit_events_instance", "instance_id", "id"),
    )


class IdempotencyKey(Base):
    """A request that created something, by its Idempotency-Key: retried with the same
    key and body it answers with what it made the first time. `result` says what that
    was (`{"comment_id": 7}`), for the operation that made it."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(64), server_default="open_incident")
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("user_id", "key"),)


class Comment(Base):
    """A reply on an incident: public ones reach the reporter, internal ones do not."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool]
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_comments_incident", "incident_id", "id"),)


class Notification(Base):
    """Someone must be told something: written in the same transaction as its cause.

    Addressed to a user, or to a group (role `member` or `lead`) when nobody in
    the role is known; delivery (mail, webhook) marks `delivered_at`.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    event: Mapped[str] = mapped_column(String(64))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    recipient_group: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]]
    delivered_at: Mapped[datetime | None]
    # When the recipient (a user, not a group) saw it on their notifications page.
    read_at: Mapped[datetime | None]


class Attachment(Base):
    """A file posted with a comment; it is as visible as its comment.

    The bytes live in `content`, or, when a folder is configured, in a file
    named by their SHA-256 there (`content` is then empty).
    """

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_attachments_incident", "incident_id", "id"),)
