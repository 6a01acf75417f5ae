"""What operators read: /metrics for Prometheus, /ready for probes, the workers' heartbeats;
and the request id and the request figures every answer carries."""

from __future__ import annotations

import hmac
import time

import marshmallow as ma
from flask import Blueprint as PlainBlueprint
from flask import Flask, Response, abort, g, request
from flask_smorest import Blueprint
from marshmallow import fields
from prometheus_client import CONTENT_TYPE_LATEST

from .. import instruments, logs
from ..services.operations import heartbeats, metrics, readiness
from .context import principal, services

blp = Blueprint("operations", __name__, description="Operations: readiness and workers")
# /metrics speaks Prometheus' text format, not JSON: outside the API document.
scrape = PlainBlueprint("metrics", __name__)
REQUEST_ID = "X-Request-Id"
# A rule-less request (no route matched) is one label, whatever path it asked for.
UNMATCHED = "unmatched"


class ReadySchema(ma.Schema):
    status = fields.String(metadata={"description": "`ready` or `unavailable`"})
    database = fields.String(metadata={"description": "`ok` or `unreachable`"})
    migrations = fields.String(metadata={"description": "`current`, `behind` or `unknown`"})
    worker = fields.String(
        metadata={"description": "`ok`, `silent` (no recent heartbeat) or `missing`"}
    )
    problems = fields.List(fields.String(), metadata={"description": "what is wrong, in words"})


class WorkerSchema(ma.Schema):
    name = fields.String()
    loops = fields.List(fields.String())
    started_at = fields.DateTime()
    beat_at = fields.DateTime()
    beats = fields.Integer()


@blp.route("/ready", methods=["GET"])
@blp.doc(security=[])
@blp.response(200, ReadySchema)
@blp.alt_response(503, schema=ReadySchema, description="something the service needs is missing")
def ready():
    """Whether the service can work: database reachable, migrations current, a worker
    heartbeat recent (no token needed; it tells nothing secret)."""
    found = readiness.check(services())
    body = {
        "status": "ready" if found.ready else "unavailable",
        "database": found.database,
        "migrations": found.migrations,
        "worker": found.worker,
        "problems": found.problems,
    }
    return body, 200 if found.ready else 503


@blp.route("/api/admin/workers", methods=["GET"])
@blp.response(200, WorkerSchema(many=True))
def list_workers():
    """The worker processes' heartbeats, with the loops each runs (admins)."""
    return heartbeats.list_workers(services(), principal())


@scrape.route("/metrics", methods=["GET"])
def prometheus_metrics():
    """Prometheus' text format, for a scraper holding INCIDENT_DESK_METRICS_TOKEN."""
    svc = services()
    expected = svc.settings.metrics_token
    if not expected:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), expected):
        return Response(
            "a bearer token is needed\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return Response(metrics.exposition(svc), mimetype=None, content_type=CONTENT_TYPE_LATEST)


def register(app: Flask) -> None:
    """Before every other hook: the request id is known to their log lines too. The context
    outlives the request (the server's access line names it too); the next request on the
    thread replaces it."""

    @app.before_request
    def _begin():
        g.request_began = time.perf_counter()
        g.request_id = logs.begin_request(request.headers.get(REQUEST_ID))
        if request.view_args and "number" in request.view_args:
            logs.note(incident=str(request.view_args["number"])[:32])

    @app.after_request
    def _finish(response):
        began = g.pop("request_began", None)
        route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        labels = (route, request.method, str(response.status_code))
        instruments.requests().labels(*labels).inc()
        if began is not None:
            instruments.request_seconds().labels(*labels).observe(time.perf_counter() - began)
        if "request_id" in g:
            response.headers[REQUEST_ID] = g.request_id
        return response

    app.register_blueprint(scrape)
