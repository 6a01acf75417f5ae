"""Firing timers, retries with backoff, and the admin's view of failed ones.

A worker fires claimed timers under their instance's lock; the run that fires
them deletes their rows in the same commit (see `schedule.sync`), so a timer
fires exactly once, and never before it is due. `fire_batch` fires the
timers of one instance in one run and several instances per transaction,
each in a savepoint: a failing run is rolled back alone and retried with
backoff, and one commit pays for several firings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .. import logs
from ..domain import access
from ..domain.access import Principal
from ..domain.errors import Forbidden, NotFound
from ..domain.numbering import MAX_ID
from ..models import Incident, ProcessInstance, Timer
from . import audit, execution
from .context import Services
from .paging import page_of
from .schedule import CHANGED, FAILED, WAITING, Claimed

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=10)
# Instances fired per transaction by `fire_batch`, and how long one transaction
# may go on: it holds their locks (on SQLite, the database's write lock) until
# it commits, so requests on them wait at most about this long.
PER_COMMIT = 10
COMMIT_WITHIN = timedelta(seconds=0.5)

# Which of the claimed rows are still this worker's to fire (a lease that ran
# out may have let another worker fire them), read after the instance is locked.
_STILL_OURS = select(Timer.id).where(
    Timer.id.in_(bindparam("ids", expanding=True)), Timer.lease_owner == bindparam("owner")
)


@dataclass(frozen=True)
class TimerView:
    id: int
    instance_id: int
    incident_number: str | None
    element_id: str
    due_at: datetime
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None


def fire(svc: Services, claimed: Claimed, owner: str) -> bool:
    """Run the claimed timer's instance; False when the timer was already gone or not ours.

    A failure rolls the run back and schedules a retry with backoff; after
    MAX_ATTEMPTS the timer stays `failed` until an admin retries it.
    """
    try:
        return _fire(svc, claimed, owner)
    except Exception as exc:  # the worker must outlive any one broken instance
        # The message may quote the instance's data: it goes to the timer row (admins
        # read it there), not to the log.
        _log_failure([claimed], exc)
        _record_failure(svc, claimed, owner, exc)
        return False


def fire_batch(svc: Services, claimed: list[Claimed], owner: str) -> list[Claimed]:
    """Fire the claimed timers; those that fired.

    The timers of one instance fire in one run (the engine fires every due
    one at once). Up to PER_COMMIT instances share a transaction, each in a
    savepoint: one that fails is rolled back to it, its timers get an attempt
    and a backoff, and the others commit. Should the shared commit itself
    fail, its timers are fired again one transaction each.
    """
    fired: list[Claimed] = []
    pending = _by_instance(claimed)
    while pending:
        chunk = pending[:PER_COMMIT]
        try:
            fired_now, taken = _fire_chunk(svc, chunk, owner)
        except Exception:  # the commit, or the database under the savepoints, failed
            log.warning(
                "a transaction of %d timers failed as a whole; firing them one by one",
                sum(len(group) for group in chunk),
                exc_info=True,
            )
            fired_now = [i for g in chunk for i in g if fire(svc, i, owner)]
            taken = len(chunk)
        fired += fired_now
        pending = pending[taken:]
    return fired


def _by_instance(claimed: list[Claimed]) -> list[list[Claimed]]:
    groups: dict[int, list[Claimed]] = {}
    for item in claimed:  # in due order, as claimed: the first due instance goes first
        groups.setdefault(item.instance_id, []).append(item)
    return list(groups.values())


def _fire_chunk(svc: Services, chunk: list[list[Claimed]], owner: str) -> tuple[list[Claimed], int]:
    """Fire instances of `chunk` in one transaction until COMMIT_WITHIN has passed:
    (timers fired, instances taken)."""
    fired: list[Claimed] = []
    taken = 0
    # The service's clock: the tests' stands still, so what they batch does not
    # depend on how fast the machine is.
    deadline = svc.now() + COMMIT_WITHIN
    with svc.db.unit_of_work() as uow:
        session = uow.session
        for group in chunk:
            if taken and svc.now() > deadline:
                break  # a slow run (one stopped at its CPU budget): commit what fired
            taken += 1
            first = group[0]
            with logs.working_on(first.request_id, first.incident):
                mark = _mark(session)
                try:
                    with session.begin_nested():
                        done = _fire_group(svc, session, group, owner)
                    fired += done  # counted once its savepoint is released
                except Exception as exc:  # the worker must outlive any one broken instance
                    _restore(session, mark)
                    _log_failure(group, exc)
                    now = svc.now()
                    for item in group:
                        _note_failure(session, item, owner, exc, now)
        uow.commit()
    return fired, taken


def _mark(session: Session) -> dict[str, Any]:
    """What the session collected for the commit so far (audit events, notifications,
    search changes), to be put back when a savepoint rolls back: the database forgets
    the rolled-back run, and so must the hooks that run at commit."""
    return {
        key: value.copy() if isinstance(value, (list, set, dict)) else value
        for key, value in session.info.items()
    }


def _restore(session: Session, mark: dict[str, Any]) -> None:
    session.info.clear()
    session.info.update(mark)


def _fire_group(svc: Services, session: Session, group: list[Claimed], owner: str) -> list[Claimed]:
    """Run one instance whose claimed timers are `group`; those of them it fired."""
    instance = execution.lock(session, group[0].instance_id)
    if instance is None:
        return []
    ours = set(session.scalars(_STILL_OURS, {"ids": [c.id for c in group], "owner": owner}))
    mine = [item for item in group if item.id in ours]
    if not mine:
        return []
    now = svc.now()
    run = execution.resume(svc, session, instance, actor=None)
    run.execution.run()
    for item in mine:
        _record_fired(session, instance, item, owner, now)
    execution.advance(svc, session, instance, run, actor=None, trigger="timer")
    return mine


def _record_fired(
    session: Session, instance: ProcessInstance, claimed: Claimed, owner: str, now: datetime
) -> None:
    audit.record(
        session,
        "timer.fired",
        at=now,
        actor=None,
        incident_id=instance.incident_id,
        instance_id=instance.id,
        element_id=claimed.element_id,
        data={
            "due_at": claimed.due_at.isoformat(),
            "late_ms": int((now - claimed.due_at).total_seconds() * 1000),
            "worker": owner,
        },
    )


def _fire(svc: Services, claimed: Claimed, owner: str) -> bool:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        instance = execution.lock(session, claimed.instance_id)
        row = session.get(Timer, claimed.id)
        if instance is None or row is None or row.lease_owner != owner:
            return False
        now = svc.now()
        run = execution.resume(svc, session, instance, actor=None)
        run.execution.run()
        _record_fired(session, instance, claimed, owner, now)
        execution.advance(svc, session, instance, run, actor=None, trigger="timer")
        uow.commit()
        return True


def _log_failure(group: list[Claimed], exc: Exception) -> None:
    # The message may quote the instance's data: it goes to the timer row (admins
    # read it there), not to the log.
    log.warning(
        "timers %s of instance %s failed (%s at %s); attempt recorded",
        ", ".join(str(item.id) for item in group),
        group[0].instance_id,
        exc.__class__.__name__,
        getattr(exc, "element_id", None) or group[0].element_id,
    )


def _record_failure(svc: Services, claimed: Claimed, owner: str, exc: Exception) -> None:
    with svc.db.unit_of_work() as uow:
        _note_failure(uow.session, claimed, owner, exc, svc.now())
        uow.commit()


def _note_failure(
    session: Session, claimed: Claimed, owner: str, exc: Exception, now: datetime
) -> None:
    row = session.get(Timer, claimed.id)
    if row is None or row.lease_owner != owner:
        return
    row.attempts += 1
    row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
    row.lease_owner = None
    row.lease_expires_at = None
    row.next_attempt_at = now + BACKOFF_BASE * (2 ** (row.attempts - 1))
    if row.attempts >= MAX_ATTEMPTS:
        row.state = FAILED
        instance = session.get(ProcessInstance, row.instance_id)
        audit.record(
            session,
            "timer.failed",
            at=now,
            actor=None,
            incident_id=instance.incident_id if instance else None,
            instance_id=row.instance_id,
            element_id=row.element_id,
            data={"attempts": row.attempts, "error": row.last_error},
        )


def list_timers(
    svc: Services, principal: Principal, *, state: str | None, page: int, page_size: int
) -> tuple[list[TimerView], int]:
    _require_admin(principal)
    with svc.db.read() as uow:
        session = uow.session
        rows, total = page_of(
            session,
            Timer,
            [Timer.state == state] if state else [],
            select(Timer, Incident.number)
            .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .outerjoin(Incident, Incident.id == ProcessInstance.incident_id)
            .order_by(Timer.due_at, Timer.id),
            page=page,
            page_size=page_size,
        )
        return [_view(row, number) for row, number in rows], total


def retry(svc: Services, principal: Principal, timer_id: int) -> TimerView:
    """Give a failed timer a fresh set of attempts, due at once."""
    _require_admin(principal)
    now = svc.now()
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row = session.get(Timer, timer_id) if timer_id <= MAX_ID else None
        if row is None:
            raise NotFound(f"no timer {timer_id}")
        row.state = WAITING
        row.attempts = 0
        row.next_attempt_at = None
        row.lease_owner = None
        row.lease_expires_at = None
        instance = session.get(ProcessInstance, row.instance_id)
        audit.record(
            session,
            "timer.retried",
            at=now,
            actor=principal,
            incident_id=instance.incident_id if instance else None,
            instance_id=row.instance_id,
            element_id=row.element_id,
            data={"last_error": row.last_error},
        )
        session.info[CHANGED] = True
        number = session.scalar(
            select(Incident.number).where(
                Incident.id == (instance.incident_id if instance else None)
            )
        )
        view = _view(row, number)
        uow.commit()
        return view


def failures_of(session: Session, incident_id: int) -> list[TimerView]:
    rows = session.execute(
        select(Timer, Incident.number)
        .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
        .join(Incident, Incident.id == ProcessInstance.incident_id)
        .where(ProcessInstance.incident_id == incident_id, Timer.state == FAILED)
    ).all()
    return [_view(row, number) for row, number in rows]


def _require_admin(principal: Principal) -> None:
    if not access.may_release_for_others(principal):
        raise Forbidden("only admins manage timers")


def _view(row: Timer, number: str | None) -> TimerView:
    return TimerView(
        row.id,
        row.instance_id,
        number,
        row.element_id,
        row.due_at,
        row.state,
        row.attempts,
        row.last_error,
        row.next_attempt_at,
    )
