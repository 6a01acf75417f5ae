"""GET /api/instances: owners find instances by process, state, waiting element,
incident, start period and data values; nobody else searches."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.helpers import TRIAGE, complete, only_task, open_incident
from tests.integration.test_failures import deploy_crashing_conversion


def request(client, title):
    response = client.post(
        "/api/processes/service_request/instances",
        json={"title": title, "reporter_name": "Ivan"},
    )
    assert response.status_code == 201, response.json
    return response.json


def found(client, query="", expect=200):
    response = client.get(f"/api/instances?{query}")
    assert response.status_code == expect, response.json
    return response


def total(response):
    return json.loads(response.headers["X-Pagination"])["total"]


def ids(response):
    return [row["id"] for row in response.json]


def test_an_owner_finds_instances_by_process_state_element_and_incident(api):
    laptop = request(api.ivan, "New laptop")
    phone = request(api.ivan, "New phone")
    incident = open_incident(api.rita, title="Mail is down")
    task = phone["open_tasks"][0]
    api.alice.post(
        f"/api/tasks/{task['id']}/complete", json={"fulfilled": True, "fulfilment": "Ordered"}
    )

    everything = found(api.olga)
    assert total(everything) == 3
    rows = {row["id"]: row for row in everything.json}
    assert rows[laptop["id"]]["waiting_at"] == ["fulfil_request"]
    assert rows[laptop["id"]]["version"] == 1 and rows[laptop["id"]]["failed"] is False

    assert ids(found(api.olga, "process=service_request&state=completed")) == [phone["id"]]
    assert ids(found(api.olga, "process=service_request&state=running")) == [laptop["id"]]
    assert ids(found(api.olga, "state=waiting&element=fulfil_request")) == [laptop["id"]]
    assert ids(found(api.adam, "element=triage")) == [rows_of_incident(everything, incident)]
    by_number = found(api.olga, f"incident={incident['number'].lower()}").json
    assert [row["incident_number"] for row in by_number] == [incident["number"]]
    assert found(api.olga, "process=service_request&version=2").json == []
    assert found(api.olga, "state=failed").json == []
    assert found(api.olga, "state=suspended").json == []


def rows_of_incident(response, incident):
    [row] = [row for row in response.json if row["incident_number"] == incident["number"]]
    return row["id"]


def test_data_values_and_the_start_period_narrow_the_search(api, clock):
    laptop = request(api.ivan, "New laptop")
    clock.advance(hours=2)
    phone = request(api.ivan, "New phone")

    assert ids(found(api.olga, "data.title=New+phone")) == [phone["id"]]
    assert ids(found(api.olga, "data.title=New+phone&data.reporter_name=Ivan")) == [phone["id"]]
    assert found(api.olga, "data.title=Nothing+like+it").json == []
    assert found(api.olga, "data.no_such_key=x").json == []
    since = (clock.now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert ids(found(api.olga, f"started_from={since}")) == [phone["id"]]
    assert ids(found(api.olga, f"started_to={since}")) == [laptop["id"]]


def test_pages_of_instances(api):
    made = [request(api.ivan, f"Laptop {n}")["id"] for n in range(3)]
    first = found(api.olga, "page=1&page_size=2")
    second = found(api.olga, "page=2&page_size=2")
    assert ids(first) + ids(second) == list(reversed(made))
    assert total(second) == 3


def test_bad_filters_name_the_parameter(api):
    for query, name in [
        ("state=sleeping", "state"),
        ("version=zero", "version"),
        ("started_from=yesterday", "started_from"),
        ("data.=x", "data."),
        ("data.a-b=x", "data.a-b"),
    ]:
        response = found(api.olga, query, expect=422)
        assert name in str(response.json), (query, response.json)


def test_only_process_owners_and_admins_search(api):
    request(api.ivan, "New laptop")
    for client in (api.alice, api.carol, api.ivan, api.rita):
        found(client, expect=403)
    found(api.anonymous, expect=401)


def test_a_run_that_failed_is_found_as_failed_until_the_instance_moves_on(
    api, svc, clock, tmp_path
):
    deploy_crashing_conversion(svc, tmp_path)
    incident = open_incident(api.rita)
    instance_id = incident["instance"]["id"]
    task = only_task(incident, "triage")
    clock.advance(minutes=5)

    crashed = api.alice.post(
        f"/api/tasks/{task['id']}/complete", json={"kind": "request", "category": "access"}
    )
    assert crashed.status_code == 422, crashed.json

    assert ids(found(api.olga, "state=failed")) == [instance_id]
    [row] = found(api.olga, f"incident={incident['number']}").json
    assert row["failed"] is True

    clock.advance(minutes=5)
    complete(api.alice, incident, "triage", TRIAGE)
    assert found(api.olga, "state=failed").json == []
