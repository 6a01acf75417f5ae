"""Process owners put BPMN, DMN and forms live over HTTP: all or nothing, versioned by content."""

from __future__ import annotations

import io
import json
import threading

import pytest

from service.modeler import ModelerCheck, default_tool_dir
from service.services import deployments
from service.workflow import SourceFile
from tests.conftest import FORMS, PROCESSES
from tests.helpers import TRIAGE, complete, only_task, open_incident

INCIDENT = (PROCESSES / "incident.bpmn").read_bytes()
SLA = (PROCESSES / "sla.dmn").read_bytes()
# P3's resolution target, 24 hours in the shipped table.
SLA_12H = SLA.replace(
    b'<outputEntry id="rule_P3_resolution"><text>"PT24H"</text>',
    b'<outputEntry id="rule_P3_resolution"><text>"PT12H"</text>',
)
assert SLA_12H != SLA


def deploy(client, files: dict[str, bytes]):
    return client.post(
        "/api/deployments",
        data={"files": [(io.BytesIO(content), name) for name, content in files.items()]},
        content_type="multipart/form-data",
    )


def state(api) -> tuple:
    """What a deployment may change: the deployments, and every version of everything."""
    processes = api.olga.get("/api/processes").json
    versions = {p["id"]: api.olga.get(f"/api/processes/{p['id']}/versions").json for p in processes}
    return (
        api.olga.get("/api/deployments").json,
        versions,
        api.olga.get("/api/decisions").json,
    )


def incident_bpmn(old: str, new: str) -> bytes:
    text = INCIDENT.decode()
    assert old in text, old
    return text.replace(old, new, 1).encode()


def test_redeploying_the_live_files_is_a_no_op_that_says_so(api):
    before = state(api)
    response = deploy(api.olga, {"incident.bpmn": INCIDENT, "sla.dmn": SLA})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["changed"] is False
    assert body["deployment_id"] is None
    assert "nothing changed" in body["message"]
    assert {(p["process_id"], p["version"], p["created"]) for p in body["processes"]} == {
        ("incident", 1, False),
        ("service_request", 1, False),
        ("satisfaction", 1, False),
        ("call", 1, False),
        ("data_breach", 1, False),
        ("major_incident", 1, False),
    }
    assert state(api) == before


def test_a_changed_decision_table_versions_only_what_uses_it(api):
    old = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)

    response = deploy(api.olga, {"sla.dmn": SLA_12H})

    assert response.status_code == 201, response.json
    body = response.json
    assert body["changed"] is True and body["files"] == ["sla.dmn"]
    assert {(p["process_id"], p["version"], p["created"]) for p in body["processes"]} == {
        ("incident", 2, True),
        ("service_request", 1, False),
        ("satisfaction", 1, False),
        ("call", 1, False),
        ("data_breach", 1, False),
        ("major_incident", 1, False),
    }
    assert {(d["decision_id"], d["version"], d["created"]) for d in body["decisions"]} == {
        ("alert_severity", 1, False),
        ("major_cadence", 1, False),
        ("major_trigger", 1, False),
        ("priority", 1, False),
        ("sla_targets", 2, True),
    }
    versions = api.olga.get("/api/processes/incident/versions").json
    assert [(v["version"], v["created_by"], v["running_instances"]) for v in versions] == [
        (2, "olga", 0),
        (1, "tests", 1),
    ]
    assert versions[0]["deployment_id"] == body["deployment_id"]
    assert versions[0]["content_hash"] != versions[1]["content_hash"]
    assert {f["name"] for f in versions[0]["files"]} >= {"incident.bpmn", "sla.dmn", "priority.dmn"}
    listed = {p["id"]: p for p in api.olga.get("/api/processes").json}
    assert (listed["incident"]["latest_version"], listed["incident"]["versions"]) == (2, 2)

    # New incidents start on the new version; the running one stays on its own.
    new = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    assert (new["instance"]["version"], new["resolution_target"]) == (2, "PT12H")
    old = api.alice.get(f"/api/incidents/{old['number']}").json
    assert (old["instance"]["version"], old["resolution_target"]) == (1, "PT24H")

    # Deploying the old table again is a rollback: a third version with the first's
    # content, on which new incidents start.
    again = deploy(api.olga, {"sla.dmn": SLA})
    assert again.status_code == 201
    assert {(p["process_id"], p["version"], p["created"]) for p in again.json["processes"]} == {
        ("incident", 3, True),
        ("service_request", 1, False),
        ("satisfaction", 1, False),
        ("call", 1, False),
        ("data_breach", 1, False),
        ("major_incident", 1, False),
    }
    assert ("sla_targets", 3, True) in {
        (d["decision_id"], d["version"], d["created"]) for d in again.json["decisions"]
    }
    versions = api.olga.get("/api/processes/incident/versions").json
    assert versions[0]["content_hash"] == versions[2]["content_hash"]
    rolled_back = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    assert (rolled_back["instance"]["version"], rolled_back["resolution_target"]) == (3, "PT24H")
    # And the same files once more change nothing.
    assert deploy(api.olga, {"sla.dmn": SLA}).json["changed"] is False


