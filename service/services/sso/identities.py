"""Signing in with a provider's claims: the user found by (issuer, subject), made on
the first sign-in, and their mapped groups set from the provider every time."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...domain.access import Principal
from ...domain.errors import Conflict, Forbidden
from ...models import SingleSignOnIdentity, User, UserGroup
from ..context import Services
from .claims import Person, person

log = logging.getLogger(__name__)


def sign_in(svc: Services, claims: Mapping[str, object]) -> Principal:
    """The principal the provider's verified claims name (one transaction; a second
    only when the same first sign-in raced it).

    The provider is the source of truth for the groups its map names: each is added
    or removed as the claim says. Groups the map never names stay as they were set
    here, and so do lead roles of the groups kept.
    """
    settings = svc.settings
    group_map = settings.oidc_groups
    someone = person(
        claims,
        username_claim=settings.oidc_username_claim,
        groups_claim=settings.oidc_groups_claim,
        group_map=group_map,
    )
    try:
        principal = _signed_in(svc, someone, frozenset(group_map.values()))
    except IntegrityError:
        # The same person signing in twice at once (two tabs): the other made the user.
        principal = _signed_in(svc, someone, frozenset(group_map.values()))
    log.info("user %s signed in through single sign-on", principal.user_id)
    return principal


def _signed_in(svc: Services, someone: Person, managed: frozenset[str]) -> Principal:
    issuer = svc.settings.oidc_issuer
    with svc.db.unit_of_work() as uow:
        identity = uow.session.get(SingleSignOnIdentity, (issuer, someone.subject))
        if identity is None:
            user = _new_user(uow.session, someone, svc.now())
            identity = SingleSignOnIdentity(
                issuer=issuer, subject=someone.subject, user_id=user.id, created_at=svc.now()
            )
            uow.session.add(identity)
        else:
            user = uow.session.get(User, identity.user_id)
            if user.disabled_at is not None:
                # Disabled here: the provider vouching for them does not bring them back.
                raise Forbidden("this account is disabled at the desk")
        identity.last_sign_in_at = svc.now()
        _set_groups(user, someone.groups, managed)
        user.display_name = user.display_name or someone.display_name
        user.contact = user.contact or someone.email
        uow.session.flush()
        principal = Principal(
            user.id, user.username, user.group_names, user.language, user.time_zone
        )
        uow.commit()
        return principal


def has_identity(svc: Services, user_id: int) -> bool:
    """Whether the user is known to the provider configured now (a session made through
    a provider the desk no longer uses ends)."""
    issuer = svc.settings.oidc_issuer
    if not issuer:
        return False
    with svc.db.read() as uow:
        found = uow.session.scalar(
            select(SingleSignOnIdentity.subject).where(
                SingleSignOnIdentity.issuer == issuer, SingleSignOnIdentity.user_id == user_id
            )
        )
        return found is not None


def _new_user(session, someone: Person, now) -> User:
    taken = session.scalar(select(User.id).where(User.username == someone.username))
    if taken is not None:
        # Never join a provider's account to a local one by name alone: whoever controls
        # that name at the provider would take over the desk's user.
        raise Conflict(
            f"the user name {someone.username} is already used by a user of the desk; "
            "an administrator must rename one of them"
        )
    user = User(
        username=someone.username,
        display_name=someone.display_name,
        contact=someone.email,
        created_at=now,
        groups=[],
    )
    session.add(user)
    session.flush()
    return user


def _set_groups(user: User, granted: frozenset[str], managed: frozenset[str]) -> None:
    have = user.group_names
    for row in list(user.groups):
        if row.group in managed and row.group not in granted:
            user.groups.remove(row)
    for group in sorted(granted - have):
        user.groups.append(UserGroup(group=group, is_lead=False))
