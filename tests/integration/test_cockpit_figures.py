"""The cockpit's figures on a real database: where work waits, time in each step from the
audit trail, the step open when targets are missed, and two real versions compared."""

from __future__ import annotations

from datetime import timedelta

from service.worker import TimerWorker
from tests.api.test_deployments_api import SLA, SLA_12H, deploy, incident_bpmn
from tests.conftest import START
from tests.helpers import TRIAGE, complete, open_incident

PERIOD = {"from": START.isoformat(), "to": (START + timedelta(days=1)).isoformat()}
BASE = "/api/processes/incident/versions/1"


def step(body, element_id):
    return next(s for s in body if s["element_id"] == element_id)


def test_time_in_each_step_is_the_median_and_p90_of_the_audit_trail(api, clock):
    incidents = [open_incident(api.rita, title=f"Mail {n}") for n in range(3)]
    for incident, minutes in zip(incidents, (10, 20, 60), strict=True):
        clock.set(START + timedelta(minutes=minutes))
        complete(api.alice, incident, "triage", TRIAGE)

    figures = api.olga.get(f"{BASE}/durations", query_string=PERIOD)
    assert figures.status_code == 200, figures.json
    triage = step(figures.json["steps"], "triage")
    assert triage["count"] == 3
    assert triage["median_seconds"] == 20 * 60
    # Between the 2nd and 3rd of 10, 20 and 60 minutes, 80 % of the way.
    assert triage["p90_seconds"] == 52 * 60
    assert triage["name"] == "Triage ticket"

    waiting = api.olga.get(f"{BASE}/waiting").json
    assert step(waiting, "l1_diagnose")["tasks"] == 3
    assert all(w["element_id"] != "triage" for w in waiting)

    later = {"from": (START + timedelta(days=1)).isoformat(), "to": PERIOD["to"]}
    assert api.olga.get(f"{BASE}/durations", query_string=later).status_code == 422
    empty = {"from": (START + timedelta(hours=2)).isoformat(), "to": PERIOD["to"]}
    assert api.olga.get(f"{BASE}/durations", query_string=empty).json["steps"] == []
    earliest = api.olga.get(f"{BASE}/durations", query_string={"to": "0001-01-02T00:00:00Z"})
    assert earliest.status_code == 200, earliest.json


def test_the_step_open_when_a_target_is_missed_is_counted(api, svc, clock):
    open_incident(api.rita)  # P3: first response within 3 hours, triage is waiting
    clock.set(START + timedelta(hours=3, seconds=1))
    assert TimerWorker(svc, name="worker-a").run_once() == 1

    body = api.adam.get(f"{BASE}/durations", query_string=PERIOD).json
    assert body["missed_targets"] == [
        {"element_id": "triage", "name": "Triage ticket", "breaches": 1}
    ]
    before = {"from": START.isoformat(), "to": (START + timedelta(hours=3)).isoformat()}
    assert api.adam.get(f"{BASE}/durations", query_string=before).json["missed_targets"] == []


def test_two_real_versions_compared_element_by_element_and_rule_by_rule(api):
    changed = incident_bpmn('name="Triage ticket"', 'name="Sort the ticket"')
    changed = changed.replace(
        b'kind == "request"</bpmn:conditionExpression>',
        b'kind in ("request", "order")</bpmn:conditionExpression>',
    )
    assert deploy(api.olga, {"incident.bpmn": changed, "sla.dmn": SLA_12H}).status_code == 201

    found = api.olga.get("/api/processes/incident/compare", query_string={"from": 1, "to": 2})
    assert found.status_code == 200, found.json
    by_id = {e["element_id"]: e for e in found.json["elements"]}
    assert set(by_id) == {"triage", "Flow_kind_request"}
    assert by_id["triage"]["status"] == "changed"
    assert by_id["triage"]["changes"] == [
        {"field": "name", "before": "Triage ticket", "after": "Sort the ticket"}
    ]
    [condition] = by_id["Flow_kind_request"]["changes"]
    assert condition == {
        "field": "condition",
        "before": 'kind == "request"',
        "after": 'kind in ("request", "order")',
    }

    rules = api.olga.get("/api/decisions/sla_targets/compare?from=1&to=2")
    assert rules.status_code == 200, rules.json
    [rule] = rules.json["rules"]
    assert rule["rule_id"] == "rule_P3" and rule["status"] == "changed"
    assert [(c["before"], c["after"]) for c in rule["changes"]] == [('"PT24H"', '"PT12H"')]

    assert api.olga.get("/api/processes/incident/compare?from=1&to=9").status_code == 404
    assert api.olga.get("/api/processes/incident/compare?from=1").status_code == 422
    assert SLA != SLA_12H


def test_the_figures_are_for_owners_and_admins_only(api):
    for who in (api.alice, api.rita):
        assert who.get(f"{BASE}/waiting").status_code == 403
        assert who.get(f"{BASE}/durations").status_code == 403
        assert who.get("/api/processes/incident/compare?from=1&to=1").status_code == 403
        assert who.get("/api/decisions/sla_targets/compare?from=1&to=1").status_code == 403
