"""The audit event of a task given to someone: the assignee's notification comes from it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ...domain.access import Principal
from ...models import HumanTask, User
from .. import audit

TASK_ASSIGNED = "task.assigned"
TASK_UNASSIGNED = "task.unassigned"


def record(
    session: Session,
    row: HumanTask,
    *,
    at: datetime,
    actor: Principal | None,
    assignee: User | None,
    previous: str | None,
    how: str = "hand",
) -> None:
    """`how`: hand (someone chose the assignee) or the group rule's mode that did."""
    audit.record_task(
        session,
        TASK_ASSIGNED if assignee is not None else TASK_UNASSIGNED,
        row,
        at=at,
        actor=actor,
        data={
            "assignee": assignee.username if assignee else None,
            "assignee_id": assignee.id if assignee else None,
            "previous": previous,
            "how": how,
        },
    )
