"""One process instance loaded into SpiffWorkflow: run it, or read where it stands.

Running happens inside a sandbox process (`sandbox/child.py`); the host loads
an instance only to read it (its trail for a diagram, a ready task's data),
with a script engine that refuses to evaluate anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException

from ..domain.errors import Conflict, ProcessError
from . import migration
from .definition import Definition
from .restricted import NotData, check_data
from .scripting import parse_instant
from .serialization import Serializer
from .snapshot import ReadyTask, Snapshot, Trail, WaitingMessage, WaitingTimer

FORM_PROPERTY = "formJsonSchemaFilename"
UI_FORM_PROPERTY = "formUiSchemaFilename"

_TRAIL_STATES = {
    TaskState.READY: "active",
    TaskState.WAITING: "active",
    TaskState.STARTED: "active",
    TaskState.ERROR: "error",
    TaskState.COMPLETED: "completed",
    TaskState.CANCELLED: "cancelled",
}
# An element run several times (a loop, a reopen) shows what matters most now.
_TRAIL_RANK = {"cancelled": 0, "completed": 1, "error": 2, "active": 3}


class ReadOnlyEngine(PythonScriptEngine):
    """The host never evaluates process owners' text: an instance it loads only reads."""

    def evaluate(self, task, expression, external_context=None):
        raise ProcessError("expressions are evaluated in the sandbox only")

    def execute(self, task, script, external_context=None):
        raise ProcessError("scripts run in the sandbox only")


