"""The owners' pages through the test client: processes and versions, where work waits,
and two versions compared; refused to everyone but process owners and admins."""

from __future__ import annotations

from datetime import timedelta

from tests.api.test_deployments_api import SLA_12H, deploy, incident_bpmn
from tests.conftest import START
from tests.helpers import TRIAGE, complete, open_incident
from tests.web.test_people_pages import signed_in, text


def test_an_owner_sees_every_process_and_decision_with_versions_and_files(app, api, svc):
    olga = signed_in(app, svc, "olga")
    page = olga.get("/processes")
    assert page.status_code == 200
    body = text(page)
    assert "incident" in body and "sla_targets" in body
    assert "Version 1" in body and "live" in body
    assert 'href="/processes/incident/versions/1/files/incident.bpmn"' in body
    assert 'href="/processes"' in text(olga.get("/queue"))  # the navigation entry

    download = olga.get("/processes/incident/versions/1/files/incident.bpmn")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert b"<bpmn:definitions" in download.data
    assert olga.get("/processes/incident/versions/1/files/nothing.bpmn").status_code == 404
    rules = olga.get("/decisions/sla_targets/versions/1/file")
    assert rules.status_code == 200 and b"rule_P3" in rules.data


def test_where_work_waits_is_a_heat_map_with_a_table_beside_it(app, api, svc, clock):
    incidents = [open_incident(api.rita, title=f"Mail {n}") for n in range(2)]
    clock.set(START + timedelta(minutes=30))
    complete(api.alice, incidents[0], "triage", TRIAGE)
    adam = signed_in(app, svc, "adam")
    page = adam.get("/processes/incident/versions/1?start=2026-03-01&end=2026-03-02")
    assert page.status_code == 200
    body = text(page)
    assert "<svg" in body and "<script" not in body
    assert 'data-badge-for="triage"' in body and 'data-badge-for="l1_diagnose"' in body
    assert 'class="shape userTask heat-4"' in body  # triage, the only step timed
    assert "Triage ticket" in body and "30 min" in body
    assert "Steps open when targets were missed" in body
    # Another period: nothing ended in it, so no heat.
    quiet = text(adam.get("/processes/incident/versions/1?start=2026-01-01&end=2026-01-31"))
    assert "userTask heat-4" not in quiet
    assert "No task of this version ended in the period." in quiet
    assert adam.get("/processes/incident/versions/7").status_code == 404
    # The ends of the calendar are a period like any other, never a server error.
    assert adam.get("/processes/incident/versions/1?end=9999-12-31").status_code == 200
    assert adam.get("/processes/incident/versions/1?end=0001-01-01").status_code == 200


def test_two_versions_are_compared_on_both_diagrams_and_listed(app, api, svc):
    changed = incident_bpmn('name="Triage ticket"', 'name="Sort the &lt;ticket&gt;"')
    assert deploy(api.olga, {"incident.bpmn": changed, "sla.dmn": SLA_12H}).status_code == 201
    olga = signed_in(app, svc, "olga")
    listing = text(olga.get("/processes"))
    assert 'href="/processes/incident/compare"' in listing
    page = olga.get("/processes/incident/compare?from=1&to=2")
    assert page.status_code == 200
    body = text(page)
    assert body.count('class="shape userTask changed"') == 2  # on both diagrams
    assert "Sort the &lt;ticket&gt;" in body and "<ticket>" not in body
    assert "Triage ticket" in body
    assert olga.get("/processes/incident/compare?from=1&to=5").status_code == 422

    retired = api.olga.post(
        "/api/processes/incident/versions/1/retire", json={"reason": "version 2 is live"}
    )
    assert retired.status_code == 200, retired.json
    listing = text(olga.get("/processes"))
    assert "retired" in listing and "by olga" in listing

    rules = text(olga.get("/decisions/sla_targets/compare"))
    assert "rule_P3" in rules and "&#34;PT24H&#34;" in rules and "&#34;PT12H&#34;" in rules


def test_l1_agents_and_reporters_get_the_refusal_page(app, api, svc):
    for name in ("alice", "rita"):
        someone = signed_in(app, svc, name)
        for path in (
            "/processes",
            "/processes/incident/versions/1",
            "/processes/incident/versions/1/files/incident.bpmn",
            "/processes/incident/compare",
            "/decisions/sla_targets/compare",
            "/decisions/sla_targets/versions/1/file",
        ):
            response = someone.get(path)
            assert response.status_code == 403, (name, path)
        assert 'href="/processes"' not in text(someone.get("/incidents"))
