"""Alerts from monitoring open, feed and clear proactive incidents, one per dedup key."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.domain.alerts import default_dedup_key
from service.models import AlertGroup, Incident
from service.services import users
from tests.api.test_deployments_api import deploy
from tests.conftest import PROCESSES, Client
from tests.helpers import RESOLVED, TRIAGE, complete, event_types, get_incident, only_task

DISK = {
    "source": "prometheus",
    "check": "disk_free",
    "resource": "db1.example.org:/var",
    "severity": "warning",
    "summary": "Less than 10 % free on /var",
}


def send(client, alert, expect):
    response = client.post("/api/alerts", json=alert)
    assert response.status_code == expect, response.json
    return response.json


def stored(svc) -> tuple[int, int]:
    """(incidents, alert groups) in the database."""
    with svc.db.read() as uow:
        count = lambda model: uow.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        return count(Incident), count(AlertGroup)


@pytest.mark.parametrize(
    ("severity", "impact", "urgency", "priority"),
    [
        ("critical", "high", "high", "P1"),
        ("error", "high", "medium", "P2"),
        ("warning", "medium", "medium", "P3"),
        ("info", "low", "low", "P4"),
    ],
)
def test_a_new_key_opens_a_monitoring_incident_prioritised_by_the_table(
    api, clock, severity, impact, urgency, priority
):
    receipt = send(api.ivan, DISK | {"severity": severity}, 201)

    assert receipt == {
        "dedup_key": default_dedup_key("prometheus", "disk_free", "db1.example.org:/var"),
        "outcome": "opened",
        "incident_number": "INC-000001",
        "count": 1,
        "last_seen_at": clock.now.isoformat(),
    }
    incident = get_incident(api.alice, receipt["incident_number"])
    assert (incident["channel"], incident["impact"], incident["urgency"]) == (
        "monitoring",
        impact,
        urgency,
    )
    assert incident["priority"] == priority
    assert (incident["reporter"], incident["opened_by"]) == ("ivan", "ivan")
    assert incident["title"] == DISK["summary"]
    for line in (
        "Source: prometheus",
        "Check: disk_free",
        "Resource: db1.example.org:/var",
        f"Severity: {severity}",
    ):
        assert line in incident["description"]
    assert only_task(incident, "triage")["state"] == "ready"
    assert {"incident.opened", "alert.opened"} <= set(event_types(api.alice, "INC-000001"))


def test_the_same_key_attaches_to_the_open_incident(api, svc, clock):
    first = send(api.ivan, DISK, 201)
    trail = event_types(api.alice, first["incident_number"])
    later = clock.advance(minutes=5)

    again = send(api.ivan, DISK | {"summary": "Less than 5 % free on /var"}, 200)
    third = send(api.adam, DISK | {"severity": "error"}, 200)

    assert again["outcome"] == third["outcome"] == "attached"
    assert again["incident_number"] == third["incident_number"] == first["incident_number"]
    assert (again["count"], third["count"]) == (2, 3)
    assert again["last_seen_at"] == later.isoformat()
    assert stored(svc) == (1, 1)
    # A storm must not grow the audit trail: repeats only count.
    assert event_types(api.alice, first["incident_number"]) == trail
    [group] = api.alice.get("/api/alerts").json
    assert (group["count"], group["last_severity"], group["open"]) == (3, "error", True)
    assert group["first_seen_at"] != group["last_seen_at"] == later.isoformat()


def test_the_default_key_is_source_check_and_resource(api, svc):
    first = send(api.ivan, DISK, 201)
    other_resource = send(api.ivan, DISK | {"resource": "db2.example.org:/var"}, 201)
    explicit = DISK | {"dedup_key": "db-cluster-disk"}
    keyed = send(api.ivan, explicit, 201)
    same_key_other_check = send(api.ivan, explicit | {"check": "inode_free"}, 200)

    assert len({first["dedup_key"], other_resource["dedup_key"], keyed["dedup_key"]}) == 3
    assert same_key_other_check["incident_number"] == keyed["incident_number"]
    assert stored(svc) == (3, 3)


def test_a_clear_adds_an_internal_note_the_reporter_does_not_see(api, svc):
    number = send(api.ivan, DISK, 201)["incident_number"]

    cleared = send(api.ivan, DISK | {"status": "resolved"}, 200)
    send(api.ivan, DISK | {"status": "resolved"}, 200)

    assert (cleared["outcome"], cleared["incident_number"], cleared["count"]) == (
        "resolved",
        number,
        2,
    )
    [note] = api.alice.get(f"/api/incidents/{number}/comments").json
    assert (note["author"], note["public"]) == ("ivan", False)
    assert "resolved" in note["body"] and DISK["resource"] in note["body"]
    assert api.ivan.get(f"/api/incidents/{number}/comments").json == []
    events = event_types(api.alice, number)
    assert events.count("alert.resolved") == 1  # the repeated clear only counts
    assert "alert.resolution_proposed" not in events
    incident = get_incident(api.alice, number)
    assert incident["status"] == "new"
    assert only_task(incident, "triage")["state"] == "ready"


def test_with_the_setting_a_clear_proposes_resolution_to_the_tier_group(api, svc):
    svc.settings = svc.settings.with_overrides(alerts_propose_resolution=True)
    number = send(api.ivan, DISK, 201)["incident_number"]
    before = get_incident(api.alice, number)

    send(api.ivan, DISK | {"status": "resolved"}, 200)

    [told] = [n for n in api.alice.get("/api/notifications").json if n["incident_number"]]
    assert (told["event"], told["recipient_group"], told["incident_number"]) == (
        "alert.resolution_proposed",
        "L1",
        number,
    )
    assert api.bob.get("/api/notifications").json == []
    assert "alert.resolution_proposed" in event_types(api.alice, number)
    # Proposed, not done: the process has not moved.
    after = get_incident(api.alice, number)
    assert (after["status"], after["open_tasks"]) == (before["status"], before["open_tasks"])


def test_no_resolution_is_proposed_for_an_incident_already_resolved(api, svc):
    svc.settings = svc.settings.with_overrides(alerts_propose_resolution=True)
    number = send(api.ivan, DISK, 201)["incident_number"]
    incident = complete(api.alice, get_incident(api.alice, number), "triage", TRIAGE)
    complete(api.alice, incident, "l1_diagnose", RESOLVED)

    send(api.ivan, DISK | {"status": "resolved"}, 200)

    events = event_types(api.alice, number)
    assert "alert.resolved" in events
    assert "alert.resolution_proposed" not in events


def test_a_long_summary_is_cut_for_the_title_and_kept_whole_in_the_description(api):
    summary = "Disk   almost\nfull " + "x" * 300
    number = send(api.ivan, DISK | {"summary": summary}, 201)["incident_number"]

    incident = get_incident(api.alice, number)
    assert len(incident["title"]) == 200
    assert incident["title"].startswith("Disk almost full xxx")
    assert incident["title"].endswith("…")
    assert incident["description"].endswith(summary)


def test_a_clear_for_no_open_incident_is_ignored(api, svc):
    receipt = send(api.ivan, DISK | {"status": "resolved"}, 200)

    assert (receipt["outcome"], receipt["incident_number"], receipt["count"]) == (
        "ignored",
        None,
        0,
    )
    assert stored(svc) == (0, 0)


def test_a_firing_after_a_clear_attaches_and_is_recorded_once(api):
    number = send(api.ivan, DISK, 201)["incident_number"]
    send(api.ivan, DISK | {"status": "resolved"}, 200)

    again = send(api.ivan, DISK, 200)
    send(api.ivan, DISK, 200)

    assert (again["outcome"], again["incident_number"]) == ("attached", number)
    assert event_types(api.alice, number).count("alert.refired") == 1
    [group] = api.alice.get("/api/alerts").json
    assert (group["last_status"], group["resolved_at"]) == ("firing", None)


def test_the_key_stays_with_a_resolved_incident_and_is_freed_when_it_closes(api):
    opened = send(api.ivan, DISK, 201)
    incident = get_incident(api.alice, opened["incident_number"])
    incident = complete(api.alice, incident, "triage", TRIAGE)
    incident = complete(api.alice, incident, "l1_diagnose", RESOLVED)
    assert incident["status"] == "resolved"

    # Resolved but not confirmed: still the same problem.
    assert send(api.ivan, DISK, 200)["incident_number"] == opened["incident_number"]

    # The monitoring incident's reporter is the integrator; it confirms.
    closed = complete(api.ivan, incident, "confirm_resolution", {"confirmed": True})
    assert closed["status"] == "closed"
    assert send(api.ivan, DISK | {"status": "resolved"}, 200)["outcome"] == "ignored"

    reopened = send(api.ivan, DISK, 201)

    assert reopened["incident_number"] != opened["incident_number"]
    assert reopened["dedup_key"] == opened["dedup_key"]
    assert reopened["count"] == 1
    listed = api.alice.get("/api/alerts").json
    assert [(g["incident_number"], g["open"], g["incident_status"]) for g in listed] == [
        (reopened["incident_number"], True, "new"),
        (opened["incident_number"], False, "closed"),
    ]
    assert [g["incident_number"] for g in api.alice.get("/api/alerts?open=false").json] == [
        opened["incident_number"]
    ]


def test_the_latest_deployed_table_decides(api):
    table = (PROCESSES / "alert_severity.dmn").read_bytes()
    calmer = table.replace(
        b'<outputEntry id="rule_critical_urgency"><text>"high"</text>',
        b'<outputEntry id="rule_critical_urgency"><text>"low"</text>',
    )
    assert calmer != table
    assert deploy(api.olga, {"alert_severity.dmn": calmer}).status_code == 201

    number = send(api.ivan, DISK | {"severity": "critical"}, 201)["incident_number"]

    incident = get_incident(api.alice, number)
    assert (incident["impact"], incident["urgency"], incident["priority"]) == ("high", "low", "P3")


@pytest.mark.parametrize("who", ["rita", "alice", "bob", "olga"])
def test_only_integrators_and_admins_send_alerts(api, svc, who):
    response = getattr(api, who).post("/api/alerts", json=DISK)

    assert response.status_code == 403, response.json
    assert response.json["error"] == "forbidden"
    assert stored(svc) == (0, 0)


def test_alerts_need_a_token(api, svc):
    assert api.anonymous.post("/api/alerts", json=DISK).status_code == 401
    assert api.anonymous.get("/api/alerts").status_code == 401
    assert stored(svc) == (0, 0)


def test_agents_integrators_and_admins_list_alerts(api):
    send(api.ivan, DISK, 201)
    for who in ("alice", "bob", "carol", "ivan", "adam"):
        response = getattr(api, who).get("/api/alerts")
        assert response.status_code == 200, (who, response.json)
        assert len(response.json) == 1
    for who in ("rita", "olga"):
        assert getattr(api, who).get("/api/alerts").status_code == 403


def test_an_integrator_lists_only_the_alerts_of_its_own_incidents(api, svc):
    users.add_user(svc, "nagios", groups=["integrator"])
    nagios = Client(api._app.test_client(), users.create_token(svc, "nagios")[1])
    send(api.ivan, DISK, 201)
    mine = send(nagios, DISK | {"source": "nagios"}, 201)

    assert [g["incident_number"] for g in nagios.get("/api/alerts").json] == [
        mine["incident_number"]
    ]
    assert len(api.ivan.get("/api/alerts").json) == 1
    assert len(api.adam.get("/api/alerts").json) == 2


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"$.source", "$.check", "$.resource", "$.severity", "$.summary"}),
        (DISK | {"severity": "disaster"}, {"$.severity"}),
        (DISK | {"status": "acknowledged"}, {"$.status"}),
        (DISK | {"summary": "x" * 1025}, {"$.summary"}),
        (DISK | {"source": "   "}, {"$.source"}),
        (DISK | {"dedup_key": "k" * 256, "resource": ""}, {"$.dedup_key", "$.resource"}),
        (DISK | {"unexpected": 1}, {"$.unexpected"}),
    ],
)
def test_a_bad_alert_is_refused_field_by_field_and_nothing_is_stored(api, svc, body, fields):
    response = api.ivan.post("/api/alerts", json=body)

    assert response.status_code == 422, response.json
    assert response.json["error"] == "unprocessable_entity"
    assert {e["field"] for e in response.json["errors"]} == fields
    assert stored(svc) == (0, 0)
