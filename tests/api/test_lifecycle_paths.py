"""Every path through the incident process, driven over HTTP as the people who work it."""

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


def confirm(api, incident, confirmed=True, comment=None):
    data = {"confirmed": confirmed} | ({"comment": comment} if comment else {})
    return complete(api.rita, incident, "confirm_resolution", data)


def test_l1_resolves_and_the_reporter_confirms(api, clock):
    incident = open_incident(api.rita)
    assert incident["status"] == "new"
    assert incident["tier"] == "L1"
    # provisional, from what the reporter said (nothing: medium and medium)
    assert incident["priority"] == "P3"
    assert incident["first_response_target"] == "PT3H"
    assert incident["reporter"] == "rita"
    assert incident["reporter_name"] == "Rita Reporter"
    only_task(incident, "triage")

    clock.advance(minutes=20)
    incident = complete(api.alice, incident, "triage", TRIAGE)
    assert incident["status"] == "in_progress"
    assert incident["priority"] == "P3"
    assert incident["first_response_target"] == "PT3H"
    assert incident["resolution_target"] == "PT24H"
    assert incident["first_response_at"] == "2026-03-02T09:20:00+00:00"
    # whoever triaged keeps the incident for the diagnosis
    assert only_task(incident, "l1_diagnose")["claimed_by"] == "alice"
    assert incident["assignee"] == "alice"

    clock.advance(hours=1)
    incident = complete(api.alice, incident, "l1_diagnose", RESOLVED)
    assert incident["status"] == "resolved"
    assert incident["resolved_at"] == "2026-03-02T10:20:00+00:00"
    assert incident["resolution"] == RESOLVED["resolution"]
    assert incident["tier"] == "L1"

    incident = confirm(api, incident)
    assert incident["status"] == "closed"
    assert incident["closure_code"] == "confirmed_by_reporter"
    assert incident["closed_at"] is not None
    assert incident["open_tasks"] == []
    assert incident["instance"]["status"] == "completed"
    types = event_types(api.alice, incident["number"])
    assert types[0] == "incident.opened"
    for expected in ("incident.prioritised", "incident.resolved", "incident.closed"):
        assert expected in types
    assert types.count("task.completed") == 3


def test_l1_escalates_and_l2_resolves(api):
    incident = open_incident(api.rita)
    incident = complete(api.alice, incident, "triage", TRIAGE)
    incident = complete(api.alice, incident, "l1_diagnose", ESCALATE)
    assert incident["tier"] == "L2"
    assert incident["status"] == "in_progress"
    assert incident["assignee"] is None
    assert only_task(incident, "l2_investigate")["claimed_by"] is None

    incident = complete(api.bob, incident, "l2_investigate", RESOLVED)
    assert incident["status"] == "resolved"
    assert incident["tier"] == "L2"
    assert incident["assignee"] == "bob"
    incident = confirm(api, incident)
    assert incident["status"] == "closed"
    events = api.bob.get(f"/api/incidents/{incident['number']}/events").json
    escalation = next(e for e in events if e["type"] == "incident.escalated")
    assert escalation["data"]["from_tier"] == "L1"
    assert escalation["data"]["to_tier"] == "L2"
    assert escalation["data"]["reason"] == ESCALATE["escalation_reason"]
    assert escalation["actor"] == "alice"


def test_l1_to_l2_to_l3(api):
    incident = open_incident(api.rita)
    incident = complete(api.alice, incident, "triage", TRIAGE)
    incident = complete(api.alice, incident, "l1_diagnose", ESCALATE)
    incident = complete(api.bob, incident, "l2_investigate", ESCALATE)
    assert incident["tier"] == "L3"
    incident = complete(api.carol, incident, "l3_resolve", RESOLVED)
    assert incident["status"] == "resolved"
    assert incident["tier"] == "L3"
    incident = confirm(api, incident)
    assert incident["status"] == "closed"
    assert event_types(api.carol, incident["number"]).count("incident.escalated") == 2


