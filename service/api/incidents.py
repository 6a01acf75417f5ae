"""/api/incidents: open, list and follow incidents."""

from __future__ import annotations

import functools

import marshmallow as ma
from flask_smorest import Blueprint
from flask_smorest.fields import Upload

from ..downloads import attachment_response
from ..services import calls, comments, incidents
from ..services.editing import facts
from ..services.mail import messages
from ..services.search import listing
from .context import CREATED_HEADERS, created, paged, principal, services
from .schemas import (
    AttachmentFormSchema,
    CommentCreateSchema,
    CommentSchema,
    EmailSchema,
    EventSchema,
    IdempotencyHeaderSchema,
    IncidentCreateSchema,
    IncidentEditSchema,
    IncidentQuerySchema,
    IncidentSchema,
    InstanceSchema,
    PostedCommentSchema,
)

blp = Blueprint("incidents", __name__, url_prefix="/api/incidents", description="Incidents")


@blp.route("", methods=["POST"])
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(IncidentCreateSchema)
@blp.response(201, IncidentSchema, headers=CREATED_HEADERS)
def open_incident(headers, body):
    """Open an incident (as its reporter, or for a reporter with `reporter`)."""
    view, replayed = incidents.open_incident(
        services(),
        principal(),
        incidents.OpenIncident(**body),
        idempotency_key=headers.get("idempotency_key"),
    )
    return created(view, f"/api/incidents/{view.number}", replayed=replayed)


@blp.route("", methods=["GET"])
@blp.arguments(IncidentQuerySchema, location="query")
@blp.response(200, IncidentSchema(many=True))
@blp.paginate(page_size=20, max_page_size=100)
def list_incidents(query, pagination_parameters):
    """Incidents you may see, newest first or as sorted; with `q`, the best matches
    first, each with its snippets (X-Pagination header has the totals)."""
    return paged(
        pagination_parameters,
        functools.partial(
            listing.list_incidents, services(), principal(), listing.IncidentFilter(**query)
        ),
    )


@blp.route("/<string:number>", methods=["GET"])
@blp.response(200, IncidentSchema)
def get_incident(number):
    """One incident with its open tasks."""
    return incidents.get_incident(services(), principal(), number)


@blp.route("/<string:number>", methods=["PATCH"])
@blp.arguments(IncidentEditSchema)
@blp.response(200, IncidentSchema)
def edit_incident(body, number):
    """Correct an incident's facts (agents and admins): category, impact, urgency,
    affected item, title. A new impact or urgency recomputes the priority, the SLA
    targets and the deadlines as at triage; each change is in the audit trail with
    its old and new value. 403 for reporters, 409 once closed, 422 per field."""
    return facts.edit_incident(services(), principal(), number, facts.Edit(**body))


@blp.route("/<string:number>/events", methods=["GET"])
@blp.response(200, EventSchema(many=True))
def list_events(number):
    """The incident's audit trail, oldest first."""
    return incidents.list_events(services(), principal(), number)


@blp.route("/<string:number>/comments", methods=["POST"])
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(CommentCreateSchema)
@blp.response(201, PostedCommentSchema, headers=CREATED_HEADERS)
def add_comment(headers, body, number):
    """Reply on the incident. The reporter's reply ends an "awaiting reporter" hold
    (the resolution clock resumes); an agent's public reply is a first response."""
    posted = comments.add_comment(
        services(),
        principal(),
        number,
        body["body"],
        public=body["public"],
        idempotency_key=headers.get("idempotency_key"),
    )
    return _posted(number, posted)


def _posted(number: str, posted: comments.Posted):
    location = f"/api/incidents/{number}/comments/{posted.comment.id}"
    return created(posted, location, replayed=posted.replayed)


@blp.route("/<string:number>/comments/<int:comment_id>", methods=["GET"])
@blp.response(200, CommentSchema)
def get_comment(number, comment_id):
    """One reply, with its attachments (reporters: public replies only)."""
    return comments.get_comment(services(), principal(), number, comment_id)


class FilesSchema(ma.Schema):
    files = ma.fields.List(
        Upload(), required=True, metadata={"description": "the files (repeat the field)"}
    )


class AttachmentUploadSchema(AttachmentFormSchema, FilesSchema):
    """The whole multipart body, for the document: its fields are parsed from the form
    and from the files apart (flask-smorest documents one request body only)."""


_PARSE = blp.ARGUMENTS_PARSER


def attachment_room(settings) -> int:
    """The body limit of the one endpoint that takes files (the others keep the small one)."""
    return settings.max_attachment_bytes * comments.MAX_FILES + settings.max_body_bytes


@blp.route("/<string:number>/attachments", methods=["POST"])
@blp.doc(
    requestBody={
        "required": True,
        "content": {"multipart/form-data": {"schema": AttachmentUploadSchema}},
    }
)
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@_PARSE.use_args(AttachmentFormSchema, location="form")
@_PARSE.use_args(FilesSchema, location="files")
@blp.response(201, PostedCommentSchema, headers=CREATED_HEADERS)
def add_attachments(headers, form, files, number):
    """Reply with files attached (multipart). Each file's type is read from its bytes and
    must be on the accepted list; each is at most INCIDENT_DESK_MAX_ATTACHMENT_BYTES."""
    uploads = [comments.Upload(f.filename or "", f.read()) for f in files["files"]]
    posted = comments.add_comment(
        services(),
        principal(),
        number,
        form["body"],
        public=form["public"],
        files=uploads,
        idempotency_key=headers.get("idempotency_key"),
    )
    return _posted(number, posted)


@blp.route("/<string:number>/attachments/<int:attachment_id>", methods=["GET"])
@blp.doc(
    responses={
        "200": {
            "description": "the file, with the content type found in it",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
def get_attachment(number, attachment_id):
    """Download an attachment (only where its comment is visible to you)."""
    view, content = comments.get_attachment(services(), principal(), number, attachment_id)
    return attachment_response(view, content)


@blp.route("/<string:number>/calls", methods=["POST"])
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.response(201, InstanceSchema, headers=CREATED_HEADERS)
def request_call(headers, number):
    """Arrange a call with the reporter (L2 and L3 agents, P1 and P2 incidents at L2 or L3).

    Starts the `call` process: its first task takes the time and the link or
    number; the reporter is then invited with a calendar file and reminded."""
    view, replayed = calls.request_call(
        services(), principal(), number, idempotency_key=headers.get("idempotency_key")
    )
    return created(view, f"/api/instances/{view.id}", replayed=replayed)


@blp.route("/<string:number>/comments", methods=["GET"])
@blp.response(200, CommentSchema(many=True))
def list_comments(number):
    """Replies, oldest first; reporters see the public ones."""
    return comments.list_comments(services(), principal(), number)


@blp.route("/<string:number>/emails", methods=["GET"])
@blp.response(200, EmailSchema(many=True))
def list_emails(number):
    """The e-mails taken in for the incident, oldest first, with what each became
    (agents; a reporter sees their own that became replies)."""
    return messages.for_incident(services(), principal(), number)


@blp.route("/<string:number>/emails/<int:email_id>", methods=["GET"])
@blp.doc(
    responses={
        "200": {
            "description": "the message as it arrived (quoted history, signature and every "
            "file included)",
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
def get_email(number, email_id):
    """Download an e-mail as it arrived."""
    view, content = messages.original(services(), principal(), number, email_id)
    return attachment_response(view, content)
