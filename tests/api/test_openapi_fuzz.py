"""Fuzz every operation of the OpenAPI document with schemathesis.

For each operation of `/api/openapi.json` schemathesis generates requests, first
valid ones (positive mode) and then invalid ones (negative mode), sends them to
the app in-process as a given person, and checks every answer:

- no server error: no 5xx and no exception escaping a view (schemathesis
  re-raises it with a curl line to reproduce);
- the status code, content type, response headers and body match what the
  document says for that status. Every error is documented as the `default`
  response with `ErrorSchema` (service/api/errors.py), so a 401/404/409/413/422
  passes only when its body is our JSON error body.

No check is relaxed. `negative_data_rejection` and `positive_data_acceptance`
are not run: the task forms (JSON Schema, checked by the process) and rules such
as "reported_at must not be in the future" reject data that the OpenAPI document
cannot describe, so those two checks would report by-design 4xx answers.

Design, and hypothesis' rule on function-scoped fixtures
--------------------------------------------------------
A pytest test decorated with `@given` must not take function-scoped fixtures
(HealthCheck.function_scoped_fixture): they would be shared by every example
while looking per-example. Here the sharing is what we want, so it is made
explicit instead: each pytest test (one per operation and person) takes the
ordinary function-scoped fixtures (a fresh database and app), seeds a few
incidents through the API, and then runs a `@given` function built inside the
test that closes over that app. That inner function takes no fixtures, so the
health check does not apply, and all its examples knowingly share one database:
incidents opened by earlier examples show up in later lists, a task claimed or
completed by one example is 409 for the next, and so on.

The operations are listed in `PLAN` below (not discovered at collection time,
which would need an app and a database before any fixture exists);
`test_every_documented_operation_is_fuzzed` fails when the document and the
plan drift apart, so a new endpoint cannot go unfuzzed.

Determinism: hypothesis runs derandomized (the examples depend only on the code)
without an example database, and the schemathesis configuration is the default
one, not a `schemathesis.toml` discovered on disk. The ids of the seeded
incidents are the same on every run; task ids are UUIDs made by the workflow
engine, so they differ between runs, but the requests built around them do not.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import RESOLVED, TRIAGE, complete, only_task, open_incident

# Examples per operation and person: valid requests, then invalid ones. Together
# with the explicit examples below this keeps the whole module at about 20-30 s
# on two cores (SQLite or PostgreSQL).
POSITIVE_EXAMPLES = 25
NEGATIVE_EXAMPLES = 15

ALICE = "alice"  # L1 agent: sees every incident and task, works the L1 lane
RITA = "rita"  # reporter: sees only her own incidents, works only their Reporter-lane tasks
IVAN = "ivan"  # integrator: may start processes directly, which alice may not (always 403)

# Every operation, fuzzed as alice; the second pass as rita covers what a reporter
# reaches (her incidents, her tasks, their instances), and ivan covers the generic
# process API that answers alice only with 403.
PLAN: dict[str, tuple[str, ...]] = {
    "GET /health": (ALICE,),
    "POST /api/incidents": (ALICE, RITA),
    "GET /api/incidents": (ALICE, RITA),
    "GET /api/incidents/{number}": (ALICE, RITA),
    "GET /api/incidents/{number}/events": (ALICE, RITA),
    "GET /api/tasks": (ALICE, RITA),
    "GET /api/tasks/{task_id}": (ALICE, RITA),
    "POST /api/tasks/{task_id}/claim": (ALICE,),
    "POST /api/tasks/{task_id}/release": (ALICE,),
    "POST /api/tasks/{task_id}/complete": (ALICE, RITA),
    "GET /api/processes": (ALICE,),
    "POST /api/processes/{process_id}/instances": (ALICE, IVAN),
    "GET /api/instances/{instance_id}": (ALICE, RITA, IVAN),
    "GET /api/me": (ALICE,),
}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

FUZZ_SETTINGS = settings(
    derandomize=True,  # the same examples on every run and machine
    database=None,  # no example database: replaying old failures first would make runs differ
    deadline=None,  # a slow database round trip is not what this test looks for
    # No `explain` phase (slow, and the curl line already says what was sent) and no
    # `target` phase (nothing to maximise); shrinking stays, to report the smallest request.
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    # Schemathesis' data generation is the slow part of an example, not the app; a slow
    # draw is no sign of a problem here.
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=False,
)


@pytest.mark.parametrize(
    ("label", "who"),
    [pytest.param(label, who, id=f"{who}:{label}") for label, people in PLAN.items() for who in people],
)
def test_operation(label, who, app, api, people):
    schema = _schema(api)
    operation = schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is no longer in the document; update PLAN"
    known = _seed(api)
    headers = {"Authorization": f"Bearer {people[who]}"}

    def run(mode: GenerationMode, max_examples: int) -> None:
        cases = [operation.as_strategy(generation_mode=mode)]
        # Real ids as well as random ones, so that the 2xx answers are checked too.
        for parameter in operation.path_parameters:
            for value in known[parameter.name]:
                cases.append(
                    operation.as_strategy(generation_mode=mode, path_parameters={parameter.name: value})
                )

        @settings(FUZZ_SETTINGS, max_examples=max_examples)
        @given(case=st.one_of(cases))
        def fuzz(case):
            case.call_and_validate(app=app, headers=headers, checks=CHECKS)

        if mode is GenerationMode.POSITIVE:
            for case in _explicit_cases(operation, who, known):
                fuzz = example(case=case)(fuzz)
        fuzz()

    run(GenerationMode.POSITIVE, POSITIVE_EXAMPLES)
    # An operation without parameters, body or security (GET /health) has nothing to
    # make invalid; hypothesis would stop with Unsatisfiable.
    if list(operation.iter_parameters()) or list(operation.body):
        run(GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)


def test_every_documented_operation_is_fuzzed(api):
    schema = _schema(api)
    documented = {result.ok().label for result in schema.get_all_operations()}
    assert documented == set(PLAN)


def _schema(api):
    """The document as the app serves it: it needs a token like every endpoint but /health."""
    response = api.alice.get("/api/openapi.json")
    assert response.status_code == 200, response.json
    # An explicit default configuration: no schemathesis.toml found on disk changes the run.
    return schemathesis.openapi.from_dict(response.json, config=schemathesis.Config())


def _seed(api) -> dict[str, list]:
    """A few incidents in different states, opened and worked over the API; their ids by kind."""
    new = open_incident(api.rita, title="Mail is down")
    in_diagnosis = complete(api.alice, open_incident(api.rita, title="VPN drops"), "triage", TRIAGE)
    awaiting_confirmation = complete(
        api.alice,
        complete(api.alice, open_incident(api.rita, title="Printer jams"), "triage", TRIAGE),
        "l1_diagnose",
        RESOLVED,
    )
    request = complete(
        api.alice,
        open_incident(api.rita, title="Need a second monitor"),
        "triage",
        {"kind": "request", "category": "hardware"},
    )
    # Opened by an agent for another reporter: rita may not see it.
    for_ron = open_incident(api.alice, title="Phone is dead", reporter="ron")
    incidents = [new, in_diagnosis, awaiting_confirmation, request, for_ron]

    processes = api.alice.get("/api/processes")
    assert processes.status_code == 200, processes.json
    return {
        "number": [incident["number"] for incident in incidents],
        "task_id": [task["id"] for incident in incidents for task in incident["open_tasks"]],
        "instance_id": [incident["instance"]["id"] for incident in incidents]
        + [linked["id"] for incident in incidents for linked in incident["linked_instances"]],
        "process_id": [process["id"] for process in processes.json],
        "tasks": {
            "triage": only_task(new, "triage")["id"],
            "l1_diagnose": only_task(in_diagnosis, "l1_diagnose")["id"],
            "confirm_resolution": only_task(awaiting_confirmation, "confirm_resolution")["id"],
            "fulfil_request": only_task(request, "fulfil_request")["id"],
        },
    }


def _explicit_cases(operation, who, known):
    """Requests that succeed, run before the generated ones.

    Random JSON almost never satisfies a task's form, so without these the 200
    answer of a completion (and the 201 of a started process) would go unchecked.
    """
    tasks = known["tasks"]
    bodies = []
    if operation.label == "POST /api/tasks/{task_id}/complete":
        if who == ALICE:
            bodies = [
                ({"task_id": tasks["triage"]}, TRIAGE),
                ({"task_id": tasks["l1_diagnose"]}, RESOLVED),
                ({"task_id": tasks["fulfil_request"]}, {"fulfilled": True, "fulfilment": "Delivered"}),
            ]
        elif who == RITA:
            bodies = [
                (
                    {"task_id": tasks["confirm_resolution"]},
                    {"confirmed": False, "comment": "It still jams"},
                )
            ]
    elif operation.label == "POST /api/processes/{process_id}/instances":
        bodies = [
            ({"process_id": "service_request"}, {"title": "Need a headset"}),
            ({"process_id": "incident"}, {"title": "Only through POST /api/incidents"}),
        ]
    return [
        operation.Case(path_parameters=path, body=body, media_type="application/json")
        for path, body in bodies
    ]
