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


INSIDE = [
    "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://10.0.0.5/hook",
    "http://192.168.1.10/hook",
    "http://172.16.0.1/hook",
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://0.0.0.0/hook",
    "http://[::1]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://2130706433/hook",  # 127.0.0.1 written as one number
    "http://127.1/hook",
]


def test_receivers_inside_the_network_are_refused(api):
    for url in INSIDE:
        answer = api.adam.post("/api/webhooks", json=HOOK | {"url": url})
        assert answer.status_code == 422, (url, answer.json)
        [error] = answer.json["errors"]
        assert error["field"] == "$.url"
        assert "not a public address" in error["message"], (url, error)
    assert api.adam.get("/api/webhooks").json == []


def test_a_host_allowed_by_name_may_be_inside(api, svc):
    svc.settings = svc.settings.with_overrides(webhook_allowed_hosts="localhost, 10.0.0.5")
    for url in ("http://localhost:9000/hook", "http://10.0.0.5/hook"):
        assert api.adam.post("/api/webhooks", json=HOOK | {"url": url}).status_code == 201
    refused = api.adam.post("/api/webhooks", json=HOOK | {"url": "http://10.0.0.6/hook"})
    assert refused.status_code == 422


def test_a_host_name_that_cannot_be_one_is_refused(api):
    for url in ("http://a..b/hook", "http://exa mple.org/hook", "http://" + "a" * 70 + ".org/"):
        answer = api.adam.post("/api/webhooks", json=HOOK | {"url": url})
        assert answer.status_code == 422, url
        assert answer.json["errors"][0]["message"] == "has a host name that is not valid"
