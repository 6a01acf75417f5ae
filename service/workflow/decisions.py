"""Decision tables the host evaluates outside any process, in the sandbox.

The table runs with SpiffWorkflow's DMN engine and the same restricted script
engine as the processes, so a cell means the same thing in both places. The
file was vetted when it was deployed (checks.py); the sandbox parses it once
per content and keeps it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from ..domain.errors import ProcessError
from .parsing import SourceFile, read_xml
from .runtime import ProcessRuntime


class _Evaluation:
    """Just enough of a SpiffWorkflow task (and of its workflow) for the DMN engine to
    read the data and run cells, and for its exceptions to say where they failed."""

    def __init__(self, data: dict[str, Any], decision_id: str, file: str, script_engine):
        self.data = data
        self.task_spec = SimpleNamespace(bpmn_id=decision_id, bpmn_name=decision_id)
        self.spec = SimpleNamespace(file=file)
        self.script_engine = script_engine
        self.workflow = self
        self.top_workflow = self


def parse_table(source: SourceFile, decision_id: str, *, validate: bool = True) -> DMNEngine:
    """The table's engine. The sandbox skips the schema check (the file passed it when it
    was deployed, and the schema files are out of its reach)."""
    try:
        parser = SpiffBpmnParser(validator=VALIDATOR if validate else None)
        parser.add_dmn_xml(read_xml(source), filename=source.name)
        return parser.get_engine(decision_id, None)
    except ProcessError:
        raise
    except Exception as exc:
        raise ProcessError(
            f"cannot read the decision {decision_id!r}: {exc}", file=source.name
        ) from exc


def evaluate(
    engine: DMNEngine, decision_id: str, file: str, inputs: dict[str, Any], script_engine
) -> dict[str, Any]:
    """The outputs of the first matching rule; an empty dict when no rule matches."""
    try:
        return dict(engine.result(_Evaluation(dict(inputs), decision_id, file, script_engine)))
    except Exception as exc:
        raise ProcessError(f"the decision {decision_id!r} failed: {exc}", file=file) from exc


class DecisionTables:
    """The host's side: sends a table's inputs to the sandbox, and its bytes when asked."""

    def __init__(self, runtime: ProcessRuntime | None = None):
        self._runtime = runtime or ProcessRuntime()

    def decide(self, source: SourceFile, decision_id: str, inputs: dict[str, Any]) -> dict:
        request = {
            "op": "decide",
            "source": source.sha256,
            "file": source.name,
            "decision": decision_id,
            "inputs": inputs,
        }
        reply, _ = self._runtime.call(
            request,
            b"",
            lambda message, blob: ({}, source.content),
            lambda element_id: (source.name, None),
        )
        return reply["outputs"]
