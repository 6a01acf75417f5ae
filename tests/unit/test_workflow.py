"""The engine wrapper: parsing, running, storing state without the spec, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import time_machine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from service.domain.errors import Conflict, ProcessDefinitionError, ProcessError
from service.services.calendars import compile_calendars
from service.workflow import ProcessRuntime, SourceFile
from tests.conftest import PROCESSES
from tests.conftest import START as NOW

START = {
    "incident_number": "INC-000001",
    "title": "Printer jam",
    "description": "Paper stuck",
    "reporter_name": "Rita",
    "reporter_contact": "rita@example.org",
    "channel": "api",
    "reported_at": "2026-03-02T09:00:00+00:00",
    "impact": None,
    "urgency": None,
    "category": None,
}


# The calendars sla.dmn names, handed to every version as deployment would.
CALENDARS = compile_calendars(
    {p.name: p.read_bytes() for p in (PROCESSES / "calendars").iterdir()}
)[0]


def sources(folder: Path = PROCESSES, **replace: bytes) -> list[SourceFile]:
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".bpmn", ".dmn")}
    files.update(replace)
    return [SourceFile(name, content) for name, content in files.items()]


class Host:
    """Answers the process's service calls the way the service layer would, minimally."""

    def __init__(self):
        self.calls = []

    def call(self, operation, params, element_id):
        self.calls.append((operation, params, element_id))
        return {"escalate": False} if operation == "sla_event" else {"status": "requested"}


