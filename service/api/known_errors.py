"""/api/known-errors: known errors, their workaround and the incidents they explain (agents)."""

from __future__ import annotations

import functools

from flask_smorest import Blueprint

from ..services.known_errors import records
from .context import CREATED_HEADERS, created, paged, principal, services
from .known_error_schemas import (
    KnownErrorCreateSchema,
    KnownErrorLinkSchema,
    KnownErrorQuerySchema,
    KnownErrorSchema,
    KnownErrorUpdateSchema,
)

blp = Blueprint("known_errors", __name__, url_prefix="/api", description="Known errors")


def _location(view) -> str:
    return f"/api/known-errors/{view.id}"


@blp.route("/known-errors", methods=["POST"])
@blp.arguments(KnownErrorCreateSchema)
@blp.response(201, KnownErrorSchema, headers=CREATED_HEADERS)
def create_known_error(body):
    """Record a known error, linked to the incidents it explains (agents)."""
    view = records.create_known_error(services(), principal(), records.NewKnownError(**body))
    return created(view, _location(view))


@blp.route("/incidents/<string:number>/known-error", methods=["POST"])
@blp.response(201, KnownErrorSchema, headers=CREATED_HEADERS)
def create_known_error_from_incident(number):
    """Record a known error from the incident's resolution in one step: the title is the
    symptom, the resolution the workaround, the category the incident's; the incident is
    linked. 409 while the incident has no resolution (agents)."""
    view = records.create_from_incident(services(), principal(), number)
    return created(view, _location(view))


@blp.route("/known-errors", methods=["GET"])
@blp.arguments(KnownErrorQuerySchema, location="query")
@blp.response(200, KnownErrorSchema(many=True))
@blp.paginate(page_size=20, max_page_size=100)
def list_known_errors(query, pagination_parameters):
    """Known errors, open ones first, then the most recently changed (agents)."""
    return paged(
        pagination_parameters,
        functools.partial(
            records.list_known_errors,
            services(),
            principal(),
            status=query.get("status"),
            category=query.get("category"),
            text=query.get("q"),
        ),
    )


@blp.route("/known-errors/<int:known_error_id>", methods=["GET"])
@blp.response(200, KnownErrorSchema)
def get_known_error(known_error_id):
    """One known error with its linked incidents (agents)."""
    return records.get_known_error(services(), principal(), known_error_id)


@blp.route("/known-errors/<int:known_error_id>", methods=["PATCH"])
@blp.arguments(KnownErrorUpdateSchema)
@blp.response(200, KnownErrorSchema)
def update_known_error(body, known_error_id):
    """Change its fields or status. Marked fixed, the reporters of its linked incidents
    that are not closed are told by mail (agents)."""
    return records.update_known_error(services(), principal(), known_error_id, body)


@blp.route("/known-errors/<int:known_error_id>/incidents", methods=["POST"])
@blp.arguments(KnownErrorLinkSchema)
@blp.response(200, KnownErrorSchema)
def link_known_error_incident(body, known_error_id):
    """Link an incident to the known error; linking it again changes nothing (agents)."""
    return records.link_incident(services(), principal(), known_error_id, body["incident"])


@blp.route("/known-errors/<int:known_error_id>/incidents/<string:number>", methods=["DELETE"])
@blp.response(200, KnownErrorSchema)
def unlink_known_error_incident(known_error_id, number):
    """Unlink an incident from the known error (agents)."""
    return records.unlink_incident(services(), principal(), known_error_id, number)
