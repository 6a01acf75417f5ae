"""The API's contract as clients generate code from it, and the headers that go with it.

Every operation gets an `operationId` (its view's name, in camelCase), and the
error statuses it can answer are documented with the problem-details schema:
400 (the input gate), 401 and 403, 404 where the path names something, 409,
413, 422 and 503 where a request changes something, 429 (throttling). Pages
of results carry RFC 8288 `Link` headers beside X-Pagination.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from urllib.parse import urlencode

from apispec import BasePlugin
from flask import Flask, request

from .auth import PUBLIC_ENDPOINTS

_CHANGES = ("post", "put", "patch", "delete")


class ContractPlugin(BasePlugin):
    """Completes each operation flask-smorest documents (an apispec plugin)."""

    def __init__(self):
        super().__init__()
        self._names: set[str] = set()

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        if rule is None or operations is None:
            return
        view = rule.endpoint.rsplit(".", 1)[-1]
        for method, operation in operations.items():
            operation.setdefault("operationId", self._unique(_camel(view), rule.endpoint))
            responses = operation.setdefault("responses", {})
            for status in _errors(method, rule):
                responses.setdefault(str(int(status)), status.name)

    def _unique(self, name: str, endpoint: str) -> str:
        if name in self._names:
            name = _camel(endpoint.replace(".", "_"))
        self._names.add(name)
        return name


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _errors(method: str, rule) -> list[HTTPStatus]:
    found = [HTTPStatus.BAD_REQUEST]
    if rule.endpoint not in PUBLIC_ENDPOINTS:
        found += [HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN, HTTPStatus.TOO_MANY_REQUESTS]
    if rule.arguments:
        found.append(HTTPStatus.NOT_FOUND)
    if method in _CHANGES:
        found += [
            HTTPStatus.CONFLICT,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            HTTPStatus.UNPROCESSABLE_ENTITY,
            HTTPStatus.SERVICE_UNAVAILABLE,
        ]
    return found


def register(app: Flask) -> None:
    @app.after_request
    def _link_pages(response):
        pagination = response.headers.get("X-Pagination")
        if pagination and "Link" not in response.headers:
            response.headers["Link"] = _links(json.loads(pagination))
        return response


def _links(pagination: dict) -> str:
    """RFC 8288 links to the first, previous, next and last pages of this listing."""
    query = request.args.to_dict(flat=False)
    links = []
    for relation, key in (
        ("first", "first_page"),
        ("prev", "previous_page"),
        ("next", "next_page"),
        ("last", "last_page"),
    ):
        page = pagination.get(key)
        if page is None:
            continue
        query["page"] = [str(page)]
        links.append(f'<{request.path}?{urlencode(query, doseq=True)}>; rel="{relation}"')
    return ", ".join(links)
