"""A worker fires a claimed batch of timers several instances to a transaction.

One instance whose run fails is rolled back alone: the others' firings, breaches
and notices commit, and the failed one keeps nothing of its run (no event, no
notice) and is retried with backoff. Time is the test's clock; nothing sleeps.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from service.services import schedule
from service.worker import TimerWorker
from tests.conftest import START
from tests.helpers import get_incident, open_incident

SAVEPOINTS = "tests.savepoints_released"


def events(client, number, kind):
    return [e for e in client.get(f"/api/incidents/{number}/events").json if e["type"] == kind]


def breach_notices(client, number):
    return [
        n
        for n in client.get("/api/notifications").json
        if n["event"] == "sla.first_response.breached" and n["data"]["number"] == number
    ]


def test_a_failing_run_in_a_batch_is_rolled_back_alone_and_retried(api, svc, clock, monkeypatch):
    healthy = [open_incident(api.rita, title=f"Healthy {i}") for i in range(3)]
    broken = open_incident(api.rita, title="Broken")
    more = [open_incident(api.rita, title=f"Later {i}") for i in range(2)]
    broken_id = broken["instance"]["id"]
    real_sync = schedule.sync

    def sync(session, instance, snapshot, now):
        # Fails late in the run: its breach, notices and audit events are already made.
        if instance.id == broken_id:
            raise RuntimeError("index unavailable")
        real_sync(session, instance, snapshot, now)

    monkeypatch.setattr(schedule, "sync", sync)
    clock.set(START + timedelta(hours=3, seconds=1))  # every first response is now late

    assert TimerWorker(svc, name="w").run_once() == len(healthy) + len(more)

    for incident in [*healthy, *more]:
        [fired] = events(api.alice, incident["number"], "timer.fired")
        assert fired["data"]["late_ms"] == 1000
        assert get_incident(api.alice, incident["number"])["sla"]["first_response"]["state"] == (
            "breached"
        )
        assert len(breach_notices(api.lara, incident["number"])) == 1
    assert events(api.alice, broken["number"], "timer.fired") == []
    assert events(api.alice, broken["number"], "sla.breached") == []
    assert breach_notices(api.lara, broken["number"]) == []
    [timer] = [t for t in api.adam.get("/api/admin/timers").json if t["attempts"]]
    assert timer["incident_number"] == broken["number"]
    assert (timer["state"], timer["attempts"]) == ("waiting", 1)
    assert "index unavailable" in timer["last_error"]

    monkeypatch.undo()
    assert TimerWorker(svc, name="w").run_once() == 0  # backing off
    clock.advance(seconds=10)
    assert TimerWorker(svc, name="w").run_once() == 1
    assert len(events(api.alice, broken["number"], "timer.fired")) == 1
    assert len(breach_notices(api.lara, broken["number"])) == 1


def test_when_a_batchs_commit_fails_its_timers_fire_one_transaction_each(api, svc, clock):
    incidents = [open_incident(api.rita, title=f"Late {i}") for i in range(4)]
    refused = []

    def refuse_batches(session):
        # The hooks run at every savepoint's release too: count them, refuse the commit.
        if session.in_nested_transaction():
            session.info[SAVEPOINTS] = session.info.get(SAVEPOINTS, 0) + 1
        elif (released := session.info.pop(SAVEPOINTS, 0)) > 1:
            refused.append(released)
            raise RuntimeError("a commit this large fails")

    clock.set(START + timedelta(hours=3, seconds=1))
    event.listen(Session, "before_commit", refuse_batches)
    try:
        assert TimerWorker(svc, name="w").run_once() == len(incidents)
    finally:
        event.remove(Session, "before_commit", refuse_batches)

    assert refused == [len(incidents)]
    for incident in incidents:
        assert len(events(api.alice, incident["number"], "timer.fired")) == 1
        assert len(events(api.alice, incident["number"], "sla.breached")) == 1
    assert [t for t in api.adam.get("/api/admin/timers").json if t["attempts"]] == []
