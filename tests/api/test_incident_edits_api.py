"""Correcting an incident's facts over HTTP: priority and deadlines follow as at triage."""

from __future__ import annotations

from datetime import timedelta

from service.worker import TimerWorker
from tests.conftest import START
from tests.helpers import RESOLVED, TRIAGE, complete, event_types, get_incident, open_incident


def triaged(api):
    incident = open_incident(api.rita)
    return complete(api.alice, incident, "triage", TRIAGE)


def test_a_new_impact_and_urgency_recompute_priority_targets_and_deadlines(api, clock):
    incident = triaged(api)
    assert incident["priority"] == "P3"
    assert incident["resolution_target"] == "PT24H"
    clock.advance(hours=1)
    edited = api.alice.patch(
        f"/api/incidents/{incident['number']}", json={"impact": "high", "urgency": "high"}
    )
    assert edited.status_code == 200, edited.json
    body = edited.json
    assert (body["priority"], body["impact"], body["urgency"]) == ("P1", "high", "high")
    assert body["resolution_target"] == "PT4H"
    # from when it was reported, as at triage
    due = (START + timedelta(hours=4)).isoformat().replace("+00:00", "Z")
    assert body["sla"]["resolution"]["due_at"].replace("+00:00", "Z") == due
    # the process waits on the same task, with its timers at the new times
    assert [t["key"] for t in body["open_tasks"]] == ["l1_diagnose"]
    trail = api.alice.get(f"/api/incidents/{incident['number']}/events").json
    [edit] = [e for e in trail if e["type"] == "incident.edited"]
    assert edit["actor"] == "alice"
    assert edit["data"]["changes"] == {
        "impact": {"old": "medium", "new": "high"},
        "urgency": {"old": "medium", "new": "high"},
    }
    assert edit["data"]["priority"] == {"old": "P3", "new": "P1"}
    assert edit["data"]["resolution_due_at"]["old"] != edit["data"]["resolution_due_at"]["new"]
    moved = [e for e in trail if e["type"] == "sla.due_changed"]
    assert {e["data"]["clock"] for e in moved} >= {"resolution"}


def test_the_timers_fire_at_the_new_deadlines(api, svc, clock):
    incident = triaged(api)
    number = incident["number"]
    clock.advance(hours=1)
    api.alice.patch(f"/api/incidents/{number}", json={"impact": "high", "urgency": "high"})
    clock.set(START + timedelta(hours=3, minutes=1))
    assert TimerWorker(svc, name="edits").run_once() >= 1  # the 75 % warning of 4 h
    assert "sla.warning" in event_types(api.adam, number)
    assert "sla.breached" not in event_types(api.adam, number)
    clock.set(START + timedelta(hours=4, seconds=1))
    assert TimerWorker(svc, name="edits").run_once() >= 1
    assert "sla.breached" in event_types(api.adam, number)


def test_category_item_and_title_change_and_stay_changed(api):
    incident = triaged(api)
    number = incident["number"]
    edited = api.bob.patch(
        f"/api/incidents/{number}",
        json={"category": "network", "affected_item": "core switch", "title": "Switch down"},
    )
    assert edited.status_code == 200, edited.json
    # a later step of the process keeps them (they are process facts)
    after = complete(api.alice, get_incident(api.alice, number), "l1_diagnose", RESOLVED)
    assert (after["category"], after["affected_item"], after["title"]) == (
        "network",
        "core switch",
        "Switch down",
    )
    assert after["priority"] == "P3"


def test_reporters_may_not_edit_closed_incidents_stay_and_bad_values_are_named(api):
    incident = triaged(api)
    number = incident["number"]
    assert api.rita.patch(f"/api/incidents/{number}", json={"title": "Mine"}).status_code == 403
    bad = api.alice.patch(
        f"/api/incidents/{number}", json={"impact": "huge", "category": "weather", "title": " "}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} >= {"$.impact", "$.title"}
    category = api.alice.patch(f"/api/incidents/{number}", json={"category": "weather"})
    assert category.status_code == 422 and category.json["errors"][0]["field"] == "$.category"
    assert api.alice.patch(f"/api/incidents/{number}", json={}).status_code == 422
    resolved = complete(api.alice, get_incident(api.alice, number), "l1_diagnose", RESOLVED)
    complete(api.rita, resolved, "confirm_resolution", {"confirmed": True})
    closed = api.alice.patch(f"/api/incidents/{number}", json={"title": "Too late"})
    assert closed.status_code == 409


def test_before_triage_and_on_hold_the_same_rules_apply(api):
    fresh = open_incident(api.rita)
    edited = api.alice.patch(
        f"/api/incidents/{fresh['number']}", json={"impact": "high", "urgency": "high"}
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["priority"] == "P1"
    # the triage form starts from the corrected facts
    task = edited.json["open_tasks"][0]
    assert api.alice.get(f"/api/tasks/{task['id']}").json["data"]["impact"] == "high"

    held = complete(
        api.alice,
        triaged(api),
        "l1_diagnose",
        {"outcome": "on_hold", "hold_reason": "Which client version?"},
    )
    assert held["status"] == "on_hold"
    moved = api.alice.patch(f"/api/incidents/{held['number']}", json={"urgency": "high"})
    assert moved.status_code == 200, moved.json
    assert (moved.json["status"], moved.json["priority"]) == ("on_hold", "P2")
    # the reporter's reply still ends the hold
    api.rita.post(f"/api/incidents/{held['number']}/comments", json={"body": "Outlook 2021"})
    assert get_incident(api.alice, held["number"])["status"] == "in_progress"
