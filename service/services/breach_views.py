"""Read models of the breach register, built inside the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..domain import breaches as rules
from ..domain.enums import TaskState
from ..models import Breach, HumanTask, Incident
from .views import TASK_COLUMNS, TaskView, task_views, usernames

_NUMBERS = select(Incident.id, Incident.number).where(
    Incident.id.in_(bindparam("ids", expanding=True))
)
_OPEN_TASKS = (
    select(*TASK_COLUMNS)
    .where(
        HumanTask.instance_id.in_(bindparam("ids", expanding=True)),
        HumanTask.state == TaskState.READY,
    )
    .order_by(HumanTask.seq)
)


@dataclass(frozen=True)
class AuthorityNoticeView:
    state: str
    due_at: datetime | None
    remaining_seconds: int | None
    warned_at: datetime | None
    escalated_at: datetime | None
    notified_at: datetime | None
    reference: str | None
    delay_reason: str | None
    contents: dict[str, Any]


@dataclass(frozen=True)
class BreachView:
    number: str
    incident_number: str
    instance_id: int | None
    summary: str
    aware_at: datetime
    flagged_at: datetime
    flagged_by: str
    status: str
    risk: str | None
    risk_rationale: str | None
    no_notice_reason: str | None
    contained: bool | None
    containment_measures: str | None
    authority: AuthorityNoticeView
    subjects_notified_at: datetime | None
    subjects_channel: str | None
    subjects_message: str | None
    closure_summary: str | None
    closed_at: datetime | None
    updated_at: datetime
    open_tasks: list[TaskView] = field(default_factory=list)


def breach_views(session: Session, rows: Sequence[Breach], now: datetime) -> list[BreachView]:
    """Four queries whatever the number of rows."""
    if not rows:
        return []
    numbers = dict(session.execute(_NUMBERS, {"ids": sorted({r.incident_id for r in rows})}).all())
    names = usernames(session, [r.flagged_by_id for r in rows])
    instance_ids = sorted({r.instance_id for r in rows if r.instance_id is not None})
    tasks: dict[int, list[TaskView]] = {}
    if instance_ids:
        for view in task_views(session, session.execute(_OPEN_TASKS, {"ids": instance_ids}).all()):
            tasks.setdefault(view.instance_id, []).append(view)
    return [
        BreachView(
            number=r.number or "",
            incident_number=numbers.get(r.incident_id, ""),
            instance_id=r.instance_id,
            summary=r.summary,
            aware_at=r.aware_at,
            flagged_at=r.flagged_at,
            flagged_by=names.get(r.flagged_by_id, ""),
            status=r.status,
            risk=r.risk,
            risk_rationale=r.risk_rationale,
            no_notice_reason=r.no_notice_reason,
            contained=r.contained,
            containment_measures=r.containment_measures,
            authority=_authority(r, now),
            subjects_notified_at=r.subjects_notified_at,
            subjects_channel=r.subjects_channel,
            subjects_message=r.subjects_message,
            closure_summary=r.closure_summary,
            closed_at=r.closed_at,
            updated_at=r.updated_at,
            open_tasks=tasks.get(r.instance_id, []) if r.instance_id else [],
        )
        for r in rows
    ]


def _authority(row: Breach, now: datetime) -> AuthorityNoticeView:
    state = rules.authority_notice(
        risk=row.risk, due_at=row.authority_due_at, notified_at=row.authority_notified_at, now=now
    )
    waiting = state in (rules.AuthorityNotice.PENDING, rules.AuthorityNotice.OVERDUE)
    remaining = (
        int((row.authority_due_at - now).total_seconds())
        if waiting and row.authority_due_at is not None
        else None
    )
    return AuthorityNoticeView(
        state=state,
        due_at=row.authority_due_at,
        remaining_seconds=remaining,
        warned_at=row.authority_warned_at,
        escalated_at=row.authority_escalated_at,
        notified_at=row.authority_notified_at,
        reference=row.authority_reference,
        delay_reason=row.delay_reason,
        contents=dict(row.notice or {}),
    )
