"""What process owners deploy runs contained, seen through the API.

A deployment refuses the known escapes with file, element and line; what gets
past its checks is stopped at run time; a step over its CPU or memory budget
answers 422 naming the element and the limit, changes nothing, keeps what was
submitted; and the rest of the server keeps serving meanwhile.
"""

from __future__ import annotations

import threading

import pytest

from service.config import Settings
from tests.api.test_deployments_api import INCIDENT, deploy, incident_bpmn
from tests.conftest import ON_POSTGRES, PROCESSES, settings_for
from tests.helpers import TRIAGE, complete, get_incident, only_task, open_incident
from tests.probes import CALLS_ITSELF

REQUEST = {"kind": "request", "category": "access", "symptoms": "needs a badge"}
PRIORITY = (PROCESSES / "priority.dmn").read_bytes()


@pytest.fixture
def settings(database_url) -> Settings:
    # Small budgets: a runaway step in these tests ends within about a second.
    return settings_for(database_url, sandbox_cpu_seconds=1.0, sandbox_memory_mb=64)


def with_script(task_id: str, script: str) -> bytes:
    marker = f'<bpmn:scriptTask id="{task_id}"'
    text = INCIDENT.decode()
    start = text.index("<bpmn:script>", text.index(marker)) + len("<bpmn:script>")
    end = text.index("</bpmn:script>", start)
    return (text[:start] + script + text[end:]).encode()


def deployed(api, files: dict[str, bytes]) -> None:
    response = deploy(api.olga, files)
    assert response.status_code == 201, response.json


def failures(api) -> list[dict]:
    response = api.adam.get("/api/admin/failures")
    assert response.status_code == 200, response.json
    return response.json


def assert_nothing_changed(api, incident, task):
    after = get_incident(api.alice, incident["number"])
    assert after["status"] == "new"
    assert after["kind"] is None
    assert only_task(after, "triage")["id"] == task["id"]


def test_an_escape_past_the_deployment_checks_is_stopped_at_run_time(api):
    # Nothing in the text names an underscore or a forbidden function: only the
    # run-time guard sees that a function's attributes are not data.
    deployed(api, {"incident.bpmn": with_script("mark_converted", "k = [sla_due][0].func_globals")})
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")

    response = api.alice.post(f"/api/tasks/{task['id']}/complete", json=REQUEST)

    assert response.status_code == 422, response.json
    body = response.json
    assert body["error"] == "process_error"
    assert body["element_id"] == "mark_converted"
    assert body["file"] == "incident.bpmn" and isinstance(body["line"], int)
    assert "func_globals" in body["message"]
    assert_nothing_changed(api, incident, task)
    [failure] = failures(api)
    assert failure["type"] == "task.failed"
    assert failure["submitted"] == REQUEST
    assert failure["element_id"] == "mark_converted"
    assert failure["incident_number"] == incident["number"]
    assert api.alice.get("/api/admin/failures").status_code == 403


