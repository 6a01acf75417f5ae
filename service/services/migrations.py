"""Moving running instances from one version of a process to another.

A dry run loads each selected instance, moves it in memory and reports what
would happen (whether it can move, why not, which SLA timers would move);
nothing is stored. The real run does the same and keeps the result, each
instance in its own transaction, so one that cannot move holds back no other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from ..domain import access
from ..domain.access import Principal
from ..domain.enums import InstanceStatus
from ..domain.errors import FieldError, Forbidden, InvalidInput, NotFound, ProcessError
from ..domain.numbering import MAX_ID, format_number, parse_number
from ..models import ProcessInstance, ProcessVersion
from ..workflow import MigrationRefused, Snapshot
from . import audit, execution
from .context import Services

MAX_LISTED = 1000


class Outcome:
    MOVABLE = "movable"  # dry run: it would move
    MOVED = "moved"
    REFUSED = "refused"  # the versions do not allow it
    FAILED = "failed"  # the process failed on its new version; nothing kept
    SKIPPED = "skipped"  # not on the source version, ended, or not found


@dataclass(frozen=True)
class Reason:
    element_id: str | None
    message: str


@dataclass(frozen=True)
class TimerMove:
    element_id: str
    old_due_at: datetime | None
    new_due_at: datetime | None


@dataclass(frozen=True)
class InstanceMove:
    instance_id: int | None
    incident_number: str | None
    outcome: str
    reasons: list[Reason] = field(default_factory=list)
    rerun: list[str] = field(default_factory=list)
    timers: list[TimerMove] = field(default_factory=list)
    waiting_at: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MigrationReport:
    process_id: str
    source_version: int
    target_version: int
    dry_run: bool
    counts: dict[str, int]
    instances: list[InstanceMove]


@dataclass(frozen=True)
class Selection:
    """Which instances: all running ones on the source version, or those listed."""

    all: bool = False
    incidents: tuple[str, ...] = ()
    instance_ids: tuple[int, ...] = ()


def migrate(
    svc: Services,
    by: Principal,
    process_id: str,
    *,
    source_version: int,
    target_version: int,
    selection: Selection,
    dry_run: bool = True,
) -> MigrationReport:
    if not access.may_deploy(by):
        raise Forbidden("only process owners move instances between versions")
    _check_selection(selection, source_version, target_version)
    with svc.db.read() as uow:
        session = uow.session
        source = _version(session, process_id, source_version, "$.source_version")
        target = _version(session, process_id, target_version, "$.target_version")
        wanted = _selected(session, process_id, source, selection)
    moves = [
        _move(svc, by, process_id, instance_id, source, target, dry_run)
        if instance_id is not None
        else InstanceMove(None, label, Outcome.SKIPPED, [Reason(None, "no such incident")])
        for instance_id, label in wanted
    ]
    counts = {outcome: 0 for outcome in _OUTCOMES}
    for move in moves:
        counts[move.outcome] += 1
    return MigrationReport(process_id, source_version, target_version, dry_run, counts, moves)


_OUTCOMES = (Outcome.MOVABLE, Outcome.MOVED, Outcome.REFUSED, Outcome.FAILED, Outcome.SKIPPED)


def _check_selection(selection: Selection, source_version: int, target_version: int) -> None:
    errors = []
    chosen = [bool(selection.all), bool(selection.incidents), bool(selection.instance_ids)]
    if sum(chosen) != 1:
        errors.append(
            FieldError("$", "choose the instances: all (true), incidents or instance_ids")
        )
    if len(selection.incidents) + len(selection.instance_ids) > MAX_LISTED:
        errors.append(FieldError("$", f"at most {MAX_LISTED} listed instances per request"))
    if source_version == target_version:
        errors.append(FieldError("$.target_version", "the same as the source version"))
    if errors:
        raise InvalidInput("the migration request is incomplete", errors)


@dataclass(frozen=True)
class _Version:
    id: int
    version: int


def _version(session: Session, process_id: str, number: int, where: str) -> _Version:
    found = session.execute(
        select(ProcessVersion.id, ProcessVersion.version).where(
            ProcessVersion.process_id == process_id,
            ProcessVersion.version == number if 0 < number <= MAX_ID else false(),
        )
    ).first()
    if found is not None:
        return _Version(*found)
    if session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == process_id)):
        raise InvalidInput(
            f"no version {number} of {process_id!r}", [FieldError(where, "no such version")]
        )
    raise NotFound(f"no process {process_id!r} is deployed")


def _selected(
    session: Session, process_id: str, source: _Version, selection: Selection
) -> list[tuple[int | None, str | None]]:
    """(instance id, label) for each selected instance; the id is None when unknown."""
    if selection.all:
        ids = session.scalars(
            select(ProcessInstance.id)
            .where(
                ProcessInstance.version_id == source.id,
                ProcessInstance.status == InstanceStatus.RUNNING,
            )
            .order_by(ProcessInstance.id)
        )
        return [(instance_id, None) for instance_id in ids]
    if selection.instance_ids:
        return [(i if 0 < i <= MAX_ID else -1, None) for i in dict.fromkeys(selection.instance_ids)]
    by_incident = dict(
        session.execute(
            select(ProcessInstance.incident_id, ProcessInstance.id).where(
                ProcessInstance.process_id == process_id,
                ProcessInstance.parent_id.is_(None),
                ProcessInstance.incident_id.in_(
                    [n for n in map(parse_number, selection.incidents) if n is not None]
                ),
            )
        ).all()
    )
    return [
        (by_incident.get(parse_number(number) or -1), number)
        for number in dict.fromkeys(selection.incidents)
    ]


def _move(
    svc: Services,
    by: Principal,
    process_id: str,
    instance_id: int,
    source: _Version,
    target: _Version,
    dry_run: bool,
) -> InstanceMove:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        instance = execution.lock(session, instance_id)
        if instance is None or instance.process_id != process_id:
            return InstanceMove(
                instance_id, None, Outcome.SKIPPED, [Reason(None, f"no {process_id} instance")]
            )
        number = _incident_number(instance)

        def result(outcome, reasons=(), **details):
            return InstanceMove(instance_id, number, outcome, list(reasons), **details)

        if instance.status != InstanceStatus.RUNNING:
            return result(Outcome.SKIPPED, [Reason(None, "it has ended")])
        if instance.version_id != source.id:
            running_on = session.get(ProcessVersion, instance.version_id).version
            return result(Outcome.SKIPPED, [Reason(None, f"it runs on version {running_on}")])

        run = execution.resume(svc, session, instance, actor=by)
        before = run.execution.snapshot()
        try:
            rerun = run.execution.migrate_to(
                execution.definition(svc, session, target.id), target.version
            )
            after = run.execution.snapshot()
            details = {
                "rerun": rerun,
                "timers": _timer_moves(before, after),
                "waiting_at": [task.key for task in after.ready]
                + [event.element_id for event in after.messages],
            }
            if dry_run:
                return result(Outcome.MOVABLE, **details)
            instance.version = session.get(ProcessVersion, target.id)
            execution.advance(svc, session, instance, run, actor=by, trigger="migration")
        except MigrationRefused as exc:
            return result(Outcome.REFUSED, [Reason(b.element_id, b.message) for b in exc.blockers])
        except ProcessError as exc:
            return result(Outcome.FAILED, [Reason(exc.element_id, exc.message)])
        audit.record(
            session,
            "instance.migrated",
            at=svc.now(),
            actor=by,
            incident_id=instance.incident_id,
            instance_id=instance.id,
            data={
                "process_id": process_id,
                "from_version": source.version,
                "to_version": target.version,
                "rerun": rerun,
                "timers": [
                    {
                        "element_id": move.element_id,
                        "old_due_at": _iso(move.old_due_at),
                        "new_due_at": _iso(move.new_due_at),
                    }
                    for move in details["timers"]
                ],
            },
        )
        uow.commit()
        return result(Outcome.MOVED, **details)


def _timer_moves(before: Snapshot, after: Snapshot) -> list[TimerMove]:
    old = {timer.element_id: timer.due_at for timer in before.timers}
    new = {timer.element_id: timer.due_at for timer in after.timers}
    return [
        TimerMove(element_id, old.get(element_id), new.get(element_id))
        for element_id in sorted(old.keys() | new.keys())
    ]


def _incident_number(instance: ProcessInstance) -> str | None:
    if instance.incident_id is None or instance.parent_id is not None:
        return None
    return format_number(instance.incident_id)


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None
