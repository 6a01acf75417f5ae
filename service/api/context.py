"""The request's principal and the application's services, for handlers."""

from __future__ import annotations

from flask import Response, current_app, g, request

from ..domain.access import Principal
from ..services.context import EXTENSION, Services


def services() -> Services:
    return current_app.extensions[EXTENSION]


def principal() -> Principal:
    return g.principal


def paged(pagination_parameters, fetch):
    """Call `fetch(page=, page_size=)` -> (items, total) and report the total to
    flask-smorest, which puts it in the X-Pagination header."""
    items, total = fetch(page=pagination_parameters.page, page_size=pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return items


# The headers a 201 answer documents: where the new thing is, and whether it is a replay.
CREATED_HEADERS = {
    "Location": {"description": "the URL of what was created", "schema": {"type": "string"}},
    "Idempotent-Replayed": {
        "description": "`true` when this answers a retry with an Idempotency-Key used before",
        "schema": {"type": "string"},
    },
}


def created(result, location: str, *, replayed: bool = False, status: int = 201):
    """A view's answer for something created: its status, `Location` and the replay mark."""
    headers = {"Location": location}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return result, status, headers


# RFC 7240: a client that needs no representation back asks for less.
PREFER_MINIMAL = {
    "in": "header",
    "name": "Prefer",
    "required": False,
    "schema": {"type": "string", "example": "return=minimal"},
    "description": "`return=minimal`: the answer leaves the incident's view out (null)",
}
PREFERENCE_APPLIED = {
    "Preference-Applied": {
        "description": "`return=minimal` when the answer honours that preference",
        "schema": {"type": "string"},
    }
}


def wants_minimal() -> bool:
    """Whether the request's `Prefer` header asks for `return=minimal`."""
    for header in request.headers.getlist("Prefer"):
        for preference in header.split(","):
            name, _, value = preference.split(";")[0].partition("=")
            if name.strip().lower() == "return" and value.strip().strip('"').lower() == "minimal":
                return True
    return False


def svg(content: bytes) -> Response:
    """An SVG drawing. It holds no script, and the policy makes sure none would run
    if one slipped in through a name in a process file."""
    response = Response(content, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
