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
