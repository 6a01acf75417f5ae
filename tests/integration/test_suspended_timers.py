"""Suspended instances keep their timers waiting; terminating races a completion.

Time is the test's clock; nothing sleeps. Each test runs on SQLite and, with
INCIDENT_DESK_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import update

from service.models import Timer
from service.services import schedule
from service.worker import TimerWorker
from tests.conftest import START
from tests.helpers import RESOLVED, TRIAGE, complete, get_incident, only_task, open_incident

WHY = {"reason": "waiting for the vendor"}


def at(**delta):
    return START + timedelta(**delta)


def events(client, number, kind):
    return [e for e in client.get(f"/api/incidents/{number}/events").json if e["type"] == kind]


def post(client, incident, name, **body):
    return client.post(f"/api/instances/{incident['instance']['id']}/{name}", json=WHY | body)


def test_a_suspended_instances_timer_waits_and_fires_at_the_sweep_after_resume(api, svc, clock):
    held = open_incident(api.rita, title="Held")
    other = open_incident(api.rita, title="Not held")
    assert post(api.olga, held, "suspend").status_code == 200

    clock.set(at(hours=3, seconds=1))  # both first responses are now late
    assert TimerWorker(svc).run_once() == 1  # only the instance that is not held
    assert events(api.alice, other["number"], "timer.fired")
    assert events(api.alice, held["number"], "timer.fired") == []
    # The worker does not wake for a timer it may not fire.
    wakeup = schedule.next_wakeup(svc)
    assert wakeup is None or wakeup > at(hours=3, seconds=1)
    # The SLA clock keeps running while suspended and shows the target missed;
    # the breach (escalation, notices) is recorded when the timer fires after resume.
    sla = get_incident(api.alice, held["number"])["sla"]["first_response"]
    assert sla["state"] == "breached"
    assert events(api.alice, held["number"], "sla.breached") == []

    clock.set(at(hours=5))
    resumed = post(api.olga, held, "resume")
    assert resumed.status_code == 200, resumed.json
    [back] = events(api.alice, held["number"], "instance.resumed")
    assert back["data"]["due_timers"] is True
    assert TimerWorker(svc).run_once() == 1
    [fired] = events(api.alice, held["number"], "timer.fired")
    assert fired["data"]["late_ms"] == 2 * 3600 * 1000  # due at 3 h, fired at 5 h
    assert events(api.alice, held["number"], "sla.breached")


def test_retry_runs_a_failed_timer_again_at_once(api, svc, clock):
    incident = open_incident(api.rita)
    clock.set(at(hours=3, seconds=1))
    with svc.db.unit_of_work() as uow:  # as the worker leaves it once attempts run out
        uow.session.execute(
            update(Timer).values(state=schedule.FAILED, attempts=5, last_error="Boom: vendor")
        )
        uow.commit()
    assert TimerWorker(svc).run_once() == 0

    retried = post(api.olga, incident, "retry", reason="the vendor fixed their side")
    assert retried.status_code == 200, retried.json
    [event] = events(api.alice, incident["number"], "instance.retried")
    assert event["data"]["elements"] == ["first_response_timer"]
    assert event["data"]["last_error"] == "Boom: vendor"
    assert event["actor"] == "olga"
    assert events(api.alice, incident["number"], "sla.breached")
    assert api.adam.get("/api/admin/timers?state=failed").json == []
    assert post(api.olga, incident, "retry").status_code == 409  # nothing failed any more


def race(calls):
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_a_terminate_racing_the_last_completion_exactly_one_wins(api):
    for _ in range(3):
        incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
        incident = complete(api.alice, incident, "l1_diagnose", RESOLVED)
        task = only_task(incident, "confirm_resolution")
        confirm, terminate = race(
            [
                lambda task=task: api.rita.post(
                    f"/api/tasks/{task['id']}/complete", json={"confirmed": True}
                ),
                lambda incident=incident: post(api.olga, incident, "terminate"),
            ]
        )
        assert sorted([confirm.status_code, terminate.status_code]) == [200, 409], (
            confirm.json,
            terminate.json,
        )
        after = get_incident(api.alice, incident["number"])
        assert after["status"] == "closed"
        if terminate.status_code == 200:
            assert after["closure_code"] == "terminated"
            # Its task row went with the instance: "cancelled", or "terminated" if
            # the completion read the row before the terminate committed.
            assert any(word in confirm.json["detail"] for word in ("cancelled", "terminated"))
        else:
            assert after["closure_code"] == "confirmed_by_reporter"
            assert after["instance"]["status"] == "completed"
        closed = events(api.alice, incident["number"], "incident.closed")
        assert len(closed) == 1
