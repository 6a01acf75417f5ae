"""The script engine each execution runs with, and the service calls it collects.

A service task does not act while the engine runs: it records what the process
asked for (`ServiceCall`), and the service layer carries it out after the run,
in the same transaction, where it can create rows and link them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

START_PROCESS = "start_process"
KNOWN_OPERATIONS = frozenset({START_PROCESS})


@dataclass(frozen=True)
class ServiceCall:
    operation: str
    params: dict[str, Any]
    element_id: str


@dataclass
class _Collector:
    calls: list[ServiceCall] = field(default_factory=list)


class ScriptEngine(PythonScriptEngine):
    def __init__(self):
        super().__init__(environment=TaskDataEnvironment({}))
        self._collector = _Collector()

    @property
    def service_calls(self) -> list[ServiceCall]:
        return list(self._collector.calls)

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        if operation_name not in KNOWN_OPERATIONS:
            raise ValueError(
                f"unknown service operation {operation_name!r}; known: {sorted(KNOWN_OPERATIONS)}"
            )
        params = {name: value["value"] for name, value in (operation_params or {}).items()}
        if operation_name == START_PROCESS:
            if not isinstance(params.get("process_id"), str):
                raise ValueError("start_process needs a process_id parameter (a string)")
            if not isinstance(params.get("data", {}), dict):
                raise ValueError("the data parameter of start_process must be a dict")
        self._collector.calls.append(ServiceCall(operation_name, params, task.task_spec.bpmn_id))
        return json.dumps({"status": "requested"})
