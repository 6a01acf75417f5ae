"""The API's contract: a valid OpenAPI 3 document clients can generate from, problem
details for errors, and the headers (Location, Link) that go with the answers."""

from __future__ import annotations

import io

import pytest
from openapi_spec_validator import validate

from tests.conftest import PROCESSES
from tests.helpers import open_incident

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(api):
    response = api.olga.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def test_the_document_is_valid_openapi_3(document):
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "http://127.0.0.1:8000", "description": "this desk"}]


def test_every_operation_is_named_summarised_and_lists_its_errors(document):
    names = []
    for method, path, operation in operations(document):
        where = f"{method.upper()} {path}"
        assert operation.get("operationId"), where
        assert operation.get("summary"), where
        names.append(operation["operationId"])
        responses = operation["responses"]
        assert "default" not in responses, where
        assert "400" in responses, where
        if path not in ("/health", "/ready"):  # the probes need no token
            assert {"401", "403", "429"} <= set(responses), where
        if "{" in path:
            assert "404" in responses, where
        if method != "get":
            assert {"409", "413", "422"} <= set(responses), where
    assert len(names) == len(set(names))
    assert {"openIncident", "completeTask", "listIncidents", "addAttachments"} <= set(names)
    errors = document["components"]["responses"]["NOT_FOUND"]["content"]
    assert list(errors) == ["application/problem+json"]


def test_an_error_is_an_rfc_9457_problem_and_keeps_the_old_fields(api):
    response = api.alice.get("/api/incidents/INC-999999")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["type"] == "urn:incident-desk:problem:not_found"
    assert (body["title"], body["status"], body["instance"]) == (
        "Not Found",
        404,
        "/api/incidents/INC-999999",
    )
    assert body["detail"] == body["message"] and body["code"] == 404
    assert body["error"] == "not_found"


def test_pages_of_results_carry_link_headers(api):
    for i in range(5):
        open_incident(api.rita, title=f"Incident {i}")
    first = api.alice.get("/api/incidents?page_size=2&status=new")
    assert first.status_code == 200
    links = dict(
        (part.split("; ")[1].split('"')[1], part.split(">")[0].lstrip("<"))
        for part in first.headers["Link"].split(", ")
    )
    assert links == {
        "first": "/api/incidents?page_size=2&status=new&page=1",
        "next": "/api/incidents?page_size=2&status=new&page=2",
        "last": "/api/incidents?page_size=2&status=new&page=3",
    }
    last = api.alice.get(links["last"])
    assert [len(last.json)] == [1]
    assert 'rel="prev"' in last.headers["Link"] and 'rel="next"' not in last.headers["Link"]


# --------------------------------------------------------------- creating: Location and retries

SLA = (PROCESSES / "sla.dmn").read_bytes()


def _p1_at_l3(api):
    incident = open_incident(api.rita)
    task = incident["open_tasks"][0]["id"]
    P1 = {"kind": "incident", "category": "email", "impact": "high", "urgency": "high"}
    answer = api.alice.post(f"/api/tasks/{task}/complete", json=P1)
    assert answer.status_code == 200, answer.json
    return answer.json["incident"]["number"]


def _deploy(client, headers=None, content=SLA):
    return client.post(
        "/api/deployments",
        data={"files": [(io.BytesIO(content), "sla.dmn")]},
        content_type="multipart/form-data",
        headers=headers or {},
    )


def _attach(client, number, headers=None):
    return client.post(
        f"/api/incidents/{number}/attachments",
        data={"body": "Screenshot", "files": [(io.BytesIO(b"hello"), "note.txt")]},
        content_type="multipart/form-data",
        headers=headers or {},
    )


