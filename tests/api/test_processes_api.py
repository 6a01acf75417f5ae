"""The generic process API for integrators."""

from __future__ import annotations


def test_deployed_processes_are_listed(api):
    processes = {p["id"]: p for p in api.ivan.get("/api/processes").json}
    assert set(processes) == {
        "call",
        "data_breach",
        "incident",
        "major_incident",
        "satisfaction",
        "service_request",
    }
    assert processes["incident"]["name"] == "Incident lifecycle"
    assert processes["incident"]["latest_version"] == 1
    assert processes["incident"]["running_instances"] == 0


def test_an_integrator_starts_and_follows_a_process(api):
    response = api.ivan.post(
        "/api/processes/service_request/instances",
        json={"title": "New laptop", "reporter_name": "Ivan"},
    )
    assert response.status_code == 201, response.json
    instance = response.json
    assert instance["process_id"] == "service_request"
    assert instance["status"] == "running"
    assert instance["started_by"] == "ivan"
    assert instance["incident_number"] is None
    assert instance["data"]["title"] == "New laptop"
    [task] = instance["open_tasks"]
    assert task["key"] == "fulfil_request"
    assert task["incident_number"] is None

    followed = api.ivan.get(f"/api/instances/{instance['id']}").json
    assert followed["open_tasks"] == instance["open_tasks"]
    assert api.rita.get(f"/api/instances/{instance['id']}").status_code == 404
    processes = {p["id"]: p for p in api.ivan.get("/api/processes").json}
    assert processes["service_request"]["running_instances"] == 1

    done = api.alice.post(
        f"/api/tasks/{task['id']}/complete", json={"fulfilled": True, "fulfilment": "Ordered"}
    )
    assert done.status_code == 200
    assert done.json["incident"] is None
    assert done.json["instance"]["status"] == "completed"
    assert api.ivan.get(f"/api/instances/{instance['id']}").json["data"]["fulfilment"] == "Ordered"


def test_unknown_processes_and_instances(api):
    response = api.ivan.post("/api/processes/payroll/instances", json={})
    assert response.status_code == 404
    assert "payroll" in response.json["message"]
    assert api.ivan.get("/api/instances/999").status_code == 404


def test_incidents_are_opened_through_their_own_endpoint(api):
    response = api.ivan.post("/api/processes/incident/instances", json={"title": "x"})
    assert response.status_code == 422
    assert "/api/incidents" in response.json["message"]


def test_me(api):
    assert api.bob.get("/api/me").json == {
        "username": "bob",
        "groups": ["L2"],
        "language": "en",
        "time_zone": "UTC",
    }
    assert api.rita.get("/api/me").json["groups"] == []
