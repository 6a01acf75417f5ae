"""/api/webhooks and /api/admin/deliveries: subscriptions and what was sent (admins)."""

from __future__ import annotations

import functools

from flask_smorest import Blueprint

from ..services import deliveries, webhooks
from .context import CREATED_HEADERS, created, paged, principal, services
from .schemas import (
    DeliveryQuerySchema,
    DeliverySchema,
    IdempotencyHeaderSchema,
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookSchema,
)

blp = Blueprint(
    "webhooks", __name__, url_prefix="/api", description="Webhook subscriptions and deliveries"
)


@blp.route("/webhooks", methods=["POST"])
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(WebhookCreateSchema)
@blp.response(201, WebhookCreatedSchema, headers=CREATED_HEADERS)
def create_webhook(headers, body):
    """Subscribe an endpoint to events. The answer holds the signing secret, once (and
    again to a retry with the same Idempotency-Key)."""
    view, replayed = webhooks.create(
        services(), principal(), **body, idempotency_key=headers.get("idempotency_key")
    )
    return created(view, f"/api/webhooks/{view.id}", replayed=replayed)


@blp.route("/webhooks", methods=["GET"])
@blp.response(200, WebhookSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def list_webhooks(pagination_parameters):
    """Active subscriptions (admins)."""
    return paged(
        pagination_parameters,
        functools.partial(webhooks.list_subscriptions, services(), principal()),
    )


@blp.route("/webhooks/<int:subscription_id>", methods=["GET"])
@blp.response(200, WebhookSchema)
def get_webhook(subscription_id):
    """One subscription, without its secret (admins)."""
    return webhooks.get(services(), principal(), subscription_id)


@blp.route("/webhooks/<int:subscription_id>", methods=["DELETE"])
@blp.response(204)
def delete_webhook(subscription_id):
    """Stop calling the endpoint; deliveries still waiting for it are cancelled."""
    webhooks.delete(services(), principal(), subscription_id)


@blp.route("/admin/deliveries", methods=["GET"])
@blp.arguments(DeliveryQuerySchema, location="query")
@blp.response(200, DeliverySchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def list_deliveries(query, pagination_parameters):
    """E-mails and webhook calls, newest first; `state=dead` lists those that gave up."""
    return paged(
        pagination_parameters,
        functools.partial(
            deliveries.list_deliveries,
            services(),
            principal(),
            state=query.get("state"),
            channel=query.get("channel"),
            subscription_id=query.get("subscription"),
        ),
    )


@blp.route("/admin/deliveries/<int:delivery_id>/retry", methods=["POST"])
@blp.response(200, DeliverySchema)
def retry_delivery(delivery_id):
    """Send a dead delivery again, with a fresh set of attempts (admins)."""
    return deliveries.retry(services(), principal(), delivery_id)