def test_the_deployed_bytes_come_back_unchanged(api):
    # Whatever the modeler wrote (here: Latin-1, declared) is kept byte for byte.
    latin = (
        INCIDENT.decode()
        .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1)
        .replace('name="Triage ticket"', 'name="Triage ticket (première ligne)"', 1)
        .encode("iso-8859-1")
    )
    assert b'encoding="ISO-8859-1"' in latin
    assert deploy(api.olga, {"incident.bpmn": latin}).status_code == 201

    first = api.olga.get("/api/processes/incident/versions/1/bpmn")
    second = api.olga.get("/api/processes/incident/versions/2/bpmn")
    assert first.status_code == second.status_code == 200
    assert first.mimetype == "application/xml"
    assert (first.data, second.data) == (INCIDENT, latin)
    incident = open_incident(api.rita)
    assert only_task(incident)["name"] == "Triage ticket (première ligne)"
    assert api.olga.get("/api/processes/incident/versions/3/bpmn").status_code == 404
    assert api.rita.get("/api/processes/incident/versions/1/bpmn").status_code == 403


def test_a_running_incident_keeps_the_form_of_its_version(api):
    old = open_incident(api.rita)
    schema = json.loads((FORMS / "triage-schema.json").read_bytes())
    schema["properties"]["affected_service"] = {"type": "string", "minLength": 1}
    schema.setdefault("required", []).append("affected_service")
    response = deploy(api.olga, {"triage-schema.json": json.dumps(schema, indent=2).encode()})
    assert response.status_code == 201, response.json
    assert {(p["process_id"], p["version"]) for p in response.json["processes"]} == {
        ("incident", 2),
        ("service_request", 1),
        ("satisfaction", 1),
        ("call", 1),
        ("data_breach", 1),
        ("major_incident", 1),
    }

    new = open_incident(api.rita)
    task = api.alice.get(f"/api/tasks/{only_task(new)['id']}").json
    assert "affected_service" in task["form_schema"]["required"]
    refused = api.alice.post(f"/api/tasks/{task['task']['id']}/complete", json=TRIAGE)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json["errors"]] == ["$.affected_service"]

    task = api.alice.get(f"/api/tasks/{only_task(old)['id']}").json
    assert "affected_service" not in task["form_schema"]["properties"]
    assert complete(api.alice, old, "triage", TRIAGE)["status"] == "in_progress"


def test_a_warning_does_not_block(api):
    unlabelled = incident_bpmn('name="Log ticket"', 'name=""')
    response = deploy(api.olga, {"incident.bpmn": unlabelled})
    assert response.status_code == 201, response.json
    [warning] = response.json["warnings"]
    assert warning["field"] == "incident.bpmn"
    assert warning["element_id"] == "log_ticket"
    assert isinstance(warning["line"], int)
    assert "label" in warning["message"]


def test_what_a_task_page_cannot_render_warns_by_form_file_and_keyword(api):
    schema = json.loads((FORMS / "triage-schema.json").read_bytes())
    schema["properties"]["labels"] = {
        "type": "object",
        "patternProperties": {"^[a-z]+$": {"type": "string"}},
    }
    ui = json.loads((FORMS / "triage-uischema.json").read_bytes())
    ui["symptoms"] = {"ui:widget": "rich-text"}
    response = deploy(
        api.olga,
        {
            "triage-schema.json": json.dumps(schema).encode(),
            "triage-uischema.json": json.dumps(ui).encode(),
        },
    )
    assert response.status_code == 201, response.json  # warnings do not block
    found = {(w["field"], w["keyword"], w["pointer"]) for w in response.json["warnings"]}
    assert found == {
        ("triage-schema.json", "patternProperties", "/properties/labels/patternProperties"),
        ("triage-uischema.json", "ui:widget", "/symptoms/ui:widget"),
    }
    assert all("task page" in w["message"] for w in response.json["warnings"])


