"""Marshmallow schemas: request validation, response bodies and the OpenAPI document."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..domain import locales
from ..domain.breaches import AuthorityNotice, BreachStatus, Risk
from ..domain.enums import Channel, IncidentStatus, Level, Priority, TaskState, Tier
from ..domain.sla import SlaFilter
from ..services.search.listing import SORTS as INCIDENT_SORTS
from .major_schemas import MajorSchema, ReviewSchema
from .related_schemas import RelatedIncidentSchema

_LEVELS = validate.OneOf([level.value for level in Level])
_TEXT_LINE = validate.Length(min=1, max=200)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("must not be blank")


class JsonBoolean(fields.Boolean):
    """`true` or `false` and nothing else in a JSON body (marshmallow's Boolean also
    takes 0, 1, "yes", "on" ...; and 1 == True in a set)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class IncidentCreateSchema(ma.Schema):
    title = fields.String(required=True, validate=[_TEXT_LINE, _not_blank])
    description = fields.String(
        required=True, validate=[validate.Length(min=1, max=20_000), _not_blank]
    )
    reporter_name = fields.String(
        validate=[_TEXT_LINE, _not_blank],
        metadata={"description": "defaults to the reporter's display name"},
    )
    reporter_contact = fields.String(
        validate=[_TEXT_LINE, _not_blank],
        metadata={"description": "e-mail or phone; defaults to the reporter's contact on file"},
    )
    impact = fields.String(validate=_LEVELS)
    urgency = fields.String(validate=_LEVELS)
    category = fields.String(validate=validate.Length(min=1, max=64))
    channel = fields.String(
        load_default=Channel.API.value, validate=validate.OneOf([c.value for c in Channel])
    )
    reporter = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "username of the reporter when opening on someone's behalf"},
    )
    reported_at = fields.AwareDateTime(
        metadata={
            "description": "when the user reported it, if earlier than now (ISO 8601 with offset)"
        }
    )


class IdempotencyHeaderSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        validate=validate.Length(min=1, max=255),
        metadata={
            "description": "a retry with the same key and body answers with what the first "
            "request created, once; the same key with another body is refused"
        },
    )


class IncidentQuerySchema(ma.Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in IncidentStatus]))
    priority = fields.String(validate=validate.OneOf([p.value for p in Priority]))
    tier = fields.String(validate=validate.OneOf([t.value for t in Tier]))
    category = fields.String(validate=validate.Length(max=64))
    reporter = fields.String(validate=validate.Length(max=64))
    assignee = fields.String(validate=validate.Length(max=64))
    group = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": "incidents with a task waiting for this group"},
    )
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "full-text search over number, title, description, replies, "
            'resolution (and, for agents, internal notes and the reporter): words, "phrases", '
            "-excluded words, OR; case and accents do not matter. Ranked by relevance "
            "unless another sort is asked for; each hit carries its snippets"
        },
    )
    text = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "the same as q (older name); q wins when both are given"},
    )
    sla = fields.String(
        validate=validate.OneOf([f.value for f in SlaFilter]),
        metadata={
            "description": "breached: a clock missed its target; at_risk: past the warning; "
            "on_track: neither"
        },
    )
    opened_from = fields.Date(metadata={"description": "reported on or after this day (UTC)"})
    opened_to = fields.Date(metadata={"description": "reported on or before this day (UTC)"})
    sort = fields.String(
        validate=validate.OneOf(list(INCIDENT_SORTS)),
        metadata={
            "description": "relevance (with q, the default then), opened (newest first, "
            "otherwise the default), priority (P1 first), updated (latest first), due "
            "(resolution deadline, soonest first)"
        },
    )

    @ma.validates_schema
    def _period(self, data, **_kwargs):
        start, end = data.get("opened_from"), data.get("opened_to")
        if start and end and start > end:
            raise ma.ValidationError("must not be before opened_from", "opened_to")

    @ma.post_load
    def _alias(self, data, **_kwargs):
        text = data.pop("text", None)
        if text is not None and "q" not in data:
            data["q"] = text
        return data


