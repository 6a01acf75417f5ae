"""People and steps of the major-incident process, for the major-incident tests."""

from __future__ import annotations

import pytest

from service.worker import TimerWorker
from tests.conftest import Clients, with_more_people
from tests.helpers import TRIAGE, complete, get_incident, open_incident

P1_TRIAGE = TRIAGE | {"impact": "high", "urgency": "high"}
UPDATE = {
    "update": "Mail is down for everyone; the gateway is being replaced",
    "next_steps": "Restart at 10:00",
}
REVIEW = {
    "timeline": "09:00 gateway failed; 09:05 declared major; 09:40 restored",
    "cause": "A full disk on the mail gateway",
    "actions": "Disk alarms at 80 %, owner: ops, by Friday",
}
# name -> (groups, lead of)
MAJOR_PEOPLE = {
    "lars": (("L3",), ("L3",)),  # the L3 lead, told when an update is late
    "max": (("management",), ("management",)),
}


@pytest.fixture
def major_people(app, people) -> Clients:
    """Everyone of `people`, plus the L3 lead and management."""
    return with_more_people(app, people, MAJOR_PEOPLE)


def p1_incident(api, reporter="rita"):
    """A P1 incident, triaged to L3."""
    incident = open_incident(getattr(api, reporter))
    return complete(api.alice, incident, "triage", P1_TRIAGE)


def declare(client, number, reason="Mail down for the whole company", **body):
    response = client.post(f"/api/incidents/{number}/major", json={"reason": reason} | body)
    assert response.status_code == 201, response.json
    return response.json


def major_task(client, number, key):
    incident = get_incident(client, number)
    tasks = [t for t in incident["open_tasks"] if t["key"] == key]
    assert len(tasks) == 1, incident["open_tasks"]
    return tasks[0]


def complete_major(client, number, key, data):
    task = major_task(client, number, key)
    response = client.post(f"/api/tasks/{task['id']}/complete", json=data)
    assert response.status_code == 200, response.json
    return get_incident(client, number)


def run_timers(svc) -> int:
    return TimerWorker(svc, name="major-worker").run_once()


def notes(client, event):
    return [n for n in client.get("/api/notifications").json if n["event"] == event]