def _script(task_id: str, script: str) -> bytes:
    marker = f'<bpmn:scriptTask id="{task_id}"'
    text = INCIDENT.decode()
    start = text.index("<bpmn:script>", text.index(marker))
    end = text.index("</bpmn:script>", start)
    return (text[: start + len("<bpmn:script>")] + script + text[end:]).encode()


# name -> (files, (file, element id, words in the message)); each deployed alone on the live set.
BROKEN = {
    "malformed XML": (
        {"incident.bpmn": INCIDENT[: len(INCIDENT) // 2]},
        ("incident.bpmn", None, "not well-formed"),
    ),
    "external entity": (
        {
            "incident.bpmn": INCIDENT.replace(
                b"?>",
                b'?>\n<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
                1,
            ).replace(b'name="Log ticket"', b'name="&secret;"', 1)
        },
        ("incident.bpmn", None, "external entity"),
    ),
    "entity expansion": (
        {
            "incident.bpmn": INCIDENT.replace(
                b"?>",
                b'?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
                1,
            ).replace(b"Sets the process variables", b"&b;&b;&b;", 1)
        },
        ("incident.bpmn", None, "DOCTYPE"),
    ),
    "unknown decision table": (
        {
            "incident.bpmn": incident_bpmn(
                "<spiffworkflow:calledDecisionId>sla_targets<",
                "<spiffworkflow:calledDecisionId>sla_v2<",
            )
        },
        ("incident.bpmn", "prov_targets", "sla_v2"),
    ),
    "missing form": (
        {
            "incident.bpmn": incident_bpmn(
                'value="triage-schema.json"', 'value="triage2-schema.json"'
            )
        },
        ("incident.bpmn", "triage", "triage2-schema.json"),
    ),
    "form that is not a JSON Schema": (
        {"triage-schema.json": b'{"type": "object", "required": "kind"}'},
        ("triage-schema.json", None, "JSON Schema"),
    ),
    "form that is not JSON": (
        {"triage-uischema.json": b'{\n  "ui:order": [\n}'},
        ("triage-uischema.json", None, "not valid JSON"),
    ),
    "lane of no group": (
        {"incident.bpmn": incident_bpmn('name="L3"', 'name="Level 3"')},
        ("incident.bpmn", "Lane_L3", "Level 3"),
    ),
    "import in a script": (
        {"incident.bpmn": _script("close_incident", "import os\nos.system('id')")},
        ("incident.bpmn", "close_incident", "imports are not allowed"),
    ),
    "dunder in a script": (
        {"incident.bpmn": _script("close_incident", "x = ().__class__.__bases__")},
        ("incident.bpmn", "close_incident", "__class__"),
    ),
    "open() in a script": (
        {"incident.bpmn": _script("close_incident", "secret = open('/etc/passwd').read()")},
        ("incident.bpmn", "close_incident", "open()"),
    ),
    "eval() in a condition": (
        {"incident.bpmn": incident_bpmn('kind == "request"', "eval(kind)")},
        ("incident.bpmn", "Flow_kind_request", "eval()"),
    ),
    "condition that does not compile": (
        {"incident.bpmn": incident_bpmn('kind == "request"', 'kind == "request" and')},
        ("incident.bpmn", "Flow_kind_request", "does not parse"),
    ),
    "unquoted timer duration": (
        {
            "incident.bpmn": incident_bpmn(
                ">auto_close_after</bpmn:timeDuration>", ">P5D</bpmn:timeDuration>"
            )
        },
        ("incident.bpmn", "auto_close_timer_definition", "quote it"),
    ),
    "unknown service operator": (
        {
            "incident.bpmn": incident_bpmn(
                'serviceTaskOperator id="start_process"', 'serviceTaskOperator id="run_shell"'
            )
        },
        ("incident.bpmn", None, "run_shell"),
    ),
    "unsafe decision table cell": (
        {"sla.dmn": SLA.replace(b'"PT24H"', b"__import__('os').getcwd()", 1)},
        ("sla.dmn", None, "__import__"),
    ),
    "flow to nowhere": (
        {"incident.bpmn": incident_bpmn('targetRef="close_incident"', 'targetRef="nowhere"')},
        ("incident.bpmn", None, ""),
    ),
    "rerun marker on a user task": (
        {
            "incident.bpmn": incident_bpmn(
                'value="triage-schema.json" />',
                'value="triage-schema.json" /><spiffworkflow:property name="rerunOnMigration" '
                'value="true" />',
            )
        },
        ("incident.bpmn", "triage", "rerunOnMigration"),
    ),
    "unknown file kind": (
        {"notes.txt": b"hello"},
        ("notes.txt", None, ".bpmn, .dmn or .json"),
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_a_broken_file_is_refused_with_where_and_why_and_changes_nothing(api, case):
    files, (file, element_id, words) = BROKEN[case]
    before = state(api)

    response = deploy(api.olga, files)

    assert response.status_code == 422, response.json
    body = response.json
    assert body["error"] == "invalid_deployment"
    assert "nothing was deployed" in body["message"]
    matching = [e for e in body["errors"] if e["field"] == file and words in e["message"]]
    assert matching, body["errors"]
    if element_id is not None:
        assert element_id in {e["element_id"] for e in matching}, matching
    if file.endswith((".bpmn", ".dmn")):
        assert all(isinstance(e["line"], int) for e in matching), matching
    assert state(api) == before


def test_every_problem_is_listed_at_once(api):
    files = {
        "incident.bpmn": incident_bpmn('name="L3"', 'name="Level 3"'),
        "triage-schema.json": b"[]",
    }
    response = deploy(api.olga, files)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"incident.bpmn", "triage-schema.json"}


def test_only_process_owners_deploy(api):
    for client in (api.alice, api.rita, api.ivan, api.adam):
        assert deploy(client, {"sla.dmn": SLA_12H}).status_code == 403
    assert deploy(api.anonymous, {"sla.dmn": SLA_12H}).status_code == 401
    assert api.rita.get("/api/deployments").status_code == 403
    assert api.rita.get("/api/processes/incident/versions").status_code == 403
    assert [v["version"] for v in api.olga.get("/api/processes/incident/versions").json] == [1]


def test_an_upload_without_files_is_refused(api):
    response = api.olga.post("/api/deployments", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "files"


def test_concurrent_deploys_of_the_same_files_make_one_version(svc, api):
    uploads = [SourceFile("sla.dmn", SLA_12H)]
    barrier = threading.Barrier(4)
    results, failures = [], []

    def run():
        barrier.wait()
        try:
            results.append(deployments.deploy(svc, uploads, actor="race"))
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(r.changed for r in results) == [False, False, False, True]
    versions = api.olga.get("/api/processes/incident/versions").json
    assert [v["version"] for v in versions] == [2, 1]
    assert len(api.olga.get("/api/deployments").json) == 2


@pytest.mark.skipif(
    not ModelerCheck(default_tool_dir()).available,
    reason="the modeler check needs Node and `npm ci --prefix tools/modeler-check`",
)
def test_what_a_modeler_would_flag_comes_back_as_a_warning(api):
    twice = INCIDENT.replace(
        b"<bpmn:laneSet",
        b'<bpmn:startEvent id="second_start" name="Also a start" />\n<bpmn:laneSet',
        1,
    )
    response = deploy(api.olga, {"incident.bpmn": twice})

    assert response.status_code == 201, response.json
    [warning] = [w for w in response.json["warnings"] if w["message"].startswith("bpmnlint")]
    assert warning["message"].startswith("bpmnlint single-blank-start-event: ")
    assert (warning["field"], warning["element_id"]) == ("incident.bpmn", "incident")
    assert isinstance(warning["line"], int)


def test_an_error_the_engine_reports_without_a_file_still_names_it(api):
    nameless = INCIDENT.replace(
        b'<bpmn:signal id="Signal_sla_escalate" name="sla_escalate" />',
        b'<bpmn:signal name="sla_escalate" />',
    )
    response = deploy(api.olga, {"incident.bpmn": nameless})
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["field"] == "incident.bpmn"
    assert "Signal identifier is missing" in error["message"]
