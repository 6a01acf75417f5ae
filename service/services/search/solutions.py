"""Earlier solutions: resolved incidents like this one, for the agent at triage (the
source document asks L1 to look for them before diagnosing), found by the search."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import IncidentStatus
from ...domain.errors import Forbidden
from ...domain.search_text import SearchQuery, Term, telling_words, words
from ...models import Incident
from .. import tasks
from ..context import Services
from ..incidents import visible_incident
from ..known_errors.matching import matching
from ..views import TaskDetail
from . import hits
from .index import AGENTS
from .snippets import Snippet

# The task at which earlier solutions are shown (the source document's step).
TRIAGE = "triage"


@dataclass(frozen=True)
class Solution:
    number: str
    title: str
    category: str | None
    resolution: str
    resolved_at: datetime | None
    shared_words: list[str]
    snippets: list[Snippet]
    # Set when this is a known error: `title` is its symptom, `resolution` its workaround.
    known_error_id: int | None = None


def earlier_solutions(
    svc: Services, principal: Principal, number: str, *, limit: int = 5
) -> list[Solution]:
    """Open known errors sharing words of the title (same category when it is known)
    first, then up to `limit` resolved incidents of the same category, best matches of
    any of this one's title and description words first."""
    if not access.sees_everything(principal):
        raise Forbidden("earlier solutions are for agents")
    with svc.db.read() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        known = [
            _known_error(row, shared)
            for row, shared in matching(
                session, telling_words(incident.title), incident.category, limit=limit
            )
        ]
        query = like(f"{incident.title} {incident.description}")
        if not query:
            return known
        found = hits.matches(session, query, AGENTS)
        statement = (
            select(Incident)
            .join(found, found.c.incident_id == Incident.id)
            .where(
                Incident.id != incident.id,
                Incident.resolution.is_not(None),
                Incident.status.in_([IncidentStatus.RESOLVED, IncidentStatus.CLOSED]),
            )
            .order_by(found.c.rank.desc(), Incident.resolved_at.desc().nulls_last())
            .limit(limit)
        )
        if incident.category:
            statement = statement.where(Incident.category == incident.category)
        others = session.scalars(statement).all()
        marked = hits.highlights(session, query, AGENTS, [other.id for other in others])
        return known + [_solution(other, marked.get(other.id, [])) for other in others]


def like(text: str) -> SearchQuery:
    """Any of the telling words of `text` (each an alternative), first ones first."""
    return SearchQuery(tuple((Term((w,)),) for w in telling_words(text)))


def _known_error(row, shared: list[str]) -> Solution:
    return Solution("", row.symptom, row.category, row.workaround, None, shared, [], row.id)


def _solution(other: Incident, snippets: list[Snippet]) -> Solution:
    shared = sorted({w for s in snippets for w in words(" ".join(s.matched))})
    return Solution(
        other.number or "",
        other.title,
        other.category,
        other.resolution or "",
        other.resolved_at,
        shared,
        snippets,
    )


def task_detail(
    svc: Services, principal: Principal, task_id: str, *, language: str | None = None
) -> TaskDetail:
    """A task with its form (its texts in `language` where translated), and at triage
    the earlier solutions for its incident."""
    detail = tasks.get_task(svc, principal, task_id, language=language)
    if detail.task.key != TRIAGE or detail.incident is None:
        return detail
    if not access.sees_everything(principal):
        return detail
    found = earlier_solutions(svc, principal, detail.incident.number)
    return dataclasses.replace(detail, earlier_solutions=found)
