"""Process source files, parsed versions and running instances."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class ProcessFile(Base):
    """The original bytes of a BPMN, DMN or form file, kept once per name and content."""

    __tablename__ = "process_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("name", "sha256"),)


class Deployment(Base):
    """One accepted deployment. Its files are the whole set live after it: the
    next deployment starts from them and replaces the files it brings."""

    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]]
    files: Mapped[list[ProcessFile]] = relationship(
        secondary="deployment_files", order_by="ProcessFile.name"
    )


class DeploymentFile(Base):
    __tablename__ = "deployment_files"

    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("process_files.id"), primary_key=True)


class DecisionVersion(Base):
    """A DMN decision, versioned by the bytes of the file that holds it."""

    __tablename__ = "decision_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    file_id: Mapped[int] = mapped_column(ForeignKey("process_files.id"))
    deployment_id: Mapped[int | None] = mapped_column(ForeignKey("deployments.id"))
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("decision_id", "version"),)


class ProcessVersionFile(Base):
    __tablename__ = "process_version_files"

    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("process_files.id"), primary_key=True)


class ProcessVersion(Base):
    """One parsed process; a new version exists only when its files changed."""

    __tablename__ = "process_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(255))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))
    deployment_id: Mapped[int | None] = mapped_column(ForeignKey("deployments.id"))
    # A retired version starts no new instance; those running on it finish.
    retired_at: Mapped[datetime | None]
    retired_by: Mapped[str | None] = mapped_column(String(64))
    # Loaded only when asked for: the bytes are for download, not for running.
    files: Mapped[list[ProcessFile]] = relationship(
        secondary="process_version_files", order_by="ProcessFile.name"
    )

    __table_args__ = (
        # The content hash is not unique: a rollback deploys the files of an older
        # version again as a new one.
        UniqueConstraint("process_id", "version"),
    )


class ProcessInstance(Base):
    __tablename__ = "process_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(Text, deferred=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The incident this instance works for: its own lifecycle, or a linked one.
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"), index=True)
    lock_version: Mapped[int] = mapped_column(default=1)
    # Why a process owner suspended or terminated it: the 409 of a refused task names it.
    hold_reason: Mapped[str | None] = mapped_column(Text)

    version: Mapped[ProcessVersion] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": lock_version}
    __table_args__ = (Index("ix_process_instances_status", "status"),)


class Timer(Base):
    """A waiting timer of some instance, so the worker finds due ones by index.

    Rewritten after every engine run from the instance's state; a worker claims
    a due row with a lease, fires it under the instance lock and the run that
    fires it deletes the row. `state` is `failed` once retries run out.
    """

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    element_id: Mapped[str] = mapped_column(String(255))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="waiting")
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # The X-Request-Id of the request whose run set the timer: the worker's log names it.
    request_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_timers_state_due", "state", "due_at"),)
