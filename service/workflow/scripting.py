"""The script engine a run uses: helpers for scripts, restricted evaluation, service calls.

Service tasks call out through a `ServiceHandler` the host passes in for the
run, so a call can read and write the host's state in the same transaction
and answer the process synchronously (an SLA breach tells the process whether
to escalate). Inside the sandbox the handler forwards the call to the host.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import calendars as working_time
from .calendars import Calendar, Calendars
from .restricted import DEFAULT_MAX_DATA_BYTES, NotData, RestrictedEnvironment, check_data

START_PROCESS = "start_process"
SLA_EVENT = "sla_event"
CALL_EVENT = "call_event"
BREACH_DEADLINE = "breach_deadline"
SURVEY_EVENT = "survey_event"
MAJOR_EVENT = "major_event"
KNOWN_OPERATIONS = frozenset(
    {START_PROCESS, SLA_EVENT, CALL_EVENT, BREACH_DEADLINE, SURVEY_EVENT, MAJOR_EVENT}
)
HELPER_NAMES = frozenset({"sla_due", "now", "seconds_since"})

Clock = Callable[[], datetime]


class ServiceHandler(Protocol):
    def call(self, operation: str, params: dict[str, Any], element_id: str) -> dict[str, Any]:
        """Carry out (or queue) a service task's operation; the result goes to the process."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_instant(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return instant.astimezone(UTC)


def parse_duration(value: str, start: datetime) -> timedelta:
    """An ISO 8601 duration (PT4H, P5D, P1M) measured forward from `start`."""
    parsed = TimerEventDefinition.parse_iso_duration(value)
    return TimerEventDefinition.get_timedelta_from_start(parsed, start)


def sla_due(
    start: str,
    duration: str,
    fraction: float = 1.0,
    paused_seconds: float = 0,
    calendar: Calendar | None = None,
) -> str:
    """When `fraction` of `duration` will have passed since `start`, not counting pauses.

    Around the clock when `calendar` is None; in its working time otherwise
    (durations as `calendars.py` reads them, `paused_seconds` in working seconds).
    """
    begin = parse_instant(start)
    if calendar is not None:
        return working_time.due(
            calendar, begin, duration, float(fraction), float(paused_seconds or 0)
        ).isoformat()
    span = parse_duration(duration, begin) * float(fraction)
    return (begin + span + timedelta(seconds=float(paused_seconds or 0))).isoformat()


def seconds_since(
    instant: str | None, now: datetime | None = None, calendar: Calendar | None = None
) -> float:
    """Seconds from `instant` to now: working seconds when a calendar is given."""
    if not instant:
        return 0.0
    begin, end = parse_instant(instant), now or utc_now()
    if calendar is not None:
        return working_time.working_seconds_between(calendar, begin, end)
    return max(0.0, (end - begin).total_seconds())


def helpers(clock: Clock, calendars: Calendars | None = None) -> dict[str, Callable]:
    """What scripts and expressions may call besides the safe builtins, on the run's clock.

    Scripts name a calendar by id (`calendar="athens-business"`; None or "24x7"
    around the clock) among the calendars deployed with the process version.
    """
    known = calendars or Calendars()

    def now() -> str:
        return clock().isoformat()

    def due(start, duration, fraction=1.0, paused_seconds=0, calendar=None) -> str:
        return sla_due(start, duration, fraction, paused_seconds, known.get(calendar))

    def since(instant: str | None, calendar=None) -> float:
        return seconds_since(instant, clock(), known.get(calendar))

    due.__name__, due.__doc__ = "sla_due", sla_due.__doc__
    since.__name__ = "seconds_since"
    return {"sla_due": due, "now": now, "seconds_since": since}


class ScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine with restricted evaluation.

    `on_element` hears the id of the element about to evaluate something, so
    a run stopped from outside can still say where it was.
    """

    def __init__(
        self,
        handler: ServiceHandler | None = None,
        *,
        clock: Clock = utc_now,
        max_data_bytes: int = DEFAULT_MAX_DATA_BYTES,
        on_element: Callable[[str], None] | None = None,
        calendars: Calendars | None = None,
    ):
        super().__init__(
            environment=RestrictedEnvironment(
                helpers(clock, calendars), max_data_bytes=max_data_bytes
            )
        )
        self._handler = handler
        self._on_element = on_element

    def evaluate(self, task, expression, external_context=None):
        if self._on_element is not None:
            self._on_element(task.task_spec.bpmn_id)
        return super().evaluate(task, expression, external_context)

    def execute(self, task, script, external_context=None):
        if self._on_element is not None:
            self._on_element(task.task_spec.bpmn_id)
        return super().execute(task, script, external_context)

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        if operation_name not in KNOWN_OPERATIONS:
            raise WorkflowTaskException(
                f"unknown service operation {operation_name!r}; known: {sorted(KNOWN_OPERATIONS)}",
                task=task,
            )
        if self._handler is None:
            raise WorkflowTaskException("a service task ran where no host handles it", task=task)
        params = {name: value["value"] for name, value in (operation_params or {}).items()}
        try:
            for name, value in params.items():
                check_data(f"the parameter {name}", value)
        except NotData as exc:
            raise WorkflowTaskException(str(exc), task=task) from None
        result = self._handler.call(operation_name, params, task.task_spec.bpmn_id)
        return json.dumps(result or {})
