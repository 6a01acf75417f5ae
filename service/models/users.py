"""Users, their groups and their API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    # argon2id; None: the user signs in with API tokens only.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Away (leave, sick, off shift): automatic assignment passes them by.
    away: Mapped[bool] = mapped_column(default=False, server_default=false())
    # None: the desk's default (INCIDENT_DESK_DEFAULT_LANGUAGE / _TIMEZONE), which may change.
    language: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # Set: the account may not sign in (page or token) and gets no work.
    disabled_at: Mapped[datetime | None]
    # A session cookie carries the epoch it was made in; bumping it ends every session.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set: the person's data was pseudonymised on request (GDPR Art. 17).
    erased_at: Mapped[datetime | None]
    groups: Mapped[list[UserGroup]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserGroup.group"
    )

    @property
    def group_names(self) -> frozenset[str]:
        return frozenset(g.group for g in self.groups)


class UserGroup(Base):
    __tablename__ = "user_groups"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    group: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The group's lead: told when the group misses a target (hierarchical escalation).
    is_lead: Mapped[bool] = mapped_column(default=False)


class SingleSignOnIdentity(Base):
    """Who a user is at an OpenID provider: its issuer and the subject it names them by
    (never the e-mail or user name, which people and providers change)."""

    __tablename__ = "sso_identities"

    issuer: Mapped[str] = mapped_column(String(255), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    last_sign_in_at: Mapped[datetime]


class SiteSecret(Base):
    """Keys the service makes for itself once (the session-signing key), shared by
    every process that serves the same database."""

    __tablename__ = "site_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class ApiToken(Base):
    """Only the SHA-256 of a token is kept; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user: Mapped[User] = relationship(lazy="joined")


class GroupAssignmentRule(Base):
    """How a group's new tasks find an agent: `none`, `round_robin` or `least_open`.

    `last_user_id` is the round's position, kept here so that every worker
    process continues the same round.
    """

    __tablename__ = "group_assignment_rules"

    group: Mapped[str] = mapped_column(String(64), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    last_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]
