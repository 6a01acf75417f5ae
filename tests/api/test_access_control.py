"""Authentication on every endpoint but /health; role checks on every action."""

from __future__ import annotations

import pytest

from tests.helpers import ESCALATE, TRIAGE, complete, only_task, open_incident

ENDPOINTS = [
    ("GET", "/api/incidents"),
    ("POST", "/api/incidents"),
    ("GET", "/api/incidents/INC-000001"),
    ("GET", "/api/incidents/INC-000001/events"),
    ("GET", "/api/tasks"),
    ("GET", "/api/tasks/x"),
    ("POST", "/api/tasks/x/claim"),
    ("POST", "/api/tasks/x/release"),
    ("POST", "/api/tasks/x/complete"),
    ("GET", "/api/processes"),
    ("POST", "/api/processes/incident/instances"),
    ("GET", "/api/instances/1"),
    ("GET", "/api/me"),
    ("GET", "/api/openapi.json"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_needs_a_token(api, method, path):
    for headers in ({}, {"Authorization": "Bearer idk_wrong"}, {"Authorization": "Basic abc"}):
        response = api.anonymous._call(method, path, headers=headers, json={})
        assert response.status_code == 401, (method, path, headers)
        assert response.json["error"] == "unauthenticated"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_health_needs_no_token(api):
    response = api.anonymous.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_a_revoked_token_stops_working(api, svc):
    from service.services import users

    view, token = users.create_token(svc, "alice", label="laptop")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.anonymous.get("/api/me", headers=headers).json["username"] == "alice"
    users.revoke_token(svc, view.id)
    assert api.anonymous.get("/api/me", headers=headers).status_code == 401


def test_a_reporter_sees_only_their_own_incidents(api):
    mine = open_incident(api.rita)
    theirs = open_incident(api.ron)
    listed = api.rita.get("/api/incidents").json
    assert [i["number"] for i in listed] == [mine["number"]]
    for path in (f"/api/incidents/{theirs['number']}", f"/api/incidents/{theirs['number']}/events"):
        response = api.rita.get(path)
        assert response.status_code == 404
        assert response.json["error"] == "not_found"
    task = only_task(theirs, "triage")
    assert api.rita.get(f"/api/tasks/{task['id']}").status_code == 404
    assert api.rita.get(f"/api/instances/{theirs['instance']['id']}").status_code == 404
    # agents see everything
    assert len(api.bob.get("/api/incidents").json) == 2


def test_an_agent_cannot_complete_another_tiers_task(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    for client in (api.bob, api.carol, api.adam):
        response = client.post(f"/api/tasks/{task['id']}/complete", json=TRIAGE)
        assert response.status_code == 403, response.json
        assert response.json["error"] == "forbidden"
    # the integrator did not open it, and a reporter never sees agents' tasks
    for client in (api.ivan, api.rita):
        assert client.post(f"/api/tasks/{task['id']}/complete", json=TRIAGE).status_code == 404
    incident = complete(api.alice, incident, "triage", TRIAGE)
    incident = complete(api.alice, incident, "l1_diagnose", ESCALATE)
    task = only_task(incident, "l2_investigate")
    response = api.alice.post(f"/api/tasks/{task['id']}/complete", json={"outcome": "escalate"})
    assert response.status_code == 403
    assert "L2" in response.json["message"]


def test_only_the_reporter_confirms(api):
    incident = open_incident(api.rita)
    incident = complete(api.alice, incident, "triage", TRIAGE)
    incident = complete(
        api.alice,
        incident,
        "l1_diagnose",
        {"outcome": "resolved", "resolution": "ok", "service_restored": True},
    )
    task = only_task(incident, "confirm_resolution")
    assert (
        api.alice.post(f"/api/tasks/{task['id']}/complete", json={"confirmed": True}).status_code
        == 403
    )
    assert (
        api.ron.post(f"/api/tasks/{task['id']}/complete", json={"confirmed": True}).status_code
        == 404
    )
    # the reporter's worklist holds their confirmation
    assert [t["key"] for t in api.rita.get("/api/tasks").json] == ["confirm_resolution"]
    assert api.ron.get("/api/tasks").json == []


def test_a_completed_task_cannot_be_completed_again(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    complete(api.alice, incident, "triage", TRIAGE)
    response = api.alice.post(f"/api/tasks/{task['id']}/complete", json=TRIAGE)
    assert response.status_code == 409
    assert response.json["error"] == "conflict"
    assert "completed" in response.json["message"]


def test_a_task_claimed_by_someone_else_cannot_be_completed(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    assert api.alice.post(f"/api/tasks/{task['id']}/claim").json["claimed_by"] == "alice"
    response = api.lena.post(f"/api/tasks/{task['id']}/complete", json=TRIAGE)
    assert response.status_code == 409
    assert "alice" in response.json["message"]
    assert api.lena.post(f"/api/tasks/{task['id']}/claim").status_code == 409
    # only the claimer, or an admin, releases
    assert api.lena.post(f"/api/tasks/{task['id']}/release").status_code == 403
    released = api.adam.post(f"/api/tasks/{task['id']}/release")
    assert released.status_code == 200
    assert released.json["claimed_by"] is None
    assert api.lena.post(f"/api/tasks/{task['id']}/complete", json=TRIAGE).status_code == 200


def test_claiming_assigns_the_incident(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    api.lena.post(f"/api/tasks/{task['id']}/claim")
    assert api.lena.get(f"/api/incidents/{incident['number']}").json["assignee"] == "lena"
    api.lena.post(f"/api/tasks/{task['id']}/release")
    assert api.lena.get(f"/api/incidents/{incident['number']}").json["assignee"] is None
    types = [e["type"] for e in api.lena.get(f"/api/incidents/{incident['number']}/events").json]
    assert types[-2:] == ["task.claimed", "task.released"]


def test_reporters_cannot_open_for_others_but_integrators_can(api):
    body = {"title": "Broken", "description": "x", "reporter": "ron"}
    response = api.rita.post("/api/incidents", json=body)
    assert response.status_code == 403
    incident = api.ivan.post("/api/incidents", json=body).json
    assert incident["reporter"] == "ron"
    assert incident["opened_by"] == "ivan"
    assert incident["reporter_name"] == "Ron Reporter"
    assert incident["reporter_contact"] == "+30 210 555 0100"
    # both the reporter and the integrator who opened it can follow it
    assert api.ron.get(f"/api/incidents/{incident['number']}").status_code == 200
    assert api.ivan.get(f"/api/incidents/{incident['number']}").status_code == 200
    assert api.rita.get(f"/api/incidents/{incident['number']}").status_code == 404


def test_only_integrators_owners_and_admins_start_processes_directly(api):
    for client in (api.rita, api.alice):
        response = client.post("/api/processes/service_request/instances", json={"title": "x"})
        assert response.status_code == 403


def test_reporters_do_not_read_agents_working_notes(api):
    incident = open_incident(api.rita)
    incident = complete(api.alice, incident, "triage", TRIAGE)
    incident = complete(api.alice, incident, "l1_diagnose", ESCALATE)
    incident = complete(
        api.bob,
        incident,
        "l2_investigate",
        {"outcome": "resolved", "resolution": "ok", "service_restored": True, "diagnosis": "x"},
    )
    complete(api.rita, incident, "confirm_resolution", {"confirmed": True})
    mine = api.rita.get(f"/api/incidents/{incident['number']}/events").json
    assert "task.completed" in [e["type"] for e in mine]  # her own confirmation
    assert all(e["data"].get("lane") in (None, "Reporter") for e in mine)
    assert not any("diagnosis" in str(e["data"]) for e in mine)
    assert {"incident.opened", "incident.escalated", "incident.resolved", "incident.closed"} <= {
        e["type"] for e in mine
    }
    everything = api.bob.get(f"/api/incidents/{incident['number']}/events").json
    assert len(everything) > len(mine)
