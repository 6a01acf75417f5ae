"""The e-mails behind an incident, and every e-mail taken in, as their readers see them;
the original bytes for download."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ...domain import access
from ...domain.access import Principal
from ...domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from ...domain.numbering import MAX_ID
from ...models import InboundMessage, Incident
from ..context import Services
from ..incidents import visible_incident
from ..paging import page_of
from . import outcomes

# What a reporter may read again of their own mail: what became part of the incident.
_THEIRS = (outcomes.OPENED, outcomes.COMMENTED)
CONTENT_TYPE = "message/rfc822"


@dataclass(frozen=True)
class MailView:
    id: int
    received_at: datetime
    via: str
    sender: str
    subject: str
    outcome: str
    reason: str | None
    incident_number: str | None
    comment_id: int | None
    size: int


@dataclass(frozen=True)
class Original:
    """Enough for a download: the file's name, type and a validator."""

    filename: str
    content_type: str
    sha256: str


def for_incident(svc: Services, principal: Principal, number: str) -> list[MailView]:
    """Oldest first: every one for agents; a reporter's own that became replies."""
    with svc.db.read() as uow:
        incident = visible_incident(uow.session, principal, number)
        query = (
            select(InboundMessage)
            .where(InboundMessage.incident_id == incident.id)
            .order_by(InboundMessage.id)
        )
        if not access.sees_everything(principal):
            query = query.where(
                InboundMessage.user_id == principal.user_id, InboundMessage.outcome.in_(_THEIRS)
            )
        return [_view(row, incident.number) for row in uow.session.scalars(query)]


def original(
    svc: Services, principal: Principal, number: str, mail_id: int
) -> tuple[Original, bytes]:
    missing = NotFound(f"no e-mail {mail_id} on {number}")
    if not 0 < mail_id <= MAX_ID:
        raise missing
    with svc.db.read() as uow:
        incident = visible_incident(uow.session, principal, number)
        row = uow.session.get(InboundMessage, mail_id)
        if row is None or row.incident_id != incident.id:
            raise missing
        if not access.sees_everything(principal) and (
            row.user_id != principal.user_id or row.outcome not in _THEIRS
        ):
            raise missing
        return (
            Original(f"{incident.number}-mail-{row.id}.eml", CONTENT_TYPE, row.message_key),
            row.raw,
        )


def recent(
    svc: Services, principal: Principal, *, outcome: str | None, page: int, page_size: int
) -> tuple[list[MailView], int]:
    """Every message taken in, newest first, with what it became and why (admins)."""
    if not access.administers(principal):
        raise Forbidden("only admins see the mail taken in")
    if outcome is not None and outcome not in outcomes.ALL:
        raise InvalidInput(
            "unknown outcome", [FieldError("outcome", f"one of {', '.join(outcomes.ALL)}")]
        )
    with svc.db.read() as uow:
        where = [InboundMessage.outcome == outcome] if outcome else []
        rows, total = page_of(
            uow.session,
            InboundMessage,
            where,
            select(InboundMessage, Incident.number)
            .outerjoin(Incident, Incident.id == InboundMessage.incident_id)
            .order_by(InboundMessage.id.desc()),
            page=page,
            page_size=page_size,
        )
        return [_view(row, number) for row, number in rows], total


def one(svc: Services, principal: Principal, mail_id: int) -> MailView:
    if not access.administers(principal):
        raise Forbidden("only admins see the mail taken in")
    with svc.db.read() as uow:
        row = found(uow.session, mail_id)
        number = uow.session.scalar(select(Incident.number).where(Incident.id == row.incident_id))
        return _view(row, number)


def found(session, mail_id: int, *, for_update: bool = False) -> InboundMessage:
    row = (
        session.get(InboundMessage, mail_id, with_for_update=for_update)
        if 0 < mail_id <= MAX_ID
        else None
    )
    if row is None:
        raise NotFound(f"no e-mail {mail_id}")
    return row


def _view(row: InboundMessage, number: str | None) -> MailView:
    return MailView(
        row.id,
        row.received_at,
        row.via,
        row.sender,
        row.subject,
        row.outcome,
        row.reason,
        number,
        row.comment_id,
        row.size,
    )
