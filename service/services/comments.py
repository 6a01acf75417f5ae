"""Replies on an incident. A reporter's reply ends an "awaiting reporter" hold;
an agent's public reply is a first response."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..domain import access
from ..domain.access import Principal
from ..domain.enums import REPORTER_REPLY_MESSAGE, IncidentStatus
from ..domain.errors import FieldError, Forbidden, InvalidInput
from ..models import Comment, ProcessInstance, User
from . import audit, execution
from .context import Services
from .incidents import visible_incident
from .views import IncidentView, incident_view

MAX_BODY = 20_000


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    body: str
    public: bool
    created_at: datetime


@dataclass(frozen=True)
class Posted:
    comment: CommentView
    incident: IncidentView


def add_comment(
    svc: Services, principal: Principal, number: str, body: str, *, public: bool = True
) -> Posted:
    if not body or not body.strip() or len(body) > MAX_BODY:
        raise InvalidInput(
            "a comment needs text", [FieldError("$.body", f"1 to {MAX_BODY} characters")]
        )
    with svc.db.unit_of_work() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        agent = access.sees_everything(principal)
        if not public and not agent:
            raise Forbidden("only agents write internal notes")
        now = svc.now()
        comment = Comment(
            incident_id=incident.id,
            author_id=principal.user_id,
            body=body,
            public=public,
            created_at=now,
        )
        session.add(comment)
        session.flush()
        audit.record(
            session,
            "comment.added",
            at=now,
            actor=principal,
            incident_id=incident.id,
            data={"comment_id": comment.id, "public": public},
        )
        if (
            public
            and agent
            and incident.first_response_at is None
            and any(principal.in_group(tier) for tier in ("L1", "L2", "L3"))
        ):
            incident.first_response_at = now
            audit.record(
                session,
                "sla.first_response",
                at=now,
                actor=principal,
                incident_id=incident.id,
                data={"by": "public reply"},
            )
        if principal.user_id == incident.reporter_id and incident.status == IncidentStatus.ON_HOLD:
            _resume_hold(svc, session, incident, principal, body)
        session.flush()
        posted = Posted(
            CommentView(comment.id, principal.username, body, public, now),
            incident_view(session, incident, svc.now()),
        )
        uow.commit()
        return posted


def list_comments(svc: Services, principal: Principal, number: str) -> list[CommentView]:
    """Oldest first; reporters and integrators see the public ones only."""
    with svc.db.read() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        query = (
            select(Comment, User.username)
            .join(User, User.id == Comment.author_id)
            .where(Comment.incident_id == incident.id)
            .order_by(Comment.id)
        )
        if not access.sees_everything(principal):
            query = query.where(Comment.public.is_(True))
        return [
            CommentView(c.id, username, c.body, c.public, c.created_at)
            for c, username in session.execute(query).all()
        ]


def _resume_hold(svc, session, incident, principal, body) -> None:
    """Deliver the reply to the process waiting for it, under the instance lock."""
    instance_id = session.scalar(
        select(ProcessInstance.id).where(
            ProcessInstance.incident_id == incident.id, ProcessInstance.parent_id.is_(None)
        )
    )
    instance = execution.lock(session, instance_id)
    session.refresh(incident)
    run = execution.resume(svc, session, instance, actor=principal)
    if run.execution.deliver_message(REPORTER_REPLY_MESSAGE, {"comment": body}):
        execution.advance(svc, session, instance, run, actor=principal, trigger="message")
