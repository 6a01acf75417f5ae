"""Fuzz every operation of the OpenAPI document with schemathesis.

For each operation of `/api/openapi.json` schemathesis generates requests, first
valid ones (positive mode) and then invalid ones (negative mode), sends them to
the app in-process as a given person, and checks every answer:

- no server error: no 5xx and no exception escaping a view (schemathesis
  re-raises it with a curl line to reproduce);
- the status code, content type, response headers and body match what the
  document says for that status. Every error is documented as the `default`
  response with `ErrorSchema` (service/api/errors.py), so a 400/401/404/409/
  413/422 passes only when its body is our JSON error body.

No check is relaxed. `negative_data_rejection` and `positive_data_acceptance`
are not run: task forms (JSON Schema, checked by the process) and rules such as
"reported_at must not be in the future" reject data that the OpenAPI document
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
completed by one example answers 409 to the next, and so on.

The operations are listed in `PLAN` (collection happens before any app or
database exists, so they are not discovered then);
`test_every_documented_operation_is_fuzzed` fails when the document and the
plan drift apart, so a new endpoint cannot go unfuzzed.

Determinism: hypothesis runs derandomized (the examples depend only on the
code) without an example database, and schemathesis runs on its default
configuration, not on a `schemathesis.toml` found on disk. The seeded incidents
get the same numbers on every run; task ids are UUIDs made by the workflow
engine and differ between runs, but the requests built around them do not.
"""

from __future__ import annotations

import importlib
import io
import itertools
import pkgutil

import pytest
import schemathesis
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from urllib3 import encode_multipart_formdata

import service
from service.services.mail import intake
from service.services.operations import heartbeats
from tests.api.test_deployments_api import SLA_12H, deploy
from tests.conftest import FORMS
from tests.helpers import RESOLVED, TRIAGE, complete, only_task, open_incident
from tests.mail_messages import message

# Hypothesis mixes constants found in the loaded modules of the code under test
# (all of this checkout outside tests/) into its draws, so the examples depend on
# which modules happen to be loaded. Load all of `service` (but the alembic scripts,
# which only run inside alembic) so that this file alone and the whole suite draw
# the same examples.
for _module in pkgutil.walk_packages(service.__path__, "service."):
    if ".migrations" not in _module.name:
        importlib.import_module(_module.name)

# Generated examples per operation and person, on top of the explicit ones below.
# The module takes about 25-40 s on two cores, on SQLite or PostgreSQL.
POSITIVE_EXAMPLES = 25
NEGATIVE_EXAMPLES = 15

ALICE = "alice"  # L1 agent: sees every incident and task, works the L1 lane
RITA = "rita"  # reporter: sees her own incidents, works their Reporter-lane tasks
IVAN = "ivan"  # integrator: may start processes directly (alice only gets 403 there)
ADAM = "adam"  # admin: manages timers, webhooks, deliveries (alice only gets 403 there)
OLGA = "olga"  # process owner: deploys (nobody else may)
LARA = "lara"  # L1 lead: reads the SLA report (alice only gets 403)
CAROL = "carol"  # L3 agent: arranges calls about P1 and P2 incidents (alice only gets 403)

