"""The request's principal and the application's services, for handlers."""

from __future__ import annotations

from flask import Response, current_app, g

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


def svg(content: bytes) -> Response:
    """An SVG drawing. It holds no script, and the policy makes sure none would run
    if one slipped in through a name in a process file."""
    response = Response(content, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