@pytest.fixture(autouse=True)
def frozen_time():
    """SpiffWorkflow's timers read datetime.now: keep it at the incidents' report time."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(scope="module")
def runtime():
    return ProcessRuntime()


@pytest.fixture(scope="module")
def incident(runtime):
    parsed = runtime.parse(sources())["incident"]
    return runtime.definition(1, lambda: runtime.dump_spec(parsed, CALENDARS))


def triaged(runtime, incident, impact, urgency):
    run = runtime.start(incident, START, Host())
    [task] = run.snapshot().ready
    run.complete(
        task.id, {"kind": "incident", "category": "software", "impact": impact, "urgency": urgency}
    )
    return run.snapshot()


def test_every_process_parses_with_its_dependencies(runtime):
    parsed = runtime.parse(sources())
    assert set(parsed) == {
        "call",
        "data_breach",
        "incident",
        "major_incident",
        "satisfaction",
        "service_request",
    }
    assert parsed["incident"].files == ("incident.bpmn", "priority.dmn", "sla.dmn")
    assert parsed["service_request"].files == ("service_request.bpmn",)
    assert parsed["incident"].name == "Incident lifecycle"


def test_the_same_bytes_are_parsed_once(runtime):
    assert runtime.parse(sources()) is runtime.parse(sources())


@pytest.mark.parametrize(
    ("impact", "urgency", "priority", "first_response", "resolution", "next_task"),
    [
        ("high", "high", "P1", "PT1H", "PT4H", "l3_resolve"),
        ("high", "medium", "P2", "PT2H", "PT8H", "l1_diagnose"),
        ("medium", "high", "P2", "PT2H", "PT8H", "l1_diagnose"),
        ("high", "low", "P3", "PT3H", "PT24H", "l1_diagnose"),
        ("medium", "medium", "P3", "PT3H", "PT24H", "l1_diagnose"),
        ("low", "high", "P3", "PT3H", "PT24H", "l1_diagnose"),
        ("medium", "low", "P4", "PT3H", "PT48H", "l1_diagnose"),
        ("low", "medium", "P4", "PT3H", "PT48H", "l1_diagnose"),
        ("low", "low", "P4", "PT3H", "PT48H", "l1_diagnose"),
    ],
)
def test_priority_and_targets_come_from_the_decision_tables(
    runtime, incident, impact, urgency, priority, first_response, resolution, next_task
):
    snapshot = triaged(runtime, incident, impact, urgency)
    assert snapshot.data["priority"] == priority
    assert snapshot.data["first_response_target"] == first_response
    assert snapshot.data["resolution_target"] == resolution
    assert [task.key for task in snapshot.ready] == [next_task]


def test_ready_tasks_carry_lane_and_form(runtime, incident):
    [task] = runtime.start(incident, START, Host()).snapshot().ready
    assert (task.key, task.name, task.lane) == ("triage", "Triage ticket", "L1")
    assert (task.form, task.ui_form) == ("triage-schema.json", "triage-uischema.json")


def test_state_is_stored_without_the_spec_and_round_trips(runtime, incident):
    run = runtime.start(incident, START, Host())
    [task] = run.snapshot().ready
    run.complete(
        task.id, {"kind": "incident", "category": "software", "impact": "low", "urgency": "low"}
    )
    state = run.dump()

    resumed = runtime.resume(incident, state)
    assert resumed.snapshot() == run.snapshot()
    assert "task_specs" not in state

    # SpiffWorkflow's own serializer embeds the spec; ours must be much smaller.
    embedded = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    full = embedded.serialize_json(runtime.peek(incident, state)._workflow)
    assert len(state) * 3 < len(full), (len(state), len(full))

    [task] = resumed.snapshot().ready
    resumed.complete(task.id, {"outcome": "resolved", "resolution": "ok", "service_restored": True})
    assert [t.key for t in resumed.snapshot().ready] == ["confirm_resolution"]


def test_a_stored_spec_loads_once_per_version(runtime):
    parsed = runtime.parse(sources())["service_request"]
    calls = []

    def load():
        calls.append(1)
        return runtime.dump_spec(parsed, CALENDARS)

    first = runtime.definition(101, load)
    assert runtime.definition(101, load) is first
    assert len(calls) == 1


def test_a_task_that_is_not_ready_cannot_be_completed(runtime, incident):
    host = Host()
    run = runtime.start(incident, START, host)
    [task] = run.snapshot().ready
    run.complete(task.id, {"kind": "request", "category": "access"})
    assert run.snapshot().ended
    with pytest.raises(Conflict):
        run.complete(task.id, {"kind": "request", "category": "access"})
    with pytest.raises(Conflict):
        run.complete("not-a-uuid", {})
    [(operation, params, element_id)] = host.calls
    assert (operation, element_id) == ("start_process", "start_service_request")
    assert params["process_id"] == "service_request"


def test_a_failing_script_names_the_element_and_its_line(runtime):
    broken = (
        (PROCESSES / "incident.bpmn")
        .read_bytes()
        .replace(b'closure_code = "converted_to_request"', b"closure_code = undefined_name")
    )
    parsed = runtime.parse(sources(**{"incident.bpmn": broken}))["incident"]
    definition = runtime.definition(202, lambda: runtime.dump_spec(parsed, CALENDARS))
    run = runtime.start(definition, START, Host())
    [task] = run.snapshot().ready
    with pytest.raises(ProcessError) as excinfo:
        run.complete(task.id, {"kind": "request", "category": "access"})
    error = excinfo.value
    assert error.element_id == "mark_converted"
    assert error.file == "incident.bpmn"
    line = broken.decode().splitlines()[error.line - 1]
    assert 'id="mark_converted"' in line
    assert "undefined_name" in error.message


def test_malformed_xml_gives_file_and_line(runtime):
    bad = b'<?xml version="1.0"?>\n<definitions>\n  <process id="x">\n</definitions>\n'
    with pytest.raises(ProcessDefinitionError) as excinfo:
        runtime.parse(sources(**{"broken.bpmn": bad}))
    assert excinfo.value.file == "broken.bpmn"
    assert excinfo.value.line == 4


def test_external_entities_are_never_resolved(runtime, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = (
        f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY s SYSTEM "file://{secret}">]>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
        '<bpmn:process id="p" isExecutable="true"><bpmn:documentation>&s;</bpmn:documentation>'
        "</bpmn:process></bpmn:definitions>"
    ).encode()
    with pytest.raises(ProcessDefinitionError) as excinfo:
        runtime.parse(sources(**{"xxe.bpmn": xxe}))
    assert "DOCTYPE" in excinfo.value.message
    assert "TOP SECRET" not in json.dumps(vars(excinfo.value))


def test_a_missing_decision_table_names_the_task(runtime):
    only_bpmn = [s for s in sources() if s.name != "sla.dmn"]
    with pytest.raises(ProcessDefinitionError) as excinfo:
        runtime.parse(only_bpmn)
    assert excinfo.value.element_id == "prov_targets"
    assert excinfo.value.file == "incident.bpmn"
    assert excinfo.value.line is not None


def test_a_file_the_engine_chokes_on_is_still_a_definition_error(runtime):
    # A BPMN that the schema accepts but SpiffWorkflow cannot build (no start event).
    odd = (
        b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        b' id="d" targetNamespace="x"><bpmn:process id="odd" isExecutable="true">'
        b'<bpmn:task id="t"/></bpmn:process></bpmn:definitions>'
    )
    with pytest.raises(ProcessDefinitionError):
        runtime.parse([SourceFile("odd.bpmn", odd)])


def test_a_state_in_an_older_format_is_refused_not_migrated(runtime, incident):
    """SpiffWorkflow's migration of old formats evaluates strings from the state."""
    state = json.loads(runtime.start(incident, START, Host()).dump())
    state["serializer_version"] = "1.1"
    with pytest.raises(ProcessError, match=r"format '1\.1' is not read"):
        runtime.peek(incident, json.dumps(state))
