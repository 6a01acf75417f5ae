"""Where the work of a process version waits: now, over a period, and when targets are missed.

- Waiting now: the running instances' open user tasks and waiting timers, per element.
- Time in a step: from a task's `task.created` event to its `task.completed` or
  `task.cancelled`, for the tasks of the version that ended in the period [start, end).
- Missed targets: for each `sla.breached` event of an incident whose instance runs on
  the version, in the period, the user tasks of that incident open at that instant
  (created before it and not yet ended); each such step counts the breach once.
"""

from __future__ import annotations

import math
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from ...domain.access import Principal
from ...domain.enums import InstanceStatus, TaskState
from ...domain.errors import FieldError, InvalidInput
from ...models import AuditEvent, HumanTask, ProcessInstance, Timer
from .. import versions
from ..context import Services
from . import require_owner

_ENDED = ("task.completed", "task.cancelled")


@dataclass(frozen=True)
class Waiting:
    element_id: str
    name: str
    tasks: int
    timers: int

    @property
    def total(self) -> int:
        return self.tasks + self.timers


@dataclass(frozen=True)
class StepTime:
    element_id: str
    name: str
    count: int
    median_seconds: int
    p90_seconds: int


@dataclass(frozen=True)
class MissedTargets:
    element_id: str
    name: str
    breaches: int


def waiting_now(
    svc: Services, principal: Principal, process_id: str, version: int
) -> list[Waiting]:
    """Most waiting first."""
    require_owner(principal)
    with svc.db.read() as uow:
        session = uow.session
        version_id = versions.find(session, process_id, version).id
        running = (
            select(ProcessInstance.id)
            .where(
                ProcessInstance.version_id == version_id,
                ProcessInstance.status == InstanceStatus.RUNNING,
            )
            .scalar_subquery()
        )
        tasks = session.execute(
            select(HumanTask.key, func.max(HumanTask.name), func.count())
            .where(HumanTask.instance_id.in_(running), HumanTask.state == TaskState.READY)
            .group_by(HumanTask.key)
        ).all()
        timers = session.execute(
            select(Timer.element_id, func.count())
            .where(Timer.instance_id.in_(running))
            .group_by(Timer.element_id)
        ).all()
    names = {key: name for key, name, _ in tasks}
    counts = {key: [count, 0] for key, _, count in tasks}
    for element_id, count in timers:
        counts.setdefault(element_id, [0, 0])[1] = count
    found = [Waiting(e, names.get(e, ""), t, w) for e, (t, w) in counts.items()]
    return sorted(found, key=lambda w: (-w.total, w.element_id))


def before(moment: datetime, span: timedelta) -> datetime:
    """`span` before `moment`, or the earliest time there is."""
    try:
        return moment - span
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        message = "from and to need a time zone (UTC: a trailing Z)"
        raise InvalidInput(message, [FieldError("from", message, "query")])
    if end <= start:
        message = "`to` must come after `from`"
        raise InvalidInput(message, [FieldError("to", message, "query")])


@contextmanager
def _reading(svc: Services, principal: Principal, process_id: str, version: int, start, end):
    """The checks every figure over a period makes, then its read and the version's row id."""
    require_owner(principal)
    check_period(start, end)
    with svc.db.read() as uow:
        yield uow.session, versions.find(uow.session, process_id, version).id


def _within(start: datetime, end: datetime) -> tuple:
    return AuditEvent.at >= start, AuditEvent.at < end


def step_times(
    svc: Services, principal: Principal, process_id: str, version: int,
    start: datetime, end: datetime,
) -> list[StepTime]:  # fmt: skip
    """Slowest median first."""
    with _reading(svc, principal, process_id, version, start, end) as (session, version_id):
        of_version = select(ProcessInstance.id).where(ProcessInstance.version_id == version_id)
        ended = session.execute(
            select(AuditEvent.task_id, AuditEvent.element_id, AuditEvent.at, AuditEvent.data).where(
                AuditEvent.instance_id.in_(of_version.scalar_subquery()),
                AuditEvent.type.in_(_ENDED),
                *_within(start, end),
            )
        ).all()
        task_ids = {row.task_id for row in ended if row.task_id}
        created = dict(
            session.execute(
                select(AuditEvent.task_id, func.min(AuditEvent.at))
                .where(AuditEvent.type == "task.created", AuditEvent.task_id.in_(task_ids))
                .group_by(AuditEvent.task_id)
            ).all()
        ) if task_ids else {}  # fmt: skip
    spans: dict[str, list[float]] = {}
    names: dict[str, str] = {}
    for row in ended:
        began = created.get(row.task_id)
        if began is None or not row.element_id:
            continue
        spans.setdefault(row.element_id, []).append(
            (_aware(row.at) - _aware(began)).total_seconds()
        )
        names.setdefault(row.element_id, (row.data or {}).get("name") or "")
    found = [
        StepTime(e, names[e], len(s), round(percentile(s, 50)), round(percentile(s, 90)))
        for e, s in spans.items()
    ]
    return sorted(found, key=lambda t: (-t.median_seconds, t.element_id))


def missed_targets(
    svc: Services, principal: Principal, process_id: str, version: int,
    start: datetime, end: datetime,
) -> list[MissedTargets]:  # fmt: skip
    """The steps open when incidents missed a target, most breaches first."""
    with _reading(svc, principal, process_id, version, start, end) as (session, version_id):
        incidents = (
            select(ProcessInstance.incident_id)
            .where(
                ProcessInstance.version_id == version_id, ProcessInstance.incident_id.is_not(None)
            )
            .scalar_subquery()
        )
        breaches = session.execute(
            select(AuditEvent.incident_id, AuditEvent.at).where(
                AuditEvent.type == "sla.breached",
                AuditEvent.incident_id.in_(incidents),
                *_within(start, end),
            )
        ).all()
        ids = {b.incident_id for b in breaches}
        events = session.execute(
            select(AuditEvent.incident_id, AuditEvent.task_id, AuditEvent.element_id,
                   AuditEvent.type, AuditEvent.at, AuditEvent.data)
            .where(
                AuditEvent.incident_id.in_(ids),
                AuditEvent.type.in_(("task.created", *_ENDED)),
            )
            .order_by(AuditEvent.id)
        ).all() if ids else []  # fmt: skip
    tasks: dict[str, dict] = {}
    for e in events:
        task = tasks.setdefault(
            e.task_id,
            {"incident": e.incident_id, "element": e.element_id, "from": None, "to": None},
        )
        task["name"] = (e.data or {}).get("name") or task.get("name") or ""
        task["from" if e.type == "task.created" else "to"] = _aware(e.at)
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for breach in breaches:
        at = _aware(breach.at)
        for task in tasks.values():
            opened, closed = task["from"], task["to"]
            if task["incident"] != breach.incident_id or opened is None or opened > at:
                continue
            if closed is None or closed > at:
                counts[task["element"]] += 1
                names[task["element"]] = task["name"]
    return [
        MissedTargets(e, names[e], n)
        for e, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    ]


def percentile(values: list[float], rank: float) -> float:
    """Linear between the closest ranks (the spreadsheet PERCENTILE.INC)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * rank / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _aware(moment: datetime) -> datetime:
    # Stored in UTC; a driver may hand it back without the zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def heat_levels(counts: dict[str, float]) -> dict[str, int]:
    """0..4 in proportion to the largest figure (the hottest step is 4)."""
    top = max(counts.values(), default=0)
    if top <= 0:
        return {}
    return {e: min(4, math.ceil(4 * v / top)) for e, v in counts.items() if v > 0}
