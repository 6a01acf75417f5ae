"""Hostile input gets a 400 that says where, on every route and every input path.

The rule is one gate before any view (service/api/inputs.py): these tests
walk every route of the application, API and pages, with each kind of input
no view should see, and expect the gate's answer, never a 500.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest

from tests.helpers import TRIAGE, only_task, open_incident

DEEP = "[" * 1000 + "]" * 1000
HUGE_NUMBER = '{"impact": ' + "9" * 5000 + "}"
NUL_JSON = '{"title": "a\\u0000b", "description": "x"}'
HOSTILE = {
    "deeply nested JSON": dict(data=DEEP, content_type="application/json"),
    "a 5,000-digit number": dict(data=HUGE_NUMBER, content_type="application/json"),
    "NaN": dict(data='{"impact": NaN}', content_type="application/json"),
    "a huge float": dict(data='{"impact": 1e999}', content_type="application/json"),
    "NUL in JSON": dict(data=NUL_JSON, content_type="application/json"),
    "NUL in a JSON key": dict(data='{"a\\u0000": 1}', content_type="application/json"),
    "a lone surrogate in JSON": dict(data='{"title": "\\ud800"}', content_type="application/json"),
    "NUL in the query": dict(query_string={"text": "a\x00b"}),
    "NUL in a form field": dict(data={"username": "a\x00b", "password": "x"}),
    "NUL in a multipart field": dict(
        data={"body": "a\x00b", "files": (io.BytesIO(b"x"), "x.txt")},
        content_type="multipart/form-data",
    ),
    "NUL in a file name": dict(
        data={"body": "x", "files": (io.BytesIO(b"x"), "a\x00.txt")},
        content_type="multipart/form-data",
    ),
    "NUL in a header": dict(headers={"X-Request-Note": "a\x00b"}),
}
LOCATIONS = {
    "deeply nested JSON": "json",
    "a 5,000-digit number": "json",
    "NaN": "json",
    "a huge float": "json",
    "NUL in JSON": "json",
    "NUL in a JSON key": "json",
    "a lone surrogate in JSON": "json",
    "NUL in the query": "query",
    "NUL in a form field": "form",
    "NUL in a multipart field": "form",
    "NUL in a file name": "files",
    "NUL in a header": "headers",
}


def routes(app) -> list[tuple[str, str, bool]]:
    """(method, path, whether it is a page) for every route, parameters filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<int:[^>]+>", "1", rule.rule)
        # A choice of words (`<any(suspend, resume):operation>`): its first word.
        path = re.sub(r"<any\(\s*([^,)\s]+)[^>]*>", r"\1", path)
        path = re.sub(r"<(?:string:|path:)?[^>]+>", "x", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path, rule.endpoint.startswith("web.")))
    return found


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_every_route_refuses_hostile_input_with_a_400_that_says_where(app, api, case):
    client = app.test_client()
    walked = routes(app)
    assert len(walked) > 60  # the whole application, pages included
    for method, path, page in walked:
        kwargs = dict(HOSTILE[case])
        if "data" in kwargs and isinstance(kwargs["data"], dict):
            kwargs["data"] = {
                k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v
                for k, v in kwargs["data"].items()
            }
        response = client.open(path, method=method, **kwargs)
        assert response.status_code == 400, (method, path, response.status_code)
        if page:
            assert "text/html" in response.content_type, (method, path)
        else:
            body = response.get_json()
            assert body["error"] == "bad_request", (method, path, body)
            assert body["errors"][0]["location"] == LOCATIONS[case], body


def test_a_task_completion_with_a_huge_number_changes_nothing(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    response = api.alice.post(
        f"/api/tasks/{task['id']}/complete",
        data='{"kind": "incident", "urgency": ' + "1" * 5000 + "}",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "number longer than 40 characters" in response.json["message"]
    assert only_task(api.alice.get(f"/api/incidents/{incident['number']}").json, "triage")


def test_booleans_in_json_are_true_or_false_only(api):
    incident = open_incident(api.rita)
    for value in (0, 1, "yes", "true", None):
        response = api.alice.post(
            f"/api/incidents/{incident['number']}/comments", json={"body": "x", "public": value}
        )
        assert response.status_code == 422, (value, response.json)
        assert response.json["errors"][0]["field"] == "$.public"
    comments = api.alice.get(f"/api/incidents/{incident['number']}/comments").json
    assert comments == []
    answered = api.alice.post(
        f"/api/incidents/{incident['number']}/comments", json={"body": "x", "public": False}
    )
    assert answered.status_code == 201


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/incidents", {"title": "x", "description": "y"}, "$.reported_at"),
    ],
)
def test_a_report_time_long_ago_is_refused(api, path, body, field):
    for when in ("0001-01-01T00:00:00+00:00", "2020-01-01T00:00:00+00:00"):
        response = api.rita.post(path, json=body | {"reported_at": when})
        assert response.status_code == 422, response.json
        assert response.json["errors"][0]["field"] == field
        assert "within the last 366 days" in response.json["errors"][0]["message"]
    assert api.rita.get("/api/incidents").json == []
    recent = datetime(2026, 3, 1, 9, 0, tzinfo=UTC).isoformat()  # a day before the test's now
    assert api.rita.post(path, json=body | {"reported_at": recent}).status_code == 201


def test_a_breach_noticed_in_year_one_is_refused(api):
    incident = open_incident(api.rita)
    complete(api, incident)
    response = api.alice.post(
        f"/api/incidents/{incident['number']}/breach",
        json={"summary": "Leaked list", "aware_at": "0001-01-01T00:00:00+00:00"},
    )
    assert response.status_code == 422, response.json
    assert response.json["errors"][0]["field"] == "$.aware_at"


def complete(api, incident):
    task = only_task(incident, "triage")
    assert api.alice.post(f"/api/tasks/{task['id']}/complete", json=TRIAGE).status_code == 200


@pytest.mark.parametrize("process_id, where", [("call", "/calls"), ("incident", "/api/incidents")])
def test_processes_the_service_starts_for_an_incident_are_not_started_bare(api, process_id, where):
    response = api.olga.post(f"/api/processes/{process_id}/instances", json={})
    assert response.status_code == 422, response.json
    assert where in response.json["message"]
