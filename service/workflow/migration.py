"""Moving a running instance onto another version of its process.

SpiffWorkflow lines up the task specs of two versions (by BPMN id, then by
structure) and can re-point an instance's tasks at the new specs; it then
resets every ready and waiting task so that what follows it is predicted
from the new version (`SpiffWorkflow.bpmn.util.diff`). What is safe to move is
decided here:

- a task that has run must not have changed in a way that would have made it
  do something else (its script, condition, decision table, type), nor be
  gone, unless the new version marks it to be run again on migration
  (`rerunOnMigration`): decision tables and the scripts that turn their
  answers into due times are run again, in flow order, on the data the
  instance has now;
- a task the instance waits at must still exist.

SpiffWorkflow's reset re-arms every waiting timer from scratch, which would
restart a relative timer ("P5D") at the moment of migration. A timer whose
definition and value are the same in both versions keeps the time it was
armed for.
"""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow

RERUN_PROPERTY = "rerunOnMigration"
# What may change in the spec of a task that has run without changing what it did.
_COSMETIC = frozenset(
    {
        "bpmn_name",
        "description",
        "documentation",
        "extensions",
        "inputs",
        "lane",
        "lookahead",
        "outputs",
    }
)
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class Blocker:
    """Why an instance cannot move: the element, and what is wrong with it."""

    element_id: str
    message: str


class MigrationRefused(Exception):
    def __init__(self, blockers: list[Blocker]):
        super().__init__("; ".join(f"{b.element_id}: {b.message}" for b in blockers))
        self.blockers = blockers


def marked_for_rerun(spec) -> list:
    """The task specs of a process marked to run again on migration, in flow order."""
    marked, seen, queue = [], set(), deque([spec.start])
    while queue:
        task_spec = queue.popleft()
        if task_spec.name in seen:
            continue
        seen.add(task_spec.name)
        properties = getattr(task_spec, "extensions", {}).get("properties", {})
        if str(properties.get(RERUN_PROPERTY, "")).lower() == "true":
            marked.append(task_spec)
        queue.extend(task_spec.outputs)
    return marked


def move(workflow, spec, subprocess_specs, registry, target_version: int) -> list[str]:
    """Re-point `workflow` at `spec`; the ids of the elements run again.

    Raises MigrationRefused when it cannot move; the workflow is then to be thrown away.
    """
    rerun = marked_for_rerun(spec)
    diffs = [(workflow, spec, *_diff(registry, workflow, spec))]
    blockers = []
    for subworkflow in workflow.subprocesses.values():
        sub_spec = subprocess_specs.get(subworkflow.spec.name)
        if sub_spec is None:
            blockers.append(
                Blocker(subworkflow.spec.name, f"version {target_version} does not have it")
            )
        else:
            diffs.append((subworkflow, sub_spec, *_diff(registry, subworkflow, sub_spec)))
    rerun_ids = {task_spec.name for task_spec in rerun}
    for target, _, spec_diff, workflow_diff in diffs:
        blockers += _blockers(
            target,
            spec_diff,
            workflow_diff,
            rerun_ids if target is workflow else set(),
            target_version,
        )
    if blockers:
        raise MigrationRefused(list(dict.fromkeys(blockers)))

    armed = _armed_timers(workflow)
    _rerun(workflow, rerun)
    for target, target_spec, _, workflow_diff in diffs:
        _drop_dead_branches(target, workflow_diff)
        migrate_workflow(workflow_diff, target, target_spec)
    workflow.subprocess_specs = subprocess_specs
    changed = {task.id for _, _, _, workflow_diff in diffs for task in workflow_diff.changed}
    _keep_armed_times(workflow, armed, changed)
    return [task_spec.bpmn_id for task_spec in rerun]


def _diff(registry, workflow, spec):
    spec_diff = SpecDiff(registry, workflow.spec, spec)
    try:
        return spec_diff, WorkflowDiff(workflow, spec_diff)
    except KeyError:
        # A task whose spec the traversal from the start event never reached.
        raise MigrationRefused(
            [Blocker(workflow.spec.name, "SpiffWorkflow cannot line the two versions up")]
        ) from None


