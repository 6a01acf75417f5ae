"""Handing tasks to colleagues, automatic assignment per group, and away flags, over HTTP."""

from __future__ import annotations

from tests.helpers import TRIAGE, complete, event_types, only_task, open_incident


def events(api, number, event_type):
    return [
        e for e in api.adam.get(f"/api/incidents/{number}/events").json if e["type"] == event_type
    ]


def test_an_agent_hands_a_task_to_a_colleague_who_is_told(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    answer = api.alice.post(f"/api/tasks/{task['id']}/assign", json={"user": "lena"})
    assert answer.status_code == 200, answer.json
    assert answer.json["claimed_by"] == "lena"
    # the same "taken by" as a claim: the queue and the incident show it
    [queued] = api.lena.get("/api/tasks?claimed_by_me=true").json
    assert queued["id"] == task["id"]
    assert api.alice.get(f"/api/incidents/{incident['number']}").json["assignee"] == "lena"
    [assigned] = events(api, incident["number"], "task.assigned")
    assert assigned["actor"] == "alice"
    assert assigned["data"]["assignee"] == "lena"
    told = [n for n in api.lena.get("/api/notifications").json if n["event"] == "task.assigned"]
    assert len(told) == 1 and told[0]["recipient"] == "lena"
    assert told[0]["incident_number"] == incident["number"]
    # the one who holds it now must finish it; alice cannot complete it any more
    refused = api.alice.post(f"/api/tasks/{task['id']}/complete", json=TRIAGE)
    assert refused.status_code == 409


def test_assigning_outside_the_group_or_to_nobody_known_is_refused_by_field(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    outside = api.alice.post(f"/api/tasks/{task['id']}/assign", json={"user": "bob"})
    assert outside.status_code == 422
    assert outside.json["errors"][0]["field"] == "$.user"
    assert "not in group L1" in outside.json["errors"][0]["message"]
    unknown = api.alice.post(f"/api/tasks/{task['id']}/assign", json={"user": "nobody"})
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "$.user"
    missing = api.alice.post(f"/api/tasks/{task['id']}/assign", json={})
    assert missing.status_code == 422
    assert api.alice.get(f"/api/tasks/{task['id']}").json["task"]["claimed_by"] is None
    assert "task.assigned" not in event_types(api.adam, incident["number"])


def test_who_may_hand_on_a_task(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")["id"]
    # another group and reporters may not
    assert api.bob.post(f"/api/tasks/{task}/assign", json={"user": "lena"}).status_code == 403
    assert api.rita.post(f"/api/tasks/{task}/assign", json={"user": "lena"}).status_code == 404
    assert api.alice.post(f"/api/tasks/{task}/claim").status_code == 200
    # a colleague may not take it from alice; the group's lead and admins may
    taken = api.lena.post(f"/api/tasks/{task}/assign", json={"user": "lena"})
    assert taken.status_code == 409
    assert (
        api.lara.post(f"/api/tasks/{task}/assign", json={"user": "lena"}).json["claimed_by"]
        == "lena"
    )
    assert (
        api.adam.post(f"/api/tasks/{task}/assign", json={"user": None}).json["claimed_by"] is None
    )
    assert "task.unassigned" in event_types(api.adam, incident["number"])


def test_a_completed_task_cannot_be_handed_on(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")["id"]
    complete(api.alice, incident, "triage", TRIAGE)
    assert api.alice.post(f"/api/tasks/{task}/assign", json={"user": "lena"}).status_code == 409


def test_round_robin_takes_members_in_turn_and_skips_those_away(api):
    assert (
        api.alice.put("/api/groups/L1/assignment", json={"mode": "round_robin"}).status_code == 403
    )
    rule = api.adam.put("/api/groups/L1/assignment", json={"mode": "round_robin"})
    assert rule.status_code == 200 and rule.json["mode"] == "round_robin"
    # L1 members by the order they were added: alice, lena, lara
    assignees = [only_task(open_incident(api.rita))["claimed_by"] for _ in range(4)]
    assert assignees == ["alice", "lena", "lara", "alice"]
    assert api.lena.put("/api/users/lena/away", json={"away": True}).json == {
        "user": "lena",
        "away": True,
    }
    assignees = [only_task(open_incident(api.rita))["claimed_by"] for _ in range(3)]
    assert assignees == ["lara", "alice", "lara"]
    incident = open_incident(api.rita)
    [placed] = events(api, incident["number"], "task.assigned")
    assert placed["data"]["how"] == "round_robin"
    assert api.lara.get("/api/groups/L1/assignment").json["last_assignee"] == "alice"


def test_least_open_work_goes_to_who_holds_the_fewest_tasks(api):
    first = open_incident(api.rita)
    second = open_incident(api.rita)
    api.alice.post(f"/api/tasks/{only_task(first)['id']}/claim")
    api.alice.post(f"/api/tasks/{only_task(second)['id']}/claim")
    api.lena.post(f"/api/tasks/{only_task(open_incident(api.rita))['id']}/claim")
    api.adam.put("/api/groups/L1/assignment", json={"mode": "least_open"})
    # lara holds nothing, then lena and lara one each (lena first in the round)
    assert [only_task(open_incident(api.rita))["claimed_by"] for _ in range(3)] == [
        "lara",
        "lena",
        "lara",
    ]


def test_away_is_for_oneself_a_lead_or_an_admin(api):
    assert api.alice.put("/api/users/lena/away", json={"away": True}).status_code == 403
    assert api.lara.put("/api/users/lena/away", json={"away": True}).status_code == 200
    assert api.bert.put("/api/users/lena/away", json={"away": False}).status_code == 403
    assert api.adam.put("/api/users/lena/away", json={"away": False}).json["away"] is False
    assert api.adam.put("/api/users/nobody/away", json={"away": True}).status_code == 404
    bad = api.lena.put("/api/users/lena/away", json={"away": "yes"})
    assert bad.status_code == 422
    assert api.adam.put("/api/groups/L9/assignment", json={"mode": "none"}).status_code == 404
    bad_mode = api.adam.put("/api/groups/L1/assignment", json={"mode": "random"})
    assert bad_mode.status_code == 422


def test_notifications_are_marked_read_by_their_recipient_only(api):
    task = only_task(open_incident(api.rita))["id"]
    api.alice.post(f"/api/tasks/{task}/assign", json={"user": "lena"})
    [note] = [n for n in api.lena.get("/api/notifications").json if n["event"] == "task.assigned"]
    assert note["read_at"] is None
    assert api.alice.post("/api/notifications/read", json={"ids": [note["id"]]}).json == {
        "marked": 0,
        "unread": 0,
    }
    marked = api.lena.post("/api/notifications/read", json={"ids": [note["id"]]})
    assert marked.json == {"marked": 1, "unread": 0}
    [note] = [n for n in api.lena.get("/api/notifications").json if n["event"] == "task.assigned"]
    assert note["read_at"] is not None