class Instance:
    """One loaded instance. Not thread-safe: one request works it at a time.

    `on_step` hears the id of each element about to run.
    """

    def __init__(
        self,
        workflow: BpmnWorkflow,
        definition: Definition,
        serializer: Serializer,
        on_step: Callable[[str], None] | None = None,
    ):
        self._workflow = workflow
        self._definition = definition
        self._serializer = serializer
        self._on_step = on_step

    @classmethod
    def start(cls, definition, serializer, engine, data, on_step=None) -> Instance:
        workflow = BpmnWorkflow(definition.spec, definition.subprocess_specs, script_engine=engine)
        workflow.task_tree.data.update(data)
        instance = cls(workflow, definition, serializer, on_step)
        instance.run()
        return instance

    @classmethod
    def load(cls, definition, serializer, state: str, engine=None, on_step=None) -> Instance:
        workflow = serializer.load_state(state, definition.spec, definition.subprocess_specs)
        workflow.script_engine = engine or ReadOnlyEngine()
        return cls(workflow, definition, serializer, on_step)

    @property
    def definition(self) -> Definition:
        return self._definition

    def rebind(self, engine, on_step=None) -> None:
        """Work this loaded instance again, under the engine of a new request."""
        self._workflow.script_engine = engine
        self._on_step = on_step

    def run(self) -> None:
        """Fire due timers and run every engine step that needs no person."""
        with self._errors_as_process_errors():
            self._workflow.refresh_timers()
            self._engine_steps()

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        # Timers that are due must win over a late completion (an interrupting
        # timer would otherwise be dropped silently), so run them first.
        self.run()
        task = self._ready_user_task(task_id)
        if task is None:
            raise Conflict("the task is no longer ready; reload the incident")
        with self._errors_as_process_errors():
            task.task_spec.add_data_from_form(task, data)
            self._step(task)
            task.run()
            self._engine_steps()

    def deliver_message(self, name: str, payload: dict[str, Any]) -> bool:
        """Hand a message to the catch event waiting for it; False when none waits.

        SpiffWorkflow keeps no mailbox: a message nobody waits for is refused, and
        the caller decides what that means.
        """
        self.run()
        waiting = [
            definition
            for task in self._waiting_events()
            for definition in _messages_of(task.task_spec.event_definition)
            if definition.name == name
        ]
        if not waiting:
            return False
        with self._errors_as_process_errors():
            self._workflow.send_event(BpmnEvent(waiting[0], payload=payload))
            self._engine_steps()
        return True

    def migrate_to(self, target: Definition, target_version: int) -> list[str]:
        """Move the instance onto another version of its process, then let it run.

        Returns the ids of the elements run again; raises MigrationRefused (and
        the instance is to be thrown away) when the instance cannot move.
        """
        last = self._workflow.last_task
        rerun = migration.move(
            self._workflow,
            target.spec,
            target.subprocess_specs,
            self._serializer.registry,
            target_version,
        )
        # An instance with no ready user task (on hold) is read from its last step,
        # which the move forgets: without this it would show the old targets.
        migration.show_current_data(self._workflow, last)
        self._definition = target
        self.run()
        return rerun

    def revise(self, facts: dict[str, Any]) -> list[str]:
        """Change facts of a running instance and recompute what follows from them.

        An instance moved onto its own version: the steps marked to run again on
        migration run on the changed data, and only the timers whose value they
        changed are armed anew (see `migration.move`).
        """
        migration.set_facts(self._workflow, facts)
        last = self._workflow.last_task
        rerun = migration.move(
            self._workflow,
            self._definition.spec,
            self._definition.subprocess_specs,
            self._serializer.registry,
            self._definition.version_id,
        )
        migration.show_current_data(self._workflow, last)
        self.run()
        return rerun

    def cancel(self) -> None:
        """End the instance through the engine: every open task, timer and called
        process is cancelled, nothing more runs."""
        with self._errors_as_process_errors():
            self._workflow.cancel()

    def reset_to(self, task_id: str) -> None:
        """Go back to a completed user or script step and run on from it.

        The engine resets any task it is given; only the points `reset_points`
        lists are accepted here, so the caller cannot rewind into a half-run
        gateway or an engine-internal task.
        """
        if task_id not in {point["task_id"] for point in self.reset_points()}:
            raise Conflict("the instance cannot go back to that task; reload its reset points")
        with self._errors_as_process_errors():
            self._workflow.reset_from_task_id(uuid.UUID(task_id))
            # SpiffWorkflow 3.2 drops the reset branch's tasks from the tree but not
            # from its event manager: a removed timer would be refreshed and fail.
            events = self._workflow.event_manager
            for task in list(events.tasks.values()):
                if task.workflow.tasks.get(task.id) is not task:
                    events.remove_task(task)
            self._engine_steps()

    def reset_points(self) -> list[dict[str, Any]]:
        """Completed user and script steps, newest first, each with the data it left."""
        if self._workflow.completed:
            return []
        points = []
        for task in self._workflow.get_tasks(state=TaskState.COMPLETED):
            spec = task.task_spec
            if spec.bpmn_id is None or not (spec.manual or _is_script(spec)):
                continue
            points.append(
                {
                    "task_id": str(task.id),
                    "element_id": spec.bpmn_id,
                    "name": spec.bpmn_name or spec.bpmn_id,
                    "lane": spec.lane,
                    "completed_at": task.last_state_change,
                    "data": dict(task.data),
                }
            )
        points.sort(key=lambda point: point["completed_at"], reverse=True)
        return points

    def task_data(self, task_id: str) -> dict[str, Any] | None:
        task = self._ready_user_task(task_id)
        return dict(task.data) if task is not None else None

    def snapshot(self) -> Snapshot:
        ready = tuple(
            _ready_task(task)
            for task in self._workflow.get_tasks(state=TaskState.READY, manual=True)
        )
        timers, messages = [], []
        for task in self._waiting_events():
            definition = task.task_spec.event_definition
            if isinstance(definition, TimerEventDefinition):
                due = _timer_due(task)
                if due is not None:
                    timers.append(WaitingTimer(str(task.id), task.task_spec.bpmn_id, due))
            else:
                messages += [
                    WaitingMessage(
                        str(task.id), task.task_spec.bpmn_id, message.name, task.task_spec.lane
                    )
                    for message in _messages_of(definition)
                ]
        return Snapshot(
            ended=self._workflow.completed,
            ready=ready,
            data=self._current_data(),
            timers=tuple(timers),
            messages=tuple(messages),
        )

    def dump(self) -> str:
        """The state to store; a ProcessError naming the variable when data is not JSON."""
        try:
            return self._serializer.dump_state(self._workflow)
        except (TypeError, ValueError) as exc:
            raise self._not_data() from exc

    def trail(self) -> Trail:
        """Where the instance has been and where it is, by BPMN element, for diagrams."""
        states: dict[str, str] = {}
        taken: set[tuple[str, str]] = set()
        for task in self._workflow.get_tasks():
            element_id = task.task_spec.bpmn_id
            state = _TRAIL_STATES.get(task.state)
            if element_id is None or state is None:
                continue
            if _TRAIL_RANK[state] > _TRAIL_RANK.get(states.get(element_id), -1):
                states[element_id] = state
            if state in ("active", "completed", "error"):
                # The nearest ancestor that is a BPMN element (the engine puts its own
                # tasks in between), so the flow between the two was followed.
                parent = task.parent
                while parent is not None and parent.task_spec.bpmn_id is None:
                    parent = parent.parent
                if parent is not None:
                    taken.add((parent.task_spec.bpmn_id, element_id))
        return Trail(states, frozenset(taken))

    def _engine_steps(self) -> None:
        self._workflow.do_engine_steps(will_complete_task=self._step)

    def _step(self, task) -> None:
        if self._on_step is not None:
            self._on_step(task.task_spec.bpmn_id or task.task_spec.name)

    def _not_data(self) -> ProcessError:
        """Which task holds the value the serializer could not write, and where."""
        tasks = list(self._workflow.get_tasks())
        for workflow in self._workflow.subprocesses.values():
            tasks.extend(workflow.get_tasks())
        for task in tasks:
            for name, value in task.data.items():
                try:
                    check_data(name, value)
                except NotData as exc:
                    return self._process_error(task.task_spec.bpmn_id, str(exc))
        return ProcessError("the instance's data cannot be stored as JSON")

    def _process_error(self, element_id: str | None, message: str) -> ProcessError:
        file, line = self._definition.location(element_id)
        return ProcessError(
            f"the process failed at {element_id or 'an unknown element'}: {message}",
            element_id=element_id,
            file=file,
            line=line,
        )

    def _current_data(self) -> dict[str, Any]:
        if self._workflow.completed:
            return dict(self._workflow.data)
        ready = self._workflow.get_tasks(state=TaskState.READY, manual=True)
        if ready:
            return dict(ready[0].data)
        last = self._workflow.last_task
        return dict(last.data) if last is not None else dict(self._workflow.task_tree.data)

    def _waiting_events(self):
        return [
            task
            for task in self._workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(task.task_spec, CatchingEvent)
        ]

    def _ready_user_task(self, task_id: str):
        try:
            task = self._workflow.get_task_from_id(uuid.UUID(task_id))
        except (ValueError, WorkflowException):
            return None
        # The engine has no guard of its own: it would run a task that is not
        # reachable yet, or run a completed one again.
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            return None
        return task

    def _errors_as_process_errors(self):
        return _ProcessErrors(self)


