"""Worklists and the work itself: claim, release, complete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, false, func, or_, select
from sqlalchemy.orm import Session

from .. import forms
from ..domain import access
from ..domain.access import Principal
from ..domain.enums import BREACH_PROCESS_ID, REPORTER_LANE, TaskState
from ..domain.errors import Conflict, Forbidden, InvalidInput, NotFound, ProcessError
from ..models import HumanTask, Incident, ProcessInstance
from . import audit, execution, failures, versions
from .context import Services
from .paging import offset_of
from .views import (
    TASK_COLUMNS,
    Completion,
    TaskDetail,
    TaskView,
    incident_view,
    instance_ref,
    task_view_of,
    task_views,
    usernames,
)

_TASK_WITH_INCIDENT = (
    select(HumanTask, Incident)
    .outerjoin(Incident, Incident.id == HumanTask.incident_id)
    .where(HumanTask.id == bindparam("task_id"))
)


@dataclass(frozen=True)
class TaskFilter:
    lane: str | None = None
    incident: str | None = None
    claimed_by_me: bool | None = None
    state: str | None = TaskState.READY
    scope: str = "workable"


def list_tasks(
    svc: Services, principal: Principal, filters: TaskFilter, *, page: int, page_size: int
) -> tuple[list[TaskView], int]:
    with svc.db.read() as uow:
        session = uow.session
        query = select(*TASK_COLUMNS).outerjoin(Incident, Incident.id == HumanTask.incident_id)
        if filters.scope == "all" and access.sees_everything(principal):
            pass
        else:
            query = query.where(_workable(principal))
        if not access.may_read_breaches(principal):
            query = query.where(HumanTask.instance_id.not_in(_BREACH_INSTANCES))
        if filters.state:
            query = query.where(HumanTask.state == filters.state)
        if filters.lane:
            query = query.where(HumanTask.lane == filters.lane)
        if filters.incident:
            query = query.where(Incident.number == filters.incident.strip().upper())
        if filters.claimed_by_me is True:
            query = query.where(HumanTask.claimed_by_id == principal.user_id)
        elif filters.claimed_by_me is False:
            query = query.where(HumanTask.claimed_by_id.is_(None))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        offset = offset_of(page, page_size, total)
        if offset is None:
            return [], total
        rows = session.execute(query.order_by(HumanTask.seq).limit(page_size).offset(offset)).all()
        return task_views(session, rows), total


def get_task(
    svc: Services, principal: Principal, task_id: str, *, language: str | None = None
) -> TaskDetail:
    """The task with its form; with `language`, the form's texts in it where the
    deployment brought a translation (see service.forms.translated)."""
    with svc.db.read() as uow:
        session = uow.session
        row, incident = _visible(session, principal, task_id)
        instance = session.get(ProcessInstance, row.instance_id)
        form = versions.form(svc, session, instance.version_id, row.form) if row.form else None
        data: dict[str, Any] = {}
        if row.state == TaskState.READY and form is not None:
            task_data = execution.peek(svc, session, instance).task_data(row.id) or {}
            data = form.defaults(task_data)
        schema = form.schema if form is not None else {}
        ui_schema = versions.document(svc, session, instance.version_id, row.ui_form)
        if language and row.form:
            texts = versions.document_if_present(
                svc, session, instance.version_id, forms.translation_name(row.form, language)
            )
            schema, ui_schema = forms.translated(schema, ui_schema, texts or {})
        return TaskDetail(
            task=task_views(session, [row])[0],
            form_schema=schema,
            ui_schema=ui_schema,
            data=data,
            incident=incident_view(session, incident, svc.now()) if incident else None,
        )


def claim_task(svc: Services, principal: Principal, task_id: str) -> TaskView:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row, incident, instance = _lock_for_work(session, principal, task_id)
        if row.claimed_by_id == principal.user_id:
            return task_views(session, [row])[0]
        if row.claimed_by_id is not None:
            raise Conflict(f"the task is claimed by {claimer(session, row)}")
        row.claimed_by_id = principal.user_id
        follow_assignment(row, incident, instance, principal.user_id)
        _event(svc, session, "task.claimed", row, principal)
        view = task_views(session, [row])[0]
        uow.commit()
        return view


def release_task(svc: Services, principal: Principal, task_id: str) -> TaskView:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row, incident, instance = lock(session, principal, task_id)
        require_ready(row)
        if row.claimed_by_id is None:
            return task_views(session, [row])[0]
        if row.claimed_by_id != principal.user_id and not access.may_release_for_others(principal):
            raise Forbidden(
                f"the task is claimed by {claimer(session, row)}; "
                "only they or an admin can release it"
            )
        release_held(svc, session, principal, row, incident, instance)
        view = task_views(session, [row])[0]
        uow.commit()
        return view


def release_held(svc, session, principal, row, incident, instance, **data) -> None:
    """Back to its group's queue (in the caller's transaction, the task locked by `lock`)."""
    released_from = claimer(session, row)
    row.claimed_by_id = None
    follow_assignment(row, incident, instance, None)
    _event(svc, session, "task.released", row, principal, released_from=released_from, **data)


def complete_task(
    svc: Services, principal: Principal, task_id: str, data: Any, *, with_incident: bool = True
) -> Completion:
    """Complete the task with the form's data; the incident's view comes back unless
    `with_incident` is false (the caller asked for less)."""
    try:
        return _complete(svc, principal, task_id, data, with_incident)
    except ProcessError as error:
        _keep_failed_submission(svc, principal, task_id, data, error)
        raise


def _complete(svc, principal, task_id, data, with_incident: bool) -> Completion:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        row, incident, instance = _lock_for_work(session, principal, task_id)
        if row.claimed_by_id not in (None, principal.user_id):
            raise Conflict(f"the task is claimed by {claimer(session, row)}")
        submitted = _validated(svc, session, instance, row, data)
        run = execution.resume(svc, session, instance, actor=principal)
        run.execution.complete(row.id, submitted)
        now = svc.now()
        row.state = TaskState.COMPLETED
        row.claimed_by_id = principal.user_id
        row.completed_by_id = principal.user_id
        row.completed_at = now
        audit.record(
            session,
            "task.completed",
            at=now,
            actor=principal,
            incident_id=row.incident_id,
            instance_id=row.instance_id,
            task_id=row.id,
            element_id=row.key,
            data={"name": row.name, "lane": row.lane, "submitted": submitted},
        )
        own = execution.own_incident(session, instance)
        if own is not None and access.is_agent_lane(row.lane):
            # Whoever completes a tier's task holds the incident at that tier.
            own.assignee_id = principal.user_id
        execution.advance(
            svc,
            session,
            instance,
            run,
            actor=principal,
            completed_lane=row.lane,
            submitted=submitted,
        )
        result = Completion(
            task=task_view_of(row, instance, incident, {principal.user_id: principal.username}),
            incident=incident_view(session, incident, svc.now())
            if incident and with_incident
            else None,
            instance=instance_ref(instance),
        )
        uow.commit()
        return result


def _validated(svc, session, instance, row: HumanTask, data: Any) -> dict[str, Any]:
    if row.form:
        return versions.form(svc, session, instance.version_id, row.form).validate(data)
    if not isinstance(data, dict):
        raise InvalidInput("the task data must be a JSON object")
    return data


def _keep_failed_submission(svc, principal, task_id, data, error: ProcessError) -> None:
    with svc.db.read() as uow:
        row = uow.session.scalar(select(HumanTask).where(HumanTask.id == task_id))
        if row is None:
            return
        where = {"incident_id": row.incident_id, "instance_id": row.instance_id}
        key = row.key
    failures.keep(
        svc,
        principal,
        failures.TASK_FAILED,
        data,
        error,
        task_id=task_id,
        element_id=key,
        **where,
    )


def _workable(principal: Principal):
    """SQL condition: tasks this principal may work."""
    own_reporter_tasks = and_(
        HumanTask.lane == REPORTER_LANE, Incident.reporter_id == principal.user_id
    )
    lanes = sorted(principal.groups)
    return or_(own_reporter_tasks, HumanTask.lane.in_(lanes) if lanes else false())


# A breach's steps are seen only by those who may read the breach register.
_BREACH_INSTANCES = select(ProcessInstance.id).where(
    ProcessInstance.process_id == BREACH_PROCESS_ID
)


def _visible(session: Session, principal: Principal, task_id: str):
    found = session.execute(_TASK_WITH_INCIDENT, {"task_id": task_id}).first()
    row, incident = found if found is not None else (None, None)
    if row is None or not _may_see(principal, row, incident):
        raise NotFound(f"no task {task_id}")
    if not access.may_read_breaches(principal) and (
        session.scalar(
            select(ProcessInstance.process_id).where(ProcessInstance.id == row.instance_id)
        )
        == BREACH_PROCESS_ID
    ):
        raise NotFound(f"no task {task_id}")
    return row, incident


def _may_see(principal: Principal, row: HumanTask, incident: Incident | None) -> bool:
    if access.sees_everything(principal):
        return True
    reporter_id = incident.reporter_id if incident else None
    return access.may_work_lane(principal, row.lane, reporter_id=reporter_id)


def lock(session: Session, principal: Principal, task_id: str):
    """The task, its incident and its instance, the instance locked; NotFound when unseen."""
    # Lock first, then read the task and the incident: what we read is what the
    # request that held the lock before us committed.
    instance = execution.lock_for_task(session, task_id)
    if instance is None:
        raise NotFound(f"no task {task_id}")
    row, incident = _visible(session, principal, task_id)
    return row, incident, instance


def _lock_for_work(session: Session, principal: Principal, task_id: str):
    row, incident, instance = lock(session, principal, task_id)
    reporter_id = incident.reporter_id if incident else None
    if not access.may_work_lane(principal, row.lane, reporter_id=reporter_id):
        who = "the incident's reporter" if row.lane == REPORTER_LANE else f"group {row.lane}"
        raise Forbidden(f"only {who} can work this task")
    require_ready(row)
    # Claiming too: a held instance's work is not to be picked up until resumed.
    execution.require_running(instance)
    return row, incident, instance


def require_ready(row: HumanTask) -> None:
    if row.state != TaskState.READY:
        raise Conflict(f"the task is {row.state}, not ready")


def follow_assignment(row, incident, instance, user_id) -> None:
    if incident is not None and instance.parent_id is None and access.is_agent_lane(row.lane):
        incident.assignee_id = user_id


def claimer(session: Session, row: HumanTask) -> str:
    return usernames(session, [row.claimed_by_id]).get(row.claimed_by_id, "someone else")


def _event(svc, session, event_type, row, principal, **data) -> None:
    audit.record(
        session,
        event_type,
        at=svc.now(),
        actor=principal,
        incident_id=row.incident_id,
        instance_id=row.instance_id,
        task_id=row.id,
        element_id=row.key,
        data={"name": row.name, "lane": row.lane, **data},
    )
