"""SLA clocks in business hours: P3 counts Athens working time, on the timers and in the API.

The shipped sla.dmn counts P3-P5 in `athens-business` (Europe/Athens, Mon-Fri
09:00-17:00, Greek public holidays). Athens is +02:00 in these weeks of March.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from service.services import sign_in
from service.worker import TimerWorker
from tests.api.test_deployments_api import deploy
from tests.conftest import PROCESSES
from tests.helpers import TRIAGE, complete, get_incident, open_incident
from tests.web.test_pages import PASSWORD, Browser

CALENDAR = PROCESSES / "calendars" / "athens-business.calendar.json"
HOURS = 3600


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def fired(svc) -> int:
    return TimerWorker(svc, name="worker-a").run_once()


def events(client, number, kind):
    return [e for e in client.get(f"/api/incidents/{number}/events").json if e["type"] == kind]


def test_a_p3_reported_friday_at_16_counts_business_hours(api, svc, clock):
    clock.set(utc(2026, 3, 6, 14))  # Friday 16:00 in Athens
    incident = open_incident(api.rita)
    first = incident["sla"]["first_response"]
    # 3 working hours: Friday 16:00-17:00, then Monday 09:00-11:00.
    assert (first["due_at"], first["calendar"]) == ("2026-03-09T09:00:00+00:00", "athens-business")
    incident = complete(api.alice, incident, "triage", TRIAGE)
    resolution = incident["sla"]["resolution"]
    # 24 working hours: 1 on Friday, 8 on Monday and Tuesday, 7 on Wednesday.
    assert resolution["due_at"] == "2026-03-11T14:00:00+00:00"
    assert resolution["remaining_seconds"] == 24 * HOURS

    clock.set(utc(2026, 3, 7, 12))  # Saturday: the clock stood still since Friday 17:00
    weekend = get_incident(api.rita, incident["number"])["sla"]["resolution"]
    assert (weekend["state"], weekend["remaining_seconds"]) == ("running", 23 * HOURS)
    assert weekend["due_at"] == "2026-03-11T14:00:00+00:00"  # when it runs out
    assert fired(svc) == 0

    # The 75 % warning: 18 working hours, Wednesday 10:00 in Athens.
    clock.set(utc(2026, 3, 11, 7, 59, 59))
    assert fired(svc) == 0
    clock.set(utc(2026, 3, 11, 8, 0, 1))
    assert fired(svc) == 1
    warned = get_incident(api.alice, incident["number"])["sla"]["resolution"]
    assert warned["at_risk"] is True
    assert warned["remaining_seconds"] == 6 * HOURS - 1
    assert len(events(api.alice, incident["number"], "sla.warning")) == 1

    clock.set(utc(2026, 3, 11, 13, 59, 59))
    assert fired(svc) == 0
    clock.set(utc(2026, 3, 11, 14, 0, 1))
    assert fired(svc) == 1
    breached = get_incident(api.alice, incident["number"])
    assert breached["tier"] == "L2"
    assert breached["sla"]["resolution"]["state"] == "breached"


def test_a_hold_over_the_weekend_counts_working_time_only(api, svc, clock):
    clock.set(utc(2026, 3, 5, 8))  # Thursday 10:00 in Athens
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    # Thursday 7, Friday 8, Monday 8, Tuesday 1: Tuesday 10:00.
    assert incident["sla"]["resolution"]["due_at"] == "2026-03-10T08:00:00+00:00"

    clock.set(utc(2026, 3, 6, 13))  # Friday 15:00
    complete(api.alice, incident, "l1_diagnose", {"outcome": "on_hold", "hold_reason": "Logs?"})
    clock.set(utc(2026, 3, 8, 12))  # Sunday
    held = get_incident(api.rita, incident["number"])["sla"]["resolution"]
    assert held["state"] == "paused"
    assert held["paused_seconds"] == 2 * HOURS  # Friday 15:00-17:00
    # Frozen at the hold: Friday 2, Monday 8, Tuesday 1.
    assert held["remaining_seconds"] == 11 * HOURS

    clock.set(utc(2026, 3, 9, 8))  # Monday 10:00: the reporter answers
    reply = api.rita.post(f"/api/incidents/{incident['number']}/comments", json={"body": "Here"})
    assert reply.status_code == 201, reply.json
    resolution = reply.json["incident"]["sla"]["resolution"]
    assert resolution["paused_seconds"] == 3 * HOURS  # the weekend is not counted
    assert resolution["due_at"] == "2026-03-10T11:00:00+00:00"  # Tuesday 13:00
    assert resolution["remaining_seconds"] == 11 * HOURS
    [moved] = [
        e
        for e in events(api.alice, incident["number"], "sla.due_changed")
        if e["data"]["clock"] == "resolution"
    ]
    assert moved["data"]["old_due_at"] == "2026-03-10T08:00:00+00:00"


def test_a_p1_keeps_counting_around_the_clock(api, clock):
    clock.set(utc(2026, 3, 6, 14))  # Friday 16:00 in Athens
    incident = open_incident(api.rita, impact="high", urgency="high")
    incident = complete(
        api.alice, incident, "triage", TRIAGE | {"impact": "high", "urgency": "high"}
    )
    resolution = incident["sla"]["resolution"]
    assert (resolution["calendar"], resolution["due_at"]) == ("24x7", "2026-03-06T18:00:00+00:00")


def test_a_changed_calendar_moves_running_incidents_when_they_migrate(api, svc, clock):
    clock.set(utc(2026, 3, 6, 14))
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    assert incident["sla"]["resolution"]["due_at"] == "2026-03-11T14:00:00+00:00"
    changed = json.loads(CALENDAR.read_text())
    changed["closed"] = ["2026-03-09"]  # the desk closes on Monday
    response = deploy(api.olga, {"athens-business.calendar.json": json.dumps(changed).encode()})
    assert response.status_code == 201, response.json
    assert {p["process_id"]: p["version"] for p in response.json["processes"]}["incident"] == 2
    # Untouched until it moves: it keeps counting in the calendar it started with.
    assert get_incident(api.alice, incident["number"])["sla"]["resolution"]["due_at"] == (
        "2026-03-11T14:00:00+00:00"
    )

    moved = api.olga.post(
        "/api/processes/incident/migrations",
        json={"source_version": 1, "target_version": 2, "all": True, "dry_run": False},
    )

    assert moved.status_code == 200, moved.json
    assert moved.json["counts"]["moved"] == 1
    after = get_incident(api.alice, incident["number"])["sla"]["resolution"]
    assert after["due_at"] == "2026-03-12T14:00:00+00:00"  # one working day later
    [due] = [
        e
        for e in events(api.alice, incident["number"], "sla.due_changed")
        if e["data"]["clock"] == "resolution"
    ]
    assert (due["data"]["old_due_at"], due["data"]["new_due_at"]) == (
        "2026-03-11T14:00:00+00:00",
        "2026-03-12T14:00:00+00:00",
    )


def test_the_incident_page_shows_working_time_left_and_its_calendar(app, api, svc, clock):
    sign_in.set_password(svc, "alice", PASSWORD)
    clock.set(utc(2026, 3, 6, 14))
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    clock.set(utc(2026, 3, 7, 12))
    page = Browser(app)
    page.sign_in("alice")

    text = page.get(f"/incidents/{incident['number']}").get_data(as_text=True)

    # Saturday: when it runs out, and the working time left (none since Friday 17:00).
    assert (
        "due 2026-03-11 14:00 UTC, 23h 00m left (working time of the athens-business calendar)"
    ) in text
