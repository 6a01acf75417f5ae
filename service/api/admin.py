"""/api/notifications and /api/admin: what people are told, timers and submissions that failed."""

from __future__ import annotations

import functools

from flask_smorest import Blueprint

from ..services import failures, notifications, timers
from ..services.mail import intake, messages
from .context import paged, principal, services
from .schemas import (
    EmailQuerySchema,
    EmailSchema,
    FailureSchema,
    NotificationSchema,
    NotificationsReadSchema,
    NotificationsReadViewSchema,
    TimerQuerySchema,
    TimerSchema,
)

blp = Blueprint("admin", __name__, url_prefix="/api", description="Notifications and timers")


@blp.route("/notifications", methods=["GET"])
@blp.response(200, NotificationSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def list_notifications(pagination_parameters):
    """Notifications addressed to you or to a group you are in (or lead), newest first."""
    return paged(
        pagination_parameters,
        functools.partial(notifications.list_notifications, services(), principal()),
    )


@blp.route("/notifications/read", methods=["POST"])
@blp.arguments(NotificationsReadSchema)
@blp.response(200, NotificationsReadViewSchema)
def mark_notifications_read(body):
    """Mark notifications addressed to you by name read (ids not yours change nothing);
    answers how many were marked and how many stay unread."""
    svc, who = services(), principal()
    marked = notifications.mark_read(svc, who, body["ids"])
    return {"marked": marked, "unread": notifications.unread_count(svc, who)}


@blp.route("/admin/timers", methods=["GET"])
@blp.arguments(TimerQuerySchema, location="query")
@blp.response(200, TimerSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def list_timers(query, pagination_parameters):
    """Waiting and failed timers, earliest due first (admins)."""
    return paged(
        pagination_parameters,
        functools.partial(timers.list_timers, services(), principal(), state=query.get("state")),
    )


@blp.route("/admin/timers/<int:timer_id>/retry", methods=["POST"])
@blp.response(200, TimerSchema)
def retry_timer(timer_id):
    """Give a failed timer a fresh set of attempts; it fires at once (admins)."""
    return timers.retry(services(), principal(), timer_id)


@blp.route("/admin/failures", methods=["GET"])
@blp.response(200, FailureSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def list_failures(pagination_parameters):
    """Submissions whose run failed (a task, an incident, a reply, an alert), newest first,
    with what was submitted and where the process failed (admins)."""
    return paged(pagination_parameters, functools.partial(failures.recent, services(), principal()))


@blp.route("/admin/emails", methods=["GET"])
@blp.arguments(EmailQuerySchema, location="query")
@blp.response(200, EmailSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def list_emails(query, pagination_parameters):
    """Every e-mail taken in, newest first, with what it became and why: auto-replies,
    bounces, refused and limited senders, messages the process refused (admins)."""
    return paged(
        pagination_parameters,
        functools.partial(messages.recent, services(), principal(), outcome=query.get("outcome")),
    )


@blp.route("/admin/emails/<int:email_id>/retry", methods=["POST"])
@blp.response(200, EmailSchema)
def retry_email(email_id):
    """Take a message the process refused (`failed`) once more, after a fix (admins)."""
    taken = intake.retry(services(), principal(), email_id)
    return messages.one(services(), principal(), taken.id)