def test_p1_goes_straight_to_l3(api):
    incident = open_incident(api.rita, impact="high", urgency="high")
    incident = complete(
        api.alice, incident, "triage", TRIAGE | {"impact": "high", "urgency": "high"}
    )
    assert incident["priority"] == "P1"
    assert incident["first_response_target"] == "PT1H"
    assert incident["resolution_target"] == "PT4H"
    assert incident["tier"] == "L3"
    assert only_task(incident, "l3_resolve")["lane"] == "L3"
    incident = complete(api.carol, incident, "l3_resolve", RESOLVED)
    incident = confirm(api, incident)
    assert incident["status"] == "closed"


def test_a_service_request_is_closed_and_continues_as_a_linked_request(api):
    incident = open_incident(api.rita, title="Need a second monitor")
    incident = complete(api.alice, incident, "triage", {"kind": "request", "category": "hardware"})
    assert incident["status"] == "closed"
    assert incident["closure_code"] == "converted_to_request"
    assert incident["kind"] == "request"
    [linked] = incident["linked_instances"]
    assert linked["process_id"] == "service_request"
    assert linked["status"] == "running"

    request_task = only_task(incident, "fulfil_request")
    assert request_task["instance_id"] == linked["id"]
    detail = api.alice.get(f"/api/tasks/{request_task['id']}").json
    assert detail["task"]["process_id"] == "service_request"
    instance = api.ivan.get(f"/api/instances/{linked['id']}")
    assert instance.status_code == 404  # the integrator did not open this incident
    instance = api.alice.get(f"/api/instances/{linked['id']}").json
    assert instance["data"]["title"] == "Need a second monitor"
    assert instance["data"]["incident_number"] == incident["number"]

    response = api.alice.post(
        f"/api/tasks/{request_task['id']}/complete",
        json={"fulfilled": True, "fulfilment": "Monitor delivered"},
    )
    assert response.status_code == 200, response.json
    assert response.json["instance"]["status"] == "completed"
    assert (
        get_incident(api.alice, incident["number"])["linked_instances"][0]["status"] == "completed"
    )


def test_not_fixed_reopens_at_the_tier_that_resolved(api):
    incident = open_incident(api.rita)
    incident = complete(api.alice, incident, "triage", TRIAGE)
    incident = complete(api.alice, incident, "l1_diagnose", ESCALATE)
    incident = complete(api.bob, incident, "l2_investigate", RESOLVED)
    incident = confirm(api, incident, confirmed=False, comment="Still cannot send mail")
    assert incident["status"] == "in_progress"
    assert incident["tier"] == "L2"
    assert incident["resolved_at"] is None
    assert incident["reopen_count"] == 1
    # back with the agent who resolved it
    assert only_task(incident, "l2_investigate")["claimed_by"] == "bob"
    reopened = next(
        e
        for e in api.bob.get(f"/api/incidents/{incident['number']}/events").json
        if e["type"] == "incident.reopened"
    )
    assert reopened["data"] == {"tier": "L2", "comment": "Still cannot send mail"}

    incident = complete(api.bob, incident, "l2_investigate", RESOLVED | {"resolution": "Fixed DNS"})
    assert incident["resolution"] == "Fixed DNS"
    incident = confirm(api, incident)
    assert incident["status"] == "closed"


def test_reopen_at_l1_and_at_l3(api):
    for route, tier, key in (([], "L1", "l1_diagnose"), ([ESCALATE, ESCALATE], "L3", "l3_resolve")):
        incident = open_incident(api.rita)
        incident = complete(api.alice, incident, "triage", TRIAGE)
        agents = [api.alice, api.bob, api.carol]
        keys = ["l1_diagnose", "l2_investigate", "l3_resolve"]
        for step, data in enumerate(route):
            incident = complete(agents[step], incident, keys[step], data)
        incident = complete(agents[len(route)], incident, key, RESOLVED)
        incident = confirm(api, incident, confirmed=False, comment="no")
        assert incident["tier"] == tier
        only_task(incident, key)