def _blockers(workflow, spec_diff, workflow_diff, rerun_ids, target_version) -> list[Blocker]:
    blockers = []
    removed = {task.id for task in workflow_diff.removed}
    changed = {task.id for task in workflow_diff.changed}
    reset_roots = _reset_roots(workflow)
    for task in workflow.get_tasks(skip_subprocesses=True):
        element = task.task_spec.bpmn_id or task.task_spec.name
        if task.id in removed:
            if task.has_state(_ACTIVE):
                message = f"the instance is at this step, and version {target_version} removes it"
            elif task.has_state(TaskState.COMPLETED):
                message = f"this step has run, and version {target_version} removes it"
            elif task.has_state(TaskState.CANCELLED) or any(
                task.is_descendant_of(root) for root in reset_roots
            ):
                continue  # dropped, or predicted again from the new version
            else:
                message = f"version {target_version} removes this step"
            blockers.append(Blocker(element, message))
        elif task.id in changed:
            keys = sorted(set(spec_diff.changed.get(task.task_spec, ())) - _COSMETIC)
            if not keys:
                continue
            if task.has_state(TaskState.COMPLETED) and task.task_spec.name not in rerun_ids:
                blockers.append(
                    Blocker(
                        element,
                        f"this step has run, and version {target_version} changes its "
                        f"{', '.join(keys)} (mark it {RERUN_PROPERTY} if running it again on "
                        "the instance's data is right)",
                    )
                )
            elif task.has_state(TaskState.STARTED):
                blockers.append(
                    Blocker(
                        element, f"this step is under way and version {target_version} changes it"
                    )
                )
    return blockers


def _reset_roots(workflow) -> list:
    """The tasks `migrate_workflow` resets: what follows them is predicted afresh."""
    return [
        task
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
        if task.workflow is workflow
    ]


def _drop_dead_branches(workflow, workflow_diff) -> None:
    """Cancelled tasks whose step the new version removed: nothing will run them,
    and a stored state must not name a spec its version lacks."""
    for task in workflow_diff.removed:
        if task.id in workflow.tasks and task.has_state(TaskState.CANCELLED):
            for dropped in list(task):
                workflow.tasks.pop(dropped.id, None)
            if task.parent is not None:
                task.parent.children.remove(task)
        workflow_diff.alignment.pop(task, None)


def set_facts(workflow, facts: dict) -> None:
    """Put `facts` in the data of every active step and of the steps a reset copies
    data from, the way `_rerun` hands on what it computed."""
    for task in workflow.get_tasks(state=_ACTIVE):
        if task.workflow is not workflow:
            continue
        for target in (task, task.parent):
            if target is not None:
                target.data.update(copy.deepcopy(facts))


def show_current_data(workflow, last) -> None:
    """With no user task ready (on hold, waiting for a message or a timer), the instance's
    data is read from the last step that ran (`last`, from before the move, which
    SpiffWorkflow's migration forgets): give it what the active steps hold now."""
    if last is not None and last.id in workflow.tasks:
        workflow.last_task = last
    if workflow.get_tasks(state=TaskState.READY, manual=True):
        return
    active = [task for task in workflow.get_tasks(state=_ACTIVE) if task.workflow is workflow]
    last = workflow.last_task
    if active and last is not None and last not in active:
        last.data.update(copy.deepcopy(active[0].data))


def _rerun(workflow, rerun: list) -> None:
    """Run the marked specs on the data of a step the instance is at, and hand what
    they changed to every active task and to the tasks a reset copies data from."""
    active = [task for task in workflow.get_tasks(state=_ACTIVE) if task.workflow is workflow]
    if not rerun or not active:
        return
    carrier = active[0]
    before = copy.deepcopy(carrier.data)
    for task_spec in rerun:
        try:
            task_spec._run_hook(carrier)
        except Exception as exc:
            raise MigrationRefused(
                [
                    Blocker(
                        task_spec.bpmn_id, f"running it again on the instance's data failed: {exc}"
                    )
                ]
            ) from exc
    changed = {
        key: value
        for key, value in carrier.data.items()
        if key not in before or before[key] != value
    }
    for task in active:
        for target in (task, task.parent):
            if target is not None and target is not carrier:
                target.data.update(copy.deepcopy(changed))


def _armed_timers(workflow) -> dict:
    """task id -> (armed value, value of the timer's expression), for waiting timers."""
    armed = {}
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(task.task_spec, CatchingEvent) and isinstance(
            definition, TimerEventDefinition
        ):
            value = task.internal_data.get("event_value")
            if value is not None:
                armed[task.id] = (value, _timer_value(workflow, definition, task.data))
    return armed


def _keep_armed_times(workflow, armed: dict, changed: set) -> None:
    for task_id, (value, expression_value) in armed.items():
        task = workflow.tasks.get(task_id)
        if task is None or task_id in changed or not task.has_state(TaskState.WAITING):
            continue
        definition = task.task_spec.event_definition
        if _timer_value(workflow, definition, task.data) == expression_value:
            task.internal_data["event_value"] = value


_UNKNOWN = object()


def _timer_value(workflow, definition, data):
    try:
        return workflow.script_engine.environment.evaluate(definition.expression, dict(data))
    except Exception:
        # Re-armed then, and the engine reports the error where it belongs.
        return _UNKNOWN
