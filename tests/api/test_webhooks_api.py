"""Admins subscribe endpoints to events; nobody else may, and bad subscriptions are refused."""

from __future__ import annotations

from tests.helpers import open_incident

HOOK = {"url": "https://hooks.example.org/incident-desk", "events": ["incident.*", "sla.breached"]}


def test_the_secret_is_shown_once_and_only_admins_manage_subscriptions(api):
    created = api.adam.post("/api/webhooks", json=HOOK | {"description": "chat bridge"})
    assert created.status_code == 201, created.json
    secret = created.json["secret"]
    assert len(secret) >= 32
    listed = api.adam.get("/api/webhooks").json
    assert [(h["url"], h["events"], h["secret_hint"]) for h in listed] == [
        (HOOK["url"], HOOK["events"], "..." + secret[-4:])
    ]
    assert "secret" not in listed[0]
    assert "secret" not in api.adam.get(f"/api/webhooks/{created.json['id']}").json

    for person in (api.alice, api.olga, api.ivan, api.rita):
        assert person.post("/api/webhooks", json=HOOK).status_code == 403
        assert person.get("/api/webhooks").status_code == 403
        assert person.delete(f"/api/webhooks/{created.json['id']}").status_code == 403
    assert api.anonymous.get("/api/webhooks").status_code == 401
    assert len(api.adam.get("/api/webhooks").json) == 1


def test_a_given_secret_is_used_as_is(api):
    created = api.adam.post("/api/webhooks", json=HOOK | {"secret": "s" * 16})
    assert created.json["secret"] == "s" * 16
    short = api.adam.post("/api/webhooks", json=HOOK | {"secret": "short"})
    assert short.status_code == 422
    assert [e["field"] for e in short.json["errors"]] == ["$.secret"]


def test_bad_subscriptions_say_which_field_is_wrong_and_store_nothing(api):
    cases = {
        "ftp://files.example.org/in": "$.url",
        "https://user:pw@hooks.example.org/": "$.url",
        "not a url": "$.url",
    }
    for url, field in cases.items():
        answer = api.adam.post("/api/webhooks", json=HOOK | {"url": url})
        assert answer.status_code == 422, url
        assert [e["field"] for e in answer.json["errors"]] == [field]
    answer = api.adam.post("/api/webhooks", json=HOOK | {"events": ["incident.*", "Bad Event!"]})
    assert [e["field"] for e in answer.json["errors"]] == ["$.events[1]"]
    answer = api.adam.post("/api/webhooks", json=HOOK | {"events": []})
    assert [e["field"] for e in answer.json["errors"]] == ["$.events"]
    assert api.adam.get("/api/webhooks").json == []


def test_deleting_a_subscription_cancels_what_still_waited_for_it(api):
    hook = api.adam.post("/api/webhooks", json=HOOK | {"events": ["incident.opened"]}).json
    open_incident(api.rita)
    waiting = api.adam.get("/api/admin/deliveries?channel=webhook").json
    assert [d["state"] for d in waiting] == ["pending"]
    assert waiting[0]["event_type"] == "incident.opened"

    assert api.adam.delete(f"/api/webhooks/{hook['id']}").status_code == 204
    assert api.adam.get(f"/api/webhooks/{hook['id']}").status_code == 404
    assert api.adam.delete(f"/api/webhooks/{hook['id']}").status_code == 404
    [cancelled] = api.adam.get("/api/admin/deliveries?channel=webhook").json
    assert cancelled["state"] == "cancelled"
    assert api.adam.post(f"/api/admin/deliveries/{cancelled['id']}/retry").status_code == 409
    open_incident(api.rita)
    assert len(api.adam.get("/api/admin/deliveries?channel=webhook").json) == 1


def test_only_matching_events_are_queued(api):
    api.adam.post("/api/webhooks", json={"url": HOOK["url"], "events": ["task.claimed"]})
    incident = open_incident(api.rita)
    assert api.adam.get("/api/admin/deliveries").json == []
    task = incident["open_tasks"][0]["id"]
    api.alice.post(f"/api/tasks/{task}/claim")
    [queued] = api.adam.get("/api/admin/deliveries").json
    assert queued["event_type"] == "task.claimed"
    assert queued["incident_number"] == incident["number"]