class TaskQuerySchema(ma.Schema):
    lane = fields.String(validate=validate.Length(max=64))
    incident = fields.String(validate=validate.Length(max=20))
    claimed_by_me = fields.Boolean()
    state = fields.String(
        load_default=TaskState.READY.value,
        validate=validate.OneOf([s.value for s in TaskState] + ["any"]),
    )
    scope = fields.String(
        load_default="workable",
        validate=validate.OneOf(["workable", "all"]),
        metadata={"description": "workable: tasks you may complete; all: every task you may see"},
    )


class FormDataSchema(ma.Schema):
    """Any JSON object; the task's JSON Schema form validates it."""

    class Meta:
        unknown = ma.INCLUDE


class ProcessDataSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE


class TaskSchema(ma.Schema):
    id = fields.String()
    key = fields.String(metadata={"description": "BPMN element id"})
    name = fields.String()
    lane = fields.String(allow_none=True)
    state = fields.String()
    process_id = fields.String()
    instance_id = fields.Integer()
    incident_number = fields.String(allow_none=True)
    claimed_by = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    completed_by = fields.String(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    form = fields.String(allow_none=True)


class InstanceRefSchema(ma.Schema):
    id = fields.Integer()
    process_id = fields.String()
    version = fields.Integer()
    status = fields.String()


class ClockSchema(ma.Schema):
    target = fields.String(allow_none=True, metadata={"description": "ISO 8601 duration"})
    due_at = fields.AwareDateTime()
    state = fields.String(metadata={"description": "running, paused, met or breached"})
    at_risk = fields.Boolean(metadata={"description": "running and past the warning time"})
    remaining_seconds = fields.Integer(
        metadata={
            "description": "to the due time, in the calendar's working time; negative when "
            "overdue; frozen while paused"
        }
    )
    paused_seconds = fields.Integer(
        metadata={"description": "time on hold so far, in the calendar's working time"}
    )
    breached_at = fields.AwareDateTime(allow_none=True)
    calendar = fields.String(
        metadata={"description": "the calendar the clock counts in (sla.dmn): 24x7 or an id"}
    )


class SlaSchema(ma.Schema):
    first_response = fields.Nested(ClockSchema, allow_none=True)
    resolution = fields.Nested(ClockSchema, allow_none=True)


class IncidentErrorSchema(ma.Schema):
    kind = fields.String()
    timer_id = fields.Integer()
    element_id = fields.String()
    message = fields.String(allow_none=True)
    attempts = fields.Integer()


class SnippetSchema(ma.Schema):
    field = fields.String(
        metadata={"description": "title, number, description, comments, resolution or reporter"}
    )
    text = fields.String(metadata={"description": "the text around the matches"})
    html = fields.String(
        metadata={"description": "the same, HTML-escaped, the matched words in <mark>"}
    )
    matched = fields.List(fields.String(), metadata={"description": "the matched words"})


class SatisfactionSchema(ma.Schema):
    sent_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime(metadata={"description": "when its links stop working"})
    answered_at = fields.AwareDateTime(allow_none=True)
    score = fields.Integer(
        allow_none=True, metadata={"description": "1 (very poor) to 5 (very good)"}
    )
    comment = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "waiting, answered or expired"})


