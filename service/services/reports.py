"""The service desk's promises, measured: first responses within target, time to
resolve against 24 hours, by priority and tier; and what stands open now.

For leads (of any group) and admins. Figures are computed in Python over the
incidents of the period: a period holds thousands, not millions, of incidents.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..domain import access
from ..domain.access import Principal
from ..domain.enums import IncidentStatus, Priority, TaskState, Tier
from ..domain.errors import FieldError, Forbidden, InvalidInput
from ..models import HumanTask, Incident, UserGroup
from .context import Services
from .survey import figures as survey_figures

RESOLUTION_PROMISE = timedelta(hours=24)
MAX_PERIOD = timedelta(days=366)
OPEN = (IncidentStatus.NEW, IncidentStatus.IN_PROGRESS, IncidentStatus.ON_HOLD)
PRIORITIES = tuple(p.value for p in Priority)
TIERS = tuple(t.value for t in Tier)


@dataclass(frozen=True)
class Figures:
    """One row of the report: all incidents, or those of one priority or tier."""

    group: str
    reported: int = 0
    first_response_due: int = 0
    first_response_met: int = 0
    resolved: int = 0
    resolved_within_24h: int = 0
    resolved_within_target: int = 0
    mean_hours_to_resolve: float | None = None
    median_hours_to_resolve: float | None = None

    @property
    def first_response_share(self) -> float | None:
        return _share(self.first_response_met, self.first_response_due)

    @property
    def within_24h_share(self) -> float | None:
        return _share(self.resolved_within_24h, self.resolved)

    @property
    def within_target_share(self) -> float | None:
        return _share(self.resolved_within_target, self.resolved)


@dataclass(frozen=True)
class OpenNow:
    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_tier: dict[str, int]
    breached: list[str]
    at_risk: list[str]
    oldest_tasks: list[tuple[str, str | None, str | None, datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class SlaReport:
    start: datetime
    end: datetime
    overall: Figures
    by_priority: list[Figures]
    by_tier: list[Figures]
    open_now: OpenNow
    # The reporters' ratings of the surveys sent in the period.
    satisfaction: survey_figures.Satisfaction | None = None


def may_read_reports(svc: Services, principal: Principal) -> bool:
    if access.administers(principal):
        return True
    with svc.db.read() as uow:
        return bool(
            uow.session.scalar(
                select(func.count())
                .select_from(UserGroup)
                .where(UserGroup.user_id == principal.user_id, UserGroup.is_lead.is_(True))
            )
        )


def sla_report(svc: Services, principal: Principal, start: datetime, end: datetime) -> SlaReport:
    if not may_read_reports(svc, principal):
        raise Forbidden("the SLA report is for group leads and admins")
    if end <= start or end - start > MAX_PERIOD:
        raise InvalidInput(
            "the period must end after it starts and span at most a year",
            [FieldError("to", "after `from`, at most 366 days later", "query")],
        )
    now = svc.now()
    with svc.db.read() as uow:
        session = uow.session
        reported = session.scalars(
            select(Incident).where(Incident.reported_at >= start, Incident.reported_at < end)
        ).all()
        resolved = session.scalars(
            select(Incident).where(Incident.resolved_at >= start, Incident.resolved_at < end)
        ).all()

        def rows(key, value):
            return (
                [i for i in reported if getattr(i, key) == value],
                [i for i in resolved if getattr(i, key) == value],
            )

        return SlaReport(
            start=start,
            end=end,
            overall=_figures("all", reported, resolved, now),
            by_priority=[_figures(p, *rows("priority", p), now) for p in PRIORITIES],
            by_tier=[_figures(t, *rows("tier", t), now) for t in TIERS],
            open_now=_open_now(session, now),
            satisfaction=survey_figures.of_period(
                session, start, end, priorities=PRIORITIES, tiers=TIERS
            ),
        )


def _figures(group: str, reported: list[Incident], resolved: list[Incident], now) -> Figures:
    due = [i for i in reported if _first_response_decided(i, now)]
    met = [
        i
        for i in due
        if i.first_response_at is not None and i.first_response_at <= i.first_response_due_at
    ]
    hours = [_hours_to_resolve(i) for i in resolved]
    within_target = [
        i for i in resolved if i.resolution_due_at is None or i.resolved_at <= i.resolution_due_at
    ]
    return Figures(
        group=group,
        reported=len(reported),
        first_response_due=len(due),
        first_response_met=len(met),
        resolved=len(resolved),
        resolved_within_24h=sum(1 for h in hours if h <= RESOLUTION_PROMISE.total_seconds() / 3600),
        resolved_within_target=len(within_target),
        mean_hours_to_resolve=round(statistics.fmean(hours), 2) if hours else None,
        median_hours_to_resolve=round(statistics.median(hours), 2) if hours else None,
    )


def _first_response_decided(incident: Incident, now: datetime) -> bool:
    """Counted once it is known whether the target was met: answered, or overdue."""
    if incident.first_response_due_at is None:
        return False
    return incident.first_response_at is not None or incident.first_response_due_at <= now


def _hours_to_resolve(incident: Incident) -> float:
    # Time on hold awaiting the reporter does not count, as on the resolution clock.
    spent = (incident.resolved_at - incident.reported_at).total_seconds()
    return max(spent - (incident.paused_seconds or 0), 0) / 3600


def _open_now(session, now: datetime) -> OpenNow:
    rows = session.execute(
        select(
            Incident.number,
            Incident.status,
            Incident.priority,
            Incident.tier,
            Incident.resolution_breached_at,
            Incident.first_response_breached_at,
            Incident.resolution_warning_at,
        ).where(Incident.status.in_(OPEN))
    ).all()
    oldest = session.execute(
        select(Incident.number, HumanTask.name, HumanTask.lane, HumanTask.created_at)
        .join(Incident, Incident.id == HumanTask.incident_id)
        .where(HumanTask.state == TaskState.READY)
        .order_by(HumanTask.created_at, HumanTask.seq)
        .limit(10)
    ).all()
    return OpenNow(
        by_status=_count(r.status for r in rows),
        by_priority=_count(r.priority or "none" for r in rows),
        by_tier=_count(r.tier or "none" for r in rows),
        breached=sorted(
            r.number for r in rows if r.resolution_breached_at or r.first_response_breached_at
        ),
        at_risk=sorted(
            r.number
            for r in rows
            if not (r.resolution_breached_at or r.first_response_breached_at)
            and r.resolution_warning_at is not None
            and r.resolution_warning_at <= now
        ),
        oldest_tasks=[tuple(r) for r in oldest],
    )


def _count(values: Iterable[str]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for value in values:
        counted[value] = counted.get(value, 0) + 1
    return dict(sorted(counted.items()))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


CSV_COLUMNS = (
    "group",
    "reported",
    "first_response_due",
    "first_response_met",
    "first_response_share",
    "resolved",
    "resolved_within_24h",
    "within_24h_share",
    "resolved_within_target",
    "within_target_share",
    "mean_hours_to_resolve",
    "median_hours_to_resolve",
)


# The satisfaction figures of the same group, after the SLA ones.
SATISFACTION_COLUMNS = {
    "surveys_sent": "sent",
    "surveys_answered": "answered",
    "survey_response_rate": "response_rate",
    "mean_satisfaction": "mean_score",
    "good_satisfaction_share": "good_share",
}


def to_csv(report: SlaReport) -> str:
    """One row overall, then one per priority and per tier, each with the satisfaction
    of its surveys; empty cells for no data."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["from", "to", *CSV_COLUMNS, *SATISFACTION_COLUMNS])
    sat = report.satisfaction
    rated = {}
    if sat is not None:
        rated = {f.group: f for f in (sat.overall, *sat.by_priority, *sat.by_tier)}
    for figures in (report.overall, *report.by_priority, *report.by_tier):
        values = [getattr(figures, column) for column in CSV_COLUMNS]
        ratings = rated.get(figures.group)
        values += [
            getattr(ratings, name) if ratings is not None else None
            for name in SATISFACTION_COLUMNS.values()
        ]
        writer.writerow(
            [report.start.isoformat(), report.end.isoformat()]
            + ["" if value is None else value for value in values]
        )
    return out.getvalue()
