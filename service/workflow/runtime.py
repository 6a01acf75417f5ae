"""Run process instances: start, resume, complete user tasks, report where they stand."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException

from ..domain.errors import Conflict, ProcessError
from . import migration
from .parsing import ParsedProcess, SourceFile, content_hash, parse_sources
from .scripting import ScriptEngine, ServiceHandler, parse_instant
from .serialization import Serializer

FORM_PROPERTY = "formJsonSchemaFilename"
UI_FORM_PROPERTY = "formUiSchemaFilename"


@dataclass(frozen=True)
class Definition:
    """A stored process version, ready to run."""

    version_id: int
    process_id: str
    spec: Any
    subprocess_specs: dict[str, Any]
    locations: dict[str, tuple[str, int]]


@dataclass(frozen=True)
class ReadyTask:
    id: str
    key: str
    name: str
    lane: str | None
    form: str | None
    ui_form: str | None


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    element_id: str
    due_at: datetime


@dataclass(frozen=True)
class WaitingMessage:
    task_id: str
    element_id: str
    message: str
    lane: str | None


@dataclass(frozen=True)
class Snapshot:
    ended: bool
    ready: tuple[ReadyTask, ...]
    data: dict[str, Any]
    timers: tuple[WaitingTimer, ...] = ()
    messages: tuple[WaitingMessage, ...] = ()


@dataclass(frozen=True)
class Trail:
    """element id -> active, error, completed or cancelled; and the flows taken."""

    states: dict[str, str]
    taken: frozenset[tuple[str, str]]


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


class ProcessRuntime:
    """Owns SpiffWorkflow for the rest of the application.

    Specs are parsed once per content hash by the caller (it stores them) and
    deserialized once per version here; the cache is shared by threads.
    """

    def __init__(self):
        self._serializer = Serializer()
        self._definitions: dict[int, Definition] = {}
        self._parsed: dict[str, dict[str, ParsedProcess]] = {}
        self._lock = threading.Lock()
        # SpiffWorkflow logs whole task data at INFO when its level is unset:
        # personal data must not reach the logs.
        for name in ("spiff", "spiff.task", "spiff.workflow", "spiff.data", "spiff.dmn"):
            logging.getLogger(name).setLevel(logging.WARNING)

    def parse(self, sources: list[SourceFile]) -> dict[str, ParsedProcess]:
        """Parse a set of files, once per content: the same bytes are not parsed twice."""
        key = content_hash(sources)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = parse_sources(sources)
            with self._lock:
                self._parsed[key] = parsed
        return parsed

    def dump_spec(self, parsed: ParsedProcess) -> str:
        return self._serializer.dump_spec(parsed)

    def definition(self, version_id: int, load_spec_json: Callable[[], str]) -> Definition:
        cached = self._definitions.get(version_id)
        if cached is not None:
            return cached
        spec, subprocess_specs, locations = self._serializer.load_spec(load_spec_json())
        definition = Definition(version_id, spec.name, spec, subprocess_specs, locations)
        with self._lock:
            return self._definitions.setdefault(version_id, definition)

    def start(
        self, definition: Definition, data: dict[str, Any], handler: ServiceHandler | None = None
    ) -> Execution:
        engine = ScriptEngine(handler)
        workflow = BpmnWorkflow(definition.spec, definition.subprocess_specs, script_engine=engine)
        workflow.task_tree.data.update(data)
        execution = Execution(workflow, engine, definition, self._serializer)
        execution.run()
        return execution

    def resume(
        self, definition: Definition, state: str, handler: ServiceHandler | None = None
    ) -> Execution:
        workflow = self._serializer.load_state(state, definition.spec, definition.subprocess_specs)
        engine = ScriptEngine(handler)
        workflow.script_engine = engine
        return Execution(workflow, engine, definition, self._serializer)


class Execution:
    """One loaded instance. Not thread-safe: one request works it at a time."""

    def __init__(self, workflow, engine: ScriptEngine, definition: Definition, serializer):
        self._workflow = workflow
        self._engine = engine
        self._definition = definition
        self._serializer = serializer

    def run(self) -> None:
        """Fire due timers and run every engine step that needs no person."""
        with self._errors_as_process_errors():
            self._workflow.refresh_timers()
            self._workflow.do_engine_steps()

    def task_data(self, task_id: str) -> dict[str, Any] | None:
        task = self._ready_user_task(task_id)
        return dict(task.data) if task is not None else None

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        # Timers that are due must win over a late completion (an interrupting
        # timer would otherwise be dropped silently), so run them first.
        self.run()
        task = self._ready_user_task(task_id)
        if task is None:
            raise Conflict("the task is no longer ready; reload the incident")
        with self._errors_as_process_errors():
            task.task_spec.add_data_from_form(task, data)
            task.run()
            self._workflow.do_engine_steps()

    def deliver_message(self, name: str, payload: dict[str, Any]) -> bool:
        """Hand a message to the catch event waiting for it; False when none waits.

        SpiffWorkflow keeps no mailbox: a message nobody waits for is refused, and
        the caller decides what that means.
        """
        self.run()
        waiting = [
            task
            for task in self._waiting_events()
            if isinstance(task.task_spec.event_definition, MessageEventDefinition)
            and task.task_spec.event_definition.name == name
        ]
        if not waiting:
            return False
        with self._errors_as_process_errors():
            definition = waiting[0].task_spec.event_definition
            self._workflow.send_event(BpmnEvent(definition, payload=payload))
            self._workflow.do_engine_steps()
        return True

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
            elif isinstance(definition, MessageEventDefinition):
                messages.append(
                    WaitingMessage(
                        str(task.id), task.task_spec.bpmn_id, definition.name, task.task_spec.lane
                    )
                )
        return Snapshot(
            ended=self._workflow.completed,
            ready=ready,
            data=self._current_data(),
            timers=tuple(timers),
            messages=tuple(messages),
        )

    def _waiting_events(self):
        return [
            task
            for task in self._workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(task.task_spec, CatchingEvent)
        ]

    def dump(self) -> str:
        return self._serializer.dump_state(self._workflow)

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

    def migrate_to(self, target: Definition, target_version: int) -> list[str]:
        """Move the instance onto another version of its process, then let it run.

        Returns the ids of the elements run again; raises MigrationRefused (and
        the execution is to be thrown away) when the instance cannot move.
        """
        rerun = migration.move(
            self._workflow,
            target.spec,
            target.subprocess_specs,
            self._serializer.registry,
            target_version,
        )
        self._definition = target
        self.run()
        return rerun

    def _current_data(self) -> dict[str, Any]:
        if self._workflow.completed:
            return dict(self._workflow.data)
        ready = self._workflow.get_tasks(state=TaskState.READY, manual=True)
        if ready:
            return dict(ready[0].data)
        last = self._workflow.last_task
        return dict(last.data) if last is not None else dict(self._workflow.task_tree.data)

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
        return _ProcessErrors(self._definition)


class _ProcessErrors:
    """Turns anything the engine raises into a `ProcessError` that says where."""

    def __init__(self, definition: Definition):
        self._definition = definition

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, (ProcessError, Conflict)):
            return False
        element_id = None
        if isinstance(exc, WorkflowTaskException) and exc.task is not None:
            element_id = exc.task.task_spec.bpmn_id
        elif isinstance(exc, WorkflowException) and exc.task_spec is not None:
            element_id = getattr(exc.task_spec, "bpmn_id", None)
        file, line = self._definition.locations.get(element_id or "", (None, None))
        message = str(exc) if isinstance(exc, SpiffWorkflowException) else repr(exc)
        raise ProcessError(
            f"the process failed at {element_id or 'an unknown element'}: {message}",
            element_id=element_id,
            file=file,
            line=line,
        ) from exc


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
