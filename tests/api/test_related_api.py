"""Related incidents over HTTP: a parent and its children, duplicates merged, followers."""

from __future__ import annotations

from tests.helpers import (
    RESOLVED,
    TRIAGE,
    complete,
    event_types,
    get_incident,
    only_task,
    open_incident,
)


def link(client, child, parent):
    return client.post(
        f"/api/incidents/{child['number']}/parent", json={"parent": parent["number"]}
    )


def test_a_child_shows_its_parent_and_the_parent_its_children(api):
    parent = open_incident(api.rita, title="Mail server down")
    child = open_incident(api.rita, title="Outlook cannot connect")
    response = link(api.alice, child, parent)
    assert response.status_code == 200, response.json
    assert response.json["parent"] == parent["number"]
    shown = get_incident(api.alice, parent["number"])
    assert [c["number"] for c in shown["children"]] == [child["number"]]
    assert "incident.child_linked" in event_types(api.alice, parent["number"])
    assert "incident.parent_linked" in event_types(api.alice, child["number"])

    response = api.alice.delete(f"/api/incidents/{child['number']}/parent")
    assert response.status_code == 200, response.json
    assert response.json["parent"] is None
    assert get_incident(api.alice, parent["number"])["children"] == []
    assert "incident.child_unlinked" in event_types(api.alice, parent["number"])


def test_resolving_the_parent_resolves_open_children_through_their_process(api):
    parent = complete(
        api.alice, open_incident(api.rita, title="Mail server down"), "triage", TRIAGE
    )
    in_triage = open_incident(api.ron, title="No mail on my phone")
    diagnosed = complete(
        api.alice, open_incident(api.rita, title="Outlook offline"), "triage", TRIAGE
    )
    for child in (in_triage, diagnosed):
        assert link(api.alice, child, parent).status_code == 200

    resolved = complete(api.alice, parent, "l1_diagnose", RESOLVED)
    assert resolved["status"] == "resolved"

    for child, reporter in ((in_triage, api.ron), (diagnosed, api.rita)):
        shown = get_incident(reporter, child["number"])
        assert shown["status"] == "resolved"
        assert shown["resolution"] == RESOLVED["resolution"]
        only_task(shown, "confirm_resolution")
        types = event_types(api.alice, child["number"])
        assert "incident.resolved" in types
        assert "incident.resolved_with_parent" in types
    # the child's reporter confirms as usual
    closed = complete(
        api.ron,
        get_incident(api.ron, in_triage["number"]),
        "confirm_resolution",
        {"confirmed": True},
    )
    assert closed["status"] == "closed"


def test_linking_refusals_say_why(api):
    parent = open_incident(api.rita, title="Mail server down")
    child = open_incident(api.rita, title="Outlook offline")
    grandchild = open_incident(api.rita, title="Phone mail offline")
    assert link(api.alice, child, parent).status_code == 200
    assert link(api.alice, grandchild, child).status_code == 200

    itself = link(api.alice, child, child)
    assert itself.status_code == 422
    assert itself.json["errors"][0]["field"] == "$.parent"
    cycle = link(api.alice, parent, grandchild)
    assert cycle.status_code == 409
    assert "cycle" in cycle.json["message"]
    unknown = api.alice.post(
        f"/api/incidents/{child['number']}/parent", json={"parent": "INC-999999"}
    )
    assert unknown.status_code == 422
    missing_child = api.alice.post("/api/incidents/INC-999999/parent", json={"parent": "INC-1"})
    assert missing_child.status_code == 404
    reporter = link(api.rita, grandchild, parent)
    assert reporter.status_code == 403
    assert "agents" in reporter.json["message"]
    no_parent = api.alice.delete(f"/api/incidents/{parent['number']}/parent")
    assert no_parent.status_code == 409

    closed = merge(api.alice, open_incident(api.rita, title="Dup"), parent)
    assert closed.status_code == 200, closed.json
    to_closed = link(api.alice, grandchild, closed.json)
    assert to_closed.status_code == 409
    assert "closed" in to_closed.json["message"]


def merge(client, duplicate, into):
    return client.post(f"/api/incidents/{duplicate['number']}/merge", json={"into": into["number"]})


def test_a_duplicate_closes_through_its_process_and_its_reporter_follows_the_survivor(api):
    survivor = complete(api.alice, open_incident(api.rita, title="VPN down"), "triage", TRIAGE)
    duplicate = complete(api.alice, open_incident(api.ron, title="No VPN"), "triage", TRIAGE)
    comment = api.ron.post(
        f"/api/incidents/{duplicate['number']}/comments", json={"body": "Since 9:00"}
    )
    assert comment.status_code == 201

    response = merge(api.alice, duplicate, survivor)
    assert response.status_code == 200, response.json
    merged = response.json
    assert merged["status"] == "closed"
    assert merged["closure_code"] == "duplicate"
    assert merged["merged_into"] == survivor["number"]
    assert merged["open_tasks"] == []
    assert merged["instance"]["status"] == "completed"
    types = event_types(api.alice, duplicate["number"])
    assert {"incident.merged", "incident.closed"} <= set(types)
    assert "incident.duplicate_merged" in event_types(api.alice, survivor["number"])

    shown = get_incident(api.alice, survivor["number"])
    assert [m["number"] for m in shown["merged"]] == [duplicate["number"]]
    assert shown["followers"] == ["ron"]
    # the duplicate's comments stay readable, from the survivor's list
    comments = api.alice.get(f"/api/incidents/{shown['merged'][0]['number']}/comments").json
    assert [c["body"] for c in comments] == ["Since 9:00"]
    # the duplicate's reporter reads the survivor as a follower and is told of its resolution
    assert get_incident(api.ron, survivor["number"])["status"] == "in_progress"
    complete(api.alice, shown, "l1_diagnose", RESOLVED)
    told = [
        n
        for n in api.ron.get("/api/notifications").json
        if n["incident_number"] == survivor["number"]
    ]
    assert "incident.resolved" in [n["event"] for n in told]


def test_an_incident_on_hold_or_new_can_be_merged(api):
    survivor = open_incident(api.rita, title="VPN down")
    new = open_incident(api.ron, title="No VPN")
    held = complete(api.alice, open_incident(api.ron, title="VPN slow"), "triage", TRIAGE)
    held = complete(
        api.alice, held, "l1_diagnose", {"outcome": "on_hold", "hold_reason": "Which client?"}
    )
    assert held["status"] == "on_hold"
    for duplicate in (new, held):
        response = merge(api.alice, duplicate, survivor)
        assert response.status_code == 200, response.json
        assert response.json["closure_code"] == "duplicate"


def test_merge_refusals_say_why(api):
    a = open_incident(api.rita, title="A")
    b = open_incident(api.rita, title="B")
    itself = merge(api.alice, a, a)
    assert itself.status_code == 422
    assert itself.json["errors"][0]["field"] == "$.into"
    assert merge(api.rita, a, b).status_code == 403
    unknown = api.alice.post(f"/api/incidents/{a['number']}/merge", json={"into": "INC-999999"})
    assert unknown.status_code == 422
    assert merge(api.alice, a, b).status_code == 200
    back = merge(api.alice, b, a)
    assert back.status_code == 409
    assert "cycle" in back.json["message"]
    c = open_incident(api.rita, title="C")
    into_closed = merge(api.alice, c, a)
    assert into_closed.status_code == 409
    assert "closed" in into_closed.json["message"]
    assert get_incident(api.alice, c["number"])["status"] == "new"
