"""The turnaround times, enforced by the process's timers and fired by the worker.

Time is the test's: the clock fixture moves the whole process's clock, so the
engine's timers and the services agree on what "now" is. Nothing sleeps.
"""

from __future__ import annotations

from datetime import timedelta

from service.worker import TimerWorker
from tests.conftest import START
from tests.helpers import RESOLVED, TRIAGE, complete, get_incident, open_incident

P1_TRIAGE = TRIAGE | {"impact": "high", "urgency": "high"}


def worker(svc, name="worker-a", **kwargs) -> TimerWorker:
    return TimerWorker(svc, name=name, **kwargs)


def events(client, number, kind=None):
    found = client.get(f"/api/incidents/{number}/events").json
    return [e for e in found if kind is None or e["type"] == kind]


def notified(client, event=None):
    found = client.get("/api/notifications").json
    return [n for n in found if event is None or n["event"] == event]


def at(**delta):
    return START + timedelta(**delta)


def test_a_missed_first_response_notifies_the_l1_lead_and_the_incident_stays(api, svc, clock):
    incident = open_incident(api.rita)  # nothing said: P3, first response within 3 hours
    clock.set(at(hours=2, minutes=59, seconds=59))
    assert worker(svc).run_once() == 0  # never early
    clock.set(at(hours=3, seconds=1))
    assert worker(svc).run_once() == 1

    now = get_incident(api.alice, incident["number"])
    assert now["status"] == "new"
    assert [t["key"] for t in now["open_tasks"]] == ["triage"]
    clock_view = now["sla"]["first_response"]
    assert clock_view["state"] == "breached"
    assert clock_view["remaining_seconds"] == -1
    [breach] = events(api.alice, incident["number"], "sla.breached")
    assert breach["data"]["clock"] == "first_response"
    [note] = notified(api.lara, "sla.first_response.breached")
    assert note["incident_number"] == incident["number"]
    assert note["recipient"] == "lara"
    assert notified(api.alice) == []  # the lead, not the whole group
    fired = events(api.alice, incident["number"], "timer.fired")
    assert fired[0]["data"]["late_ms"] == 1000


def test_a_triage_in_time_meets_the_first_response(api, svc, clock):
    incident = open_incident(api.rita)
    clock.set(at(hours=1))
    incident = complete(api.alice, incident, "triage", TRIAGE)
    assert incident["sla"]["first_response"]["state"] == "met"
    clock.set(at(hours=3, seconds=1))
    assert worker(svc).run_once() == 0
    assert get_incident(api.alice, incident["number"])["sla"]["first_response"]["state"] == "met"


def test_warning_at_75_percent_then_one_escalation_at_the_breach(api, svc, clock):
    incident = open_incident(api.rita)
    # P3: 24 h, warning at 18 h, in Athens business hours (Mon-Fri 09:00-17:00, +02:00):
    # reported Monday 11:00, so 6 h on Monday, then 8 h a day.
    incident = complete(api.alice, incident, "triage", TRIAGE)
    resolution = incident["sla"]["resolution"]
    assert resolution["due_at"] == "2026-03-05T09:00:00+00:00"  # Thursday 11:00
    assert resolution["state"] == "running"
    assert resolution["at_risk"] is False
    assert resolution["calendar"] == "athens-business"

    clock.set(at(hours=18, seconds=1))
    assert worker(svc).run_once() == 0  # the night does not count
    clock.set(at(days=2, hours=2, seconds=1))  # Wednesday 13:00
    assert worker(svc).run_once() == 1
    now = get_incident(api.alice, incident["number"])
    assert now["sla"]["resolution"]["at_risk"] is True
    assert [n["recipient_group"] for n in notified(api.alice, "sla.resolution.warning")] == ["L1"]
    at_risk = api.alice.get("/api/incidents?sla=at_risk").json
    assert [i["number"] for i in at_risk] == [incident["number"]]

    clock.set(at(days=3, seconds=1))
    assert worker(svc).run_once() == 1
    now = get_incident(api.alice, incident["number"])
    assert now["tier"] == "L2"
    assert [t["key"] for t in now["open_tasks"]] == ["l2_investigate"]
    assert now["sla"]["resolution"]["state"] == "breached"
    [escalation] = events(api.alice, incident["number"], "incident.escalated")
    assert escalation["data"]["reason"] == "resolution target missed"
    assert escalation["data"]["trigger"] == "timer"
    assert [n["recipient"] for n in notified(api.lara, "sla.resolution.breached")] == ["lara"]
    # L2 arms its own timers for the same, already missed, deadline: no second
    # warning, no second breach, no escalation to L3.
    assert len(events(api.alice, incident["number"], "sla.breached")) == 1
    assert len(events(api.alice, incident["number"], "sla.warning")) == 1
    assert notified(api.bert, "sla.resolution.breached") == []
    breached = api.alice.get("/api/incidents?sla=breached").json
    assert [i["number"] for i in breached] == [incident["number"]]
    assert api.alice.get("/api/incidents?sla=at_risk").json == []


