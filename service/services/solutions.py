"""Earlier solutions: resolved incidents like this one, for the agent at triage
(the source document asks L1 to look for them before diagnosing)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..domain import access
from ..domain.access import Principal
from ..domain.enums import IncidentStatus
from ..domain.errors import Forbidden
from ..models import Incident
from .context import Services
from .incidents import visible_incident

# How far back to look: the most recently resolved incidents, newest first.
CANDIDATES = 500
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Words too common to say two incidents are alike.
_COMMON_WORDS = """the and for not with from this that have has are was were but can cannot
    since when what our your you they them its into onto out all any will would could
    should does did doesn don isn wasn after before again still just only also very"""
_COMMON = frozenset(_COMMON_WORDS.split())


@dataclass(frozen=True)
class Solution:
    number: str
    title: str
    category: str | None
    resolution: str
    resolved_at: datetime | None
    shared_words: list[str]


def earlier_solutions(
    svc: Services, principal: Principal, number: str, *, limit: int = 5
) -> list[Solution]:
    """Up to `limit` resolved incidents of the same category (when it is known) that
    share the most words with this one's title and description."""
    if not access.sees_everything(principal):
        raise Forbidden("earlier solutions are for agents")
    with svc.db.read() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        wanted = words(f"{incident.title} {incident.description}")
        if not wanted:
            return []
        query = (
            select(Incident)
            .where(
                Incident.id != incident.id,
                Incident.resolution.is_not(None),
                Incident.status.in_([IncidentStatus.RESOLVED, IncidentStatus.CLOSED]),
            )
            .order_by(Incident.resolved_at.desc().nulls_last(), Incident.id.desc())
            .limit(CANDIDATES)
        )
        if incident.category:
            query = query.where(Incident.category == incident.category)
        scored = []
        for other in session.scalars(query):
            shared = wanted & words(f"{other.title} {other.description} {other.resolution}")
            if shared:
                scored.append((len(shared), other, sorted(shared)))
        scored.sort(key=lambda item: -item[0])
        return [
            Solution(
                other.number,
                other.title,
                other.category,
                other.resolution,
                other.resolved_at,
                shared,
            )
            for _, other, shared in scored[:limit]
        ]


def words(text: str) -> set[str]:
    return {w for w in (m.lower() for m in _WORD.findall(text or "")) if w not in _COMMON}
