"""Process owners suspend, resume, terminate, retry and reset instances, and retire versions."""

from __future__ import annotations

from tests.api.test_deployments_api import SLA_12H, deploy
from tests.breaches import flag, get_breach
from tests.conftest import START
from tests.helpers import TRIAGE, complete, get_incident, only_task, open_incident

WHY = {"reason": "the mail gateway vendor asked us to wait"}


def instance_of(incident) -> int:
    return incident["instance"]["id"]


def op(client, incident, name, **body):
    return client.post(f"/api/instances/{instance_of(incident)}/{name}", json=WHY | body)


def events(client, number, kind):
    return [e for e in client.get(f"/api/incidents/{number}/events").json if e["type"] == kind]


def test_a_suspended_instance_refuses_its_tasks_until_resumed(api):
    incident = open_incident(api.rita)
    suspended = op(api.olga, incident, "suspend")
    assert suspended.status_code == 200, suspended.json
    assert suspended.json["status"] == "suspended"
    assert suspended.json["reason"] == WHY["reason"]

    [task] = get_incident(api.alice, incident["number"])["open_tasks"]
    refused = api.alice.post(f"/api/tasks/{task['id']}/complete", json=TRIAGE)
    assert refused.status_code == 409
    assert refused.json["detail"] == f"the process is suspended: {WHY['reason']}"
    claim = api.alice.post(f"/api/tasks/{task['id']}/claim")
    assert (claim.status_code, claim.json["detail"]) == (409, refused.json["detail"])
    [live] = [v for v in api.olga.get("/api/processes/incident/versions").json if v["instances"]]
    assert (live["running_instances"], live["suspended_instances"]) == (0, 1)

    resumed = op(api.olga, incident, "resume", reason="vendor is back")
    assert resumed.status_code == 200, resumed.json
    assert resumed.json["status"] == "running"
    done = complete(api.alice, get_incident(api.alice, incident["number"]), "triage", TRIAGE)
    assert done["status"] == "in_progress"
    [held] = events(api.alice, incident["number"], "instance.suspended")
    assert (held["actor"], held["data"]["reason"]) == ("olga", WHY["reason"])
    [back] = events(api.alice, incident["number"], "instance.resumed")
    assert back["data"]["reason"] == "vendor is back"


def test_terminate_closes_the_incident_and_removes_its_tasks(api):
    incident = open_incident(api.rita)
    done = op(api.olga, incident, "terminate", reason="opened by a test script")
    assert done.status_code == 200, done.json
    assert done.json["status"] == "terminated"

    after = get_incident(api.alice, incident["number"])
    assert (after["status"], after["closure_code"]) == ("closed", "terminated")
    assert after["open_tasks"] == []
    assert after["instance"]["status"] == "terminated"
    [ended] = events(api.alice, incident["number"], "instance.terminated")
    assert ended["data"]["reason"] == "opened by a test script"
    again = op(api.olga, incident, "terminate")
    assert again.status_code == 409
    assert op(api.olga, incident, "resume").status_code == 409


def test_terminate_ends_the_linked_processes_but_not_a_breach(api):
    incident = complete(
        api.alice, open_incident(api.rita), "triage", TRIAGE | {"impact": "high", "urgency": "high"}
    )
    claimed = api.carol.post(f"/api/tasks/{only_task(incident, 'l3_resolve')['id']}/claim")
    assert claimed.status_code == 200, claimed.json
    call = api.carol.post(f"/api/incidents/{incident['number']}/calls")
    assert call.status_code == 201, call.json
    breach = flag(api.alice, incident["number"], START)

    done = op(api.olga, incident, "terminate", reason="raised by a monitoring storm")
    assert done.status_code == 200, done.json

    after = get_incident(api.alice, incident["number"])
    assert after["closure_code"] == "terminated"
    statuses = {i["process_id"]: i["status"] for i in after["linked_instances"]}
    assert statuses == {"call": "terminated", "data_breach": "running"}
    # The incident's and the call's steps are gone; containing the breach is still hers.
    assert [t["key"] for t in api.carol.get("/api/tasks").json] == ["contain_breach"]
    assert get_breach(api.carol, breach["number"])["status"] == "assessing"


def test_only_process_owners_and_admins_operate(api):
    incident = open_incident(api.rita)
    for client in (api.alice, api.bob, api.ivan):
        assert op(client, incident, "suspend").status_code == 403
    assert op(api.rita, incident, "suspend").status_code == 403
    assert op(api.adam, incident, "suspend").status_code == 200
    assert api.olga.post("/api/instances/999999/suspend", json=WHY).status_code == 404


