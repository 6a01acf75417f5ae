"""Bearer-token authentication for every endpoint except the health check."""

from __future__ import annotations

from flask import Flask, g, request

from .. import logs
from ..services import users
from .context import services

# /metrics checks its own token (INCIDENT_DESK_METRICS_TOKEN), not a user's.
PUBLIC_ENDPOINTS = frozenset({"health.health", "operations.ready", "metrics.prometheus_metrics"})
# The web pages and the browsable reference sign in with a session cookie.
SESSION_BLUEPRINTS = frozenset({"web", "docs"})
# Pages whose signed link is their authority (the satisfaction survey, for reporters).
LINK_BLUEPRINTS = frozenset({"survey"})


def register(app: Flask) -> None:
    @app.before_request
    def _authenticate():
        if (
            request.endpoint in PUBLIC_ENDPOINTS
            or request.blueprint in SESSION_BLUEPRINTS | LINK_BLUEPRINTS
        ):
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        g.principal = users.authenticate(
            services(), token.strip() if scheme.lower() == "bearer" else None, request.remote_addr
        )
        logs.note(user_id=g.principal.user_id)
        return None
