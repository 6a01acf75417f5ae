"""Automatic assignment keeps one round per group across processes and concurrent
requests; whoever is handed a task is mailed."""

from __future__ import annotations

from collections import Counter

import pytest

from service import create_app
from service.worker import DeliveryWorker
from tests.conftest import Clients
from tests.helpers import only_task, open_incident
from tests.integration.test_concurrency import race

L1 = ("alice", "lena", "lara")


@pytest.fixture
def settings(settings, smtp):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=smtp.port)


def test_two_service_processes_continue_the_same_round(app, api, settings, clock, people):
    api.adam.put("/api/groups/L1/assignment", json={"mode": "round_robin"})
    # A second application on the same database: another worker process.
    other = create_app(settings, clock=clock)
    try:
        elsewhere = Clients(other, people)
        taken = [
            only_task(open_incident(client.rita))["claimed_by"]
            for client in (api, elsewhere, api, elsewhere)
        ]
    finally:
        other.extensions["incident_desk"].close()
    assert taken == ["alice", "lena", "lara", "alice"]


def test_concurrent_new_tasks_are_shared_out_evenly(api):
    api.adam.put("/api/groups/L1/assignment", json={"mode": "round_robin"})
    opened = race([lambda: open_incident(api.rita) for _ in range(6)])
    held = Counter(only_task(incident)["claimed_by"] for incident in opened)
    assert held == Counter({name: 2 for name in L1})


def test_the_assignee_is_mailed_who_handed_them_what(api, svc, smtp):
    incident = open_incident(api.rita, title="Printer <jams>")
    task = only_task(incident)["id"]
    api.alice.post(f"/api/tasks/{task}/assign", json={"user": "lena"})
    DeliveryWorker(svc, name="test-sender").run_once()
    [mail] = smtp.inbox.to("lena@desk.example.org")
    assert mail["Subject"].startswith(f"[{incident['number']}]")
    assert "For you: Triage ticket" in mail["Subject"]
    assert "alice has handed you" in mail.as_string()
    assert smtp.inbox.to("alice@desk.example.org") == []