# Every operation is fuzzed as alice. The second pass as rita covers what a
# reporter reaches; ivan covers the generic process API that alice may not use.
PLAN: dict[str, tuple[str, ...]] = {
    "GET /health": (ALICE,),
    "GET /ready": (ALICE,),
    "GET /api/admin/workers": (ADAM, ALICE),
    "GET /api/users": (ADAM, ALICE),
    "GET /api/users/{username}": (ADAM, ALICE),
    "PATCH /api/users/{username}": (ADAM, ALICE),
    "POST /api/users/{username}/disable": (ADAM, ALICE),
    "POST /api/users/{username}/enable": (ADAM, ALICE),
    "GET /api/users/{username}/data": (ADAM, ALICE),
    "POST /api/users/{username}/erase": (ADAM, ALICE),
    "POST /api/incidents": (ALICE, RITA),
    "GET /api/incidents": (ALICE, RITA),
    "GET /api/incidents/{number}": (ALICE, RITA),
    "GET /api/incidents/{number}/events": (ALICE, RITA),
    "POST /api/incidents/{number}/comments": (ALICE, RITA),
    "POST /api/incidents/{number}/attachments": (ALICE, RITA),
    "POST /api/incidents/{number}/calls": (CAROL, ALICE),
    "GET /api/incidents/{number}/attachments/{attachment_id}": (ALICE, RITA),
    "GET /api/incidents/{number}/comments": (ALICE, RITA),
    "GET /api/incidents/{number}/emails": (ALICE, RITA),
    "GET /api/incidents/{number}/emails/{email_id}": (ALICE, RITA),
    "GET /api/admin/emails": (ADAM, ALICE),
    "POST /api/admin/emails/{email_id}/retry": (ADAM, ALICE),
    "GET /api/incidents/{number}/comments/{comment_id}": (ALICE, RITA),
    "GET /api/notifications": (ALICE,),
    "POST /api/notifications/read": (ALICE,),
    "GET /api/admin/timers": (ALICE, ADAM),
    "GET /api/admin/failures": (ADAM, ALICE),
    "POST /api/admin/timers/{timer_id}/retry": (ALICE, ADAM),
    "GET /api/tasks": (ALICE, RITA),
    "GET /api/tasks/{task_id}": (ALICE, RITA),
    "POST /api/tasks/{task_id}/claim": (ALICE,),
    "POST /api/tasks/{task_id}/release": (ALICE,),
    "POST /api/tasks/{task_id}/complete": (ALICE, RITA),
    "GET /api/processes": (ALICE,),
    "POST /api/processes/{process_id}/instances": (ALICE, IVAN),
    "GET /api/instances/{instance_id}": (ALICE, RITA, IVAN),
    "GET /api/me": (ALICE,),
    "PATCH /api/me": (RITA,),
    "POST /api/deployments": (OLGA, ALICE),
    "GET /api/deployments": (ALICE, RITA),
    "GET /api/deployments/{deployment_id}": (ALICE, RITA),
    "GET /api/processes/{process_id}/versions": (ALICE,),
    "GET /api/processes/{process_id}/versions/{version}/bpmn": (ALICE,),
    "GET /api/decisions": (ALICE,),
    "POST /api/processes/{process_id}/migrations": (OLGA, ALICE),
    "GET /api/instances": (OLGA, ALICE),
    "GET /api/processes/{process_id}/versions/{version}/diagram.svg": (ALICE, RITA),
    "GET /api/instances/{instance_id}/diagram.svg": (ALICE, RITA),
    "POST /api/webhooks": (ADAM, ALICE),
    "GET /api/webhooks": (ADAM, ALICE),
    "GET /api/webhooks/{subscription_id}": (ADAM, ALICE),
    "DELETE /api/webhooks/{subscription_id}": (ADAM, ALICE),
    "GET /api/admin/deliveries": (ADAM, ALICE),
    "POST /api/admin/deliveries/{delivery_id}/retry": (ADAM, ALICE),
    "POST /api/incidents/{number}/breach": (ALICE, RITA),
    "GET /api/breaches": (ALICE, RITA),
    "GET /api/breaches/{number}": (ALICE, RITA),
    "GET /api/breaches/export.csv": (ALICE, RITA),
    "POST /api/alerts": (IVAN, ALICE),
    "GET /api/reports/sla": (LARA, ALICE),
    "GET /api/reports/sla.csv": (LARA, ALICE),
    "GET /api/alerts": (ALICE, RITA),
    "PATCH /api/incidents/{number}": (ALICE, RITA),
    "POST /api/tasks/{task_id}/assign": (ALICE, RITA),
    "PUT /api/users/{username}/away": (ALICE,),
    "GET /api/groups/{group}/assignment": (LARA, ALICE),
    "PUT /api/groups/{group}/assignment": (ADAM, ALICE),
    "POST /api/known-errors": (ALICE, RITA),
    "POST /api/incidents/{number}/known-error": (ALICE, RITA),
    "GET /api/known-errors": (ALICE, RITA),
    "GET /api/known-errors/{known_error_id}": (ALICE, RITA),
    "PATCH /api/known-errors/{known_error_id}": (ALICE, RITA),
    "POST /api/known-errors/{known_error_id}/incidents": (ALICE, RITA),
    "DELETE /api/known-errors/{known_error_id}/incidents/{number}": (ALICE, RITA),
    "POST /api/incidents/{number}/major": (CAROL, ALICE),
    "GET /api/incidents/{number}/review": (ALICE, RITA),
    "POST /api/incidents/{number}/parent": (ALICE, RITA),
    "DELETE /api/incidents/{number}/parent": (ALICE, RITA),
    "POST /api/incidents/{number}/merge": (ALICE, RITA),
    "GET /api/incidents/{number}/followers": (ALICE, RITA),
    "POST /api/incidents/{number}/followers": (ALICE, RITA),
    "DELETE /api/incidents/{number}/followers": (ALICE, RITA),
    "GET /api/processes/{process_id}/versions/{version}/waiting": (OLGA, ALICE),
    "GET /api/processes/{process_id}/versions/{version}/durations": (OLGA, ALICE),
    "GET /api/processes/{process_id}/compare": (OLGA, ALICE),
    "GET /api/decisions/{decision_id}/compare": (OLGA, ALICE),
    "POST /api/instances/{instance_id}/suspend": (OLGA, ALICE),
    "POST /api/instances/{instance_id}/resume": (OLGA, ALICE),
    "POST /api/instances/{instance_id}/terminate": (OLGA, ALICE),
    "POST /api/instances/{instance_id}/retry": (OLGA, ALICE),
    "GET /api/instances/{instance_id}/reset-points": (OLGA, ALICE),
    "POST /api/instances/{instance_id}/reset": (OLGA, ALICE),
    "POST /api/processes/{process_id}/versions/{version}/retire": (OLGA, ALICE),
    "POST /api/processes/{process_id}/retire": (OLGA, ALICE),
}
# Where no valid request can succeed, so the run is not expected to see a 2xx.
NEVER_SUCCEEDS = {
    # The owners' cockpit is for process owners and admins.
    (ALICE, "GET /api/processes/{process_id}/versions/{version}/waiting"),
    (ALICE, "GET /api/processes/{process_id}/versions/{version}/durations"),
    (ALICE, "GET /api/processes/{process_id}/compare"),
    (ALICE, "GET /api/decisions/{decision_id}/compare"),
    (ALICE, "POST /api/deployments"),
    (ALICE, "POST /api/processes/{process_id}/migrations"),
    (ALICE, "GET /api/instances"),
    (RITA, "GET /api/processes/{process_id}/versions/{version}/diagram.svg"),
    (RITA, "GET /api/instances/{instance_id}/diagram.svg"),
    (RITA, "GET /api/deployments"),
    (RITA, "GET /api/deployments/{deployment_id}"),
    (ALICE, "POST /api/processes/{process_id}/instances"),
    (ALICE, "GET /api/admin/timers"),
    (ALICE, "GET /api/admin/failures"),
    (ALICE, "POST /api/admin/timers/{timer_id}/retry"),
    (ALICE, "POST /api/incidents/{number}/calls"),
    (ALICE, "POST /api/webhooks"),
    (ALICE, "GET /api/webhooks"),
    (ALICE, "GET /api/webhooks/{subscription_id}"),
    (ALICE, "DELETE /api/webhooks/{subscription_id}"),
    (ALICE, "GET /api/admin/deliveries"),
    (ALICE, "GET /api/admin/emails"),
    # Administering people is for admins (and their data for the privacy team).
    (ALICE, "GET /api/admin/workers"),
    (ALICE, "GET /api/users"),
    (ALICE, "GET /api/users/{username}"),
    (ALICE, "PATCH /api/users/{username}"),
    (ALICE, "POST /api/users/{username}/disable"),
    (ALICE, "POST /api/users/{username}/enable"),
    (ALICE, "GET /api/users/{username}/data"),
    (ALICE, "POST /api/users/{username}/erase"),
    # Only a mail the process refused is retried; the one seeded was taken.
    (ALICE, "POST /api/admin/emails/{email_id}/retry"),
    (ADAM, "POST /api/admin/emails/{email_id}/retry"),
    (ALICE, "POST /api/admin/deliveries/{delivery_id}/retry"),
    # Reporters never flag, list or read breaches.
    (RITA, "POST /api/incidents/{number}/breach"),
    (RITA, "GET /api/breaches"),
    (RITA, "GET /api/breaches/{number}"),
    (RITA, "GET /api/breaches/export.csv"),
    (ALICE, "POST /api/alerts"),
    (ALICE, "GET /api/reports/sla"),
    (ALICE, "GET /api/reports/sla.csv"),
    (RITA, "GET /api/alerts"),
    # Reporters change no facts and hand no work on; only leads and admins see group rules.
    (RITA, "PATCH /api/incidents/{number}"),
    (RITA, "POST /api/tasks/{task_id}/assign"),
    (ALICE, "GET /api/groups/{group}/assignment"),
    (ALICE, "PUT /api/groups/{group}/assignment"),
    # Known errors are internal records.
    (RITA, "POST /api/known-errors"),
    (RITA, "POST /api/incidents/{number}/known-error"),
    (RITA, "GET /api/known-errors"),
    (RITA, "GET /api/known-errors/{known_error_id}"),
    (RITA, "PATCH /api/known-errors/{known_error_id}"),
    (RITA, "POST /api/known-errors/{known_error_id}/incidents"),
    (RITA, "DELETE /api/known-errors/{known_error_id}/incidents/{number}"),
    # Only L3 agents and group leads declare; reviews are for the service desk.
    (ALICE, "POST /api/incidents/{number}/major"),
    (RITA, "GET /api/incidents/{number}/review"),
    # Linking and merging incidents is for agents.
    (RITA, "POST /api/incidents/{number}/parent"),
    (RITA, "DELETE /api/incidents/{number}/parent"),
    (RITA, "POST /api/incidents/{number}/merge"),
    # Operating instances and retiring versions is for process owners and admins; the
    # seed leaves nothing suspended or failed, and a reset needs a task of its reset points.
    (ALICE, "POST /api/instances/{instance_id}/suspend"),
    (ALICE, "POST /api/instances/{instance_id}/resume"),
    (ALICE, "POST /api/instances/{instance_id}/terminate"),
    (ALICE, "POST /api/instances/{instance_id}/retry"),
    (ALICE, "GET /api/instances/{instance_id}/reset-points"),
    (ALICE, "POST /api/instances/{instance_id}/reset"),
    (ALICE, "POST /api/processes/{process_id}/versions/{version}/retire"),
    (ALICE, "POST /api/processes/{process_id}/retire"),
    (OLGA, "POST /api/instances/{instance_id}/resume"),
    (OLGA, "POST /api/instances/{instance_id}/retry"),
    (OLGA, "POST /api/instances/{instance_id}/reset"),
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
    database=None,  # no example database: replaying saved failures first would make runs differ
    deadline=None,  # a slow database round trip is not what this test looks for
    # No `explain` phase (slow; the curl line already shows the request) and no
    # `target` phase (nothing to maximise). Shrinking stays, to report the smallest request.
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
)