class IncidentSchema(ma.Schema):
    number = fields.String()
    title = fields.String()
    description = fields.String()
    reporter = fields.String(metadata={"description": "username of the reporter"})
    opened_by = fields.String()
    reporter_name = fields.String()
    reporter_contact = fields.String()
    reported_at = fields.AwareDateTime()
    channel = fields.String()
    kind = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    impact = fields.String(allow_none=True)
    urgency = fields.String(allow_none=True)
    affected_item = fields.String(allow_none=True)
    priority = fields.String(allow_none=True)
    status = fields.String()
    tier = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    first_response_target = fields.String(allow_none=True)
    resolution_target = fields.String(allow_none=True)
    first_response_at = fields.AwareDateTime(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    closure_code = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    reopen_count = fields.Integer()
    hold_reason = fields.String(
        allow_none=True, metadata={"description": "what the reporter is asked for, while on hold"}
    )
    sla = fields.Nested(SlaSchema)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    instance = fields.Nested(InstanceRefSchema, allow_none=True)
    linked_instances = fields.List(fields.Nested(InstanceRefSchema))
    open_tasks = fields.List(fields.Nested(TaskSchema))
    errors = fields.List(
        fields.Nested(IncidentErrorSchema),
        metadata={"description": "failures waiting for an admin (agents and admins see them)"},
    )
    breach = fields.String(
        allow_none=True,
        metadata={"description": "the personal-data breach it was flagged as (register readers)"},
    )
    snippets = fields.List(
        fields.Nested(SnippetSchema),
        metadata={"description": "in search results (q): where it matched, best fields first"},
    )
    major = fields.Nested(
        MajorSchema,
        allow_none=True,
        metadata={"description": "set once the incident is declared a major incident"},
    )
    review = fields.Nested(
        ReviewSchema,
        allow_none=True,
        metadata={
            "description": "the post-incident review of a major incident, in GET "
            "/api/incidents/{number} (agents and admins)"
        },
    )
    satisfaction = fields.Nested(
        SatisfactionSchema,
        allow_none=True,
        metadata={
            "description": "the reporter's rating after closure, in GET /api/incidents/{number} "
            "(agents and admins); null when no survey was sent"
        },
    )
    parent = fields.String(
        allow_none=True, metadata={"description": "the incident this one is part of"}
    )
    merged_into = fields.String(
        allow_none=True,
        metadata={"description": "the incident this duplicate was merged into"},
    )
    children = fields.List(
        fields.Nested(RelatedIncidentSchema),
        metadata={"description": "incidents part of this one, in GET /api/incidents/{number}"},
    )
    merged = fields.List(
        fields.Nested(RelatedIncidentSchema),
        metadata={
            "description": "duplicates merged into this one (their comments and attachments "
            "at /api/incidents/{their number}), in GET /api/incidents/{number}"
        },
    )
    followers = fields.List(
        fields.String(),
        metadata={"description": "usernames of its followers (agents see all; others themselves)"},
    )


class EventSchema(ma.Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    type = fields.String()
    incident_number = fields.String(allow_none=True)
    instance_id = fields.Integer(allow_none=True)
    task_id = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    data = fields.Dict()


class SolutionSchema(ma.Schema):
    number = fields.String()
    title = fields.String()
    category = fields.String(allow_none=True)
    resolution = fields.String()
    resolved_at = fields.AwareDateTime(allow_none=True)
    shared_words = fields.List(fields.String(), metadata={"description": "words it matched"})
    snippets = fields.List(fields.Nested(SnippetSchema))
    known_error_id = fields.Integer(
        allow_none=True,
        metadata={
            "description": "set for a known error (listed first): `title` is its symptom, "
            "`resolution` its workaround, `number` empty"
        },
    )


class TaskDetailSchema(ma.Schema):
    task = fields.Nested(TaskSchema)
    form_schema = fields.Dict(metadata={"description": "the task's JSON Schema form"})
    ui_schema = fields.Dict()
    data = fields.Dict(metadata={"description": "values already known, to fill the form in"})
    incident = fields.Nested(IncidentSchema, allow_none=True)
    earlier_solutions = fields.List(
        fields.Nested(SolutionSchema),
        metadata={
            "description": "at triage: open known errors like this one, then resolved "
            "incidents like it, best match first (agents)"
        },
    )


class CompletionSchema(ma.Schema):
    task = fields.Nested(TaskSchema)
    incident = fields.Nested(IncidentSchema, allow_none=True)
    instance = fields.Nested(InstanceRefSchema)


class InstanceSchema(ma.Schema):
    id = fields.Integer()
    process_id = fields.String()
    version = fields.Integer()
    status = fields.String()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    started_by = fields.String(allow_none=True)
    incident_number = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    data = fields.Dict()
    open_tasks = fields.List(fields.Nested(TaskSchema))


class ProcessSchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    latest_version = fields.Integer()
    versions = fields.Integer()
    deployed_at = fields.AwareDateTime()
    running_instances = fields.Integer()


class MeSchema(ma.Schema):
    username = fields.String()
    groups = fields.List(fields.String())
    language = fields.String(
        metadata={"description": "pages and mails are in it", "enum": list(locales.LANGUAGES)}
    )
    time_zone = fields.String(
        metadata={"description": "IANA name; pages and mails show times on its clock"}
    )


class MePatchSchema(ma.Schema):
    """Only what is sent changes; null goes back to the desk's default."""

    language = fields.String(
        allow_none=True,
        validate=validate.Length(max=16),
        metadata={"enum": list(locales.LANGUAGES)},
    )
    time_zone = fields.String(
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={"description": "IANA time zone name, such as Europe/Athens"},
    )


class HealthSchema(ma.Schema):
    status = fields.String()
    database = fields.String()


class CommentCreateSchema(ma.Schema):
    body = fields.String(required=True, validate=[validate.Length(min=1, max=20_000), _not_blank])
    public = JsonBoolean(
        load_default=True,
        metadata={"description": "false: an internal note agents see (agents only)"},
    )


class AttachmentSchema(ma.Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String(metadata={"description": "as found in the bytes"})
    size = fields.Integer()
    sha256 = fields.String()


class CommentSchema(ma.Schema):
    id = fields.Integer()
    author = fields.String()
    body = fields.String()
    public = fields.Boolean()
    created_at = fields.AwareDateTime()
    attachments = fields.List(fields.Nested(AttachmentSchema))
    email_id = fields.Integer(
        allow_none=True,
        metadata={
            "description": "the e-mail this reply came in as; its original is at "
            "/api/incidents/{number}/emails/{email_id}"
        },
    )


class AttachmentFormSchema(ma.Schema):
    body = fields.String(
        load_default="",
        validate=validate.Length(max=20_000),
        metadata={"description": "the comment's text (optional with files)"},
    )
    public = fields.Boolean(
        truthy={"true"},
        falsy={"false"},
        load_default=True,
        metadata={"description": "false: an internal note agents see (agents only)"},
    )


class PostedCommentSchema(ma.Schema):
    comment = fields.Nested(CommentSchema)
    incident = fields.Nested(IncidentSchema)


class NotificationSchema(ma.Schema):
    id = fields.Integer()
    created_at = fields.AwareDateTime()
    event = fields.String()
    incident_number = fields.String(allow_none=True)
    recipient = fields.String(allow_none=True)
    recipient_group = fields.String(allow_none=True)
    role = fields.String()
    data = fields.Dict()
    delivered_at = fields.AwareDateTime(allow_none=True)
    read_at = fields.AwareDateTime(allow_none=True)


class NotificationsReadSchema(ma.Schema):
    ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        required=True,
        validate=validate.Length(max=500),
    )


class NotificationsReadViewSchema(ma.Schema):
    marked = fields.Integer()
    unread = fields.Integer()


class IncidentEditSchema(ma.Schema):
    """Only the fields given change."""

    category = fields.String(validate=validate.Length(min=1, max=64))
    impact = fields.String(validate=_LEVELS)
    urgency = fields.String(validate=_LEVELS)
    affected_item = fields.String(validate=[_TEXT_LINE, _not_blank])
    title = fields.String(validate=[_TEXT_LINE, _not_blank])


class TimerQuerySchema(ma.Schema):
    state = fields.String(validate=validate.OneOf(["waiting", "failed"]))


class TimerSchema(ma.Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    incident_number = fields.String(allow_none=True)
    element_id = fields.String()
    due_at = fields.AwareDateTime()
    state = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.AwareDateTime(allow_none=True)


class FailureSchema(ma.Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    type = fields.String(metadata={"description": "task.failed, incident.failed, ..."})
    actor = fields.String()
    incident_number = fields.String(allow_none=True)
    instance_id = fields.Integer(allow_none=True)
    task_id = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    submitted = fields.Raw(metadata={"description": "what was submitted, as it was sent"})


class EmailSchema(ma.Schema):
    id = fields.Integer()
    received_at = fields.AwareDateTime()
    via = fields.String(metadata={"description": "pipe (the MTA) or imap (a mailbox)"})
    sender = fields.String()
    subject = fields.String()
    outcome = fields.String(
        metadata={
            "description": "opened, commented, noted (from someone not on the incident), "
            "auto_reply, bounce, refused, limited, empty or failed"
        }
    )
    reason = fields.String(allow_none=True, metadata={"description": "why, when not acted on"})
    incident_number = fields.String(allow_none=True)
    comment_id = fields.Integer(allow_none=True)
    size = fields.Integer(metadata={"description": "bytes of the original"})


class EmailQuerySchema(ma.Schema):
    outcome = fields.String(metadata={"description": "only messages with this outcome"})


class WebhookCreateSchema(ma.Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    events = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        metadata={"description": "event types or patterns: incident.*, sla.breached, *"},
    )
    description = fields.String(load_default=None, validate=validate.Length(max=200))
    secret = fields.String(
        load_default=None,
        validate=validate.Length(min=16, max=200),
        metadata={"description": "HMAC-SHA256 key; generated when left out"},
    )


class WebhookSchema(ma.Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    secret_hint = fields.String(metadata={"description": "the secret's last characters"})


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(metadata={"description": "shown once: keep it to verify signatures"})


class DeliveryQuerySchema(ma.Schema):
    state = fields.String(validate=validate.OneOf(["pending", "sent", "dead", "cancelled"]))
    channel = fields.String(validate=validate.OneOf(["email", "webhook"]))
    subscription = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class DeliverySchema(ma.Schema):
    id = fields.Integer()
    created_at = fields.AwareDateTime()
    channel = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    incident_number = fields.String(allow_none=True)
    subscription_id = fields.Integer(allow_none=True)
    recipient = fields.String()
    state = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(
        allow_none=True,
        metadata={"description": "why it failed; a bounced e-mail: `bounced: 5.1.1 <diagnostic>`"},
    )
    sent_at = fields.AwareDateTime(allow_none=True)
    message_id = fields.String(
        allow_none=True, metadata={"description": "an e-mail's Message-ID (bounces name it)"}
    )


class BreachFlagSchema(ma.Schema):
    aware_at = fields.AwareDateTime(
        required=True,
        metadata={
            "description": "when the organisation became aware of the breach (ISO 8601 with "
            "offset); the 72 hours to notify the supervisory authority run from here"
        },
    )
    summary = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=5000), _not_blank],
        metadata={"description": "what is known so far: which data, whose, how"},
    )


class BreachQuerySchema(ma.Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in BreachStatus]))
    risk = fields.String(validate=validate.OneOf([r.value for r in Risk]))
    incident = fields.String(validate=validate.Length(min=1, max=20))
    authority = fields.String(
        validate=validate.OneOf([a.value for a in AuthorityNotice]),
        metadata={"description": "where the notice to the supervisory authority stands"},
    )


