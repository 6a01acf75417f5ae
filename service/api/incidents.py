"""/api/incidents: open, list and follow incidents."""

from __future__ import annotations

import functools

from flask_smorest import Blueprint

from ..services import comments, incidents
from .context import paged, principal, services
from .schemas import (
    CommentCreateSchema,
    CommentSchema,
    EventSchema,
    IdempotencyHeaderSchema,
    IncidentCreateSchema,
    IncidentQuerySchema,
    IncidentSchema,
    PostedCommentSchema,
)

blp = Blueprint("incidents", __name__, url_prefix="/api/incidents", description="Incidents")


@blp.route("", methods=["POST"])
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(IncidentCreateSchema)
@blp.response(201, IncidentSchema)
def open_incident(headers, body):
    """Open an incident (as its reporter, or for a reporter with `reporter`)."""
    view, replayed = incidents.open_incident(
        services(),
        principal(),
        incidents.OpenIncident(**body),
        idempotency_key=headers.get("idempotency_key"),
    )
    return view, 201, ({"Idempotent-Replayed": "true"} if replayed else {})


@blp.route("", methods=["GET"])
@blp.arguments(IncidentQuerySchema, location="query")
@blp.response(200, IncidentSchema(many=True))
@blp.paginate(page_size=20, max_page_size=100)
def list_incidents(query, pagination_parameters):
    """Incidents you may see, newest first (X-Pagination header has the totals)."""
    return paged(
        pagination_parameters,
        functools.partial(
            incidents.list_incidents, services(), principal(), incidents.IncidentFilter(**query)
        ),
    )


@blp.route("/<string:number>", methods=["GET"])
@blp.response(200, IncidentSchema)
def get_incident(number):
    """One incident with its open tasks."""
    return incidents.get_incident(services(), principal(), number)


@blp.route("/<string:number>/events", methods=["GET"])
@blp.response(200, EventSchema(many=True))
def list_events(number):
    """The incident's audit trail, oldest first."""
    return incidents.list_events(services(), principal(), number)


@blp.route("/<string:number>/comments", methods=["POST"])
@blp.arguments(CommentCreateSchema)
@blp.response(201, PostedCommentSchema)
def add_comment(body, number):
    """Reply on the incident. The reporter's reply ends an "awaiting reporter" hold
    (the resolution clock resumes); an agent's public reply is a first response."""
    return comments.add_comment(
        services(), principal(), number, body["body"], public=body["public"]
    )


@blp.route("/<string:number>/comments", methods=["GET"])
@blp.response(200, CommentSchema(many=True))
def list_comments(number):
    """Replies, oldest first; reporters see the public ones."""
    return comments.list_comments(services(), principal(), number)