# name -> (who, make it: (api, context, headers) -> response, what the request creates)
CREATING = {
    "incident": lambda api, ctx, h: api.rita.post(
        "/api/incidents", json={"title": "Printer", "description": "Jammed"}, headers=h
    ),
    "comment": lambda api, ctx, h: api.rita.post(
        f"/api/incidents/{ctx['number']}/comments", json={"body": "Still broken"}, headers=h
    ),
    "attachment": lambda api, ctx, h: _attach(api.rita, ctx["number"], h),
    "breach": lambda api, ctx, h: api.alice.post(
        f"/api/incidents/{ctx['number']}/breach",
        json={"summary": "Customer list leaked", "aware_at": "2026-03-02T08:00:00+00:00"},
        headers=h,
    ),
    "call": lambda api, ctx, h: api.carol.post(f"/api/incidents/{ctx['p1']}/calls", headers=h),
    "process instance": lambda api, ctx, h: api.ivan.post(
        "/api/processes/service_request/instances", json={"title": "New badge"}, headers=h
    ),
    "webhook": lambda api, ctx, h: api.adam.post(
        "/api/webhooks",
        json={"url": "https://hooks.example.org/desk", "events": ["incident.*"]},
        headers=h,
    ),
    "alert": lambda api, ctx, h: api.ivan.post(
        "/api/alerts",
        json={
            "source": "prometheus",
            "check": "disk_full",
            "resource": "db-1",
            "severity": "critical",
            "summary": "Disk 98% full",
        },
        headers=h,
    ),
    "deployment": lambda api, ctx, h: _deploy(api.olga, h, SLA.replace(b'"PT24H"', b'"PT20H"', 1)),
}


@pytest.fixture
def context(api):
    return {"number": open_incident(api.rita)["number"], "p1": _p1_at_l3(api)}


@pytest.mark.parametrize("what", list(CREATING), ids=list(CREATING))
def test_what_is_created_says_where_it_is(api, context, what):
    response = CREATING[what](api, context, {})
    assert response.status_code == 201, response.json
    location = response.headers["Location"]
    assert location.startswith("/api/")
    fetched = api.adam.get(location)
    assert fetched.status_code == 200, (location, fetched.json)
    assert "Idempotent-Replayed" not in response.headers


@pytest.mark.parametrize("what", list(CREATING), ids=list(CREATING))
def test_a_retry_with_the_same_key_creates_nothing_more(api, context, what):
    key = {"Idempotency-Key": f"retry-{what}"}
    first = CREATING[what](api, context, key)
    assert first.status_code == 201, first.json
    events_before = api.adam.get(f"/api/incidents/{context['number']}/events").json
    again = CREATING[what](api, context, key)
    assert again.status_code == 201, again.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert api.adam.get(f"/api/incidents/{context['number']}/events").json == events_before
    if what == "alert":  # a retried alert is counted once
        assert [group["count"] for group in api.adam.get("/api/alerts").json] == [1]
    # Without the key the same request is a new one (or refused as one, where only one
    # may exist: a breach, a running call).
    fresh = CREATING[what](api, context, {"Idempotency-Key": f"other-{what}"})
    if fresh.status_code == 201:
        assert fresh.headers["Location"] != first.headers["Location"] or what == "alert"
    else:
        assert fresh.status_code in (200, 409), fresh.json


def test_a_key_used_again_for_another_request_is_refused(api, context):
    key = {"Idempotency-Key": "once"}
    comment = f"/api/incidents/{context['number']}/comments"
    assert api.rita.post(comment, json={"body": "first"}, headers=key).status_code == 201
    other = api.rita.post(comment, json={"body": "second"}, headers=key)
    assert other.status_code == 422
    assert other.json["errors"][0]["field"] == "Idempotency-Key"
    elsewhere = api.rita.post(
        "/api/incidents", json={"title": "x", "description": "y"}, headers=key
    )
    assert elsewhere.status_code == 422
    # Keys are per user: another user's same key is another request.
    assert api.alice.post(comment, json={"body": "first"}, headers=key).status_code == 201
    assert [c["body"] for c in api.alice.get(comment).json] == ["first", "first"]
