"""One instance is worked by one request at a time, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from service.models import Incident
from tests.helpers import TRIAGE, complete, only_task, open_incident

CONCURRENCY = 8


def race(calls):
    """Run the calls at the same moment; return their results."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_of_concurrent_completions_of_one_task_exactly_one_succeeds(api, app, people):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    clients = [getattr(api, name) for name in ["alice", "lena"] * (CONCURRENCY // 2)]
    responses = race(
        [
            lambda client=client: client.post(f"/api/tasks/{task['id']}/complete", json=TRIAGE)
            for client in clients
        ]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (CONCURRENCY - 1), [r.json for r in responses]
    events = api.alice.get(f"/api/incidents/{incident['number']}/events").json
    assert [e["type"] for e in events].count("task.completed") == 1
    assert [e["type"] for e in events].count("incident.prioritised") == 1
    current = api.alice.get(f"/api/incidents/{incident['number']}").json
    assert only_task(current, "l1_diagnose")["state"] == "ready"


def test_of_concurrent_claims_exactly_one_wins(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    responses = race(
        [
            lambda client=client: client.post(f"/api/tasks/{task['id']}/claim")
            for client in [api.alice, api.lena] * (CONCURRENCY // 2)
        ]
    )
    winners = {r.json["claimed_by"] for r in responses if r.status_code == 200}
    assert len(winners) == 1
    # the winner's repeated claims succeed too; the other agent's are refused
    loser_codes = {r.status_code for r in responses if r.status_code != 200}
    assert loser_codes <= {409}
    assert len(loser_codes) == 1


def test_different_incidents_progress_in_parallel(api):
    incidents = [open_incident(api.rita, title=f"Incident {i}") for i in range(CONCURRENCY)]
    results = race(
        [
            lambda incident=incident: complete(api.alice, incident, "triage", TRIAGE)
            for incident in incidents
        ]
    )
    assert {r["status"] for r in results} == {"in_progress"}


def test_a_retried_create_with_the_same_key_makes_one_incident(api, svc):
    body = {"title": "VPN down", "description": "No tunnel"}
    responses = race(
        [
            lambda: api.ivan.post(
                "/api/incidents",
                json=body | {"reporter_name": "Desk phone", "reporter_contact": "ext 100"},
                headers={"Idempotency-Key": "retry-42"},
            )
            for _ in range(CONCURRENCY)
        ]
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json["number"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == CONCURRENCY - 1
    with svc.db.read() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Incident)) == 1
