"""The status-update cadence of a major incident, with the clock under the test's control."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import START
from tests.helpers import TRIAGE, complete, get_incident, open_incident
from tests.major import (
    UPDATE,
    complete_major,
    declare,
    major_people,  # noqa: F401 (a fixture)
    notes,
    p1_incident,
    run_timers,
)


@pytest.fixture
def api(major_people):  # noqa: F811
    return major_people


def at(**delta):
    return START + timedelta(**delta)


def test_a_p1_update_is_due_after_30_minutes_then_reminded_then_escalated(api, svc, clock):
    number = p1_incident(api)["number"]
    major = declare(api.carol, number)
    assert major["next_update_due_at"] == at(minutes=30).isoformat()

    clock.set(at(minutes=29, seconds=59))
    run_timers(svc)
    assert notes(api.carol, "major.update_late") == []

    clock.set(at(minutes=30, seconds=1))
    run_timers(svc)
    [reminder] = notes(api.carol, "major.update_late")
    assert reminder["recipient"] == "carol"  # the manager, by name
    assert reminder["data"]["due_at"] == at(minutes=30).isoformat()
    assert notes(api.lars, "major.update_escalated") == []

    clock.set(at(minutes=44))
    run_timers(svc)
    assert notes(api.lars, "major.update_escalated") == []
    clock.set(at(minutes=45, seconds=1))
    run_timers(svc)
    [escalation] = notes(api.lars, "major.update_escalated")
    assert escalation["recipient"] == "lars"  # the L3 lead
    assert escalation["data"]["late_seconds"] == 15 * 60 + 1
    assert len(notes(api.carol, "major.update_late")) == 1  # reminded once

    events = api.carol.get(f"/api/incidents/{number}/events").json
    late = [(e["type"], e["actor"]) for e in events if e["type"].startswith("major.update_")]
    assert late == [("major.update_late", "system"), ("major.update_escalated", "system")]


def test_an_update_on_time_restarts_the_cadence_and_nothing_fires(api, svc, clock):
    number = p1_incident(api)["number"]
    declare(api.carol, number)
    clock.set(at(minutes=25))
    seen = complete_major(api.carol, number, "write_update", UPDATE)
    assert seen["major"]["next_update_due_at"] == at(minutes=55).isoformat()

    clock.set(at(minutes=50))
    run_timers(svc)
    assert notes(api.carol, "major.update_late") == []
    clock.set(at(minutes=55, seconds=1))
    run_timers(svc)
    assert len(notes(api.carol, "major.update_late")) == 1


def test_a_late_update_still_counts_and_the_next_one_is_due_a_cadence_later(api, svc, clock):
    number = p1_incident(api)["number"]
    declare(api.carol, number)
    clock.set(at(minutes=40))
    run_timers(svc)
    seen = complete_major(api.carol, number, "write_update", UPDATE)
    assert seen["major"]["last_update_at"] == at(minutes=40).isoformat()
    assert seen["major"]["next_update_due_at"] == at(minutes=70).isoformat()
    # The escalation of the old due time was cancelled with the task it watched.
    clock.set(at(minutes=46))
    run_timers(svc)
    assert notes(api.lars, "major.update_escalated") == []


def test_a_p2_update_is_due_after_an_hour(api, clock):
    incident = open_incident(api.rita)
    incident = complete(api.alice, incident, "triage", TRIAGE | {"impact": "high"})
    assert incident["priority"] == "P2"
    major = declare(api.carol, incident["number"])
    assert major["next_update_due_at"] == at(hours=1).isoformat()
    assert get_incident(api.rita, incident["number"])["major"]["update_minutes"] == 60