@pytest.mark.parametrize(
    ("label", "who"),
    [
        pytest.param(label, who, id=f"{who}:{label}")
        for label, people in PLAN.items()
        for who in people
    ],
)
def test_operation(label, who, app, api, people):
    schema = _schema(api)
    operation = schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is no longer in the document; update PLAN"
    known = _seed(api)
    headers = {"Authorization": f"Bearer {people[who]}"}
    statuses: set[int] = set()

    def run(mode: GenerationMode, max_examples: int) -> None:
        strategies = [operation.as_strategy(generation_mode=mode)]
        # Real ids as well as random ones, so that the 2xx answers are checked too.
        for parameter in operation.path_parameters:
            strategies += [
                operation.as_strategy(generation_mode=mode, path_parameters={parameter.name: id_})
                for id_ in known[parameter.name]
            ]

        @settings(FUZZ_SETTINGS, max_examples=max_examples)
        @given(case=st.one_of(strategies))
        def fuzz(case):
            response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
            statuses.add(response.status_code)

        if mode is GenerationMode.POSITIVE:
            # The last @example applied runs first: apply them backwards to run them in order.
            for case in reversed(_explicit_cases(operation, who, known)):
                fuzz = example(case=case)(fuzz)
        fuzz()

    run(GenerationMode.POSITIVE, POSITIVE_EXAMPLES)
    if (who, label) not in NEVER_SUCCEEDS:
        # Guards the test itself: a run of nothing but 4xx checks only the error body.
        assert any(200 <= status < 300 for status in statuses), sorted(statuses)
    # An operation without parameters, body or security (GET /health) has nothing
    # to make invalid; hypothesis would stop with Unsatisfiable.
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
    # The default configuration, whatever schemathesis.toml may lie around.
    return schemathesis.openapi.from_dict(response.json, config=schemathesis.Config())


