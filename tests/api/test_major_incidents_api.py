"""Declaring a major incident over the API, its refusals, its updates and its review."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import START
from tests.helpers import RESOLVED, complete, event_types, get_incident, open_incident
from tests.major import (
    REVIEW,
    UPDATE,
    complete_major,
    declare,
    major_people,  # noqa: F401 (a fixture)
    major_task,
    notes,
    p1_incident,
)


@pytest.fixture
def api(major_people):  # noqa: F811
    return major_people


def test_an_l3_agent_declares_and_the_incident_shows_it(api, clock):
    incident = p1_incident(api)
    number = incident["number"]
    clock.advance(minutes=5)
    major = declare(api.carol, number)
    assert major["status"] == "active"
    assert major["declared_by"] == "carol"
    assert major["manager"] == "carol"
    assert major["declared_at"] == (START + timedelta(minutes=5)).isoformat()
    assert major["next_update_due_at"] == (START + timedelta(minutes=35)).isoformat()
    assert major["update_minutes"] == 30
    assert major["last_update_at"] is None

    seen = get_incident(api.rita, number)
    assert seen["major"]["manager"] == "carol"
    assert seen["major"]["next_update_due_at"] == major["next_update_due_at"]
    task = major_task(api.carol, number, "write_update")
    assert (task["lane"], task["claimed_by"]) == ("L3", "carol")
    linked = [i["process_id"] for i in get_incident(api.carol, number)["linked_instances"]]
    assert linked == ["major_incident"]
    types = event_types(api.carol, number)
    assert "major.declared" in types and "instance.linked" in types


def test_stakeholders_are_told_at_once(api):
    number = p1_incident(api)["number"]
    declare(api.carol, number)
    assert [n["data"]["number"] for n in notes(api.rita, "major.declared")] == [number]
    assert notes(api.lars, "major.declared")  # the L3 lead
    assert notes(api.max, "major.declared")  # management
    assert notes(api.carol, "major.declared")  # the incident's level, L3
    assert notes(api.bob, "major.declared") == []


def test_a_group_lead_declares_naming_an_l3_manager(api):
    number = open_incident(api.rita)["number"]
    refused = api.lara.post(f"/api/incidents/{number}/major", json={"reason": "Many calls"})
    assert refused.status_code == 422, refused.json
    assert [e["field"] for e in refused.json["errors"]] == ["$.manager"]
    not_l3 = api.lara.post(
        f"/api/incidents/{number}/major", json={"reason": "Many calls", "manager": "alice"}
    )
    assert not_l3.status_code == 422, not_l3.json
    major = declare(api.lara, number, manager="carol")
    assert (major["declared_by"], major["manager"]) == ("lara", "carol")
    # Not yet triaged: the table's catch-all cadence.
    assert major["update_minutes"] == 120


# The integrator does not see incidents it did not open.
@pytest.mark.parametrize(
    ("who", "status"), [("alice", 403), ("bob", 403), ("olga", 403), ("ivan", 404)]
)
def test_others_may_not_declare(api, who, status):
    number = p1_incident(api)["number"]
    response = getattr(api, who).post(f"/api/incidents/{number}/major", json={"reason": "x"})
    assert response.status_code == status, response.json
    assert get_incident(api.carol, number)["major"] is None


def test_a_reporter_may_not_declare_and_cannot_see_others_incidents(api):
    number = p1_incident(api)["number"]
    own = api.rita.post(f"/api/incidents/{number}/major", json={"reason": "x"})
    assert own.status_code == 403, own.json
    other = api.ron.post(f"/api/incidents/{number}/major", json={"reason": "x"})
    assert other.status_code == 404, other.json


def test_declaring_twice_is_a_conflict(api):
    number = p1_incident(api)["number"]
    declare(api.carol, number)
    again = api.lars.post(f"/api/incidents/{number}/major", json={"reason": "Again"})
    assert again.status_code == 409, again.json
    assert "already" in again.json["message"]


def test_a_resolved_or_closed_incident_cannot_be_declared(api):
    incident = p1_incident(api)
    incident = complete(api.carol, incident, "l3_resolve", RESOLVED)
    assert incident["status"] == "resolved"
    response = api.carol.post(f"/api/incidents/{incident['number']}/major", json={"reason": "x"})
    assert response.status_code == 409, response.json
    assert "resolved" in response.json["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "$.reason"),
        ({"reason": "   "}, "$.reason"),
        ({"reason": 5}, "$.reason"),
        ({"reason": "x", "manager": ""}, "$.manager"),
    ],
)
def test_bad_declarations_name_the_field(api, body, field):
    number = p1_incident(api)["number"]
    response = api.carol.post(f"/api/incidents/{number}/major", json=body)
    assert response.status_code == 422, response.json
    assert field in [e["field"] for e in response.json["errors"]]


def test_an_update_reaches_the_reporter_and_shows_on_the_incident(api, clock):
    number = p1_incident(api)["number"]
    declare(api.carol, number)
    clock.advance(minutes=20)
    seen = complete_major(api.carol, number, "write_update", UPDATE)
    assert seen["major"]["last_update"] == UPDATE["update"]
    assert seen["major"]["last_update_at"] == (START + timedelta(minutes=20)).isoformat()
    assert seen["major"]["updates"] == 1
    # The next one is due a cadence after this one.
    assert seen["major"]["next_update_due_at"] == (START + timedelta(minutes=50)).isoformat()
    [note] = notes(api.rita, "major.update_published")
    assert note["data"]["update"] == UPDATE["update"]
    assert major_task(api.carol, number, "write_update")["claimed_by"] == "carol"


def test_resolution_opens_the_review_and_get_review_shows_it(api, clock):
    incident = p1_incident(api)
    number = incident["number"]
    declare(api.carol, number)
    missing = api.carol.get(f"/api/incidents/{number}/review")
    assert missing.status_code == 404, missing.json

    clock.advance(hours=1)
    l3 = major_task(api.carol, number, "l3_resolve")
    assert api.carol.post(f"/api/tasks/{l3['id']}/complete", json=RESOLVED).status_code == 200
    seen = get_incident(api.carol, number)
    assert seen["status"] == "resolved"
    assert seen["major"]["status"] == "review"
    assert seen["major"]["next_update_due_at"] is None
    # Five business days in Athens: resolved Monday at noon, due the next Monday at noon.
    assert seen["major"]["review_due_at"] == (START + timedelta(hours=1, days=7)).isoformat()
    review_task = major_task(api.carol, number, "post_incident_review")
    assert review_task["claimed_by"] == "carol"
    assert [t["key"] for t in seen["open_tasks"]].count("write_update") == 0

    clock.advance(days=1)
    seen = complete_major(api.carol, number, "post_incident_review", REVIEW)
    assert seen["major"]["status"] == "reviewed"
    assert seen["review"]["cause"] == REVIEW["cause"]
    review = api.carol.get(f"/api/incidents/{number}/review")
    assert review.status_code == 200, review.json
    assert review.json == {
        "incident_number": number,
        "timeline": REVIEW["timeline"],
        "cause": REVIEW["cause"],
        "actions": REVIEW["actions"],
        "reviewed_at": (START + timedelta(days=1, hours=1)).isoformat(),
        "reviewed_by": "carol",
        "due_at": (START + timedelta(hours=1, days=7)).isoformat(),
    }
    assert "major.reviewed" in event_types(api.carol, number)
    assert api.rita.get(f"/api/incidents/{number}/review").status_code == 403
    assert api.ron.get(f"/api/incidents/{number}/review").status_code == 404


def test_a_review_missing_a_field_is_refused(api):
    number = p1_incident(api)["number"]
    declare(api.carol, number)
    l3 = major_task(api.carol, number, "l3_resolve")
    api.carol.post(f"/api/tasks/{l3['id']}/complete", json=RESOLVED)
    task = major_task(api.carol, number, "post_incident_review")
    response = api.carol.post(
        f"/api/tasks/{task['id']}/complete", json={"timeline": "t", "cause": "c"}
    )
    assert response.status_code == 422, response.json
    assert "$.actions" in [e["field"] for e in response.json["errors"]]


def test_an_update_need_not_say_what_happens_next(api):
    number = p1_incident(api)["number"]
    declare(api.carol, number)
    seen = complete_major(api.carol, number, "write_update", {"update": "Still looking"})
    assert seen["major"]["last_update"] == "Still looking"
    [note] = notes(api.rita, "major.update_published")
    assert note["data"]["next_steps"] is None
