"""What the desk reads from a provider's verified claims: subject, name, groups."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ...domain.errors import Unauthenticated

# The desk's user names (services.users uses the same rule).
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
MAX_SUBJECT = 255


@dataclass(frozen=True)
class Person:
    subject: str
    username: str
    display_name: str | None
    email: str | None
    # Desk groups the provider's groups map to.
    groups: frozenset[str]


def person(
    claims: Mapping[str, object],
    *,
    username_claim: str,
    groups_claim: str,
    group_map: Mapping[str, str],
) -> Person:
    """The person the claims describe; Unauthenticated when they name nobody usable."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT:
        raise Unauthenticated("the provider named no subject")
    email = _text(claims.get("email"))
    # Providers that check addresses say so; an address they did not check names nobody.
    email = email if claims.get("email_verified", True) is not False else None
    username = (_text(claims.get(username_claim)) or email or "").strip().lower()
    if not _USERNAME.match(username):
        raise Unauthenticated(
            f"the provider gave no user name the desk can use (claim {username_claim} or email)"
        )
    return Person(
        subject=subject,
        username=username,
        display_name=(_text(claims.get("name")) or None),
        email=email,
        groups=mapped_groups(claims.get(groups_claim), group_map),
    )


def mapped_groups(value: object, group_map: Mapping[str, str]) -> frozenset[str]:
    """Desk groups for a groups claim: a list of names (or one name); others are ignored."""
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return frozenset(group_map[n] for n in names if isinstance(n, str) and n in group_map)


def _text(value: object) -> str | None:
    return value[:200] if isinstance(value, str) and value.strip() else None
