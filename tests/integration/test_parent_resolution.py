"""A resolved parent resolves its open children, each through its own process.

Each child takes the parent's resolution and waits for its own reporter's
confirmation, wherever it stood: in triage, in diagnosis, escalated, on hold.
A child already closed is left alone; one reopened by its reporter is worked
again on its own.
"""

from __future__ import annotations

from tests.helpers import (
    ESCALATE,
    RESOLVED,
    TRIAGE,
    complete,
    event_types,
    get_incident,
    only_task,
    open_incident,
)


def link(client, child, parent):
    response = client.post(
        f"/api/incidents/{child['number']}/parent", json={"parent": parent["number"]}
    )
    assert response.status_code == 200, response.json
    return response.json


def notified(client, number, event):
    return [
        n
        for n in client.get("/api/notifications").json
        if n["incident_number"] == number and n["event"] == event
    ]


def test_children_anywhere_in_their_process_are_resolved_with_the_parent(api, clock):
    parent = complete(
        api.alice, open_incident(api.rita, title="Mail server down"), "triage", TRIAGE
    )
    in_triage = open_incident(api.ron, title="No mail on my phone")
    escalated = complete(
        api.alice,
        complete(api.alice, open_incident(api.ron, title="Outlook crashes"), "triage", TRIAGE),
        "l1_diagnose",
        ESCALATE,
    )
    held = complete(
        api.alice,
        complete(api.alice, open_incident(api.rita, title="Webmail slow"), "triage", TRIAGE),
        "l1_diagnose",
        {"outcome": "on_hold", "hold_reason": "Which browser?"},
    )
    assert held["status"] == "on_hold"
    children = (in_triage, escalated, held)
    for child in children:
        link(api.alice, child, parent)

    clock.advance(hours=2)
    resolved = complete(api.alice, parent, "l1_diagnose", RESOLVED)
    assert resolved["status"] == "resolved"
    assert [c["status"] for c in get_incident(api.alice, parent["number"])["children"]] == [
        "resolved"
    ] * 3

    for child in children:
        shown = get_incident(api.alice, child["number"])
        assert shown["status"] == "resolved", child["title"]
        assert shown["resolution"] == RESOLVED["resolution"]
        assert only_task(shown, "confirm_resolution")
        types = event_types(api.alice, child["number"])
        assert "incident.resolved" in types
        assert "incident.resolved_with_parent" in types
    # each reporter is told and asked to confirm, as for any resolution
    assert notified(api.ron, in_triage["number"], "incident.resolved")
    assert notified(api.rita, held["number"], "incident.resolved")
    assert {t["incident_number"] for t in api.ron.get("/api/tasks").json} == {
        in_triage["number"],
        escalated["number"],
    }
    # the time on hold stays paused: the resolution clock did not run while waiting
    assert get_incident(api.alice, held["number"])["sla"]["resolution"]["paused_seconds"] >= 7200


def test_a_closed_child_is_left_alone_and_a_reopened_one_is_worked_again(api):
    parent = complete(
        api.alice, open_incident(api.rita, title="Mail server down"), "triage", TRIAGE
    )
    closed = complete(api.alice, open_incident(api.ron, title="No mail"), "triage", TRIAGE)
    closed = complete(api.alice, closed, "l1_diagnose", RESOLVED | {"resolution": "Own fix"})
    link(api.alice, closed, parent)
    closed = complete(api.ron, closed, "confirm_resolution", {"confirmed": True})
    assert closed["status"] == "closed"
    other = complete(api.alice, open_incident(api.ron, title="Mail slow"), "triage", TRIAGE)
    link(api.alice, other, parent)

    complete(api.alice, parent, "l1_diagnose", RESOLVED)

    untouched = get_incident(api.alice, closed["number"])
    assert (untouched["status"], untouched["resolution"]) == ("closed", "Own fix")
    assert "incident.resolved_with_parent" not in event_types(api.alice, closed["number"])
    child = get_incident(api.ron, other["number"])
    reopened = complete(api.ron, child, "confirm_resolution", {"confirmed": False, "comment": "No"})
    assert reopened["status"] == "in_progress"
    assert only_task(reopened, "l1_diagnose")


def test_grandchildren_follow_their_parent(api):
    top = complete(api.alice, open_incident(api.rita, title="Data centre power"), "triage", TRIAGE)
    middle = open_incident(api.rita, title="Mail server down")
    bottom = open_incident(api.ron, title="No mail")
    link(api.alice, middle, top)
    link(api.alice, bottom, middle)
    complete(api.alice, top, "l1_diagnose", RESOLVED)
    assert get_incident(api.alice, middle["number"])["status"] == "resolved"
    assert get_incident(api.alice, bottom["number"])["status"] == "resolved"


def test_unlinked_children_are_not_resolved(api):
    parent = complete(
        api.alice, open_incident(api.rita, title="Mail server down"), "triage", TRIAGE
    )
    child = open_incident(api.ron, title="No mail")
    link(api.alice, child, parent)
    assert api.alice.delete(f"/api/incidents/{child['number']}/parent").status_code == 200
    complete(api.alice, parent, "l1_diagnose", RESOLVED)
    assert get_incident(api.alice, child["number"])["status"] == "new"
