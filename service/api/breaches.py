"""/api/breaches and /api/incidents/{number}/breach: personal-data breaches (GDPR Art. 33/34)."""

from __future__ import annotations

import functools

from flask import Response
from flask_smorest import Blueprint

from ..services import breach_export, breaches
from .context import CREATED_HEADERS, created, paged, principal, services
from .schemas import BreachFlagSchema, BreachQuerySchema, BreachSchema, IdempotencyHeaderSchema

blp = Blueprint("breaches", __name__, url_prefix="/api", description="Personal-data breaches")

EXPORT_NAME = "breach-register.csv"


@blp.route("/incidents/<string:number>/breach", methods=["POST"])
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(BreachFlagSchema)
@blp.response(201, BreachSchema, headers=CREATED_HEADERS)
def flag_breach(headers, body, number):
    """Flag the incident as a personal-data breach: starts the breach process, linked
    to the incident, with the 72-hour deadline counted from `aware_at` (agents and the
    privacy team; once per incident)."""
    view, replayed = breaches.flag_breach(
        services(),
        principal(),
        number,
        breaches.FlagBreach(**body),
        idempotency_key=headers.get("idempotency_key"),
    )
    return created(view, f"/api/breaches/{view.number}", replayed=replayed)


@blp.route("/breaches", methods=["GET"])
@blp.arguments(BreachQuerySchema, location="query")
@blp.response(200, BreachSchema(many=True))
@blp.paginate(page_size=20, max_page_size=100)
def list_breaches(query, pagination_parameters):
    """The breach register, newest first (agents, privacy team, management, admins)."""
    return paged(
        pagination_parameters,
        functools.partial(
            breaches.list_breaches, services(), principal(), breaches.BreachFilter(**query)
        ),
    )


@blp.route("/breaches/export.csv", methods=["GET"])
@blp.arguments(BreachQuerySchema, location="query")
@blp.response(200, content_type="text/csv", description="CSV, one row per breach")
def export_breaches(query):
    """The register as CSV, oldest first, with the same filters as the list."""
    text = breach_export.export_csv(services(), principal(), breaches.BreachFilter(**query))
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{EXPORT_NAME}"'
    return response


@blp.route("/breaches/<string:number>", methods=["GET"])
@blp.response(200, BreachSchema)
def get_breach(number):
    """One breach: its deadline, notices, register entry and open steps."""
    return breaches.get_breach(services(), principal(), number)