def test_a_breach_at_l3_is_recorded_but_goes_nowhere(api, svc, clock):
    incident = complete(api.alice, open_incident(api.rita), "triage", P1_TRIAGE)  # P1: 4 h
    assert incident["tier"] == "L3"
    clock.set(at(hours=4, seconds=1))
    assert worker(svc).run_once() >= 1
    now = get_incident(api.carol, incident["number"])
    assert now["tier"] == "L3"
    assert [t["key"] for t in now["open_tasks"]] == ["l3_resolve"]
    assert now["sla"]["resolution"]["state"] == "breached"


def test_re_prioritising_moves_both_deadlines_and_the_audit_trail_says_so(api, svc, clock):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    clock.set(at(hours=1))
    incident = complete(
        api.alice,
        incident,
        "l1_diagnose",
        {
            "outcome": "reprioritise",
            "impact": "high",
            "urgency": "high",
            "reprioritise_reason": "CEO",
        },
    )
    assert incident["priority"] == "P1"
    assert incident["tier"] == "L3"
    assert incident["sla"]["resolution"]["due_at"] == "2026-03-02T13:00:00+00:00"
    changed = events(api.alice, incident["number"], "sla.due_changed")
    by_clock = {e["data"]["clock"]: e["data"] for e in changed}
    assert by_clock["resolution"] == {
        "clock": "resolution",
        "old_due_at": "2026-03-05T09:00:00+00:00",  # P3 in business hours
        "new_due_at": "2026-03-02T13:00:00+00:00",  # P1 around the clock
    }
    assert by_clock["first_response"]["new_due_at"] == "2026-03-02T10:00:00+00:00"
    prioritised = events(api.alice, incident["number"], "incident.prioritised")[-1]
    assert (prioritised["data"]["previous_priority"], prioritised["data"]["priority"]) == (
        "P3",
        "P1",
    )
    assert prioritised["data"]["reason"] == "CEO"
    # The L3 timers use the new deadline.
    clock.set(at(hours=4, seconds=1))
    assert worker(svc).run_once() >= 1
    assert get_incident(api.alice, incident["number"])["sla"]["resolution"]["state"] == "breached"


