"""The survey's one-click links: signed with a key of the site, naming the survey, its
incident and the answer, so they need no sign-in and cannot be forged or altered.

Expiry and single use are not in the token but in the survey's row (its
`expires_at` and `answered_at`): the row is what the process and the pages agree on.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...domain.errors import NotFound
from ...models import SiteSecret

KEY_NAME = "survey_links"
# Separates these signatures from any other use of a key, should one ever be shared.
_SALT = "incident-desk.satisfaction-survey"
SCORES = (5, 4, 3, 2, 1)
_KEY = select(SiteSecret.value).where(SiteSecret.name == KEY_NAME)


@dataclass(frozen=True)
class LinkClaim:
    survey_id: int
    incident_number: str
    score: int


def _key(session: Session, now: datetime) -> str:
    found = session.scalar(_KEY)
    if found is not None:
        return found
    # No savepoint: this runs inside the outbox's before-commit hook, which a
    # savepoint's commit would call again. A key another transaction made first wins.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(SiteSecret)
        .values(name=KEY_NAME, value=secrets.token_hex(32), created_at=now)
        .on_conflict_do_nothing(index_elements=[SiteSecret.name])
    )
    return session.scalar(_KEY)


def sign(session: Session, now: datetime, survey_id: int, number: str, score: int) -> str:
    serializer = URLSafeSerializer(_key(session, now), salt=_SALT)
    return serializer.dumps({"s": survey_id, "i": number, "a": score})


def read(session: Session, now: datetime, token: str) -> LinkClaim:
    """What a link says; NotFound for one that was altered or never made here."""
    serializer = URLSafeSerializer(_key(session, now), salt=_SALT)
    try:
        claim = serializer.loads(token)
    except BadSignature:
        raise NotFound("this survey link is not valid; it may have been cut short") from None
    if (
        not isinstance(claim, dict)
        or not isinstance(claim.get("s"), int)
        or not isinstance(claim.get("i"), str)
        or claim.get("a") not in SCORES
    ):
        raise NotFound("this survey link is not valid")
    return LinkClaim(claim["s"], claim["i"], claim["a"])
