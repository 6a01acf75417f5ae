"""Moving running incidents onto a new version of the process."""

from __future__ import annotations

from datetime import timedelta

from service.worker import TimerWorker
from tests.api.test_deployments_api import INCIDENT, SLA_12H, deploy
from tests.conftest import START
from tests.helpers import RESOLVED, TRIAGE, complete, get_incident, open_incident

MIGRATIONS = "/api/processes/incident/migrations"


def at(**delta):
    return START + timedelta(**delta)


def migrate(client, **body):
    return client.post(MIGRATIONS, json={"source_version": 1, "target_version": 2} | body)


def events(client, number, kind):
    return [e for e in client.get(f"/api/incidents/{number}/events").json if e["type"] == kind]


def test_a_dry_run_reports_and_changes_nothing_then_the_move_follows_the_new_tables(
    api, svc, clock
):
    # P3: 24 h in Athens business hours from Monday 11:00 (+02:00): Thursday 11:00.
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    [task] = incident["open_tasks"]
    claimed = api.alice.post(f"/api/tasks/{task['id']}/claim")
    assert claimed.status_code == 200, claimed.json
    assert deploy(api.olga, {"sla.dmn": SLA_12H}).status_code == 201
    before = get_incident(api.alice, incident["number"])

    dry = migrate(api.olga, incidents=[incident["number"]])

    assert dry.status_code == 200, dry.json
    report = dry.json
    assert report["dry_run"] is True
    assert report["counts"]["movable"] == 1
    [move] = report["instances"]
    assert (move["incident_number"], move["outcome"]) == (incident["number"], "movable")
    assert move["rerun"] == [
        "prov_priority",
        "prov_targets",
        "start_clocks",
        "determine_priority",
        "determine_targets",
        "compute_deadlines",
    ]
    # the task, and the messages its boundary events wait for (the parent resolved, merged)
    assert move["waiting_at"] == ["l1_diagnose", "l1_parent_resolved", "l1_merged"]
    timers = {t["element_id"]: t for t in move["timers"]}
    assert timers["l1_breach_timer"]["old_due_at"] == "2026-03-05T09:00:00+00:00"
    # 12 working hours: 6 on Monday, 6 on Tuesday.
    assert timers["l1_breach_timer"]["new_due_at"] == "2026-03-03T13:00:00+00:00"
    assert get_incident(api.alice, incident["number"]) == before

    done = migrate(api.olga, incidents=[incident["number"]], dry_run=False)

    assert done.status_code == 200, done.json
    [move] = done.json["instances"]
    assert move["outcome"] == "moved"
    after = get_incident(api.alice, incident["number"])
    assert after["instance"]["version"] == 2
    assert after["resolution_target"] == "PT12H"
    assert after["sla"]["resolution"]["due_at"] == "2026-03-03T13:00:00+00:00"
    # The same task, still with the agent who had claimed it.
    [still] = after["open_tasks"]
    assert (still["id"], still["claimed_by"]) == (task["id"], "alice")
    [moved] = events(api.alice, incident["number"], "instance.migrated")
    assert (moved["actor"], moved["data"]["from_version"], moved["data"]["to_version"]) == (
        "olga",
        1,
        2,
    )
    [due] = [
        e
        for e in events(api.alice, incident["number"], "sla.due_changed")
        if e["data"]["clock"] == "resolution"
    ]
    assert (due["data"]["old_due_at"], due["data"]["new_due_at"]) == (
        "2026-03-05T09:00:00+00:00",
        "2026-03-03T13:00:00+00:00",
    )
    # Reporters see their incident's milestones, not the process's plumbing.
    seen_by_reporter = api.rita.get(f"/api/incidents/{incident['number']}/events").json
    assert seen_by_reporter and "instance.migrated" not in {e["type"] for e in seen_by_reporter}

    # The new target is the one enforced: 12 working hours, not 24.
    clock.set(at(days=1, hours=4, seconds=1))
    assert TimerWorker(svc, name="w").run_once() >= 1
    escalated = get_incident(api.alice, incident["number"])
    assert escalated["tier"] == "L2"
    assert escalated["sla"]["resolution"]["state"] == "breached"

    # And it finishes on the new version.
    finished = complete(api.bob, escalated, "l2_investigate", RESOLVED)
    finished = complete(api.rita, finished, "confirm_resolution", {"confirmed": True})
    assert (finished["status"], finished["instance"]["version"]) == ("closed", 2)


def test_a_relative_timer_keeps_its_time_when_its_value_is_unchanged(api, svc, clock):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    incident = complete(api.alice, incident, "l1_diagnose", RESOLVED)
    assert [t["key"] for t in incident["open_tasks"]] == ["confirm_resolution"]
    armed = {t["element_id"]: t["due_at"] for t in api.adam.get("/api/admin/timers").json}
    clock.set(at(hours=30))
    assert deploy(api.olga, {"sla.dmn": SLA_12H}).status_code == 201

    report = migrate(api.olga, all=True, dry_run=False).json

    assert report["counts"]["moved"] == 1
    after = {t["element_id"]: t["due_at"] for t in api.adam.get("/api/admin/timers").json}
    # auto_close_after is a duration counted from when the reporter was asked;
    # moving the incident must not restart it.
    assert after["auto_close_timer"] == armed["auto_close_timer"]


