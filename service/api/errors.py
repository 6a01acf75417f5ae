"""One JSON error body for every failure, and the map from domain errors to HTTP."""

from __future__ import annotations

import http
import json
import logging

import marshmallow as ma
from flask import Flask, Response, request
from flask_babel import get_locale, gettext
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from ..domain import errors as domain
from ..domain.labels import N_

log = logging.getLogger(__name__)


class FieldErrorSchema(ma.Schema):
    field = ma.fields.String(
        metadata={"description": "JSON path ($.name), parameter name, or file name"}
    )
    location = ma.fields.String(metadata={"description": "json, query, headers, path or file"})
    message = ma.fields.String()
    element_id = ma.fields.String(allow_none=True, metadata={"description": "BPMN/DMN element"})
    line = ma.fields.Integer(allow_none=True, metadata={"description": "line in the file"})
    keyword = ma.fields.String(metadata={"description": "in a form file: the keyword"})
    pointer = ma.fields.String(
        metadata={"description": "in a form file: a JSON pointer to the keyword"}
    )


class ErrorSchema(ma.Schema):
    """RFC 9457 problem details (`type`, `title`, `status`, `detail`, `instance`), with
    the service's own fields beside them."""

    type = ma.fields.String(metadata={"description": "the kind of problem, a URI"})
    title = ma.fields.String(metadata={"description": "the HTTP status's name"})
    status = ma.fields.Integer(metadata={"description": "HTTP status"})
    detail = ma.fields.String(metadata={"description": "what went wrong, for people"})
    instance = ma.fields.String(metadata={"description": "the request's path"})
    code = ma.fields.Integer(metadata={"description": "HTTP status (as `status`)"})
    error = ma.fields.String(metadata={"description": "machine-readable error kind"})
    message = ma.fields.String(metadata={"description": "what went wrong (as `detail`)"})
    errors = ma.fields.List(
        ma.fields.Nested(FieldErrorSchema), metadata={"description": "failing fields or files"}
    )
    warnings = ma.fields.List(
        ma.fields.Nested(FieldErrorSchema), metadata={"description": "what would not have blocked"}
    )
    element_id = ma.fields.String(allow_none=True, metadata={"description": "BPMN element id"})
    file = ma.fields.String(allow_none=True)
    line = ma.fields.Integer(allow_none=True)


PROBLEM_CONTENT_TYPE = "application/problem+json"
# Problem types are URNs: stable names, not pages to fetch.
_PROBLEM_TYPE = "urn:incident-desk:problem:"


def problem_response(code: int, error: str, message: str, headers=None, **fields) -> Response:
    """The one error body of the API (RFC 9457 plus the service's fields)."""
    body = {
        "type": _PROBLEM_TYPE + error,
        "title": _title(code),
        "status": code,
        "detail": message,
        "instance": request.path,
        "code": code,
        "error": error,
        "message": message,
        **fields,
    }
    response = Response(json.dumps(body), status=code, mimetype=PROBLEM_CONTENT_TYPE)
    # The title follows Accept-Language (or the caller's own language); `detail`,
    # `message` and the field messages stay English, what programs match on.
    response.headers["Content-Language"] = str(get_locale() or "en")
    response.headers.update(headers or {})
    return response


# The statuses the API answers with, named for the catalogs (RFC 9110's names).
_TITLES = {
    400: N_("Bad Request"),
    401: N_("Unauthorized"),
    403: N_("Forbidden"),
    404: N_("Not Found"),
    405: N_("Method Not Allowed"),
    406: N_("Not Acceptable"),
    409: N_("Conflict"),
    410: N_("Gone"),
    413: N_("Request Entity Too Large"),
    415: N_("Unsupported Media Type"),
    422: N_("Unprocessable Entity"),
    428: N_("Precondition Required"),
    429: N_("Too Many Requests"),
    500: N_("Internal Server Error"),
    503: N_("Service Unavailable"),
}


def _title(code: int) -> str:
    if code in _TITLES:
        return gettext(_TITLES[code])
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return "Error"


class IncidentDeskApi(Api):
    ERROR_SCHEMA = ErrorSchema
    # No catch-all "default" response: every status an operation answers is named
    # (service/api/contract.py), so the fuzz run can find one that is not.
    DEFAULT_ERROR_RESPONSE_NAME = None

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

    def _register_responses(self):
        # As flask-smorest's, but errors are documented as problem details.
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = PROBLEM_CONTENT_TYPE
            elif not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        message = data.get("message") or error.description
        fields = {}
        messages = data.get("errors") or data.get("messages")
        if messages:
            fields["errors"] = list(_flatten(messages))
            message = "the request is not valid: " + "; ".join(
                f"{e['field']}: {e['message']}" for e in fields["errors"][:5]
            )
        if error.code and error.code >= 500:
            message = "internal error; it has been logged"
        kind = error.name.lower().replace(" ", "_")
        return problem_response(error.code, kind, message, data.get("headers", {}), **fields)


def register(app: Flask) -> None:
    app.register_error_handler(domain.DomainError, _domain_error)


def _domain_error(error: domain.DomainError):
    code = domain.http_status(error)
    fields: dict = {}
    if isinstance(error, domain.InvalidInput):
        fields["errors"] = [
            {"field": e.field, "location": e.location, "message": e.message} for e in error.errors
        ]
    if isinstance(error, domain.DeploymentInvalid):
        fields["errors"] = [problem_body(p) for p in error.problems]
        fields["warnings"] = [problem_body(p) for p in error.warnings]
    if isinstance(error, domain.ProcessError):
        fields.update(element_id=error.element_id, file=error.file, line=error.line)
        # Not the message: a script's error may quote the instance's data.
        log.warning("process error at element %s of %s", error.element_id, error.file)
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else {}
    if code == 503:
        headers["Retry-After"] = "1"
    if isinstance(error, domain.TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after)
    return problem_response(code, error.code, error.message, headers, **fields)


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
        # Only form findings have them; other problems keep their shape.
        **({"keyword": problem.keyword} if problem.keyword else {}),
        **({"pointer": problem.pointer} if problem.pointer is not None else {}),
    }