def _seed(api) -> dict:
    """Incidents in several states, opened and worked over the API; their ids by kind."""
    # First, so that every incident below leaves a webhook delivery waiting (nothing
    # sends in this test).
    hook = api.adam.post(
        "/api/webhooks", json={"url": "https://hooks.example.org/fuzz", "events": ["incident.*"]}
    )
    assert hook.status_code == 201, hook.json
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
    # P1, so at L3, where a call may be arranged.
    critical = complete(
        api.alice,
        open_incident(api.rita, title="Core switch down"),
        "triage",
        TRIAGE | {"impact": "high", "urgency": "high"},
    )
    incidents = [new, in_diagnosis, awaiting_confirmation, request, for_ron, critical]
    # Started by an integrator outside any incident: only ivan and the agents may see it.
    started = api.ivan.post("/api/processes/service_request/instances", json={"title": "Headset"})
    assert started.status_code == 201, started.json

    # A second version of the incident process, for the migrations to have somewhere to go.
    deployed = deploy(api.olga, {"sla.dmn": SLA_12H})
    assert deployed.status_code == 201, deployed.json

    # A personal-data breach behind one incident, aware long enough ago that its
    # deadline timers have fired.
    breach = api.alice.post(
        f"/api/incidents/{in_diagnosis['number']}/breach",
        json={"aware_at": "2026-02-20T09:00:00+00:00", "summary": "Customer list leaked"},
    )
    assert breach.status_code == 201, breach.json

    processes = api.alice.get("/api/processes")
    assert processes.status_code == 200, processes.json
    waiting = api.adam.get("/api/admin/timers")
    assert waiting.status_code == 200, waiting.json
    attached = api.rita.post(
        f"/api/incidents/{new['number']}/attachments",
        data={"files": [(io.BytesIO(b"08:00 refused"), "outlook.log")]},
        content_type="multipart/form-data",
    )
    assert attached.status_code == 201, attached.json
    # A worker that has just reported, so the desk is ready.
    desk = api._app.extensions["incident_desk"]
    heartbeats.beat(desk, "fuzz-worker", ["timers", "deliveries"], desk.now())
    # A reply by mail, with its original kept.
    replied = intake.take(
        api._app.extensions["incident_desk"],
        message(subject=f"Re: [{new['number']}]", text="Since 08:00"),
        via=intake.PIPE,
    )
    assert replied.outcome == "commented", replied
    # A known error explaining two of the incidents, so that one can be unlinked.
    known_error = api.alice.post(
        "/api/known-errors",
        json=_KNOWN_ERROR | {"incidents": [new["number"], in_diagnosis["number"]]},
    )
    assert known_error.status_code == 201, known_error.json
    reviewed = _reviewed_major_incident(api)
    # A child to unlink, and followers to remove.
    linked = api.alice.post(
        f"/api/incidents/{awaiting_confirmation['number']}/parent", json={"parent": new["number"]}
    )
    assert linked.status_code == 200, linked.json
    for client, username in ((api.alice, "alice"), (api.rita, "rita")):
        followed = client.post(
            f"/api/incidents/{awaiting_confirmation['number']}/followers", json={"user": username}
        )
        assert followed.status_code == 200, followed.json
    waiting_deliveries = api.adam.get("/api/admin/deliveries?state=pending&page_size=3")
    assert waiting_deliveries.status_code == 200, waiting_deliveries.json
    return {
        "version": [1],
        "subscription_id": [hook.json["id"]],
        "attachment_id": [a["id"] for a in attached.json["comment"]["attachments"]],
        "comment_id": [attached.json["comment"]["id"]],
        "email_id": [replied.id],
        "deployment_id": [deployed.json["deployment_id"]],
        "delivery_id": [delivery["id"] for delivery in waiting_deliveries.json],
        "timer_id": [timer["id"] for timer in waiting.json],
        "number": [incident["number"] for incident in incidents],
        "task_id": [task["id"] for incident in incidents for task in incident["open_tasks"]]
        + [task["id"] for task in started.json["open_tasks"]],
        "instance_id": [incident["instance"]["id"] for incident in incidents]
        + [linked["id"] for incident in incidents for linked in incident["linked_instances"]]
        + [started.json["id"]],
        "process_id": [process["id"] for process in processes.json],
        "decision_id": ["sla_targets"],
        "breach": [breach.json["number"]],
        "username": ["alice"],
        "known_error_id": [known_error.json["id"]],
        "reviewed": [reviewed],
        "group": ["L1"],
        "tasks": {
            "triage": only_task(new, "triage")["id"],
            "l1_diagnose": only_task(in_diagnosis, "l1_diagnose")["id"],
            "confirm_resolution": only_task(awaiting_confirmation, "confirm_resolution")["id"],
            "fulfil_request": only_task(request, "fulfil_request")["id"],
        },
    }