def test_a_reason_is_required_and_bounded(api):
    incident = open_incident(api.rita)
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 2001}, {"reason": 5}):
        answer = api.olga.post(f"/api/instances/{instance_of(incident)}/suspend", json=body)
        assert answer.status_code == 422, (body, answer.json)
        assert "reason" in str(answer.json)
    assert get_incident(api.alice, incident["number"])["instance"]["status"] == "running"


def test_reset_goes_back_to_a_completed_step_with_its_data(api):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    points = api.olga.get(f"/api/instances/{instance_of(incident)}/reset-points")
    assert points.status_code == 200, points.json
    [triage] = [p for p in points.json if p["element_id"] == "triage"]
    assert triage["data"]["impact"] == "medium"

    back = op(api.olga, incident, "reset", task=triage["task_id"], reason="triaged the wrong mail")
    assert back.status_code == 200, back.json
    after = get_incident(api.alice, incident["number"])
    assert [t["key"] for t in after["open_tasks"]] == ["triage"]
    [moved] = events(api.alice, incident["number"], "instance.reset")
    assert moved["data"]["to_element"] == "triage"
    assert moved["data"]["reason"] == "triaged the wrong mail"

    unknown = op(api.olga, incident, "reset", task="not-a-task")
    assert unknown.status_code == 422
    assert "task" in str(unknown.json)


def test_retired_versions_start_nothing_and_the_last_incident_version_stays(api):
    assert deploy(api.olga, {"sla.dmn": SLA_12H}).status_code == 201
    running_on_1 = open_incident(api.rita)  # noqa: F841 - it finishes on version 1
    retired = api.olga.post("/api/processes/incident/versions/2/retire", json=WHY)
    assert retired.status_code == 200, retired.json
    assert (retired.json["version"], retired.json["live_version"]) == (2, 1)
    assert open_incident(api.rita)["instance"]["version"] == 1
    [v2, v1] = api.olga.get("/api/processes/incident/versions").json
    assert v2["retired_by"] == "olga" and v2["retired_at"]
    assert v1["retired_at"] is None

    last = api.olga.post("/api/processes/incident/versions/1/retire", json=WHY)
    assert last.status_code == 409
    assert "could open no incident" in last.json["detail"]
    assert api.olga.post("/api/processes/incident/retire", json=WHY).status_code == 409
    assert api.alice.post("/api/processes/incident/versions/1/retire", json=WHY).status_code == 403


PROBE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="probe_definitions" targetNamespace="http://example.org/probe">
  <bpmn:process id="probe" name="Probe" isExecutable="true">
    <bpmn:startEvent id="probe_start" name="Start"/>
    <bpmn:sequenceFlow id="probe_flow" sourceRef="probe_start" targetRef="probe_end"/>
    <bpmn:endEvent id="probe_end" name="End"/>
  </bpmn:process>
</bpmn:definitions>
"""


def probe_warnings(response):
    return [w for w in response.json["warnings"] if w["field"] == "probe.bpmn"]


def test_a_retired_probe_starts_nothing_and_stops_warning(api):
    first = deploy(api.olga, {"probe.bpmn": PROBE})
    assert first.status_code == 201, first.json
    assert probe_warnings(first)  # no diagram
    assert probe_warnings(deploy(api.olga, {"sla.dmn": SLA_12H}))  # and again, every time

    retired = api.olga.post("/api/processes/probe/retire", json={"reason": "tried once"})
    assert retired.status_code == 200, retired.json
    assert [(v["version"], v["retired_by"]) for v in retired.json] == [(1, "olga")]
    started = api.olga.post("/api/processes/probe/instances", json={})
    assert started.status_code == 409
    assert "retired" in started.json["detail"]

    quiet = deploy(api.olga, {"sla.dmn": SLA_12H.replace(b"PT12H", b"PT10H")})
    assert quiet.status_code == 201, quiet.json
    assert probe_warnings(quiet) == []
    [probe] = api.olga.get("/api/processes/probe/versions").json
    assert probe["retired_at"] is not None
    assert api.olga.post("/api/processes/probe/retire", json=WHY).status_code == 409


def test_a_suspended_instance_can_be_terminated_and_reset_points_are_for_owners(api):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    assert op(api.olga, incident, "suspend").status_code == 200
    assert api.alice.get(f"/api/instances/{instance_of(incident)}/reset-points").status_code == 403
    ended = op(api.olga, incident, "terminate", reason="duplicate of another ticket")
    assert ended.status_code == 200, ended.json
    after = get_incident(api.rita, incident["number"])
    assert (after["status"], after["closure_code"]) == ("closed", "terminated")
    assert api.olga.get(f"/api/instances/{instance_of(incident)}/reset-points").json == []
    # The reporter sees the closure, not the owner's operations.
    seen = {e["type"] for e in api.rita.get(f"/api/incidents/{incident['number']}/events").json}
    assert "incident.closed" in seen and "instance.terminated" not in seen
