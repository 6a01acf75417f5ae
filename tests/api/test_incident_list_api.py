"""The incident list over HTTP: filters, sort orders, pages, and earlier solutions
in the task detail."""

from __future__ import annotations

from tests.helpers import ESCALATE, RESOLVED, TRIAGE, complete, only_task, open_incident


def listed(client, **params):
    response = client.get("/api/incidents", query_string=params)
    assert response.status_code == 200, response.json
    return [incident["number"] for incident in response.json]


def test_filters_by_status_priority_tier_category_assignee_and_group(api):
    new = open_incident(api.rita, title="New one")
    triaged = complete(api.alice, open_incident(api.rita, title="Triaged"), "triage", TRIAGE)
    escalated = complete(
        api.alice,
        complete(api.alice, open_incident(api.ron, title="Escalated"), "triage", TRIAGE),
        "l1_diagnose",
        ESCALATE,
    )
    assert listed(api.alice, status="new") == [new["number"]]
    assert listed(api.alice, tier="L2") == [escalated["number"]]
    assert listed(api.alice, group="L2") == [escalated["number"]]
    assert listed(api.alice, category="email") == [escalated["number"], triaged["number"]]
    assert listed(api.alice, assignee="alice") == [triaged["number"]]
    assert listed(api.alice, assignee="nobody") == []
    assert listed(api.alice, priority=triaged["priority"], status="in_progress") == [
        escalated["number"],
        triaged["number"],
    ]
    # Reporters see only theirs, whatever they ask for.
    assert listed(api.ron, category="email") == [escalated["number"]]


def test_sla_states_and_the_period(api, clock):
    late = open_incident(api.rita, title="Late")
    clock.advance(hours=5)
    fresh = open_incident(api.rita, title="Fresh")
    assert listed(api.alice, sla="breached") == [late["number"]]
    assert listed(api.alice, sla="on_track") == [fresh["number"]]
    assert listed(api.alice, sla="at_risk") == []
    today = clock.now.date().isoformat()
    assert listed(api.alice, opened_from=today, opened_to=today) == [
        fresh["number"],
        late["number"],
    ]
    assert listed(api.alice, opened_to="2020-01-01") == []
    refused = api.alice.get("/api/incidents?opened_from=2026-03-03&opened_to=2026-03-01")
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json["errors"]] == ["opened_to"]


def test_sort_orders(api, clock):
    low = open_incident(api.rita, title="Low", impact="low", urgency="low")
    clock.advance(minutes=5)
    high = open_incident(api.rita, title="High", impact="high", urgency="high")
    clock.advance(minutes=5)
    complete(api.alice, low, "triage", TRIAGE | {"impact": "low", "urgency": "low"})
    assert listed(api.alice) == [high["number"], low["number"]]
    assert listed(api.alice, sort="opened") == [high["number"], low["number"]]
    assert listed(api.alice, sort="updated") == [low["number"], high["number"]]
    assert listed(api.alice, sort="priority") == [high["number"], low["number"]]
    assert listed(api.alice, sort="due")[0] == high["number"]
    assert api.alice.get("/api/incidents?sort=sideways").status_code == 422


def test_pages_beyond_the_first(api):
    opened = [open_incident(api.rita, title=f"Disk {i}")["number"] for i in range(7)]
    first = api.alice.get("/api/incidents?q=disk&page_size=5")
    second = api.alice.get("/api/incidents?q=disk&page_size=5&page=2")
    assert '"total": 7' in first.headers["X-Pagination"]
    assert 'rel="next"' in first.headers["Link"]
    numbers = [i["number"] for i in first.json + second.json]
    assert sorted(numbers) == sorted(opened)


def test_the_triage_task_carries_earlier_solutions(api):
    done = complete(
        api.alice,
        open_incident(api.ron, title="Outlook cannot reach the mail gateway"),
        "triage",
        TRIAGE,
    )
    complete(api.alice, done, "l1_diagnose", RESOLVED)
    unresolved = open_incident(api.ron, title="Mail gateway slow")
    incident = open_incident(api.rita, title="Mail gateway refuses Outlook", category="email")
    detail = api.alice.get(f"/api/tasks/{only_task(incident)['id']}").json
    solutions = detail["earlier_solutions"]
    assert [s["number"] for s in solutions] == [done["number"]]
    assert solutions[0]["resolution"] == "Restarted the mail gateway"
    assert {"gateway", "outlook", "mail"} <= set(solutions[0]["shared_words"])
    assert unresolved["number"] not in [s["number"] for s in solutions]
    # Tasks after triage carry none.
    diagnose = complete(api.alice, incident, "triage", TRIAGE)
    detail = api.alice.get(f"/api/tasks/{only_task(diagnose)['id']}").json
    assert detail["earlier_solutions"] == []
