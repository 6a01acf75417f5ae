"""The due-time index of waiting timers: written after every run, read by workers.

`sync` rewrites an instance's rows from the timers its state waits on;
`claim_due` leases due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL) so that
each is fired by one worker; `next_wakeup` tells a worker how long to sleep.
Finding due timers is an index range scan over (state, due_at).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from .. import logs
from ..domain.enums import InstanceStatus
from ..models import Incident, ProcessInstance, Timer
from ..workflow import Snapshot
from .context import Services

WAITING = "waiting"
FAILED = "failed"
# A fire takes milliseconds; a lease this long only matters when a worker died.
LEASE = timedelta(seconds=60)
NOTIFY_CHANNEL = "incident_desk_timers"
# Set on a session whose commit adds or moves a timer: in-process workers wake.
CHANGED = "incident_desk.timers_changed"

_SUSPENDED = select(ProcessInstance.id).where(ProcessInstance.status == InstanceStatus.SUSPENDED)
_DUE = (
    select(Timer.id)
    .where(
        Timer.state == WAITING,
        # Strictly after: SpiffWorkflow fires a timer only once its time has
        # passed, and a timer claimed at its exact due time would not fire.
        Timer.due_at < bindparam("now"),
        or_(Timer.lease_expires_at.is_(None), Timer.lease_expires_at < bindparam("now")),
        or_(Timer.next_attempt_at.is_(None), Timer.next_attempt_at <= bindparam("now")),
        # A suspended instance's timers wait until it is resumed (few are ever suspended).
        Timer.instance_id.not_in(_SUSPENDED),
    )
    # due_at alone, as the index has it: the scan stops after `limit` rows, so
    # the cost follows the batch size, not how many are due or waiting.
    .order_by(Timer.due_at)
    .limit(bindparam("limit"))
)


# Built once: sync runs after every engine run, and building a statement costs
# more than running it.
_OF_INSTANCE = select(Timer).where(Timer.instance_id == bindparam("instance_id"))
# The rows are expunged by hand: the ORM need not search the session for them.
_DELETE = (
    delete(Timer)
    .where(Timer.id.in_(bindparam("ids", expanding=True)))
    .execution_options(synchronize_session=False)
)


@dataclass(frozen=True)
class Claimed:
    id: int
    instance_id: int
    element_id: str
    due_at: datetime
    # For the worker's log lines: the request whose run set it, and its incident.
    request_id: str | None = None
    incident: str | None = None


def sync(session: Session, instance: ProcessInstance, snapshot: Snapshot, now: datetime) -> None:
    """Make the instance's timer rows match the timers its state waits on."""
    stored = {
        row.task_id: row for row in session.scalars(_OF_INSTANCE, {"instance_id": instance.id})
    }
    waiting = {timer.task_id: timer for timer in snapshot.timers}
    gone = [task_id for task_id in stored if task_id not in waiting]
    if gone:
        session.execute(_DELETE, {"ids": [stored[task_id].id for task_id in gone]})
        for task_id in gone:
            session.expunge(stored.pop(task_id))
    added = False
    for task_id, timer in waiting.items():
        row = stored.get(task_id)
        if row is None:
            session.add(
                Timer(
                    instance_id=instance.id,
                    task_id=task_id,
                    element_id=timer.element_id,
                    due_at=timer.due_at,
                    created_at=now,
                    request_id=logs.current_request_id(),
                )
            )
            added = True
        elif row.due_at != timer.due_at:
            row.due_at = timer.due_at
            added = True
    if added:
        session.info[CHANGED] = True
        if session.get_bind().dialect.name == "postgresql":
            # Delivered at commit: wakes workers sleeping until a later due time.
            session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


def claim_due(svc: Services, owner: str, limit: int = 50) -> list[Claimed]:
    """Take a lease on up to `limit` due timers, earliest first."""
    now = svc.now()
    with svc.db.unit_of_work() as uow:
        session = uow.session
        query = _DUE
        if svc.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = session.scalars(query, {"now": now, "limit": limit}).all()
        if not ids:
            return []
        session.execute(
            update(Timer)
            .where(Timer.id.in_(ids))
            .values(lease_owner=owner, lease_expires_at=now + LEASE)
        )
        rows = session.execute(
            select(
                Timer.id,
                Timer.instance_id,
                Timer.element_id,
                Timer.due_at,
                Timer.request_id,
                Incident.number,
            )
            .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .outerjoin(Incident, Incident.id == ProcessInstance.incident_id)
            .where(Timer.id.in_(ids))
            .order_by(Timer.due_at, Timer.id)
        ).all()
        uow.commit()
        return [Claimed(*row) for row in rows]


def next_wakeup(svc: Services) -> datetime | None:
    """When a waiting timer can next be claimed: its due time, or for one held by a
    lease or backing off after a failure, when that ends. Three index lookups."""
    free = and_(
        Timer.state == WAITING,
        Timer.lease_owner.is_(None),
        Timer.next_attempt_at.is_(None),
        Timer.instance_id.not_in(_SUSPENDED),
    )
    with svc.db.read() as uow:
        session = uow.session
        candidates = [
            session.scalar(select(func.min(Timer.due_at)).where(free)),
            session.scalar(
                select(func.min(Timer.lease_expires_at)).where(
                    Timer.state == WAITING, Timer.lease_owner.is_not(None)
                )
            ),
            session.scalar(
                select(func.min(Timer.next_attempt_at)).where(
                    Timer.state == WAITING, Timer.lease_owner.is_(None)
                )
            ),
        ]
    found = [c for c in candidates if c is not None]
    return min(found) if found else None
