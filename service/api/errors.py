"""One JSON error body for every failure, and the map from domain errors to HTTP."""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import Flask
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from werkzeug.exceptions import HTTPException

from ..domain import errors as domain

log = logging.getLogger(__name__)


class FieldErrorSchema(ma.Schema):
    field = ma.fields.String(
        metadata={"description": "JSON path ($.name), parameter name, or file name"}
    )
    location = ma.fields.String(metadata={"description": "json, query, headers, path or file"})
    message = ma.fields.String()
    element_id = ma.fields.String(allow_none=True, metadata={"description": "BPMN/DMN element"})
    line = ma.fields.Integer(allow_none=True, metadata={"description": "line in the file"})


class ErrorSchema(ma.Schema):
    code = ma.fields.Integer(metadata={"description": "HTTP status"})
    status = ma.fields.String(metadata={"description": "HTTP status name"})
    error = ma.fields.String(metadata={"description": "machine-readable error kind"})
    message = ma.fields.String(metadata={"description": "what went wrong"})
    errors = ma.fields.List(
        ma.fields.Nested(FieldErrorSchema), metadata={"description": "failing fields or files"}
    )
    warnings = ma.fields.List(
        ma.fields.Nested(FieldErrorSchema), metadata={"description": "what would not have blocked"}
    )
    element_id = ma.fields.String(allow_none=True, metadata={"description": "BPMN element id"})
    file = ma.fields.String(allow_none=True)
    line = ma.fields.Integer(allow_none=True)


class IncidentDeskApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_pagination_header(self):
        # X-Pagination is a JSON document. Documented with `schema`, OpenAPI 3 reads a
        # header as simple-style text (total,3,page,1); `content` says it is JSON.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata (JSON)",
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )

    def handle_http_exception(self, error: HTTPException):
        body = {
            "code": error.code,
            "status": error.name,
            "error": error.name.lower().replace(" ", "_"),
            "message": error.description,
        }
        data = getattr(error, "data", None) or {}
        if "message" in data:
            body["message"] = data["message"]
        messages = data.get("errors") or data.get("messages")
        if messages:
            body["errors"] = list(_flatten(messages))
            body["message"] = "the request is not valid: " + "; ".join(
                f"{e['field']}: {e['message']}" for e in body["errors"][:5]
            )
        if error.code and error.code >= 500:
            body["message"] = "internal error; it has been logged"
        return body, error.code, data.get("headers", {})


def register(app: Flask) -> None:
    app.register_error_handler(domain.DomainError, _domain_error)


def _domain_error(error: domain.DomainError):
    code = domain.http_status(error)
    body: dict = {
        "code": code,
        "status": _STATUS_NAMES.get(code, "Error"),
        "error": error.code,
        "message": error.message,
    }
    if isinstance(error, domain.InvalidInput):
        body["errors"] = [
            {"field": e.field, "location": e.location, "message": e.message} for e in error.errors
        ]
    if isinstance(error, domain.DeploymentInvalid):
        body["errors"] = [problem_body(p) for p in error.problems]
        body["warnings"] = [problem_body(p) for p in error.warnings]
    if isinstance(error, domain.ProcessError):
        body.update(element_id=error.element_id, file=error.file, line=error.line)
        # Not the message: a script's error may quote the instance's data.
        log.warning("process error at element %s of %s", error.element_id, error.file)
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else {}
    if code == 503:
        headers["Retry-After"] = "1"
    if isinstance(error, domain.TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after)
    return body, code, headers


_STATUS_NAMES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


_LOCATIONS = ("json", "query", "headers", "cookies", "path", "form", "files")


def _flatten(messages, location: str | None = None, path: str = "$"):
    """webargs' nested {"json": {"field": ["msg"]}} as a flat list of fields."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if location is None and key in _LOCATIONS:
                yield from _flatten(value, key, "$" if key == "json" else "")
                continue
            if key == "_schema":
                child = path
            elif location == "json":
                child = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
            else:
                child = str(key) if not path else f"{path}.{key}"
            yield from _flatten(value, location, child)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield {"field": path or "$", "location": location or "json", "message": message}
    elif isinstance(messages, list):
        for item in messages:
            yield from _flatten(item, location, path)
    else:
        yield {"field": path or "$", "location": location or "json", "message": str(messages)}


def problem_body(problem: domain.Problem) -> dict:
    return {
        "field": problem.file,
        "location": "file",
        "element_id": problem.element_id,
        "line": problem.line,
        "message": problem.message,
    }