def test_on_hold_pauses_the_resolution_clock_until_the_reporter_replies(api, svc, clock):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    clock.set(at(hours=1))
    incident = complete(
        api.alice, incident, "l1_diagnose", {"outcome": "on_hold", "hold_reason": "Send the logs"}
    )
    assert incident["status"] == "on_hold"
    assert incident["hold_reason"] == "Send the logs"
    assert incident["open_tasks"] == []

    clock.set(at(hours=6))
    held = get_incident(api.rita, incident["number"])
    assert held["sla"]["resolution"]["state"] == "paused"
    assert held["sla"]["resolution"]["paused_seconds"] == 5 * 3600
    assert held["sla"]["resolution"]["remaining_seconds"] == 23 * 3600  # frozen at the hold
    assert held["sla"]["first_response"]["state"] == "met"  # never pauses
    assert worker(svc).run_once() == 0  # no timers wait while on hold

    # An agent's note does not end the hold; the reporter's reply does.
    api.alice.post(f"/api/incidents/{incident['number']}/comments", json={"body": "Any news?"})
    assert get_incident(api.alice, incident["number"])["status"] == "on_hold"
    reply = api.rita.post(
        f"/api/incidents/{incident['number']}/comments", json={"body": "Attached"}
    )
    assert reply.status_code == 201, reply.json
    resumed = reply.json["incident"]
    assert resumed["status"] == "in_progress"
    assert resumed["hold_reason"] is None
    assert [t["key"] for t in resumed["open_tasks"]] == ["l1_diagnose"]
    assert resumed["open_tasks"][0]["claimed_by"] == "alice"
    resolution = resumed["sla"]["resolution"]
    # 24 working hours + 5 held (Monday 12:00-17:00 in Athens): Thursday 16:00.
    assert resolution["due_at"] == "2026-03-05T14:00:00+00:00"
    assert resolution["paused_seconds"] == 5 * 3600
    assert resolution["state"] == "running"
    types = [e["type"] for e in events(api.alice, incident["number"])]
    assert "incident.on_hold" in types and "incident.resumed" in types

    clock.set(at(days=3, seconds=1))  # the old deadline passes quietly
    assert worker(svc).run_once() == 1  # the 75 % warning, at 23 working hours now
    assert get_incident(api.alice, incident["number"])["tier"] == "L1"
    clock.set(at(days=3, hours=5, seconds=1))
    assert worker(svc).run_once() == 1
    assert get_incident(api.alice, incident["number"])["tier"] == "L2"


def test_a_resolved_incident_closes_itself_without_an_answer(api, svc, clock):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    clock.set(at(hours=2))
    incident = complete(api.alice, incident, "l1_diagnose", RESOLVED)
    assert incident["status"] == "resolved"
    assert incident["sla"]["resolution"]["state"] == "met"
    clock.set(at(days=5, hours=1, minutes=59))
    assert worker(svc).run_once() == 0
    clock.set(at(days=5, hours=2, seconds=1))
    assert worker(svc).run_once() == 1
    closed = get_incident(api.alice, incident["number"])
    assert closed["status"] == "closed"
    assert closed["closure_code"] == "auto_closed"
    assert closed["open_tasks"] == []


def test_timers_that_fell_due_while_down_fire_at_start_in_due_order(api, svc, clock):
    first = open_incident(api.rita, impact="high", urgency="high")  # first response in 1 h
    clock.set(at(minutes=10))
    second = open_incident(api.rita)  # 3 h after 00:10
    clock.set(at(minutes=20))
    third = open_incident(api.rita, impact="high", urgency="medium")  # 2 h after 00:20
    clock.set(at(days=2))  # everything was down
    assert worker(svc).run_once() == 3
    fired = []
    for incident in (first, second, third):
        [event] = events(api.alice, incident["number"], "timer.fired")
        fired.append((event["id"], event["data"]["due_at"], incident["number"]))
    assert [number for _, _, number in sorted(fired)] == [
        number for _, _, number in sorted(fired, key=lambda f: f[1])
    ]
    assert [n for _, _, n in sorted(fired)] == [first["number"], third["number"], second["number"]]


def test_a_worker_that_died_mid_fire_loses_its_lease_and_the_timer_fires_once(api, svc, clock):
    from service.services import schedule, timers

    incident = open_incident(api.rita)
    clock.set(at(hours=3, seconds=1))
    [claimed] = schedule.claim_due(svc, "dead-worker")  # ... and then it died
    assert worker(svc, "alive").run_once() == 0  # the lease still holds
    assert worker(svc, "alive").seconds_to_next() == 60  # wakes when the lease ends
    clock.set(at(hours=3, minutes=1, seconds=2))
    assert worker(svc, "alive").run_once() == 1
    assert timers.fire(svc, claimed, "dead-worker") is False  # too late: it is gone
    assert len(events(api.alice, incident["number"], "timer.fired")) == 1
    assert len(notified(api.lara, "sla.first_response.breached")) == 1


