"""A timer whose run never ends stops neither its worker nor the other timers.

Two workers fire the due timers of several incidents, one of which spins
when its first-response timer fires. The spinning run is stopped at its CPU
budget and retried with backoff until it is parked as failed; the other
timers fire on time meanwhile; after a fix and a migration it fires. Time is
the test's clock; nothing sleeps.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from service.config import Settings
from service.models import ProcessInstance
from service.worker import TimerWorker
from tests.api.test_deployments_api import INCIDENT, deploy
from tests.conftest import ON_POSTGRES, START, settings_for
from tests.helpers import get_incident, open_incident

SPINNING = INCIDENT.replace(
    b"""<spiffworkflow:parameter id="event" type="str" value='"breach"' />
            <spiffworkflow:parameter id="group" type="str" value='"L1"' />""",
    b"""<spiffworkflow:parameter id="event" type="str" """
    b"""value='"breach" if sum(range(10 ** 12)) >= 0 else "breach"' />
            <spiffworkflow:parameter id="group" type="str" value='"L1"' />""",
    1,
)
FIXED = SPINNING.replace(b"sum(range(10 ** 12)) >= 0", b"True")
assert SPINNING != INCIDENT and FIXED != SPINNING


@pytest.fixture
def settings(database_url) -> Settings:
    return settings_for(database_url, sandbox_cpu_seconds=0.5)


def both_workers(svc) -> list[int]:
    """Two workers, one timer per claim, at the same moment: how many each fired."""
    workers = [TimerWorker(svc, name=name, batch=1) for name in ("worker-a", "worker-b")]
    barrier = threading.Barrier(len(workers))
    fired = [0] * len(workers)

    def work(index):
        barrier.wait()
        fired[index] = workers[index].run_once()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return fired


def fired_events(api, number) -> list[dict]:
    events = api.alice.get(f"/api/incidents/{number}/events").json
    return [e for e in events if e["type"] == "timer.fired"]


def test_a_spinning_timer_is_parked_while_the_others_fire_on_time(api, svc, clock):
    healthy = [open_incident(api.rita, title=f"Healthy {i}") for i in range(4)]
    assert deploy(api.olga, {"incident.bpmn": SPINNING}).status_code == 201
    poisoned = open_incident(api.rita, title="Poisoned")  # on the new version
    clock.set(START + timedelta(hours=3, seconds=1))  # every first response is now late

    fired = both_workers(svc)

    assert sum(fired) == len(healthy)
    for incident in healthy:
        [event] = fired_events(api, incident["number"])
        assert event["data"]["late_ms"] == 1000  # fired in this round, not held up
        first_response = get_incident(api.alice, incident["number"])["sla"]["first_response"]
        assert first_response["state"] == "breached"
    assert fired_events(api, poisoned["number"]) == []
    [timer] = [t for t in api.adam.get("/api/admin/timers").json if t["attempts"]]
    assert timer["incident_number"] == poisoned["number"]
    assert (timer["state"], timer["attempts"]) == ("waiting", 1)
    assert "CPU budget of 0.5 s" in timer["last_error"]
    assert timer["element_id"] == "first_response_timer"
    # Nothing holds the instance after the run was stopped: its row can be locked at once.
    with svc.db.unit_of_work() as uow:
        if ON_POSTGRES:
            uow.session.execute(text("SET LOCAL lock_timeout = '1s'"))
        uow.session.execute(
            select(ProcessInstance.id)
            .where(ProcessInstance.incident_id == int(poisoned["number"][4:]))
            .with_for_update()
        )

    for backoff in (10, 20, 40, 80):
        clock.advance(seconds=backoff)
        assert both_workers(svc) == [0, 0]
    [failed] = api.adam.get("/api/admin/timers?state=failed").json
    assert (failed["id"], failed["attempts"]) == (timer["id"], 5)
    assert get_incident(api.alice, poisoned["number"])["errors"][0]["kind"] == "timer"

    # The fix as a new version and the instance moved onto it. The move runs the
    # instance, and its overdue timer with it: the parked row is gone, the breach recorded.
    assert deploy(api.olga, {"incident.bpmn": FIXED}).status_code == 201
    moved = api.olga.post(
        "/api/processes/incident/migrations",
        json={
            "source_version": 2,
            "target_version": 3,
            "incidents": [poisoned["number"]],
            "dry_run": False,
        },
    )
    assert moved.status_code == 200, moved.json
    assert [i["outcome"] for i in moved.json["instances"]] == ["moved"], moved.json
    assert api.adam.get("/api/admin/timers?state=failed").json == []
    events = api.alice.get(f"/api/incidents/{poisoned['number']}/events").json
    assert [e["data"]["clock"] for e in events if e["type"] == "sla.breached"] == ["first_response"]
    assert get_incident(api.alice, poisoned["number"])["sla"]["first_response"]["state"] == (
        "breached"
    )
    assert both_workers(svc) == [0, 0]
