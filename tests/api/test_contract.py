"""The API's contract: a valid OpenAPI 3 document clients can generate from, problem
details for errors, and the headers (Location, Link) that go with the answers."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

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
        if path != "/health":
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
