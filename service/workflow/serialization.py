"""Instance state without the spec; the spec stored once per process version.

SpiffWorkflow's default serializer embeds the whole spec in every saved
instance (about three quarters of the bytes and most of the load time). Here
the workflow converter leaves the spec out, and a loaded state is joined to a
spec object that is deserialized once per process version and then shared.
This leans on converter internals of SpiffWorkflow 3.2, which is pinned; the
round trip is covered by tests.
"""

from __future__ import annotations

import json
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .parsing import ParsedProcess

SPEC_FORMAT = 1


class _StateOnlyConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        if spec is None:
            raise ValueError("an instance state can only be loaded together with its spec")
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class Serializer:
    """Dumps and loads process specs and instance states as JSON text."""

    def __init__(self):
        config = dict(SPIFF_CONFIG)
        config[BpmnWorkflow] = _StateOnlyConverter
        self._registry = BpmnWorkflowSerializer.configure(config)
        self._workflows = BpmnWorkflowSerializer(self._registry)

    @property
    def registry(self):
        """SpiffWorkflow's converter registry (its spec diff compares converted specs)."""
        return self._registry

    def dump_spec(self, parsed: ParsedProcess, calendars: dict | None = None) -> str:
        """`calendars`: the compiled calendars the version's scripts count working time in."""
        document = {
            "format": SPEC_FORMAT,
            "spec": self._registry.convert(parsed.spec),
            "subprocess_specs": {
                name: self._registry.convert(spec) for name, spec in parsed.subprocess_specs.items()
            },
            "locations": {key: list(value) for key, value in parsed.locations.items()},
        }
        if calendars:
            document["calendars"] = calendars
        return json.dumps(document, sort_keys=True)

    def load_spec(self, text: str):
        """(spec, subprocess_specs, locations, calendars) from `dump_spec` output."""
        dct = json.loads(text)
        if dct.get("format") != SPEC_FORMAT:
            raise ValueError(f"unknown stored spec format {dct.get('format')!r}")
        spec = self._registry.restore(dct["spec"])
        subprocess_specs = {
            name: self._registry.restore(value) for name, value in dct["subprocess_specs"].items()
        }
        locations = {key: (value[0], value[1]) for key, value in dct["locations"].items()}
        return spec, subprocess_specs, locations, dct.get("calendars") or {}

    def dump_state(self, workflow) -> str:
        return self._workflows.serialize_json(workflow)

    def load_state(self, text: str, spec, subprocess_specs):
        dct = json.loads(text)
        # Every state this service stores is in the pinned version's format. Older
        # formats are not migrated: SpiffWorkflow's migration from 1.2 evaluates
        # strings found in the state with eval(), and a state is not trusted code.
        version = dct.pop(self._workflows.VERSION_KEY, None)
        if version != self._workflows.VERSION:
            raise ValueError(f"an instance state in serializer format {version!r} is not read")
        return self._workflows.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
