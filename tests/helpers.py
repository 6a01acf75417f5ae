"""Steps of the incident lifecycle over the HTTP API, for tests and their readers."""

from __future__ import annotations

TRIAGE = {"kind": "incident", "category": "email", "impact": "medium", "urgency": "medium"}
RESOLVED = {
    "outcome": "resolved",
    "resolution": "Restarted the mail gateway",
    "service_restored": True,
}
ESCALATE = {"outcome": "escalate", "escalation_reason": "Needs server access"}


def open_incident(client, **fields):
    body = {"title": "Mail is down", "description": "Outlook cannot connect since 08:00"} | fields
    response = client.post("/api/incidents", json=body)
    assert response.status_code == 201, response.json
    return response.json


def only_task(incident, key=None):
    tasks = incident["open_tasks"]
    assert len(tasks) == 1, tasks
    if key is not None:
        assert tasks[0]["key"] == key, tasks[0]
    return tasks[0]


def complete(client, incident, key, data):
    """Complete the incident's single open task, which must be `key`; return the incident."""
    task = only_task(incident, key)
    response = client.post(f"/api/tasks/{task['id']}/complete", json=data)
    assert response.status_code == 200, response.json
    return response.json["incident"]


def get_incident(client, number):
    response = client.get(f"/api/incidents/{number}")
    assert response.status_code == 200, response.json
    return response.json


def event_types(client, number):
    response = client.get(f"/api/incidents/{number}/events")
    assert response.status_code == 200, response.json
    return [event["type"] for event in response.json]