def _reviewed_major_incident(api) -> str:
    """A P1 declared major, resolved and reviewed: its number (not among the seeded
    incidents, whose states the other operations count on)."""
    number = complete(
        api.alice,
        open_incident(api.rita, title="Power cut in the data centre"),
        "triage",
        TRIAGE | {"impact": "high", "urgency": "high"},
    )["number"]
    declared = api.carol.post(f"/api/incidents/{number}/major", json={"reason": "Power cut"})
    assert declared.status_code == 201, declared.json
    for key, form in (("l3_resolve", RESOLVED), ("post_incident_review", _REVIEW)):
        tasks = api.carol.get(f"/api/incidents/{number}").json["open_tasks"]
        [task] = [t for t in tasks if t["key"] == key]
        done = api.carol.post(f"/api/tasks/{task['id']}/complete", json=form)
        assert done.status_code == 200, done.json
    return number


def _explicit_cases(operation, who, known):
    """Requests run before the generated ones, so that every run sees a 2xx whatever the seed.

    Each seeded id once, requests that succeed, then the boundary values below.
    """
    requests = []
    if not list(operation.body):
        names = [parameter.name for parameter in operation.path_parameters]
        requests += [
            (dict(zip(names, ids, strict=True)), {}, None)
            for ids in itertools.product(*(known[name] for name in names))
            if names
        ]
    # Random JSON almost never satisfies a task's form, so without these the 200 of
    # a completion (and the 201 of a started process) would go unchecked.
    tasks = known["tasks"]
    if operation.label == "POST /api/incidents":
        requests += [({}, {}, _INCIDENT)]
    elif operation.label == "POST /api/deployments":
        # The live form again: accepted, and nothing changes. Sent as a raw body, the one way
        # to give a part its file name (generated parts are named after the field).
        body, content_type = encode_multipart_formdata(
            [("files", ("triage-schema.json", (FORMS / "triage-schema.json").read_bytes()))]
        )
        return [
            operation.Case(
                body=body, media_type="multipart/form-data", headers={"Content-Type": content_type}
            )
        ]
    elif operation.label == "POST /api/incidents/{number}/attachments":
        body, content_type = encode_multipart_formdata(
            [("body", "The log"), ("files", ("outlook.log", b"08:00 connection refused\n"))]
        )
        return [
            operation.Case(
                path_parameters={"number": number},
                body=body,
                media_type="multipart/form-data",
                headers={"Content-Type": content_type},
            )
            for number in known["number"][:2]
        ]
    elif operation.label == "POST /api/processes/{process_id}/migrations":
        move = {"source_version": 1, "target_version": 2}
        requests += [
            ({"process_id": "incident"}, {}, move | {"all": True}),
            ({"process_id": "incident"}, {}, move | {"incidents": known["number"][:2]}),
        ]
    elif operation.label in (
        "POST /api/instances/{instance_id}/suspend",
        "POST /api/instances/{instance_id}/terminate",
    ):
        why = {"reason": "Fuzzing"}
        requests += [({"instance_id": id_}, {}, why) for id_ in known["instance_id"][:2]]
    elif operation.label == "POST /api/processes/{process_id}/versions/{version}/retire":
        requests += [({"process_id": "incident", "version": 1}, {}, {"reason": "Fuzzing"})]
    elif operation.label == "POST /api/processes/{process_id}/retire":
        requests += [({"process_id": "service_request"}, {}, {"reason": "Fuzzing"})]
    elif operation.label == "POST /api/webhooks":
        hook = {"url": "https://hooks.example.org/incidents", "events": ["incident.*"]}
        requests += [({}, {}, hook)]
    elif operation.label == "POST /api/incidents/{number}/comments":
        requests += [
            ({"number": number}, {}, {"body": "Any news?"}) for number in known["number"][:2]
        ]
    elif operation.label == "POST /api/tasks/{task_id}/complete" and who == ALICE:
        diagnose = {"task_id": tasks["l1_diagnose"]}
        requests += [
            ({"task_id": tasks["triage"]}, {}, TRIAGE),
            # Forms that pass but for text no database can store (see BOUNDARIES), then one
            # that completes the task.
            (diagnose, {}, RESOLVED | {"resolution": "\ud800"}),
            (diagnose, {}, RESOLVED | {"resolution": "Restarted" + _NUL}),
            (diagnose, {}, RESOLVED),
            ({"task_id": tasks["fulfil_request"]}, {}, {"fulfilled": True, "fulfilment": "Done"}),
        ]
    elif operation.label == "GET /api/breaches/{number}":
        requests += [({"number": number}, {}, None) for number in known["breach"]]
    elif operation.label == "POST /api/incidents/{number}/breach":
        flagged = {"aware_at": "2026-03-01T09:00:00+00:00", "summary": "Wrong recipient"}
        requests += [({"number": known["number"][0]}, {}, flagged)]
    elif operation.label == "POST /api/tasks/{task_id}/complete" and who == RITA:
        confirm = {"confirmed": False, "comment": "It still jams"}
        requests += [({"task_id": tasks["confirm_resolution"]}, {}, confirm)]
    elif operation.label == "PATCH /api/incidents/{number}":
        requests += [
            ({"number": number}, {}, {"impact": "high", "category": "network"})
            for number in known["number"][:3]
        ]
    elif operation.label == "POST /api/tasks/{task_id}/assign":
        requests += [({"task_id": tasks["l1_diagnose"]}, {}, {"user": "lena"})]
    elif operation.label == "PUT /api/users/{username}/away":
        requests += [({"username": "alice"}, {}, {"away": True})]
    elif operation.label == "PUT /api/groups/{group}/assignment":
        requests += [({"group": "L1"}, {}, {"mode": "round_robin"})]
    elif operation.label == "POST /api/alerts":
        requests += [({}, {}, _ALERT), ({}, {}, _ALERT), ({}, {}, _ALERT | {"status": "resolved"})]
    elif operation.label == "POST /api/known-errors":
        requests += [({}, {}, _KNOWN_ERROR), ({}, {}, _KNOWN_ERROR | {"incidents": ["INC-000001"]})]
    elif operation.label == "POST /api/known-errors/{known_error_id}/incidents":
        requests += [
            ({"known_error_id": id_}, {}, {"incident": number})
            for id_ in known["known_error_id"]
            for number in known["number"][:3]
        ]
    elif operation.label == "PATCH /api/known-errors/{known_error_id}":
        requests += [
            ({"known_error_id": id_}, {}, change)
            for id_ in known["known_error_id"]
            for change in ({"status": "fixed"}, {"workaround": "Reconnect", "status": "open"})
        ]
    elif operation.label == "POST /api/incidents/{number}/major":
        requests += [
            ({"number": number}, {}, {"reason": "Down for all"}) for number in known["number"]
        ]
    elif operation.label == "GET /api/incidents/{number}/review":
        requests += [({"number": number}, {}, None) for number in known["reviewed"]]
    elif operation.label == "POST /api/incidents/{number}/parent":
        numbers = known["number"]
        requests += [({"number": numbers[1]}, {}, {"parent": numbers[0]})]
    elif operation.label == "DELETE /api/incidents/{number}/parent":
        requests += [({"number": known["number"][2]}, {}, None)]
    elif operation.label == "POST /api/incidents/{number}/merge":
        numbers = known["number"]
        requests += [({"number": numbers[1]}, {}, {"into": numbers[0]})]
    elif operation.label in (
        "POST /api/incidents/{number}/followers",
        "DELETE /api/incidents/{number}/followers",
    ):
        requests += [({"number": number}, {}, {"user": who}) for number in known["number"][:2]] + [
            ({"number": known["number"][2]}, {}, {"user": who})
        ]
    elif operation.label in (
        "GET /api/processes/{process_id}/compare",
        "GET /api/decisions/{decision_id}/compare",
    ):
        name = "process_id" if "process_id" in operation.label else "decision_id"
        requests += [({name: known[name][0]}, {"from": 1, "to": 1}, None)]
    elif operation.label == "POST /api/processes/{process_id}/instances":
        requests += [
            ({"process_id": "service_request"}, {}, {"title": "Need a headset"}),
            ({"process_id": "incident"}, {}, {"title": "Only through POST /api/incidents"}),
        ]
    requests += BOUNDARIES.get(operation.label, [])
    return [
        operation.Case(
            path_parameters=path,
            query=query,
            **({} if body is None else {"body": body, "media_type": "application/json"}),
        )
        for path, query, body in requests
    ]


