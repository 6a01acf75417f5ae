"""Erasing a person (GDPR Art. 17) and pseudonymising a closed incident's personal data.

What goes: the account's name, display name, contact, password, tokens, language and
groups; the reporter's name and contact on their incidents and the title and
description they wrote (a mailed-in incident's title is the mail's subject); the bodies
of their comments; the bytes and names of files they uploaded; their survey comments;
the e-mails they sent (bytes, sender, subject, Message-ID); what they were told
(notification data, the e-mails and webhook calls carrying it). What stays: the
incident rows with their figures (priority, category, times, SLA clocks, closure) and
the agents' resolutions, and every audit event. The trail is evidence of who did what
and when, kept for accountability and legal claims (Art. 5(2), 17(3)(b) and (e)): its
rows, types, times, links and actor ids stay; inside its data the known free-text
fields (TEXT_KEYS) and every value that is the person's old username, display name or
contact are replaced, each rewrite recorded in audit_redactions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ... import uploads
from ...domain.access import Principal
from ...domain.errors import Conflict
from ...models import (
    Attachment,
    AuditEvent,
    AuditRedaction,
    Comment,
    Delivery,
    InboundMessage,
    Incident,
    Notification,
    ProcessInstance,
    SatisfactionSurvey,
    User,
)
from .. import audit
from ..context import Services
from ..search import index
from . import accounts
from .export import naming, require_privacy

ERASED = "[erased]"
# Free text kept in audit event data that may hold what a person wrote about themselves.
TEXT_KEYS = frozenset(
    {
        "title",
        "description",
        "reporter_name",
        "reporter_contact",
        "comment",
        "body",
        "subject",
        "sender",
    }
)


@dataclass(frozen=True)
class ErasureView:
    account: accounts.AccountView
    incidents: list[str]
    comments: int
    attachments: int
    emails: int
    surveys: int
    audit_events: int


def erase_person(
    svc: Services, principal: Principal | None, username: str, reason: str
) -> ErasureView:
    """Pseudonymise everything about the person in one transaction; the account stays
    as `erased-<id>`, disabled, so the rows that point at it keep their meaning."""
    require_privacy(principal)
    reason = (reason or "").strip()
    with svc.db.unit_of_work() as uow:
        session = uow.session
        user = accounts.find(session, username, lock=True)
        if principal is not None and user.id == principal.user_id:
            raise Conflict("you cannot erase yourself; ask another admin or the privacy team")
        if user.erased_at is not None:
            raise Conflict(f"{user.username} was erased already")
        now = svc.now()
        if user.disabled_at is None:
            accounts.disable_in(svc, session, principal, user)
        old = [v for v in (user.username, user.display_name, user.contact) if v]
        pseudonym = f"erased-{user.id}"
        reported = session.scalars(
            select(Incident).where(Incident.reporter_id == user.id).order_by(Incident.id)
        ).all()
        for incident in reported:
            pseudonymise_incident(svc, session, incident, now, extra=old)
        comments = _erase_comments(session, Comment.author_id == user.id)
        attachments = _erase_files(svc, session, Attachment.uploaded_by_id == user.id)
        mine = [InboundMessage.user_id == user.id]
        if user.contact:
            mine.append(func.lower(InboundMessage.sender) == user.contact.lower())
        emails = _erase_emails(session, or_(*mine))
        surveys = _erase_surveys(session, SatisfactionSurvey.reporter_id == user.id)
        _erase_told(session, user)
        events = _scrub_events(session, naming(user), old, pseudonym, now)
        user.username, user.display_name, user.contact = pseudonym, None, None
        user.password_hash = user.language = user.time_zone = None
        user.groups = []
        user.erased_at = now
        session.flush()
        touched = session.scalars(
            select(Comment.incident_id).where(Comment.author_id == user.id).distinct()
        ).all()
        index.reindex(session.connection(), sorted({i.id for i in reported} | set(touched)))
        audit.record(
            session,
            "person.erased",
            at=now,
            actor=principal,
            data={"user": pseudonym, "reason": reason, "incidents": len(reported)},
        )
        view = ErasureView(
            accounts.account_view(user),
            [i.number for i in reported if i.number],
            comments,
            attachments,
            emails,
            surveys,
            events,
        )
        uow.commit()
        return view


def pseudonymise_incident(
    svc: Services, session: Session, incident: Incident, now: datetime, *, extra=()
) -> None:
    """The reporter's personal data on one incident, in the caller's transaction (erasure
    and retention): name, contact, description, what the reporter wrote and sent."""
    old = [v for v in (incident.reporter_name, incident.reporter_contact, *extra) if v]
    reporter = incident.reporter_id
    # What the reporter wrote reached the processes' data too (the opening facts, a
    # reply delivered to a hold): gathered before the rows are erased.
    written = [
        v
        for v in (
            incident.title,
            incident.description,
            *session.scalars(
                select(Comment.body).where(
                    Comment.incident_id == incident.id, Comment.author_id == reporter
                )
            ),
        )
        if v and v != ERASED
    ]
    _scrub_instances(session, incident.id, set(old) | set(written))
    incident.reporter_name = ERASED
    incident.reporter_contact = ERASED
    incident.title = incident.description = ERASED
    incident.personal_data_erased_at = now
    _erase_comments(session, Comment.incident_id == incident.id, Comment.author_id == reporter)
    _erase_files(
        svc, session, Attachment.incident_id == incident.id, Attachment.uploaded_by_id == reporter
    )
    _erase_emails(session, InboundMessage.incident_id == incident.id)
    _erase_surveys(session, SatisfactionSurvey.incident_id == incident.id)
    session.execute(
        update(Notification).where(Notification.incident_id == incident.id).values(data={})
    )
    _erase_deliveries(session, Delivery.incident_id == incident.id)
    _scrub_events(session, AuditEvent.incident_id == incident.id, old, ERASED, now)
    session.flush()
    index.reindex(session.connection(), [incident.id])


def _scrub_instances(session: Session, incident_id: int, old: set[str]) -> None:
    """The process instances' stored data: each value that is what the person wrote or
    was called, and the free-text fields, become ERASED; the state stays loadable (only
    string values change, never keys or structure)."""
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.state)
        .where(ProcessInstance.incident_id == incident_id)
        .with_for_update()
    ).all()
    for instance_id, state in rows:
        if not state:
            continue
        scrubbed = json.dumps(_scrubbed(json.loads(state), old, ERASED))
        if scrubbed != state:
            session.execute(
                update(ProcessInstance)
                .where(ProcessInstance.id == instance_id)
                .values(state=scrubbed)
            )


def _erase_comments(session: Session, *where) -> int:
    return session.execute(update(Comment).where(*where).values(body=ERASED)).rowcount or 0


def _erase_files(svc: Services, session: Session, *where) -> int:
    rows = session.scalars(select(Attachment).where(*where)).all()
    hashes = {row.sha256 for row in rows if row.size}
    for row in rows:
        row.content, row.size, row.filename = b"", 0, "erased"
        row.content_type = "application/octet-stream"
    session.flush()
    if svc.settings.attachments_dir:
        store = uploads.FolderStore(Path(svc.settings.attachments_dir))
        for sha256 in hashes:
            # Identical files are kept once: remove only bytes nobody else uploaded.
            shared = session.scalar(
                select(func.count())
                .select_from(Attachment)
                .where(Attachment.sha256 == sha256, Attachment.size > 0)
            )
            if not shared:
                store.delete(sha256)
    return len(rows)


def _erase_emails(session: Session, *where) -> int:
    return (
        session.execute(
            update(InboundMessage)
            .where(*where)
            .values(raw=b"", sender=ERASED, subject=ERASED, message_id=None, reason=None)
        ).rowcount
        or 0
    )


def _erase_surveys(session: Session, *where) -> int:
    return (
        session.execute(
            update(SatisfactionSurvey)
            .where(*where, SatisfactionSurvey.comment.is_not(None))
            .values(comment=ERASED)
        ).rowcount
        or 0
    )


def _erase_told(session: Session, user: User) -> None:
    mine = select(Notification.id).where(Notification.recipient_id == user.id)
    session.execute(
        update(Notification).where(Notification.recipient_id == user.id).values(data={})
    )
    sent_to = [Delivery.notification_id.in_(mine)]
    if user.contact:
        sent_to.append(func.lower(Delivery.recipient) == user.contact.lower())
    _erase_deliveries(session, or_(*sent_to))


def _erase_deliveries(session: Session, *where) -> None:
    # A message not sent yet would carry what is being erased: it is not sent.
    session.execute(
        update(Delivery).where(*where, Delivery.state == "pending").values(state="cancelled")
    )
    session.execute(update(Delivery).where(*where).values(recipient=ERASED, payload={}))


def _scrub_events(session: Session, where, old: list[str], pseudonym: str, now=None) -> int:
    """Rewrite the events' data and actor where they hold the person; each rewrite is
    recorded first, which is what lets the database take it (migration 0019)."""
    changed = 0
    for row in session.scalars(select(AuditEvent).where(where)).all():
        data = _scrubbed(row.data, set(old), pseudonym)
        actor = pseudonym if row.actor in old else row.actor
        if data == row.data and actor == row.actor:
            continue
        session.add(AuditRedaction(event_id=row.id, redacted_at=now, why="personal data"))
        session.flush()
        row.data, row.actor = data, actor
        changed += 1
    session.flush()
    return changed


def _scrubbed(value: Any, old: set[str], pseudonym: str, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _scrubbed(v, old, pseudonym, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, old, pseudonym) for v in value]
    if isinstance(value, str):
        if key in TEXT_KEYS and value:
            return ERASED
        return pseudonym if value in old else value
    return value