class _ProcessErrors:
    """Turns anything the engine raises into a `ProcessError` that says where."""

    def __init__(self, instance: Instance):
        self._instance = instance

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, (ProcessError, Conflict)):
            return False
        if not isinstance(exc, Exception):
            return False
        element_id = None
        if isinstance(exc, WorkflowTaskException) and exc.task is not None:
            element_id = exc.task.task_spec.bpmn_id
        elif isinstance(exc, WorkflowException) and exc.task_spec is not None:
            element_id = getattr(exc.task_spec, "bpmn_id", None)
        message = str(exc) if isinstance(exc, SpiffWorkflowException) else repr(exc)
        raise self._instance._process_error(element_id, message) from exc


def _messages_of(definition) -> list[MessageEventDefinition]:
    """The messages a catch event waits for; an event-based gateway waits for several."""
    if isinstance(definition, MessageEventDefinition):
        return [definition]
    inner = getattr(definition, "event_definitions", None) or []
    return [d for d in inner if isinstance(d, MessageEventDefinition)]


def _timer_due(task) -> datetime | None:
    """The armed due time SpiffWorkflow stored on a waiting timer (an ISO string,
    or for a cycle a dict whose `next` is one)."""
    value = task.internal_data.get("event_value")
    if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition) and isinstance(
        value, dict
    ):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        return parse_instant(value)
    except ValueError:
        # A naive timeDate is read in SpiffWorkflow's frozen local zone.
        return TimerEventDefinition.get_datetime(value)


def _ready_task(task) -> ReadyTask:
    spec = task.task_spec
    properties = getattr(spec, "extensions", {}).get("properties", {})
    return ReadyTask(
        id=str(task.id),
        key=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane,
        form=properties.get(FORM_PROPERTY),
        ui_form=properties.get(UI_FORM_PROPERTY),
    )


def _is_script(spec) -> bool:
    return isinstance(spec, ScriptTask)