# Values the document allows but random generation reaches rarely or never within
# the example budget: integers past the databases' integer types (the document sets
# no maximum), a NUL character (PostgreSQL can neither store nor compare it), dates
# at the ends of the calendar, and a lone UTF-16 surrogate in JSON.
# Each entry: (path parameters, query, body); body None where the operation takes none.
_NUL = "\x00"
_PAGE_PAST_ANY_OFFSET = 2**62
_NUMBER_PAST_ANY_ID = "INC-" + "9" * 20
_INCIDENT = {"title": "Mail is down", "description": "Since 08:00"}
_ALERT = {
    "source": "prometheus",
    "check": "disk_free",
    "resource": "db1",
    "severity": "critical",
    "summary": "Disk almost full",
}
_REVIEW = {"timeline": "09:00 power lost", "cause": "UPS failed", "actions": "Test the UPS monthly"}
_KNOWN_ERROR = {"symptom": "VPN drops", "workaround": "Reconnect", "category": "network"}
BOUNDARIES: dict[str, list[tuple[dict, dict, object]]] = {
    "GET /api/instances": [
        ({}, {"page": _PAGE_PAST_ANY_OFFSET}, None),
        ({}, {"incident": _NUMBER_PAST_ANY_ID[:20]}, None),
        ({}, {"data.title": "Mail is down", "state": "waiting", "element": "triage"}, None),
    ],
    "GET /api/known-errors": [
        ({}, {"page": _PAGE_PAST_ANY_OFFSET}, None),
        ({}, {"q": _NUL}, None),
        ({}, {"q": "100%_"}, None),
    ],
    "GET /api/known-errors/{known_error_id}": [({"known_error_id": 2**63}, {}, None)],
    "POST /api/known-errors": [
        ({}, {}, _KNOWN_ERROR | {"symptom": "VPN" + _NUL}),
        ({}, {}, _KNOWN_ERROR | {"incidents": [_NUMBER_PAST_ANY_ID]}),
    ],
    "POST /api/incidents/{number}/known-error": [({"number": _NUMBER_PAST_ANY_ID}, {}, None)],
    "DELETE /api/known-errors/{known_error_id}/incidents/{number}": [
        ({"known_error_id": 1, "number": _NUMBER_PAST_ANY_ID}, {}, None),
        ({"known_error_id": 2**63, "number": "INC-000001"}, {}, None),
    ],
    "GET /api/incidents": [
        ({}, {"page": _PAGE_PAST_ANY_OFFSET}, None),
        ({}, {"text": _NUL}, None),
        ({}, {"category": _NUL}, None),
        ({}, {"reporter": _NUL}, None),
    ],
    "GET /api/alerts": [({}, {"page": _PAGE_PAST_ANY_OFFSET}, None)],
    "POST /api/alerts": [
        ({}, {}, _ALERT | {"summary": "Disk" + _NUL}),
        ({}, {}, _ALERT | {"dedup_key": "\ud800"}),
    ],
    "GET /api/tasks": [
        ({}, {"page": _PAGE_PAST_ANY_OFFSET}, None),
        ({}, {"lane": _NUL}, None),
        ({}, {"incident": _NUL}, None),
    ],
    "GET /api/incidents/{number}": [({"number": _NUMBER_PAST_ANY_ID}, {}, None)],
    "GET /api/incidents/{number}/events": [({"number": _NUMBER_PAST_ANY_ID}, {}, None)],
    "GET /api/incidents/{number}/comments": [({"number": _NUMBER_PAST_ANY_ID}, {}, None)],
    "POST /api/incidents/{number}/comments": [
        ({"number": _NUMBER_PAST_ANY_ID}, {}, {"body": "x"}),
        ({"number": "INC-000001"}, {}, {"body": "x" + _NUL}),
    ],
    "POST /api/admin/timers/{timer_id}/retry": [({"timer_id": 2**63}, {}, None)],
    "GET /api/instances/{instance_id}": [
        ({"instance_id": 2**31}, {}, None),  # past PostgreSQL's INTEGER
        ({"instance_id": 2**63}, {}, None),  # past SQLite's INTEGER
    ],
    "GET /api/tasks/{task_id}": [({"task_id": _NUL}, {}, None)],
    "POST /api/tasks/{task_id}/claim": [({"task_id": _NUL}, {}, None)],
    "POST /api/tasks/{task_id}/release": [({"task_id": _NUL}, {}, None)],
    "POST /api/tasks/{task_id}/complete": [({"task_id": _NUL}, {}, {})],
    "POST /api/processes/{process_id}/instances": [({"process_id": _NUL}, {}, {})],
    "GET /api/breaches": [
        ({}, {"page": _PAGE_PAST_ANY_OFFSET}, None),
        ({}, {"incident": _NUL}, None),
    ],
    "GET /api/breaches/{number}": [({"number": "BR-" + "9" * 20}, {}, None)],
    "POST /api/incidents/{number}/breach": [
        ({"number": _NUMBER_PAST_ANY_ID}, {}, {"aware_at": "2026-03-01T09:00:00Z", "summary": "x"}),
        ({"number": "INC-000003"}, {}, {"aware_at": "0001-01-01T00:00:00+14:00", "summary": "x"}),
        ({"number": "INC-000003"}, {}, {"aware_at": "9999-12-31T23:59:59-14:00", "summary": "x"}),
        ({"number": "INC-000003"}, {}, {"aware_at": "0001-01-01T00:00:00Z", "summary": "x"}),
    ],
    "POST /api/incidents": [
        ({}, {}, _INCIDENT | {"title": "Mail" + _NUL}),
        ({}, {}, _INCIDENT | {"reporter": "rita" + _NUL}),
        ({}, {}, _INCIDENT | {"reported_at": "0001-01-01T00:00:00+14:00"}),
        ({}, {}, _INCIDENT | {"reported_at": "9999-12-31T23:59:59-14:00"}),
        ({}, {}, _INCIDENT | {"title": "\ud800"}),
    ],
}
