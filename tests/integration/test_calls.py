"""Personalised service: a call with the reporter of a P1 or P2 incident at L2 or L3,
with an invitation (calendar file), a reminder and the outcome on the incident."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest

from service.worker import DeliveryWorker, TimerWorker
from tests.conftest import START
from tests.helpers import TRIAGE, complete, event_types, get_incident, only_task, open_incident

P1 = TRIAGE | {"impact": "high", "urgency": "high"}


@pytest.fixture
def settings(settings, smtp):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=smtp.port)


def p1_at_l3(api):
    incident = complete(api.alice, open_incident(api.rita), "triage", P1)
    assert (incident["priority"], incident["tier"]) == ("P1", "L3")
    claimed = api.carol.post(f"/api/tasks/{only_task(incident, 'l3_resolve')['id']}/claim")
    assert claimed.status_code == 200, claimed.json
    return incident


def request_call(client, number):
    return client.post(f"/api/incidents/{number}/calls")


def finish(client, task, data):
    answer = client.post(f"/api/tasks/{task['id']}/complete", json=data)
    assert answer.status_code == 200, answer.json
    return answer.json


def test_a_call_is_arranged_announced_reminded_and_recorded(api, svc, smtp, clock):
    number = p1_at_l3(api)["number"]
    started = request_call(api.carol, number)
    assert started.status_code == 201, started.json
    assert started.json["process_id"] == "call"
    arrange = only_task(started.json, "arrange_call")
    call_at = START + timedelta(hours=2)
    finish(
        api.carol,
        arrange,
        {
            "call_at": call_at.isoformat(),
            "medium": "video",
            "join": "https://meet.example.org/inc-1",
            "agenda": "Walk through the outage",
        },
    )
    DeliveryWorker(svc).run_once()
    [invitation] = [m for m in smtp.inbox.to("rita@example.org") if "Call on" in m["Subject"]]
    assert invitation["Subject"].startswith(f"[{number}] Call on {call_at:%Y-%m-%d %H:%M} UTC")
    [ics] = [
        part for part in invitation.iter_attachments() if part.get_filename() == "invitation.ics"
    ]
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    [entry] = calendar.walk("VEVENT")
    assert entry.decoded("dtstart") == call_at
    assert entry.decoded("dtend") == call_at + timedelta(minutes=30)
    assert str(entry["location"]) == "https://meet.example.org/inc-1"
    assert str(entry["attendee"]) == "mailto:rita@example.org"
    # The agent who arranged it is the assignee and gets the same entry for their calendar.
    to_carol = [m["Subject"] for m in smtp.inbox.to("carol@desk.example.org")]
    assert [s for s in to_carol if "Call on" in s] == [invitation["Subject"]]

    clock.set(call_at - timedelta(minutes=15))
    assert TimerWorker(svc).run_once() == 0
    clock.set(call_at - timedelta(minutes=15) + timedelta(seconds=1))
    assert TimerWorker(svc).run_once() == 1
    DeliveryWorker(svc).run_once()
    for address in ("rita@example.org", "carol@desk.example.org"):
        assert (
            smtp.inbox.to(address)[-1]["Subject"]
            == f"[{number}] Reminder: call at {call_at:%Y-%m-%d %H:%M} UTC"
        )

    incident = get_incident(api.carol, number)
    [call] = [i for i in incident["linked_instances"] if i["process_id"] == "call"]
    instance = api.carol.get(f"/api/instances/{call['id']}").json
    outcome = only_task(instance, "record_outcome")
    clock.set(call_at + timedelta(minutes=40))
    finish(api.carol, outcome, {"held": True, "outcome": "Agreed to replace the disk tonight"})

    notes = api.carol.get(f"/api/incidents/{number}/comments").json
    assert notes[-1]["public"] is False
    assert "Agreed to replace the disk tonight" in notes[-1]["body"]
    assert api.rita.get(f"/api/incidents/{number}/comments").json == []
    assert api.carol.get(f"/api/instances/{call['id']}").json["status"] == "completed"
    assert [t for t in event_types(api.carol, number) if t.startswith("call.")] == [
        "call.scheduled",
        "call.reminder",
        "call.outcome",
    ]


def test_only_l2_and_l3_agents_call_and_only_about_p1_or_p2_at_their_tiers(api):
    number = p1_at_l3(api)["number"]
    for person in (api.alice, api.rita, api.ivan):
        assert request_call(person, number).status_code in (403, 404)
    p3 = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    refused = request_call(api.bob, p3["number"])
    assert refused.status_code == 409
    assert "P3 at L1" in refused.json["message"]
    assert request_call(api.carol, number).status_code == 201
    assert request_call(api.carol, number).status_code == 409  # one call at a time


def test_a_call_in_the_past_is_refused_and_the_form_stays_open(api, svc):
    number = p1_at_l3(api)["number"]
    arrange = only_task(request_call(api.carol, number).json, "arrange_call")
    answer = api.carol.post(
        f"/api/tasks/{arrange['id']}/complete",
        json={
            "call_at": (START - timedelta(hours=1)).isoformat(),
            "medium": "phone",
            "join": "+30 210 555 0100",
        },
    )
    assert answer.status_code == 422
    assert answer.json["element_id"] == "invite_reporter"
    assert "in the future" in answer.json["message"]
    assert api.carol.get(f"/api/tasks/{arrange['id']}").json["task"]["state"] == "ready"
