"""Opening, listing and following incidents over HTTP."""

from __future__ import annotations

import json

from tests.helpers import ESCALATE, TRIAGE, complete, open_incident


def errors_by_field(response):
    return {e["field"]: e["message"] for e in response.json["errors"]}


def test_bad_input_names_each_field_and_creates_nothing(api):
    response = api.rita.post(
        "/api/incidents",
        json={
            "title": "",
            "impact": "huge",
            "channel": "pigeon",
            "reported_at": "yesterday",
            "x": 1,
        },
    )
    assert response.status_code == 422
    assert response.json["error"] == "unprocessable_entity"
    errors = errors_by_field(response)
    assert set(errors) == {
        "$.title",
        "$.description",
        "$.impact",
        "$.channel",
        "$.reported_at",
        "$.x",
    }
    assert all(e["location"] == "json" for e in response.json["errors"])
    assert api.alice.get("/api/incidents").json == []


def test_blank_text_is_refused(api):
    response = api.rita.post("/api/incidents", json={"title": "   ", "description": "\n"})
    assert response.status_code == 422
    assert set(errors_by_field(response)) == {"$.title", "$.description"}


def test_a_body_that_is_not_json_gets_a_clear_error(api):
    response = api.rita.post(
        "/api/incidents", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert response.json["message"]


def test_an_oversized_body_is_refused(api):
    response = api.rita.post(
        "/api/incidents", json={"title": "x", "description": "y" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert response.json["code"] == 413


def test_reporter_fields_default_to_the_reporters_own(api):
    incident = open_incident(api.rita, reporter_contact="+30 210 000 0000")
    assert incident["reporter_name"] == "Rita Reporter"
    assert incident["reporter_contact"] == "+30 210 000 0000"
    assert incident["channel"] == "api"


def test_someone_without_details_on_file_must_give_them(api):
    response = api.ivan.post("/api/incidents", json={"title": "x", "description": "y"})
    assert response.status_code == 422
    assert set(errors_by_field(response)) == {"$.reporter_name", "$.reporter_contact"}


def test_what_the_reporter_said_prefills_triage(api):
    incident = open_incident(api.rita, impact="high", urgency="low", category="network")
    assert (incident["impact"], incident["urgency"], incident["category"]) == (
        "high",
        "low",
        "network",
    )
    task = incident["open_tasks"][0]
    detail = api.alice.get(f"/api/tasks/{task['id']}").json
    assert detail["data"] == {
        "kind": "incident",
        "impact": "high",
        "urgency": "low",
        "category": "network",
    }


def test_reported_at_may_be_earlier_but_not_in_the_future(api, clock):
    earlier = "2026-03-02T07:30:00+02:00"
    incident = open_incident(api.rita, reported_at=earlier, channel="phone")
    assert incident["reported_at"] == "2026-03-02T05:30:00+00:00"
    assert incident["channel"] == "phone"
    response = api.rita.post(
        "/api/incidents",
        json={"title": "x", "description": "y", "reported_at": "2026-03-02T12:00:00+00:00"},
    )
    assert response.status_code == 422
    assert "$.reported_at" in errors_by_field(response)
    naive = api.rita.post(
        "/api/incidents",
        json={"title": "x", "description": "y", "reported_at": "2026-03-02T08:00:00"},
    )
    assert naive.status_code == 422


def test_idempotency_key_returns_the_same_incident(api):
    body = {"title": "Disk full", "description": "C: is full"}
    first = api.rita.post("/api/incidents", json=body, headers={"Idempotency-Key": "abc-1"})
    again = api.rita.post("/api/incidents", json=body, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again.json["number"] == first.json["number"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    # the key is per user, and a different body under the same key is an error
    other = api.ron.post("/api/incidents", json=body, headers={"Idempotency-Key": "abc-1"})
    assert other.json["number"] != first.json["number"]
    changed = api.rita.post(
        "/api/incidents",
        json=body | {"title": "Disk very full"},
        headers={"Idempotency-Key": "abc-1"},
    )
    assert changed.status_code == 422
    assert len(api.alice.get("/api/incidents").json) == 2


def test_list_filters_and_pagination(api):
    a = open_incident(
        api.rita, title="Printer on fire", category="hardware", impact="high", urgency="high"
    )
    b = open_incident(api.ron, title="Email bounce", description="Mails to partner bounce")
    c = open_incident(api.rita, title="VPN slow")
    complete(api.alice, b, "triage", TRIAGE)
    b_now = complete(
        api.alice, api.alice.get(f"/api/incidents/{b['number']}").json, "l1_diagnose", ESCALATE
    )

    def numbers(query):
        response = api.alice.get(f"/api/incidents?{query}")
        assert response.status_code == 200, response.json
        return [i["number"] for i in response.json]

    assert numbers("") == [c["number"], b["number"], a["number"]]
    assert numbers("status=new") == [c["number"], a["number"]]
    assert numbers("status=in_progress&tier=L2") == [b_now["number"]]
    # a's reporter said high and high: P1 until triage says otherwise
    assert numbers("priority=P1") == [a["number"]]
    assert numbers("priority=P3") == [c["number"], b["number"]]
    assert numbers("category=hardware") == [a["number"]]
    assert numbers("reporter=ron") == [b["number"]]
    assert numbers("text=partner") == [b["number"]]
    assert numbers("text=printer") == [a["number"]]
    assert numbers(f"text={a['number'].lower()}") == [a["number"]]
    assert numbers("text=100%25") == []

    page = api.alice.get("/api/incidents?page=2&page_size=2")
    assert [i["number"] for i in page.json] == [a["number"]]
    meta = json.loads(page.headers["X-Pagination"])
    assert meta["total"] == 3
    assert meta["total_pages"] == 2
    assert api.alice.get("/api/incidents?page_size=1000").status_code == 422


def test_unknown_numbers_are_not_found(api):
    for number in ("INC-999999", "nonsense", "INC-1"):
        response = api.alice.get(f"/api/incidents/{number}")
        assert response.status_code == 404
        assert number in response.json["message"]


def test_the_audit_trail_records_who_what_when_and_the_data(api, clock):
    incident = open_incident(api.rita)
    clock.advance(minutes=5)
    complete(api.alice, incident, "triage", TRIAGE)
    events = api.alice.get(f"/api/incidents/{incident['number']}/events").json
    opened = events[0]
    assert opened["type"] == "incident.opened"
    assert opened["actor"] == "rita"
    assert opened["at"] == "2026-03-02T09:00:00+00:00"
    assert opened["data"]["title"] == "Mail is down"
    completed = next(e for e in events if e["type"] == "task.completed")
    assert completed["actor"] == "alice"
    assert completed["at"] == "2026-03-02T09:05:00+00:00"
    assert completed["element_id"] == "triage"
    assert completed["data"]["submitted"]["impact"] == "medium"
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