class AuthorityNoticeSchema(ma.Schema):
    state = fields.String(
        metadata={"description": "pending, overdue, notified, notified_late or not_required"}
    )
    due_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "72 hours after awareness"}
    )
    remaining_seconds = fields.Integer(
        allow_none=True, metadata={"description": "to the deadline while the notice is due"}
    )
    warned_at = fields.AwareDateTime(allow_none=True)
    escalated_at = fields.AwareDateTime(allow_none=True)
    notified_at = fields.AwareDateTime(allow_none=True)
    reference = fields.String(allow_none=True)
    delay_reason = fields.String(allow_none=True)
    contents = fields.Dict(
        metadata={
            "description": "what the authority was told: nature, categories and approximate "
            "numbers of people and records, contact, likely consequences, measures"
        }
    )


class BreachSchema(ma.Schema):
    number = fields.String()
    incident_number = fields.String()
    instance_id = fields.Integer(allow_none=True)
    summary = fields.String()
    aware_at = fields.AwareDateTime()
    flagged_at = fields.AwareDateTime()
    flagged_by = fields.String()
    status = fields.String(metadata={"description": "assessing, notifying, closing or closed"})
    risk = fields.String(allow_none=True, metadata={"description": "none, risk or high_risk"})
    risk_rationale = fields.String(allow_none=True)
    no_notice_reason = fields.String(allow_none=True)
    contained = fields.Boolean(allow_none=True)
    containment_measures = fields.String(allow_none=True)
    authority = fields.Nested(AuthorityNoticeSchema)
    subjects_notified_at = fields.AwareDateTime(allow_none=True)
    subjects_channel = fields.String(allow_none=True)
    subjects_message = fields.String(allow_none=True)
    closure_summary = fields.String(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime()
    open_tasks = fields.List(fields.Nested(TaskSchema))
