"""Worklists, task forms and completing tasks over HTTP."""

from __future__ import annotations

from tests.helpers import ESCALATE, TRIAGE, complete, only_task, open_incident


def keys(response):
    assert response.status_code == 200, response.json
    return [(t["key"], t["incident_number"]) for t in response.json]


def test_worklists_show_each_agent_their_lanes(api):
    first = open_incident(api.rita)
    second = open_incident(api.ron)
    complete(api.alice, second, "triage", TRIAGE)
    second = api.alice.get(f"/api/incidents/{second['number']}").json
    complete(api.alice, second, "l1_diagnose", ESCALATE)

    assert keys(api.alice.get("/api/tasks")) == [("triage", first["number"])]
    assert keys(api.bob.get("/api/tasks")) == [("l2_investigate", second["number"])]
    assert keys(api.carol.get("/api/tasks")) == []
    # an agent can look at everything, by lane
    assert keys(api.carol.get("/api/tasks?scope=all&lane=L2")) == [
        ("l2_investigate", second["number"])
    ]
    # a reporter asking for all still gets only their own work
    assert keys(api.rita.get("/api/tasks?scope=all")) == []
    assert keys(api.alice.get(f"/api/tasks?incident={second['number']}")) == []
    done = api.alice.get(f"/api/tasks?state=completed&incident={second['number']}")
    assert keys(done) == [("triage", second["number"]), ("l1_diagnose", second["number"])]
    assert done.json[0]["completed_by"] == "alice"
    assert len(api.alice.get("/api/tasks?state=any").json) == 3


def test_claimed_by_me_filter(api):
    first = open_incident(api.rita)
    open_incident(api.rita)
    api.alice.post(f"/api/tasks/{only_task(first)['id']}/claim")
    mine = api.alice.get("/api/tasks?claimed_by_me=true").json
    assert [t["incident_number"] for t in mine] == [first["number"]]
    unclaimed = api.lena.get("/api/tasks?claimed_by_me=false").json
    assert len(unclaimed) == 1 and unclaimed[0]["incident_number"] != first["number"]


def test_task_detail_has_the_form_the_known_values_and_the_incident(api):
    incident = open_incident(api.rita, category="email")
    task = only_task(incident, "triage")
    detail = api.alice.get(f"/api/tasks/{task['id']}").json
    assert detail["task"]["key"] == "triage"
    assert detail["task"]["lane"] == "L1"
    assert detail["form_schema"]["title"] == "Triage ticket"
    assert set(detail["form_schema"]["properties"]) >= {"kind", "category", "impact", "urgency"}
    assert detail["ui_schema"]["ui:order"][0] == "kind"
    assert detail["data"] == {"kind": "incident", "category": "email"}
    assert detail["incident"]["number"] == incident["number"]
    assert api.alice.get("/api/tasks/does-not-exist").status_code == 404


def test_invalid_form_data_lists_every_field_and_changes_nothing(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    response = api.alice.post(
        f"/api/tasks/{task['id']}/complete", json={"kind": "incident", "impact": "extreme"}
    )
    assert response.status_code == 422
    assert response.json["error"] == "invalid_input"
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"$.category", "$.impact", "$.urgency"}
    after = api.alice.get(f"/api/incidents/{incident['number']}").json
    assert after["status"] == "new"
    assert only_task(after)["id"] == task["id"]
    assert "task.completed" not in [
        e["type"] for e in api.alice.get(f"/api/incidents/{incident['number']}/events").json
    ]


def test_form_data_must_be_a_json_object(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    response = api.alice.post(f"/api/tasks/{task['id']}/complete", json=["kind", "incident"])
    assert response.status_code in (400, 422)
    assert response.json["message"]


def test_the_completion_response_has_the_incidents_new_state(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    body = api.alice.post(f"/api/tasks/{task['id']}/complete", json=TRIAGE).json
    assert body["task"]["state"] == "completed"
    assert body["task"]["completed_by"] == "alice"
    assert body["incident"]["status"] == "in_progress"
    assert body["incident"]["priority"] == "P3"
    assert body["instance"]["status"] == "running"


def test_a_date_time_that_is_no_date_time_is_refused_on_its_field(api):
    incident = complete(
        api.alice, open_incident(api.rita), "triage", TRIAGE | {"impact": "high", "urgency": "high"}
    )
    assert api.carol.post(f"/api/tasks/{only_task(incident)['id']}/claim").status_code == 200
    started = api.carol.post(f"/api/incidents/{incident['number']}/calls")
    arrange = only_task(started.json, "arrange_call")
    answer = api.carol.post(
        f"/api/tasks/{arrange['id']}/complete",
        json={"call_at": "tomorrow 3pm", "medium": "phone", "join": "+30 210 555 0100"},
    )
    assert answer.status_code == 422, answer.json
    assert answer.json["error"] == "invalid_input"  # the form's answer, not a process error
    assert [e["field"] for e in answer.json["errors"]] == ["$.call_at"]
    assert api.carol.get(f"/api/tasks/{arrange['id']}").json["task"]["state"] == "ready"


def test_prefer_return_minimal_leaves_the_incident_out_and_says_so(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    response = api.alice.post(
        f"/api/tasks/{task['id']}/complete",
        json=TRIAGE,
        headers={"Prefer": 'respond-async, return="minimal"'},
    )
    assert response.status_code == 200, response.json
    assert response.headers["Preference-Applied"] == "return=minimal"
    assert response.json["incident"] is None
    assert response.json["task"]["state"] == "completed"
    # The process moved on all the same.
    after = api.alice.get(f"/api/incidents/{incident['number']}").json
    assert [t["key"] for t in after["open_tasks"]] == ["l1_diagnose"]

    full = api.alice.post(
        f"/api/tasks/{only_task(after, 'l1_diagnose')['id']}/complete",
        json=ESCALATE,
        headers={"Prefer": "return=representation"},
    )
    assert "Preference-Applied" not in full.headers
    assert full.json["incident"]["tier"] == "L2"
