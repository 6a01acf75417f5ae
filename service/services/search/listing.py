"""The incident list: what a person may see, filtered, searched, sorted and paged."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, false, func, not_, or_, select
from sqlalchemy.orm import Session

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import IncidentStatus, TaskState
from ...domain.search_text import SearchQuery, parse
from ...domain.sla import SlaFilter
from ...models import HumanTask, Incident, User
from ..context import Services
from ..paging import offset_of
from ..related.followers import followed_by
from ..views import IncidentView, incident_views
from . import hits
from .index import AGENTS, PUBLIC

# Sort orders by name; "relevance" needs a query and is its default.
SORTS = ("relevance", "opened", "priority", "updated", "due")


@dataclass(frozen=True)
class IncidentFilter:
    status: str | None = None
    priority: str | None = None
    tier: str | None = None
    category: str | None = None
    reporter: str | None = None
    assignee: str | None = None
    group: str | None = None
    sla: str | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    q: str | None = None
    sort: str | None = None


def list_incidents(
    svc: Services, principal: Principal, filters: IncidentFilter, *, page: int, page_size: int
) -> tuple[list[IncidentView], int]:
    """A page of the incidents `principal` may see that pass `filters`, and their total.
    With a query, each carries the snippets where it matched."""
    with svc.db.read() as uow:
        session = uow.session
        query, search, audience = _query(session, principal, filters, svc.now())
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        offset = offset_of(page, page_size, total)
        if offset is None:
            return [], total
        rows = session.scalars(query.limit(page_size).offset(offset)).all()
        return _views(svc, session, principal, rows, search, audience), total


def all_incidents(
    svc: Services, principal: Principal, filters: IncidentFilter, *, limit: int
) -> list[IncidentView]:
    """The first `limit` incidents of the list, in its order (an export)."""
    with svc.db.read() as uow:
        session = uow.session
        query, _, _ = _query(session, principal, filters, svc.now())
        rows = session.scalars(query.limit(limit)).all()
        return _views(svc, session, principal, rows, SearchQuery(), PUBLIC)


def _views(svc, session, principal, rows, search: SearchQuery, audience: str):
    views = incident_views(
        session, rows, svc.now(), confidential=access.may_read_breaches(principal)
    )
    if not search:
        return views
    found = hits.highlights(session, search, audience, [row.id for row in rows])
    return [
        dataclasses.replace(view, snippets=found.get(row.id, []))
        for view, row in zip(views, rows, strict=True)
    ]


def _query(
    session: Session, principal: Principal, filters: IncidentFilter, now: datetime
) -> tuple[Select, SearchQuery, str]:
    query = select(Incident)
    agent = access.sees_everything(principal)
    if not agent:
        query = query.where(
            or_(
                Incident.reporter_id == principal.user_id,
                Incident.opened_by_id == principal.user_id,
                Incident.id.in_(followed_by(principal.user_id)),
            )
        )
    for column in ("status", "priority", "tier", "category"):
        value = getattr(filters, column)
        if value:
            query = query.where(getattr(Incident, column) == value)
    for column, username in (("reporter_id", filters.reporter), ("assignee_id", filters.assignee)):
        if username:
            user_id = session.scalar(select(User.id).where(User.username == username.lower()))
            query = query.where(getattr(Incident, column) == user_id if user_id else false())
    if filters.group:
        waiting = select(HumanTask.incident_id).where(
            HumanTask.lane == filters.group, HumanTask.state == TaskState.READY
        )
        query = query.where(Incident.id.in_(waiting))
    if filters.sla:
        query = query.where(sla_condition(SlaFilter(filters.sla), now))
    if filters.opened_from:
        query = query.where(Incident.reported_at >= _midnight(filters.opened_from))
    if filters.opened_to:
        query = query.where(Incident.reported_at < _midnight(filters.opened_to, days=1))
    search = parse(filters.q)
    audience = AGENTS if agent else PUBLIC
    rank = None
    if search:
        found = hits.matches(session, search, audience)
        query = query.join(found, found.c.incident_id == Incident.id)
        rank = found.c.rank
    return query.order_by(*_order(filters.sort, rank)), search, audience


def _order(sort: str | None, rank) -> list:
    newest = [Incident.reported_at.desc(), Incident.id.desc()]
    if sort == "priority":
        return [Incident.priority.asc().nulls_last(), *newest]
    if sort == "updated":
        return [Incident.updated_at.desc(), Incident.id.desc()]
    if sort == "due":
        return [Incident.resolution_due_at.asc().nulls_last(), *newest]
    if rank is not None and sort in (None, "relevance"):
        return [rank.desc(), *newest]
    return newest


def _midnight(day: date, *, days: int = 0) -> datetime:
    return datetime.combine(day, time.min, UTC) + timedelta(days=days)


def sla_condition(which: SlaFilter, now: datetime):
    """SQL for the clocks of domain.sla: a breach recorded, or a due time passed while
    the clock runs; at risk when past the warning time and not (yet) breached; on track
    when neither."""
    running = Incident.status.in_([IncidentStatus.NEW, IncidentStatus.IN_PROGRESS])
    unanswered = and_(
        Incident.first_response_at.is_(None), Incident.status != IncidentStatus.CLOSED
    )
    # A clock with no due time compares as NULL: coalesced, it is not breached.
    breached = func.coalesce(
        or_(
            Incident.first_response_breached_at.is_not(None),
            Incident.resolution_breached_at.is_not(None),
            and_(unanswered, Incident.first_response_due_at < now),
            and_(running, Incident.resolution_due_at < now),
        ),
        false(),
    )
    at_risk = and_(
        not_(breached),
        func.coalesce(
            or_(
                and_(running, Incident.resolution_warning_at <= now),
                and_(unanswered, Incident.first_response_warning_at <= now),
            ),
            false(),
        ),
    )
    if which == SlaFilter.BREACHED:
        return breached
    if which == SlaFilter.AT_RISK:
        return at_risk
    return and_(not_(breached), not_(at_risk))
