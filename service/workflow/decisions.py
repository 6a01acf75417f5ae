"""Decision tables the host evaluates itself, outside any process.

The table runs with SpiffWorkflow's DMN engine and the same restricted script
engine as the processes, so a cell means the same thing in both places. The
file was vetted when it was deployed (checks.py); here it is only parsed,
once per content.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from ..domain.errors import ProcessError
from .parsing import SourceFile, read_xml
from .scripting import ScriptEngine


class _Evaluation:
    """Just enough of a SpiffWorkflow task (and of its workflow) for the DMN engine to
    read the data and run cells, and for its exceptions to say where they failed."""

    def __init__(self, data: dict[str, Any], decision_id: str, file: str):
        self.data = data
        self.task_spec = SimpleNamespace(bpmn_id=decision_id, bpmn_name=decision_id)
        self.spec = SimpleNamespace(file=file)
        self.script_engine = ScriptEngine()
        self.workflow = self
        self.top_workflow = self


class DecisionTables:
    """Parsed tables by (file hash, decision id); shared by threads."""

    def __init__(self):
        self._engines: dict[tuple[str, str], DMNEngine] = {}
        self._lock = threading.Lock()

    def decide(self, source: SourceFile, decision_id: str, inputs: dict[str, Any]) -> dict:
        """The outputs of the first matching rule; an empty dict when no rule matches."""
        engine = self._engine(source, decision_id)
        try:
            return dict(engine.result(_Evaluation(dict(inputs), decision_id, source.name)))
        except Exception as exc:
            raise ProcessError(
                f"the decision {decision_id!r} failed: {exc}", file=source.name
            ) from exc

    def _engine(self, source: SourceFile, decision_id: str) -> DMNEngine:
        key = (source.sha256, decision_id)
        engine = self._engines.get(key)
        if engine is not None:
            return engine
        try:
            parser = SpiffBpmnParser(validator=VALIDATOR)
            parser.add_dmn_xml(read_xml(source), filename=source.name)
            engine = parser.get_engine(decision_id, None)
        except ProcessError:
            raise
        except Exception as exc:
            raise ProcessError(
                f"cannot read the decision {decision_id!r}: {exc}", file=source.name
            ) from exc
        with self._lock:
            return self._engines.setdefault(key, engine)
