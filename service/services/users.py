"""Users, groups and API tokens; turning a bearer token into a principal."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from ..domain.access import Principal
from ..domain.enums import Group
from ..domain.errors import Conflict, FieldError, InvalidInput, NotFound, Unauthenticated
from ..models import ApiToken, User, UserGroup
from . import throttle
from .context import Services

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
TOKEN_PREFIX = "idk_"  # noqa: S105 - a public prefix, not a secret


# Runs on every request: built once.
_PRINCIPAL = (
    select(User.id, User.username, UserGroup.group, User.language, User.time_zone)
    .join(ApiToken, ApiToken.user_id == User.id)
    .outerjoin(UserGroup, UserGroup.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        User.disabled_at.is_(None),
    )
)


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str | None
    contact: str | None
    groups: list[str]
    leads: list[str]


@dataclass(frozen=True)
class TokenView:
    id: int
    username: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough (no slow KDF needed).
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    svc: Services,
    username: str,
    *,
    groups: list[str] | tuple[str, ...] = (),
    display_name: str | None = None,
    contact: str | None = None,
    lead_of: list[str] | tuple[str, ...] = (),
) -> UserView:
    """A new user; `lead_of` names groups (among `groups`) the user leads."""
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise InvalidInput(
            "invalid username",
            [FieldError("$.username", "use 1-64 lower-case letters, digits and . _ @ -")],
        )
    known = {g.value for g in Group}
    unknown = sorted(set(groups) - known)
    if unknown:
        raise InvalidInput(
            f"unknown group(s): {', '.join(unknown)}",
            [FieldError("$.groups", f"known groups: {', '.join(sorted(known))}")],
        )
    not_member = sorted(set(lead_of) - set(groups))
    if not_member:
        raise InvalidInput(
            f"a lead must be in the group: {', '.join(not_member)}",
            [FieldError("$.lead_of", "lead only groups the user is in")],
        )
    with svc.db.unit_of_work() as uow:
        user = User(
            username=username,
            display_name=display_name,
            contact=contact,
            created_at=svc.now(),
            groups=[UserGroup(group=g, is_lead=g in lead_of) for g in sorted(set(groups))],
        )
        uow.session.add(user)
        try:
            uow.session.flush()
        except IntegrityError:
            raise Conflict(f"user {username} already exists") from None
        view = _user_view(user)
        uow.commit()
        return view


def list_users(svc: Services) -> list[UserView]:
    with svc.db.read() as uow:
        return [_user_view(u) for u in uow.session.scalars(select(User).order_by(User.username))]


def create_token(
    svc: Services, username: str, *, label: str | None = None
) -> tuple[TokenView, str]:
    """A new token for the user; the token text is returned here and never again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with svc.db.unit_of_work() as uow:
        user = _user(uow.session, username)
        row = ApiToken(
            user_id=user.id, token_hash=hash_token(token), label=label, created_at=svc.now()
        )
        uow.session.add(row)
        uow.session.flush()
        view = TokenView(row.id, user.username, label, row.created_at, None)
        uow.commit()
        return view, token


def list_tokens(svc: Services, username: str) -> list[TokenView]:
    with svc.db.read() as uow:
        user = _user(uow.session, username)
        rows = uow.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
        )
        return [TokenView(r.id, user.username, r.label, r.created_at, r.revoked_at) for r in rows]


def revoke_token(svc: Services, token_id: int) -> TokenView:
    with svc.db.unit_of_work() as uow:
        row = uow.session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"no token {token_id}")
        if row.revoked_at is None:
            row.revoked_at = svc.now()
        view = TokenView(row.id, row.user.username, row.label, row.created_at, row.revoked_at)
        uow.commit()
        return view


def authenticate(svc: Services, token: str | None, client: str | None = None) -> Principal:
    """The token's principal. Unknown tokens count against the client's address; past
    the limit it gets TooManyAttempts (known tokens from it keep working)."""
    if not token:
        raise Unauthenticated("send Authorization: Bearer <token>")
    with svc.db.read() as uow:
        # One query on every request: token, user and groups together.
        rows = uow.session.execute(_PRINCIPAL, {"token_hash": hash_token(token)}).all()
    if not rows:
        key = throttle.token_address(client)
        throttle.check(svc, [key], "token attempts")
        throttle.failed(svc, [key], "token attempts")
        raise Unauthenticated("the token is unknown or revoked")
    user_id, username, _, language, time_zone = rows[0]
    groups = frozenset(row.group for row in rows if row.group is not None)
    return Principal(user_id, username, groups, language, time_zone)


def _user(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def _user_view(user: User) -> UserView:
    leads = sorted(g.group for g in user.groups if g.is_lead)
    return UserView(
        user.id, user.username, user.display_name, user.contact, sorted(user.group_names), leads
    )
