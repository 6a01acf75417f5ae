"""Handing a ready task to a named colleague of its group (or back to the group).

Who may: a member of the task's group may give an unclaimed task, or one they
hold, to any member of that group; taking a task away from the colleague who
holds it is for the group's lead or an admin. Assigning sets the same "taken
by" as a claim, so the queue, the incident and the claim rules all see it.
"""

from __future__ import annotations

from sqlalchemy import select

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import REPORTER_LANE
from ...domain.errors import Conflict, FieldError, Forbidden, InvalidInput
from ...models import User
from .. import tasks
from ..context import Services
from ..views import TaskView, task_views
from . import events, members


def assign_task(
    svc: Services, principal: Principal, task_id: str, username: str | None
) -> TaskView:
    """Give the task to `username`, or back to its group with None."""
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row, incident, instance = tasks.lock(session, principal, task_id)
        lane = row.lane
        if lane is None or lane == REPORTER_LANE:
            raise Conflict("only a task of a group's lane is handed to someone")
        led = members.leads(session, principal)
        oversees = access.oversees_lane(principal, lane, leads=led)
        if not access.may_hand_over(principal, lane, leads=led):
            raise Forbidden(f"only group {lane}, its lead or an admin hand its tasks over")
        tasks.require_ready(row)
        assignee = _assignee(session, username, lane)
        new_id = assignee.id if assignee else None
        if row.claimed_by_id == new_id:
            return task_views(session, [row])[0]
        if row.claimed_by_id not in (None, principal.user_id) and not oversees:
            raise Conflict(
                f"the task is claimed by {tasks.claimer(session, row)}; "
                f"only they, the lead of {lane} or an admin hand it on"
            )
        previous = tasks.claimer(session, row) if row.claimed_by_id else None
        row.claimed_by_id = new_id
        tasks.follow_assignment(row, incident, instance, new_id)
        events.record(
            session,
            row,
            at=svc.now(),
            actor=principal,
            assignee=assignee,
            previous=previous,
        )
        view = task_views(session, [row])[0]
        uow.commit()
        return view


def _assignee(session, username: str | None, lane: str) -> User | None:
    if username is None:
        return None
    name = username.strip().lower()
    found = members.member(session, name, lane)
    if found is not None:
        return found
    known = session.scalar(select(User.id).where(User.username == name)) is not None
    message = f"{name} is not in group {lane}" if known else f"no user {name}"
    raise InvalidInput("the task cannot go to that user", [FieldError("$.user", message)])
