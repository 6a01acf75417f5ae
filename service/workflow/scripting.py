"""The script engine each execution runs with: helpers for scripts, and service calls.

Service tasks call out through a `ServiceHandler` the host passes in for the
run, so a call can read and write the host's state in the same transaction
and answer the process synchronously (an SLA breach tells the process whether
to escalate). The host decides which calls it defers until the run is over.
"""

from __future__ import annotations

import builtins
import json
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

START_PROCESS = "start_process"
SLA_EVENT = "sla_event"
CALL_EVENT = "call_event"
BREACH_DEADLINE = "breach_deadline"
KNOWN_OPERATIONS = frozenset({START_PROCESS, SLA_EVENT, CALL_EVENT, BREACH_DEADLINE})


class ServiceHandler(Protocol):
    def call(self, operation: str, params: dict[str, Any], element_id: str) -> dict[str, Any]:
        """Carry out (or queue) a service task's operation; the result goes to the process."""


def parse_instant(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return instant.astimezone(UTC)


def parse_duration(value: str, start: datetime) -> timedelta:
    """An ISO 8601 duration (PT4H, P5D, P1M) measured forward from `start`."""
    parsed = TimerEventDefinition.parse_iso_duration(value)
    return TimerEventDefinition.get_timedelta_from_start(parsed, start)


def sla_due(start: str, duration: str, fraction: float = 1.0, paused_seconds: float = 0) -> str:
    """When `fraction` of `duration` will have passed since `start`, not counting pauses."""
    begin = parse_instant(start)
    span = parse_duration(duration, begin) * float(fraction)
    return (begin + span + timedelta(seconds=float(paused_seconds or 0))).isoformat()


def now() -> str:
    return datetime.now(UTC).isoformat()


def seconds_since(instant: str | None) -> float:
    if not instant:
        return 0.0
    return max(0.0, (datetime.now(UTC) - parse_instant(instant)).total_seconds())


# What scripts and expressions may call besides their data.
SCRIPT_HELPERS = {"sla_due": sla_due, "now": now, "seconds_since": seconds_since}
SAFE_BUILTIN_NAMES = frozenset(
    {
        "abs",
        "all",
        "any",
        "bool",
        "dict",
        "enumerate",
        "float",
        "int",
        "len",
        "list",
        "max",
        "min",
        "range",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
    }
)
# Scripts run with these builtins only. Not a sandbox on its own (Python has no
# such thing): the checks at deploy time (checks.py) are the fence, this a second one.
_BUILTINS = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}


class ScriptEngine(PythonScriptEngine):
    def __init__(self, handler: ServiceHandler | None = None):
        super().__init__(
            environment=TaskDataEnvironment({"__builtins__": _BUILTINS, **SCRIPT_HELPERS})
        )
        self._handler = handler

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        if operation_name not in KNOWN_OPERATIONS:
            raise WorkflowTaskException(
                f"unknown service operation {operation_name!r}; known: {sorted(KNOWN_OPERATIONS)}",
                task=task,
            )
        if self._handler is None:
            raise WorkflowTaskException("a service task ran where no host handles it", task=task)
        params = {name: value["value"] for name, value in (operation_params or {}).items()}
        result = self._handler.call(operation_name, params, task.task_spec.bpmn_id)
        return json.dumps(result or {})
