"""HTTP only: parse, call a service, dump. Errors are mapped in `errors`."""

from __future__ import annotations

from flask import Flask

from . import (
    admin,
    alerts,
    assignment,
    auth,
    breaches,
    cockpit,
    contract,
    deployments,
    docs,
    errors,
    health,
    incidents,
    inputs,
    instance_operations,
    instances,
    known_errors,
    major,
    migrations,
    operations,
    people,
    processes,
    related,
    reports,
    tasks,
    webhooks,
)

_MODULES = (
    health,
    operations,
    incidents,
    breaches,
    tasks,
    processes,
    instances,
    deployments,
    migrations,
    instance_operations,
    admin,
    webhooks,
    alerts,
    reports,
    assignment,
    people,
    known_errors,
    major,
    related,
    cockpit,
)


def blueprints() -> list:
    """The API's blueprints (the web pages exempt them from CSRF: they take tokens)."""
    return [module.blp for module in _MODULES]


def register(app: Flask) -> None:
    api = errors.IncidentDeskApi(
        app,
        spec_kwargs={
            "info": {
                "description": "Incident Desk: incidents, user tasks and processes over HTTP. "
                "Every endpoint but /health and /ready needs `Authorization: Bearer <token>`. "
                "Errors are RFC 9457 problem details (`application/problem+json`)."
            },
            "extra_plugins": [contract.ContractPlugin()],
        },
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    # First: the request id is in every later hook's log lines, and every answer is counted.
    operations.register(app)
    errors.register(app)
    contract.register(app)
    # First: what no part of the service should see is refused before sign-in too.
    inputs.register(
        app,
        larger_bodies={
            "incidents.add_attachments": incidents.attachment_room,
            # The incident page's reply form, which takes files too.
            "web.add_comment": incidents.attachment_room,
        },
    )
    auth.register(app)
    for module in _MODULES:
        api.register_blueprint(module.blp)
    # The browsable reference: a plain blueprint, outside the document it shows.
    app.extensions[docs.API_EXTENSION] = api
    app.register_blueprint(docs.blp)