def test_a_failing_timer_backs_off_then_waits_for_an_admin(api, svc, clock, monkeypatch):
    from service.services import sla

    incident = open_incident(api.rita)

    def broken(*args, **kwargs):
        raise RuntimeError("mail relay on fire")

    monkeypatch.setattr(sla, "record_event", broken)
    clock.set(at(hours=3, seconds=1))
    for attempt, backoff in enumerate([10, 20, 40, 80], start=1):
        assert worker(svc).run_once() == 0
        [timer] = api.adam.get("/api/admin/timers").json
        assert (timer["attempts"], timer["state"]) == (attempt, "waiting")
        assert worker(svc).run_once() == 0  # backing off
        clock.advance(seconds=backoff)
    assert worker(svc).run_once() == 0
    failed = api.adam.get("/api/admin/timers?state=failed").json
    assert len(failed) == 1
    assert failed[0]["attempts"] == 5
    assert "mail relay on fire" in failed[0]["last_error"]
    assert failed[0]["incident_number"] == incident["number"]
    assert get_incident(api.alice, incident["number"])["errors"][0]["kind"] == "timer"
    assert get_incident(api.rita, incident["number"])["errors"] == []
    assert api.alice.get("/api/admin/timers").status_code == 403
    assert len(events(api.alice, incident["number"], "timer.failed")) == 1
    assert worker(svc).run_once() == 0  # failed timers are left alone

    monkeypatch.undo()
    retried = api.adam.post(f"/api/admin/timers/{failed[0]['id']}/retry")
    assert retried.status_code == 200, retried.json
    assert worker(svc).run_once() == 1
    assert (
        get_incident(api.alice, incident["number"])["sla"]["first_response"]["state"] == "breached"
    )
    assert api.adam.get("/api/admin/timers?state=failed").json == []


def test_the_worker_sleeps_until_the_next_due_time(api, svc, clock):
    patient = worker(svc, max_idle=timedelta(days=1))
    assert patient.seconds_to_next() == 24 * 3600  # nothing waits
    open_incident(api.rita)  # first response due in 3 h
    assert patient.seconds_to_next() == 3 * 3600
    clock.advance(minutes=30)
    open_incident(api.rita, impact="high", urgency="high")  # due in 1 h: earlier
    assert patient.seconds_to_next() == 3600
    assert worker(svc).seconds_to_next() == 60  # by default never idle longer than a minute


def test_a_commit_that_adds_a_timer_wakes_workers_in_this_process(api, svc):
    svc.wakeup._event.clear()
    open_incident(api.rita)
    assert svc.wakeup._event.is_set()


def test_two_workers_at_once_fire_each_timer_exactly_once(api, svc, clock):
    import threading

    numbers = [open_incident(api.rita, title=f"Outage {i}")["number"] for i in range(24)]
    clock.set(at(hours=3, seconds=1))
    barrier = threading.Barrier(2)
    fired = {}

    def work(name):
        barrier.wait()
        fired[name] = worker(svc, name, batch=5).run_once()

    threads = [threading.Thread(target=work, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fired["w1"] + fired["w2"] == 24
    for number in numbers:
        assert len(events(api.alice, number, "timer.fired")) == 1
    assert len(notified(api.lara, "sla.first_response.breached")) == 24


def test_the_worker_loop_wakes_for_due_timers(api, svc, clock):
    """The loop `serve` runs in a thread on SQLite: it fires what falls due."""
    import time

    from service.worker import start_in_thread

    incident = open_incident(api.rita)
    threads, stop = start_in_thread(svc)
    try:
        clock.set(at(hours=3, seconds=1))
        svc.wakeup.notify()  # the clock jumped; a real one would have reached the due time
        deadline = time.monotonic() + 20
        while not events(api.alice, incident["number"], "timer.fired"):
            assert time.monotonic() < deadline, "the worker did not fire the due timer"
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    assert (
        get_incident(api.alice, incident["number"])["sla"]["first_response"]["state"] == "breached"
    )
