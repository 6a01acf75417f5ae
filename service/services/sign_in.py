"""Signing in to the web pages: passwords (argon2id), the session's user, and the
key that signs session cookies. API clients keep using bearer tokens."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain.access import Principal
from ..domain.errors import FieldError, InvalidInput, NotFound, Unauthenticated
from ..models import SiteSecret, User
from . import throttle
from .context import Services
from .sso import identities

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
SESSION_KEY = "session-signing-key"
# The session cookie's entries that name the signed-in user and the account's session
# epoch when it was made (disabling an account moves the epoch on: its sessions end).
SESSION_USER = "user_id"
SESSION_EPOCH = "epoch"
# ... and how they signed in: PASSWORD or SINGLE_SIGN_ON.
SESSION_METHOD = "signed_in_with"
PASSWORD = "password"  # noqa: S105 - the name of a way to sign in, not a password
SINGLE_SIGN_ON = "sso"
_HASHER = PasswordHasher()
# Verified against when the user is unknown, so that a wrong name costs as much
# time as a wrong password and names cannot be told apart by the answer's speed.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
_WRONG = "wrong user name or password"


def set_password(svc: Services, username: str, password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            "the password is too short or too long",
            [FieldError("password", f"{MIN_PASSWORD} to {MAX_PASSWORD} characters")],
        )
    with svc.db.unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            raise NotFound(f"no user {username}")
        user.password_hash = _HASHER.hash(password)
        uow.commit()


def check_password(
    svc: Services, username: str, password: str, client: str | None = None
) -> Principal:
    """The principal whose password this is; Unauthenticated, saying nothing more, if not.

    Failures count against the account and the client's address; past their limit
    TooManyAttempts answers before any password is checked (see services.throttle).
    """
    if not svc.settings.local_passwords:
        raise Unauthenticated("signing in with a password is off here; use single sign-on")
    keys = [throttle.account(username), throttle.address(client)]
    throttle.check(svc, keys, "sign-ins")
    try:
        principal = _verified(svc, username, password)
    except Unauthenticated:
        throttle.failed(svc, keys, "sign-ins")
        raise
    throttle.succeeded(svc, keys[0][0])
    return principal


def _verified(svc: Services, username: str, password: str) -> Principal:
    with svc.db.read() as uow:
        user = uow.session.scalar(select(User).where(User.username == username.strip().lower()))
        stored = user.password_hash if user is not None else None
        try:
            _HASHER.verify(stored or _DUMMY_HASH, password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            raise Unauthenticated(_WRONG) from None
        if stored is None:
            raise Unauthenticated(_WRONG)
        if user.disabled_at is not None:
            # Said only to whoever knows the password: the name alone tells nothing.
            raise Unauthenticated("this account is disabled; ask an admin")
        return Principal(user.id, user.username, user.group_names, user.language, user.time_zone)


def session_epoch(svc: Services, user_id: int) -> int:
    """The epoch a new session of the user is made in."""
    with svc.db.read() as uow:
        user = uow.session.get(User, user_id)
        return user.session_epoch if user is not None else 0


def principal_of(
    svc: Services, user_id: int, method: str | None = PASSWORD, epoch: int | None = 0
) -> Principal | None:
    """The signed-in user of a session, with their groups as they are now; None when
    the way they signed in no longer holds (password removed or turned off, or the
    provider they came through no longer the desk's), the account was disabled, or
    its sessions were ended since (`epoch`)."""
    if method == SINGLE_SIGN_ON:
        if not identities.has_identity(svc, user_id):
            return None
    elif method is not None and method != PASSWORD:
        return None
    with svc.db.read() as uow:
        user = uow.session.get(User, user_id)
        if user is None or user.disabled_at is not None:
            return None
        if (epoch or 0) != user.session_epoch:
            return None
        if method != SINGLE_SIGN_ON and (
            user.password_hash is None or not svc.settings.local_passwords
        ):
            return None
        return Principal(user.id, user.username, user.group_names, user.language, user.time_zone)


def session_key(svc: Services) -> str:
    """The key that signs session cookies: made once, kept in the database, so every
    worker process and every restart accepts the same cookies."""
    with svc.db.read() as uow:
        found = uow.session.get(SiteSecret, SESSION_KEY)
        if found is not None:
            return found.value
    try:
        with svc.db.unit_of_work() as uow:
            uow.session.add(
                SiteSecret(name=SESSION_KEY, value=secrets.token_hex(32), created_at=svc.now())
            )
            uow.commit()
    except IntegrityError:
        pass  # another process made it first: use theirs
    with svc.db.read() as uow:
        return uow.session.get(SiteSecret, SESSION_KEY).value
