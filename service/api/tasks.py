"""/api/tasks: worklists and the work on user tasks."""

from __future__ import annotations

import functools

from flask_smorest import Blueprint

from ..services import tasks
from ..services.assignment import handover
from ..services.locale import preferences
from ..services.search import solutions
from .assignment_schemas import AssignSchema
from .context import PREFER_MINIMAL, PREFERENCE_APPLIED, paged, principal, services, wants_minimal
from .schemas import (
    CompletionSchema,
    FormDataSchema,
    TaskDetailSchema,
    TaskQuerySchema,
    TaskSchema,
)

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks", description="User tasks")


@blp.route("", methods=["GET"])
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, TaskSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def list_tasks(query, pagination_parameters):
    """The worklist: by default the ready tasks you may complete, oldest first."""
    state = query.pop("state")
    return paged(
        pagination_parameters,
        functools.partial(
            tasks.list_tasks,
            services(),
            principal(),
            tasks.TaskFilter(state=None if state == "any" else state, **query),
        ),
    )


@blp.route("/<string:task_id>", methods=["GET"])
@blp.response(200, TaskDetailSchema)
def get_task(task_id):
    """A task with its form (JSON Schema and UI schema), known values and incident; at
    triage, the earlier solutions of incidents like it."""
    who = principal()
    # The form's texts in the caller's language, where the deployment translated them.
    language = preferences.effective(services(), who).language
    return solutions.task_detail(services(), who, task_id, language=language)


@blp.route("/<string:task_id>/claim", methods=["POST"])
@blp.response(200, TaskSchema)
def claim_task(task_id):
    """Take a ready task of your group; others see who has it."""
    return tasks.claim_task(services(), principal(), task_id)


@blp.route("/<string:task_id>/release", methods=["POST"])
@blp.response(200, TaskSchema)
def release_task(task_id):
    """Give a claimed task back to the group (its claimer, or an admin)."""
    return tasks.release_task(services(), principal(), task_id)


@blp.route("/<string:task_id>/complete", methods=["POST"])
@blp.arguments(FormDataSchema)
@blp.response(200, CompletionSchema, headers=PREFERENCE_APPLIED)
@blp.doc(parameters=[PREFER_MINIMAL])
def complete_task(data, task_id):
    """Submit the task's form; the process moves on and the incident's new state comes back.

    With `Prefer: return=minimal` the incident's view is left out (`incident` is null),
    which saves reading it. 400/422 invalid data (each failing field listed), 403 not
    your lane, 409 the task is no longer ready or someone else claimed it.
    """
    if not wants_minimal():
        return tasks.complete_task(services(), principal(), task_id, data)
    done = tasks.complete_task(services(), principal(), task_id, data, with_incident=False)
    return done, {"Preference-Applied": "return=minimal"}


@blp.route("/<string:task_id>/assign", methods=["POST"])
@blp.arguments(AssignSchema)
@blp.response(200, TaskSchema)
def assign_task(body, task_id):
    """Hand a ready task to a member of its group (`{"user": null}`: back to the group).

    Members of the task's group may hand on a task nobody holds or one they hold;
    the group's lead and admins may also take it from whoever holds it. The
    assignee is notified. 403 not allowed, 409 not ready or held by someone else,
    422 `user` unknown or not in the task's group.
    """
    return handover.assign_task(services(), principal(), task_id, body["user"])
