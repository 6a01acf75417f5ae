"""Everything the desk holds about a person, as JSON data (GDPR Art. 15): the account,
the incidents they reported or opened, what they wrote and sent, what they were told,
the audit events naming them and the surveys they answered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, or_, select

from ...domain import access
from ...domain.access import Principal
from ...domain.errors import Forbidden
from ...models import (
    ApiToken,
    Attachment,
    AuditEvent,
    Comment,
    InboundMessage,
    Incident,
    Notification,
    SatisfactionSurvey,
    User,
)
from ..context import Services
from . import accounts

_INCIDENT_FIELDS = (
    "number",
    "title",
    "description",
    "reporter_name",
    "reporter_contact",
    "reported_at",
    "channel",
    "kind",
    "category",
    "impact",
    "urgency",
    "affected_item",
    "priority",
    "status",
    "tier",
    "resolution",
    "hold_reason",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "closure_code",
    "personal_data_erased_at",
)


def export_person(svc: Services, principal: Principal | None, username: str) -> dict[str, Any]:
    """Admins and the privacy team (or the operator at the command line, principal None)."""
    require_privacy(principal)
    with svc.db.read() as uow:
        session = uow.session
        user = accounts.find(session, username)
        return {
            "account": _account(session, user),
            "incidents": _incidents(session, user),
            "comments": _comments(session, user),
            "attachments": _attachments(session, user),
            "emails": _emails(session, user),
            "notifications": _notifications(session, user),
            "audit_events": _audit_events(session, user),
            "surveys": _surveys(session, user),
        }


def require_privacy(principal: Principal | None) -> None:
    if principal is not None and not access.may_handle_personal_data(principal):
        raise Forbidden("only admins and the privacy team handle a person's data")


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _account(session, user: User) -> dict[str, Any]:
    view = accounts.account_view(user)
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))
    return {
        "username": view.username,
        "display_name": view.display_name,
        "contact": view.contact,
        "groups": view.groups,
        "lead_of": view.lead_of,
        "language": user.language,
        "time_zone": user.time_zone,
        "away": user.away,
        "has_password": user.password_hash is not None,
        "created_at": _json(user.created_at),
        "disabled_at": _json(user.disabled_at),
        "erased_at": _json(user.erased_at),
        "tokens": [
            {
                "id": t.id,
                "label": t.label,
                "created_at": _json(t.created_at),
                "revoked_at": _json(t.revoked_at),
            }
            for t in tokens
        ],
    }


def _incidents(session, user: User) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Incident)
        .where(or_(Incident.reporter_id == user.id, Incident.opened_by_id == user.id))
        .order_by(Incident.id)
    )
    return [
        {name: _json(getattr(row, name)) for name in _INCIDENT_FIELDS}
        | {"reported_by_them": row.reporter_id == user.id}
        for row in rows
    ]


def _numbers(session, ids) -> dict[int, str | None]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.execute(select(Incident.id, Incident.number).where(Incident.id.in_(wanted)))
    return {incident_id: number for incident_id, number in rows}


def _comments(session, user: User) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    ).all()
    numbers = _numbers(session, [r.incident_id for r in rows])
    return [
        {
            "incident": numbers.get(r.incident_id),
            "body": r.body,
            "public": r.public,
            "created_at": _json(r.created_at),
        }
        for r in rows
    ]


def _attachments(session, user: User) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Attachment).where(Attachment.uploaded_by_id == user.id).order_by(Attachment.id)
    ).all()
    numbers = _numbers(session, [r.incident_id for r in rows])
    return [
        {
            "incident": numbers.get(r.incident_id),
            "filename": r.filename,
            "content_type": r.content_type,
            "size": r.size,
            "sha256": r.sha256,
            "created_at": _json(r.created_at),
        }
        for r in rows
    ]


def _emails(session, user: User) -> list[dict[str, Any]]:
    mine = [InboundMessage.user_id == user.id]
    if user.contact:
        mine.append(func.lower(InboundMessage.sender) == user.contact.lower())
    rows = session.scalars(
        select(InboundMessage).where(or_(*mine)).order_by(InboundMessage.id)
    ).all()
    numbers = _numbers(session, [r.incident_id for r in rows])
    return [
        {
            "id": r.id,
            "message_id": r.message_id,
            "received_at": _json(r.received_at),
            "via": r.via,
            "sender": r.sender,
            "subject": r.subject,
            "outcome": r.outcome,
            "size": r.size,
            "incident": numbers.get(r.incident_id),
        }
        for r in rows
    ]


def _notifications(session, user: User) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Notification).where(Notification.recipient_id == user.id).order_by(Notification.id)
    ).all()
    numbers = _numbers(session, [r.incident_id for r in rows])
    return [
        {
            "created_at": _json(r.created_at),
            "event": r.event,
            "incident": numbers.get(r.incident_id),
            "data": r.data,
            "delivered_at": _json(r.delivered_at),
            "read_at": _json(r.read_at),
        }
        for r in rows
    ]


def naming(user: User, username: str | None = None):
    """Audit events whose actor is the user or whose data names them."""
    quoted = f'%"{username or user.username}"%'
    return or_(AuditEvent.actor_id == user.id, cast(AuditEvent.data, String).like(quoted))


def _audit_events(session, user: User) -> list[dict[str, Any]]:
    rows = session.scalars(select(AuditEvent).where(naming(user)).order_by(AuditEvent.id)).all()
    numbers = _numbers(session, [r.incident_id for r in rows])
    return [
        {
            "at": _json(r.at),
            "type": r.type,
            "actor": r.actor,
            "incident": numbers.get(r.incident_id),
            "data": r.data,
        }
        for r in rows
    ]


def _surveys(session, user: User) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(SatisfactionSurvey)
        .where(SatisfactionSurvey.reporter_id == user.id)
        .order_by(SatisfactionSurvey.id)
    ).all()
    numbers = _numbers(session, [r.incident_id for r in rows])
    return [
        {
            "incident": numbers.get(r.incident_id),
            "sent_at": _json(r.sent_at),
            "answered_at": _json(r.answered_at),
            "score": r.score,
            "comment": r.comment,
        }
        for r in rows
    ]
