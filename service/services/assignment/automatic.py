"""Automatic assignment: a group's rule gives each of its new tasks to one member.

Modes, kept per group in `group_assignment_rules`: `none` (the group's queue,
as without a rule), `round_robin` (the next member by user id after the last
one given a task, wrapping round) and `least_open` (the member holding the
fewest ready tasks, ties broken in round order). Members marked away are
passed by. The rule's row is locked while a task is placed and remembers the
last assignee, so worker processes placing tasks at the same time continue
one round instead of each starting its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import REPORTER_LANE, Group, TaskState
from ...domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from ...models import GroupAssignmentRule, HumanTask, User
from .. import audit
from ..context import Services
from . import events, members

NONE, ROUND_ROBIN, LEAST_OPEN = "none", "round_robin", "least_open"
MODES = (NONE, ROUND_ROBIN, LEAST_OPEN)
# Groups whose lanes hold tasks people work.
_WORKING = frozenset({Group.L1, Group.L2, Group.L3, Group.PRIVACY})


@dataclass(frozen=True)
class RuleView:
    group: str
    mode: str
    last_assignee: str | None
    updated_at: datetime | None


def get_rule(svc: Services, principal: Principal, group: str) -> RuleView:
    with svc.db.read() as uow:
        session = uow.session
        _check_group(group)
        if not (access.administers(principal) or group in members.leads(session, principal)):
            raise Forbidden("only admins and the group's lead read its assignment rule")
        return _view(session, session.get(GroupAssignmentRule, group), group)


def list_rules(svc: Services, principal: Principal) -> list[RuleView]:
    """The rules of the groups the principal may read: all for admins, a lead's own."""
    with svc.db.read() as uow:
        session = uow.session
        readable = (
            _WORKING
            if access.administers(principal)
            else _WORKING & members.leads(session, principal)
        )
        if not readable:
            raise Forbidden("only admins and group leads read assignment rules")
        return [
            _view(session, session.get(GroupAssignmentRule, group), group)
            for group in sorted(readable)
        ]


def set_rule(svc: Services, principal: Principal, group: str, mode: str) -> RuleView:
    if not access.administers(principal):
        raise Forbidden("only admins set a group's assignment rule")
    _check_group(group)
    if mode not in MODES:
        raise InvalidInput("unknown mode", [FieldError("$.mode", f"one of {', '.join(MODES)}")])
    with svc.db.unit_of_work() as uow:
        session = uow.session
        now = svc.now()
        rule = _locked(session, group)
        old = rule.mode if rule else NONE
        if rule is None:
            rule = GroupAssignmentRule(group=group, mode=mode, updated_at=now)
            session.add(rule)
        rule.mode, rule.updated_at = mode, now
        audit.record(
            session,
            "group.assignment_changed",
            at=now,
            actor=principal,
            data={"group": group, "old_mode": old, "new_mode": mode},
        )
        session.flush()
        view = _view(session, rule, group)
        uow.commit()
        return view


def place(session: Session, row: HumanTask, *, now: datetime, actor: Principal | None) -> None:
    """Give a new, unclaimed task to a member by its group's rule (in the caller's
    transaction); nothing happens without a rule or with nobody present."""
    if row.claimed_by_id is not None or row.lane in (None, REPORTER_LANE):
        return
    rule = _locked(session, row.lane)
    if rule is None or rule.mode == NONE:
        return
    present = members.members(session, row.lane, present_only=True)
    if not present:
        return
    in_round = _round(present, rule.last_user_id)
    if rule.mode == LEAST_OPEN:
        load = _open_work(session, [user.id for user in present])
        in_round = sorted(in_round, key=lambda user: load.get(user.id, 0))
    chosen = in_round[0]
    row.claimed_by_id = chosen.id
    rule.last_user_id = chosen.id
    events.record(session, row, at=now, actor=actor, assignee=chosen, previous=None, how=rule.mode)


def _round(present: list[User], last_user_id: int | None) -> list[User]:
    """The members in round order, starting after the last one given a task."""
    if last_user_id is None:
        return present
    after = [user for user in present if user.id > last_user_id]
    return after + [user for user in present if user.id <= last_user_id]


def _open_work(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Ready tasks each holds, with those this transaction placed and not yet flushed."""
    counts = dict(
        session.execute(
            select(HumanTask.claimed_by_id, func.count())
            .where(HumanTask.state == TaskState.READY, HumanTask.claimed_by_id.in_(user_ids))
            .group_by(HumanTask.claimed_by_id)
        ).all()
    )
    for pending in session.new:
        if isinstance(pending, HumanTask) and pending.claimed_by_id in user_ids:
            counts[pending.claimed_by_id] = counts.get(pending.claimed_by_id, 0) + 1
    return counts


def _locked(session: Session, group: str) -> GroupAssignmentRule | None:
    return session.scalar(
        select(GroupAssignmentRule)
        .where(GroupAssignmentRule.group == group)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _check_group(group: str) -> None:
    if group not in _WORKING:
        raise NotFound(f"no group {group} whose tasks are assigned")


def _view(session: Session, rule: GroupAssignmentRule | None, group: str) -> RuleView:
    if rule is None:
        return RuleView(group, NONE, None, None)
    last = session.get(User, rule.last_user_id) if rule.last_user_id else None
    return RuleView(group, rule.mode, last.username if last else None, rule.updated_at)
