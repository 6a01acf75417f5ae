"""Flagging a personal-data breach and walking its three risk paths over the API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.breaches import (
    CLOSE,
    CONTAIN,
    NOTICE,
    complete_step,
    flag,
    get_breach,
    people_and_dpo,  # noqa: F401 (a fixture)
    task_of,
)
from tests.conftest import START
from tests.helpers import get_incident, open_incident

NOTIFIED = NOTICE | {"authority_notified_at": (START + timedelta(hours=20)).isoformat()}


@pytest.fixture
def api(people_and_dpo):  # noqa: F811
    return people_and_dpo


@pytest.fixture
def incident(api):
    return open_incident(api.rita)


def breach_events(client, number):
    events = client.get(f"/api/incidents/{number}/events").json
    return [e for e in events if e["type"].startswith("breach.")]


def test_flagging_starts_a_breach_linked_both_ways_with_work_in_the_right_lanes(api, incident):
    aware_at = START - timedelta(hours=5)
    breach = flag(api.alice, incident["number"], aware_at)

    assert breach["number"] == "BR-000001"
    assert breach["incident_number"] == incident["number"]
    assert breach["status"] == "assessing"
    assert breach["aware_at"] == aware_at.isoformat()
    assert breach["flagged_by"] == "alice"
    assert breach["authority"]["state"] == "pending"
    assert breach["authority"]["due_at"] == (aware_at + timedelta(hours=72)).isoformat()
    assert breach["authority"]["remaining_seconds"] == 67 * 3600
    lanes = {t["key"]: t["lane"] for t in breach["open_tasks"]}
    assert lanes == {"contain_breach": "L3", "assess_risk": "privacy"}

    seen = get_incident(api.alice, incident["number"])
    assert seen["breach"] == "BR-000001"
    [linked] = seen["linked_instances"]
    assert (linked["id"], linked["process_id"]) == (breach["instance_id"], "data_breach")
    instance = api.dora.get(f"/api/instances/{breach['instance_id']}").json
    assert instance["incident_number"] == incident["number"]
    assert instance["parent_id"] == seen["instance"]["id"]
    assert instance["data"]["breach_number"] == "BR-000001"

    assert [t["key"] for t in api.carol.get("/api/tasks").json] == ["contain_breach"]
    assert [t["key"] for t in api.dora.get("/api/tasks").json] == ["assess_risk"]
    assert [t["key"] for t in api.alice.get("/api/tasks").json] == ["triage"]
    types = [e["type"] for e in api.alice.get(f"/api/incidents/{incident['number']}/events").json]
    assert "breach.flagged" in types and "instance.linked" in types


def test_a_breachs_steps_stay_with_those_who_may_read_the_register(api, incident):
    breach = flag(api.alice, incident["number"], START)
    assess = task_of(breach, "assess_risk")
    # Process owners see every task, but not a breach's.
    keys = [t["key"] for t in api.olga.get("/api/tasks?scope=all").json]
    assert keys == ["triage"]
    assert api.olga.get(f"/api/tasks/{assess['id']}").status_code == 404
    assert api.rita.get(f"/api/tasks/{assess['id']}").status_code == 404
    assert api.alice.get(f"/api/tasks/{assess['id']}").status_code == 200
    everything = [t["key"] for t in api.alice.get("/api/tasks?scope=all").json]
    assert sorted(everything) == ["assess_risk", "contain_breach", "triage"]


def test_flagging_twice_is_a_conflict(api, incident):
    flag(api.alice, incident["number"], START)
    again = api.bob.post(
        f"/api/incidents/{incident['number']}/breach",
        json={"aware_at": START.isoformat(), "summary": "Same one"},
    )
    assert again.status_code == 409, again.json
    assert "BR-000001" in again.json["message"]
    assert len(api.dora.get("/api/breaches").json) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"summary": "x"}, "$.aware_at"),
        ({"aware_at": "2026-03-01T09:00:00", "summary": "x"}, "$.aware_at"),  # no zone
        ({"aware_at": "2026-03-02T09:06:00+00:00", "summary": "x"}, "$.aware_at"),  # future
        ({"aware_at": "0001-01-01T00:00:00+14:00", "summary": "x"}, "$.aware_at"),
        ({"aware_at": "2026-03-01T09:00:00+00:00", "summary": "   "}, "$.summary"),
        ({"aware_at": "2026-03-01T09:00:00+00:00"}, "$.summary"),
    ],
)
def test_bad_flags_are_refused_field_by_field_and_change_nothing(api, incident, body, field):
    response = api.alice.post(f"/api/incidents/{incident['number']}/breach", json=body)
    assert response.status_code == 422, response.json
    assert field in [e["field"] for e in response.json["errors"]]
    assert api.dora.get("/api/breaches").json == []
    assert breach_events(api.alice, incident["number"]) == []
    assert get_incident(api.alice, incident["number"])["linked_instances"] == []


@pytest.mark.parametrize("who", ["rita", "ivan", "olga", "max"])
def test_only_agents_and_the_privacy_team_flag(api, incident, who):
    response = getattr(api, who).post(
        f"/api/incidents/{incident['number']}/breach",
        json={"aware_at": START.isoformat(), "summary": "x"},
    )
    assert response.status_code == 403, response.json
    assert api.dora.get("/api/breaches").json == []


def test_no_risk_means_no_notice_with_the_reason_recorded(api, incident):
    breach = flag(api.alice, incident["number"], START)
    no_reason = api.dora.post(
        f"/api/tasks/{task_of(breach, 'assess_risk')['id']}/complete",
        json={"risk": "none", "risk_rationale": "Encrypted laptop"},
    )
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json["errors"]] == ["$.no_notice_reason"]

    breach = complete_step(
        api.dora,
        breach,
        "assess_risk",
        {
            "risk": "none",
            "risk_rationale": "Encrypted laptop",
            "no_notice_reason": "Full-disk encryption; the key was not on the laptop",
        },
    )
    assert breach["risk"] == "none"
    assert breach["authority"]["state"] == "not_required"
    assert breach["no_notice_reason"].startswith("Full-disk encryption")
    assert breach["status"] == "closing"
    assert [t["key"] for t in breach["open_tasks"]] == ["contain_breach"]

    breach = complete_step(api.carol, breach, "contain_breach", CONTAIN)
    assert [t["key"] for t in breach["open_tasks"]] == ["close_breach"]
    breach = complete_step(api.pia, breach, "close_breach", CLOSE)
    assert breach["status"] == "closed"
    assert breach["closed_at"] == START.isoformat()
    assert breach["open_tasks"] == []
    assert breach["contained"] is True
    instance = api.dora.get(f"/api/instances/{breach['instance_id']}").json
    assert instance["status"] == "completed"
    types = [e["type"] for e in breach_events(api.alice, incident["number"])]
    assert "breach.authority_notified" not in types
    assert types[-1] == "breach.status_changed"
    assert "breach.closed" in types


def test_a_risk_means_a_notice_to_the_authority_and_its_contents_are_kept(api, incident, clock):
    breach = flag(api.bob, incident["number"], START)
    breach = complete_step(
        api.dora, breach, "assess_risk", {"risk": "risk", "risk_rationale": "Names and e-mails"}
    )
    assert breach["status"] == "notifying"
    notice = task_of(breach, "notify_authority")
    assert notice["lane"] == "privacy"

    form = api.dora.get(f"/api/tasks/{notice['id']}").json
    assert form["form_schema"]["title"] == "Notify the supervisory authority"
    incomplete = api.dora.post(f"/api/tasks/{notice['id']}/complete", json={"nature": "Leak"})
    assert incomplete.status_code == 422
    fields = {e["field"] for e in incomplete.json["errors"]}
    assert {"$.dpo_contact", "$.subjects_approx", "$.authority_notified_at"} <= fields

    clock.set(START + timedelta(hours=21))
    breach = complete_step(api.dora, breach, "notify_authority", NOTIFIED)
    authority = breach["authority"]
    assert authority["state"] == "notified"
    assert authority["notified_at"] == NOTIFIED["authority_notified_at"]
    assert authority["remaining_seconds"] is None
    assert authority["contents"]["subject_categories"] == ["customers"]
    assert authority["contents"]["records_approx"] == 1500
    assert authority["contents"]["dpo_contact"] == NOTICE["dpo_contact"]
    assert authority["contents"]["measures"] == NOTICE["measures"]
    assert breach["status"] == "closing"
    assert "notify_subjects" not in [t["key"] for t in breach["open_tasks"]]

    breach = complete_step(api.carol, breach, "contain_breach", CONTAIN)
    breach = complete_step(api.dora, breach, "close_breach", CLOSE)
    assert breach["status"] == "closed"
    assert breach["subjects_notified_at"] is None


def test_a_high_risk_means_telling_the_people_affected_as_well(api, incident):
    breach = flag(api.lena, incident["number"], START)
    breach = complete_step(api.carol, breach, "contain_breach", CONTAIN)
    breach = complete_step(
        api.dora, breach, "assess_risk", {"risk": "high_risk", "risk_rationale": "Bank details"}
    )
    breach = complete_step(
        api.dora, breach, "notify_authority", NOTICE | {"authority_notified_at": START.isoformat()}
    )
    assert breach["status"] == "notifying"
    subjects = task_of(breach, "notify_subjects")
    public = {
        "subjects_notified_at": START.isoformat(),
        "subjects_channel": "public_communication",
        "subjects_message": "Your bank details may have leaked; watch your statements",
    }
    refused = api.dora.post(f"/api/tasks/{subjects['id']}/complete", json=public)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json["errors"]] == ["$.public_communication_reason"]

    breach = complete_step(
        api.dora,
        breach,
        "notify_subjects",
        public | {"public_communication_reason": "No addresses"},
    )
    assert breach["subjects_notified_at"] == START.isoformat()
    assert breach["subjects_channel"] == "public_communication"
    assert breach["status"] == "closing"
    assert [t["key"] for t in breach["open_tasks"]] == ["close_breach"]
    breach = complete_step(api.dora, breach, "close_breach", CLOSE)
    assert breach["status"] == "closed"


@pytest.mark.parametrize(
    ("who", "key"),
    [("alice", "assess_risk"), ("carol", "assess_risk"), ("dora", "contain_breach")],
)
def test_each_step_belongs_to_its_lane(api, incident, who, key):
    breach = flag(api.alice, incident["number"], START)
    data = CONTAIN if key == "contain_breach" else {"risk": "risk", "risk_rationale": "x"}
    response = getattr(api, who).post(
        f"/api/tasks/{task_of(breach, key)['id']}/complete", json=data
    )
    assert response.status_code == 403, response.json
    assert get_breach(api.dora, breach["number"])["open_tasks"] == breach["open_tasks"]


def test_a_notice_after_72_hours_needs_the_reasons_for_the_delay(api, incident, clock):
    breach = flag(api.alice, incident["number"], START - timedelta(hours=70))
    breach = complete_step(
        api.dora, breach, "assess_risk", {"risk": "risk", "risk_rationale": "Names"}
    )
    clock.set(START + timedelta(hours=3))
    late = NOTICE | {"authority_notified_at": clock.now.isoformat()}
    task = task_of(get_breach(api.dora, breach["number"]), "notify_authority")
    refused = api.dora.post(f"/api/tasks/{task['id']}/complete", json=late)
    assert refused.status_code == 422, refused.json
    assert [e["field"] for e in refused.json["errors"]] == ["$.delay_reason"]
    still = get_breach(api.dora, breach["number"])
    assert still["authority"]["notified_at"] is None
    assert "notify_authority" in [t["key"] for t in still["open_tasks"]]

    breach = complete_step(
        api.dora, still, "notify_authority", late | {"delay_reason": "Forensics took 3 days"}
    )
    assert breach["authority"]["state"] == "notified_late"
    assert breach["authority"]["delay_reason"] == "Forensics took 3 days"


@pytest.mark.parametrize(
    ("when", "message"),
    [(START - timedelta(hours=2), "before"), (START + timedelta(hours=1), "future")],
)
def test_a_notice_is_dated_between_awareness_and_now(api, incident, when, message):
    breach = flag(api.alice, incident["number"], START - timedelta(hours=1))
    breach = complete_step(
        api.dora, breach, "assess_risk", {"risk": "risk", "risk_rationale": "Names"}
    )
    response = api.dora.post(
        f"/api/tasks/{task_of(breach, 'notify_authority')['id']}/complete",
        json=NOTICE | {"authority_notified_at": when.isoformat()},
    )
    assert response.status_code == 422, response.json
    [error] = response.json["errors"]
    assert error["field"] == "$.authority_notified_at"
    assert message in error["message"]


def test_containment_not_finished_says_what_is_open(api, incident):
    breach = flag(api.alice, incident["number"], START)
    response = api.carol.post(
        f"/api/tasks/{task_of(breach, 'contain_breach')['id']}/complete",
        json={"containment_measures": "Key revoked", "contained": False},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["$.containment_notes"]
