"""A major incident's family: declared by alerts or children, updates to every reporter,
children resolved with it."""

from __future__ import annotations

import pytest

from tests.api.test_alerts_api import DISK, send
from tests.helpers import RESOLVED, event_types, get_incident, open_incident
from tests.major import (
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


def link(client, child, parent_number):
    response = client.post(f"/api/incidents/{child}/parent", json={"parent": parent_number})
    assert response.status_code == 200, response.json
    return response.json


def test_ten_alerts_within_fifteen_minutes_declare_the_incident_major(api, clock):
    number = send(api.ivan, DISK, 201)["incident_number"]
    for _ in range(8):
        clock.advance(minutes=1)
        send(api.ivan, DISK, 200)
    assert get_incident(api.carol, number)["major"] is None
    clock.advance(minutes=1)
    send(api.ivan, DISK, 200)  # the tenth, nine minutes after the first
    major = get_incident(api.carol, number)["major"]
    assert major["declared_by"] is None
    assert major["manager"] == "lars"  # the L3 lead
    assert major["reason"] == "10 or more alerts within 15 minutes"
    events = api.carol.get(f"/api/incidents/{number}/events").json
    [recorded] = [e for e in events if e["type"] == "major.declaration_recorded"]
    assert recorded["actor"] == "system"
    assert recorded["data"]["inputs"]["alerts"] == 10
    send(api.ivan, DISK, 200)  # and only once
    assert event_types(api.carol, number).count("major.declared") == 1


def test_ten_alerts_spread_over_an_hour_do_not(api, clock):
    number = send(api.ivan, DISK, 201)["incident_number"]
    for _ in range(12):
        clock.advance(minutes=5)
        send(api.ivan, DISK, 200)
    assert get_incident(api.carol, number)["major"] is None


def test_the_fifth_child_makes_the_parent_major(api):
    parent = p1_incident(api)["number"]
    children = [open_incident(api.ron, title=f"Cannot send mail {n}")["number"] for n in range(5)]
    for child in children[:4]:
        link(api.alice, child, parent)
    assert get_incident(api.carol, parent)["major"] is None
    link(api.alice, children[4], parent)
    major = get_incident(api.carol, parent)["major"]
    assert (major["declared_by"], major["reason"]) == (None, "5 or more related incidents")


def test_updates_reach_the_children_s_reporters_and_followers_and_resolution_resolves_them(
    api, clock
):
    parent = p1_incident(api)["number"]
    child = open_incident(api.ron, title="Cannot send mail")["number"]
    link(api.alice, child, parent)
    follow = api.alice.post(f"/api/incidents/{child}/followers", json={"user": "lena"})
    assert follow.status_code == 200, follow.json
    declare(api.carol, parent)

    complete_major(api.carol, parent, "write_update", UPDATE)
    [to_follower] = notes(api.lena, "major.update_published")
    assert to_follower["incident_number"] == child
    [to_rita] = notes(api.rita, "major.update_published")
    assert to_rita["incident_number"] == parent
    [to_ron] = notes(api.ron, "major.update_published")
    assert to_ron["incident_number"] == child
    assert to_ron["data"]["major_incident"] == parent
    assert to_ron["data"]["update"] == UPDATE["update"]

    l3 = major_task(api.carol, parent, "l3_resolve")
    assert api.carol.post(f"/api/tasks/{l3['id']}/complete", json=RESOLVED).status_code == 200
    assert get_incident(api.carol, child)["status"] == "resolved"
    assert get_incident(api.carol, parent)["major"]["status"] == "review"
    assert "major.resolved" in event_types(api.carol, parent)
    assert "incident.resolved_with_parent" in event_types(api.carol, child)