def test_an_instance_that_cannot_move_says_where_and_why_and_stays(api):
    waiting = open_incident(api.rita)  # at triage
    working = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)  # at l1_diagnose
    changed_script = INCIDENT.replace(b"paused_seconds = 0\n", b"paused_seconds = 0\norigin = 1\n")
    assert changed_script != INCIDENT
    assert deploy(api.olga, {"incident.bpmn": changed_script}).status_code == 201

    report = migrate(api.olga, all=True, dry_run=False).json

    outcomes = {m["incident_number"]: m for m in report["instances"]}
    for number in (waiting["number"], working["number"]):
        move = outcomes[number]
        assert move["outcome"] == "refused"
        [reason] = move["reasons"]
        assert reason["element_id"] == "log_ticket"
        assert "has run" in reason["message"] and "script" in reason["message"]
        assert get_incident(api.alice, number)["instance"]["version"] == 1
    assert report["counts"] == {
        "movable": 0,
        "moved": 0,
        "refused": 2,
        "failed": 0,
        "skipped": 0,
    }


def test_a_removed_step_where_an_instance_waits_blocks_it(api):
    incident = open_incident(api.rita)  # at triage
    renamed = INCIDENT.replace(b'"triage"', b'"triage_ticket"').replace(
        b">triage<", b">triage_ticket<"
    )
    response = deploy(api.olga, {"incident.bpmn": renamed})
    assert response.status_code == 201, response.json

    [move] = migrate(api.olga, incidents=[incident["number"]]).json["instances"]

    assert move["outcome"] == "refused"
    assert any(
        r["element_id"] == "triage" and "removes it" in r["message"] for r in move["reasons"]
    )


def test_selection_and_versions_are_checked(api):
    incident = open_incident(api.rita)
    assert deploy(api.olga, {"sla.dmn": SLA_12H}).status_code == 201

    nothing = migrate(api.olga)
    assert nothing.status_code == 422
    assert nothing.json["errors"][0]["field"] == "$"
    both = migrate(api.olga, all=True, incidents=[incident["number"]])
    assert both.status_code == 422
    same = migrate(api.olga, all=True, target_version=1)
    assert [e["field"] for e in same.json["errors"]] == ["$.target_version"]
    unknown = migrate(api.olga, all=True, target_version=7)
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json["errors"]] == ["$.target_version"]
    assert (
        api.olga.post(
            "/api/processes/nope/migrations",
            json={"source_version": 1, "target_version": 2, "all": True},
        ).status_code
        == 404
    )

    report = migrate(api.olga, incidents=[incident["number"], "INC-999999", "bogus"]).json
    assert [(m["incident_number"], m["outcome"]) for m in report["instances"]] == [
        (incident["number"], "movable"),
        ("INC-999999", "skipped"),
        ("bogus", "skipped"),
    ]
    # Moved already: a second run skips it and says why.
    migrate(api.olga, incidents=[incident["number"]], dry_run=False)
    [again] = migrate(api.olga, incidents=[incident["number"]]).json["instances"]
    assert again["outcome"] == "skipped"
    assert again["reasons"][0]["message"] == "it runs on version 2"


def test_only_process_owners_move_instances(api):
    assert deploy(api.olga, {"sla.dmn": SLA_12H}).status_code == 201
    for client in (api.alice, api.adam, api.rita, api.ivan):
        assert migrate(client, all=True).status_code == 403
    assert migrate(api.anonymous, all=True).status_code == 401


def test_a_waiting_task_follows_its_changed_step(api):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    [task] = incident["open_tasks"]
    assert api.alice.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    # Version 2 renames the step and gives it to L2.
    ref = b"<bpmn:flowNodeRef>l1_diagnose</bpmn:flowNodeRef>"
    lane = b'<bpmn:lane id="Lane_L2" name="L2">'
    moved = (
        INCIDENT.replace(b'name="Initial diagnosis (L1)"', b'name="Diagnosis"')
        .replace(ref, b"")
        .replace(lane, lane + ref)
    )
    assert deploy(api.olga, {"incident.bpmn": moved}).status_code == 201

    [move] = migrate(api.olga, all=True, dry_run=False).json["instances"]

    assert move["outcome"] == "moved", move
    [now] = get_incident(api.bob, incident["number"])["open_tasks"]
    assert (now["id"], now["name"], now["lane"]) == (task["id"], "Diagnosis", "L2")
    assert now["claimed_by"] is None  # alice is not in L2
    assert api.alice.post(f"/api/tasks/{task['id']}/complete", json=RESOLVED).status_code == 403
    done = complete(api.bob, get_incident(api.bob, incident["number"]), "l1_diagnose", RESOLVED)
    assert done["status"] == "resolved"
    changed = events(api.alice, incident["number"], "task.changed")
    assert [(e["data"]["name"], e["data"]["lane"]) for e in changed] == [("Diagnosis", "L2")]


def test_an_incident_on_hold_shows_its_new_targets_as_soon_as_it_moves(api):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)  # P3: 24 h
    held = complete(
        api.alice, incident, "l1_diagnose", {"outcome": "on_hold", "hold_reason": "Which PC?"}
    )
    assert (held["status"], held["resolution_target"]) == ("on_hold", "PT24H")
    assert deploy(api.olga, {"sla.dmn": SLA_12H}).status_code == 201

    done = migrate(api.olga, incidents=[incident["number"]], dry_run=False)

    assert done.status_code == 200, done.json
    assert done.json["counts"]["moved"] == 1
    moved = get_incident(api.alice, incident["number"])
    # No task is ready while it waits for the reporter: the incident is read from the
    # step that ran last, which must see what the move recomputed.
    assert (moved["status"], moved["resolution_target"]) == ("on_hold", "PT12H")
    assert moved["instance"]["version"] == 2
    # and the reporter's reply still ends the hold on the new version
    api.rita.post(f"/api/incidents/{incident['number']}/comments", json={"body": "The old one"})
    assert get_incident(api.alice, incident["number"])["status"] == "in_progress"
