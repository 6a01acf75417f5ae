"""/api/alerts: alerts from monitoring systems, grouped by dedup key onto incidents."""

from __future__ import annotations

import functools

from flask_smorest import Blueprint

from ..domain.alerts import Outcome
from ..services import alerts
from .alert_schemas import (
    AlertCreateSchema,
    AlertGroupQuerySchema,
    AlertGroupSchema,
    AlertReceiptSchema,
)
from .context import CREATED_HEADERS, created, paged, principal, services
from .schemas import IdempotencyHeaderSchema

blp = Blueprint("alerts", __name__, url_prefix="/api/alerts", description="Monitoring alerts")


@blp.route("", methods=["POST"])
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(AlertCreateSchema)
@blp.response(200, AlertReceiptSchema)
@blp.alt_response(
    201,
    schema=AlertReceiptSchema,
    description="a new incident was opened",
    headers=CREATED_HEADERS,
)
def receive_alert(headers, body):
    """An alert from a monitoring system (integrators and admins). A new dedup key opens
    an incident (201); the same key attaches to its open incident (200). A retry with
    the same Idempotency-Key is counted once."""
    receipt, replayed = alerts.receive_alert(
        services(),
        principal(),
        alerts.Alert(**body),
        idempotency_key=headers.get("idempotency_key"),
    )
    if receipt.outcome == Outcome.OPENED:
        return created(receipt, f"/api/incidents/{receipt.incident_number}", replayed=replayed)
    return receipt, 200, ({"Idempotent-Replayed": "true"} if replayed else {})


@blp.route("", methods=["GET"])
@blp.arguments(AlertGroupQuerySchema, location="query")
@blp.response(200, AlertGroupSchema(many=True))
@blp.paginate(page_size=20, max_page_size=100)
def list_alert_groups(query, pagination_parameters):
    """Alerts by dedup key, most recently seen first (agents, integrators, admins)."""
    return paged(
        pagination_parameters,
        functools.partial(
            alerts.list_alert_groups, services(), principal(), open_only=query.get("open")
        ),
    )