def _caller(process_id: str, calls: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="{process_id}_d"
    targetNamespace="http://incident-desk.org/bpmn">
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="{process_id}_start" />
    <bpmn:sequenceFlow id="{process_id}_f1" sourceRef="{process_id}_start"
        targetRef="{process_id}_call" />
    <bpmn:callActivity id="{process_id}_call" name="Call" calledElement="{calls}" />
  </bpmn:process>
</bpmn:definitions>
""".encode()


ESCAPES = {
    "format string through a subscript call, in a script": (
        {
            "incident.bpmn": with_script(
                "mark_converted",
                "k = ['{0.__globals__[json].codecs.sys.modules[flask].current_app.secret_key}'"
                ".format][0](sla_due)",
            )
        },
        ("incident.bpmn", "mark_converted", ".format"),
    ),
    "generator frame, in a gateway condition": (
        {
            "incident.bpmn": incident_bpmn(
                'kind == "request"', 'kind == "request" and [(x for x in [1])][0].gi_frame'
            )
        },
        ("incident.bpmn", "Flow_kind_request", "gi_frame"),
    ),
    "function globals, in a timer date": (
        {
            "incident.bpmn": incident_bpmn(
                ">first_response_due</bpmn:timeDate>",
                ">[first_response_due, sla_due.__globals__][0]</bpmn:timeDate>",
            )
        },
        ("incident.bpmn", None, "__globals__"),
    ),
    "a type's attributes, in a decision input": (
        {
            "priority.dmn": PRIORITY.replace(
                b"<text>impact</text>", b"<text>impact.__class__</text>"
            )
        },
        ("priority.dmn", None, "__class__"),
    ),
    "a call activity that calls its own process": (
        {"level3.bpmn": CALLS_ITSELF},
        ("level3.bpmn", "l3_again", "Level3 -> Level3"),
    ),
    "two processes that call each other": (
        {"ping.bpmn": _caller("ping", "pong"), "pong.bpmn": _caller("pong", "ping")},
        (None, None, "never ends"),
    ),
}


@pytest.mark.parametrize("case", list(ESCAPES), ids=list(ESCAPES))
def test_a_deployment_refuses_what_would_escape_or_never_end(api, case):
    files, (file, element_id, words) = ESCAPES[case]
    before = api.olga.get("/api/processes").json
    response = deploy(api.olga, files)
    assert response.status_code == 422, response.json
    problems = response.json["errors"]
    assert any(
        (file is None or p["field"] == file)
        and (element_id is None or p["element_id"] == element_id)
        and words in p["message"]
        and isinstance(p["line"], int)
        for p in problems
    ), problems
    assert api.olga.get("/api/processes").json == before


@pytest.mark.parametrize(
    "script, limit",
    [
        ("while True:\n    pass", "CPU budget of 1 s"),
        ("n = 10 ** 10 ** 8", "CPU budget of 1 s"),
        ("x = 'a' * (3 * 10 ** 9)", "memory budget of 64 MB"),
    ],
    ids=["endless loop", "huge power", "huge string"],
)
def test_a_step_over_its_budget_answers_422_and_keeps_the_submission(api, script, limit):
    deployed(api, {"incident.bpmn": with_script("mark_converted", script)})
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")

    response = api.alice.post(f"/api/tasks/{task['id']}/complete", json=REQUEST)

    assert response.status_code == 422, response.json
    assert response.json["element_id"] == "mark_converted"
    assert limit in response.json["message"]
    assert response.json["file"] == "incident.bpmn"
    assert_nothing_changed(api, incident, task)
    assert failures(api)[0]["submitted"] == REQUEST
    # The instance is still workable; the next step that stays in budget goes through.
    assert complete(api.alice, incident, "triage", TRIAGE)["status"] == "in_progress"


def test_a_generator_left_behind_is_a_process_error_not_a_server_error(api):
    deployed(
        api, {"incident.bpmn": with_script("mark_converted", "closure_code = (c for c in 'x')")}
    )
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    response = api.alice.post(f"/api/tasks/{task['id']}/complete", json=REQUEST)
    assert response.status_code == 422, response.json
    assert "closure_code holds a generator" in response.json["message"]
    assert response.json["element_id"] == "mark_converted"
    assert_nothing_changed(api, incident, task)


def test_an_incident_whose_start_fails_is_not_created_but_what_was_reported_is_kept(api):
    text = INCIDENT.decode()
    start = text.index("<bpmn:script>", text.index('<bpmn:scriptTask id="log_ticket"'))
    spinning = (
        text[: start + len("<bpmn:script>")]
        + "while True:\n    pass\n"
        + text[start + len("<bpmn:script>") :]
    )
    deployed(api, {"incident.bpmn": spinning.encode()})
    response = api.rita.post(
        "/api/incidents", json={"title": "Printer on fire", "description": "Smoke since 9"}
    )
    assert response.status_code == 422, response.json
    assert response.json["element_id"] == "log_ticket"
    assert api.rita.get("/api/incidents").json == []
    [failure] = failures(api)
    assert failure["type"] == "incident.failed"
    assert failure["submitted"]["title"] == "Printer on fire"
    assert failure["incident_number"] is None


def test_a_reply_the_process_cannot_take_is_kept(api):
    deployed(api, {"incident.bpmn": with_script("resume_clock", "while True:\n    pass")})
    incident = open_incident(api.rita)
    incident = complete(api.alice, incident, "triage", TRIAGE)
    incident = complete(
        api.alice, incident, "l1_diagnose", {"outcome": "on_hold", "hold_reason": "Which client?"}
    )
    assert incident["status"] == "on_hold"

    response = api.rita.post(
        f"/api/incidents/{incident['number']}/comments", json={"body": "Outlook 2021"}
    )

    assert response.status_code == 422, response.json
    assert response.json["element_id"] == "resume_clock"
    assert get_incident(api.alice, incident["number"])["status"] == "on_hold"
    [failure] = failures(api)
    assert failure["type"] == "comment.failed"
    assert failure["submitted"]["body"] == "Outlook 2021"
    assert failure["incident_number"] == incident["number"]


def test_the_server_answers_other_requests_while_a_step_spins(api, svc):
    healthy = [open_incident(api.rita, title=f"Healthy {i}") for i in range(3)]
    deployed(api, {"incident.bpmn": with_script("mark_converted", "while True:\n    pass")})
    spinning = open_incident(api.rita)
    outcome: dict = {}
    others_done = threading.Event()

    def spin():
        task = only_task(spinning, "triage")
        outcome["response"] = api.alice.post(f"/api/tasks/{task['id']}/complete", json=REQUEST)
        outcome["others_done_first"] = others_done.is_set()

    runaway = threading.Thread(target=spin)
    runaway.start()
    # Wait until the runaway step is inside its sandbox process (no sleeping: its
    # request thread is busy until then).
    while not svc.runtime.busy() and runaway.is_alive():
        runaway.join(0.01)
    for incident in healthy:
        assert get_incident(api.bob, incident["number"])["status"] == "new"
    assert api.alice.get("/api/tasks").status_code == 200
    if ON_POSTGRES:
        # Writes too: only the spinning instance's row is locked. (On SQLite every
        # write waits for the database's one write lock.)
        assert complete(api.alice, healthy[0], "triage", TRIAGE)["status"] == "in_progress"
    others_done.set()
    runaway.join()
    assert outcome["response"].status_code == 422
    assert "CPU budget" in outcome["response"].json["message"]
    assert outcome["others_done_first"] is True
