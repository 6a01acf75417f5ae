"""Joining an account the desk already has to a person at the provider, and parting
them: what an administrator does when a desk that used passwords moves to single
sign-on (sign-in itself never joins by name, see `identities`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...domain.errors import Conflict, FieldError, InvalidInput, NotFound
from ...models import SingleSignOnIdentity
from .. import audit
from ..context import Services
from ..people.accounts import find
from .claims import MAX_SUBJECT


@dataclass(frozen=True)
class Link:
    username: str
    issuer: str
    subject: str


def link(svc: Services, username: str, subject: str, *, issuer: str | None = None) -> Link:
    """From now on the provider's `subject` signs in as `username` (console only: the
    person at the provider gets the account and its groups)."""
    issuer = _issuer(svc, issuer)
    subject = (subject or "").strip()
    if not 0 < len(subject) <= MAX_SUBJECT:
        raise InvalidInput(
            "the subject is the provider's `sub` claim, 1 to 255 characters",
            [FieldError("subject", f"1 to {MAX_SUBJECT} characters")],
        )
    with svc.db.unit_of_work() as uow:
        session = uow.session
        user = find(session, username, lock=True)
        if user.erased_at is not None:
            raise Conflict(f"{user.username} was erased; add a new account instead")
        held = session.get(SingleSignOnIdentity, (issuer, subject))
        if held is not None and held.user_id != user.id:
            raise Conflict("that subject already signs in as another user; unlink it first")
        if held is None:
            if _subject_of(session, issuer, user.id) is not None:
                raise Conflict(f"{user.username} is already linked at {issuer}; unlink first")
            # The column is never empty: until the first sign-in it says when linked.
            session.add(
                SingleSignOnIdentity(
                    issuer=issuer,
                    subject=subject,
                    user_id=user.id,
                    created_at=svc.now(),
                    last_sign_in_at=svc.now(),
                )
            )
            audit.record(
                session,
                "user.sso_linked",
                at=svc.now(),
                actor=None,
                data={"user": user.username, "issuer": issuer},
            )
        uow.commit()
        return Link(user.username, issuer, subject)


def unlink(svc: Services, username: str, *, issuer: str | None = None) -> Link:
    """The provider no longer signs anyone in as `username`; its password, if any, stays."""
    issuer = _issuer(svc, issuer)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        user = find(session, username, lock=True)
        subject = _subject_of(session, issuer, user.id)
        if subject is None:
            raise NotFound(f"{user.username} is not linked at {issuer}")
        session.delete(session.get(SingleSignOnIdentity, (issuer, subject)))
        audit.record(
            session,
            "user.sso_unlinked",
            at=svc.now(),
            actor=None,
            data={"user": user.username, "issuer": issuer},
        )
        uow.commit()
        return Link(user.username, issuer, subject)


def _issuer(svc: Services, issuer: str | None) -> str:
    issuer = (issuer or svc.settings.oidc_issuer or "").strip()
    if not issuer:
        raise InvalidInput(
            "no provider: set INCIDENT_DESK_OIDC_ISSUER or give --issuer",
            [FieldError("issuer", "required when single sign-on is not configured")],
        )
    return issuer


def _subject_of(session, issuer: str, user_id: int) -> str | None:
    return session.scalar(
        select(SingleSignOnIdentity.subject).where(
            SingleSignOnIdentity.issuer == issuer, SingleSignOnIdentity.user_id == user_id
        )
    )
