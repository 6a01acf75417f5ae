"""Replies on incidents: who writes what, who reads what, and what a reply sets off."""

from __future__ import annotations

from tests.helpers import get_incident, open_incident


def post(client, number, body, **extra):
    return client.post(f"/api/incidents/{number}/comments", json={"body": body} | extra)


def test_public_replies_and_internal_notes(api):
    incident = open_incident(api.rita)
    number = incident["number"]
    assert post(api.rita, number, "It also affects my phone").status_code == 201
    assert post(api.alice, number, "Probably the relay", public=False).status_code == 201
    assert post(api.alice, number, "We are on it").status_code == 201
    # reporters write public replies only, and read public ones only
    refused = post(api.rita, number, "note to self", public=False)
    assert refused.status_code == 403
    assert [c["body"] for c in api.rita.get(f"/api/incidents/{number}/comments").json] == [
        "It also affects my phone",
        "We are on it",
    ]
    everything = api.bob.get(f"/api/incidents/{number}/comments").json
    assert [(c["author"], c["public"]) for c in everything] == [
        ("rita", True),
        ("alice", False),
        ("alice", True),
    ]
    assert post(api.ron, number, "me too?").status_code == 404
    assert api.ron.get(f"/api/incidents/{number}/comments").status_code == 404


def test_an_agents_public_reply_is_the_first_response(api, clock):
    incident = open_incident(api.rita)
    clock.advance(minutes=40)
    post(api.alice, incident["number"], "Internal first", public=False)
    assert get_incident(api.alice, incident["number"])["first_response_at"] is None
    clock.advance(minutes=5)
    answer = post(api.alice, incident["number"], "Looking into it now").json["incident"]
    assert answer["first_response_at"] == "2026-03-02T09:45:00+00:00"
    assert answer["sla"]["first_response"]["state"] == "met"
    assert answer["status"] == "new"  # a reply is not triage


def test_a_blank_or_huge_comment_is_refused(api):
    number = open_incident(api.rita)["number"]
    for body in ("", "   ", "x" * 20_001):
        response = post(api.rita, number, body)
        assert response.status_code == 422
        assert response.json["errors"][0]["field"] == "$.body"
    assert api.rita.get(f"/api/incidents/{number}/comments").json == []


def test_after_a_reply_the_first_response_timer_finds_nothing_to_report(api, svc, clock):
    from service.worker import TimerWorker

    incident = open_incident(api.rita)
    clock.advance(minutes=30)
    post(api.alice, incident["number"], "Looking into it")
    clock.advance(hours=3)
    assert TimerWorker(svc).run_once() == 1
    now = get_incident(api.alice, incident["number"])
    assert now["status"] == "new"
    assert now["sla"]["first_response"]["state"] == "met"
    assert api.lara.get("/api/notifications").json == []
