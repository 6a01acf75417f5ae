"""Open known errors like an incident: same category, sharing words of its title."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.enums import KnownErrorStatus
from ...domain.search_text import words
from ...models import KnownError

# Open known errors are few next to incidents; the newest this many are compared.
_CANDIDATES = 500


def matching(
    session: Session, wanted: Iterable[str], category: str | None, *, limit: int
) -> list[tuple[KnownError, list[str]]]:
    """Up to `limit` open known errors sharing any of the `wanted` words (folded, as
    `words` gives them) in their symptom or workaround, most shared words first; only
    those of `category` when it is known."""
    wanted = set(wanted)
    if not wanted:
        return []
    statement = (
        select(KnownError)
        .where(KnownError.status == KnownErrorStatus.OPEN)
        .order_by(KnownError.updated_at.desc(), KnownError.id.desc())
        .limit(_CANDIDATES)
    )
    if category:
        statement = statement.where(KnownError.category == category)
    found = []
    for row in session.scalars(statement):
        shared = sorted(wanted & set(words(f"{row.symptom} {row.workaround}")))
        if shared:
            found.append((row, shared))
    found.sort(key=lambda pair: -len(pair[1]))
    return found[:limit]
