"""Taking one e-mail in, from the MTA's pipe or a mailbox: one code path for both.

Each message is taken in one transaction with what it becomes, under a unique
key from its Message-ID, so a message delivered twice (an MTA retrying, a
poller restarted before it moved the message) is taken once. What the process
refuses is still kept, with the reason, for an admin: nothing a reporter
wrote is lost. When the database cannot be reached the caller is told to try
later (the MTA queues the message; the poller leaves it in the mailbox).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import Channel
from ...domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from ...domain.numbering import parse_number
from ...models import InboundMessage, Incident, User
from ...notify import bounces as notify_bounces
from ...notify import inbound, mail
from .. import audit, comments, incidents, notes
from ..context import Services
from . import bounces, messages, refusals, senders
from .outcomes import (
    AUTO_REPLY,
    BOUNCE,
    COMMENTED,
    EMPTY,
    FAILED,
    LIMITED,
    NOTED,
    OPENED,
    REFUSED,
    UNUSABLE,
)

# Why mail from a disabled account was refused; taken again when retried after enabling.
DISABLED_SENDER = "the sender's account is disabled"

log = logging.getLogger(__name__)

PIPE, IMAP = "pipe", "imap"

_TAG = re.compile(r"\[(INC-\d{1,12})\]", re.IGNORECASE)
_TITLE = 200
_TEXT = comments.MAX_BODY


class TryLater(Exception):
    """The database cannot take the message now; nothing was recorded."""


@dataclass(frozen=True)
class Taken:
    outcome: str
    id: int | None = None
    incident: str | None = None
    comment_id: int | None = None
    # An earlier delivery of the same message took it; this one changed nothing.
    duplicate: bool = False
    reason: str = ""

    @property
    def refused(self) -> bool:
        """The message can never be taken (the MTA bounces it; a poller sets it aside)."""
        return self.outcome == UNUSABLE


def take(svc: Services, raw: bytes, *, via: str) -> Taken:
    try:
        return _take(svc, raw, via)
    except DBAPIError as exc:
        if isinstance(exc, IntegrityError):
            raise
        raise TryLater(f"database unavailable ({exc.__class__.__name__})") from None


def _take(svc: Services, raw: bytes, via: str) -> Taken:
    limit = svc.settings.mail_max_bytes
    if len(raw) > limit:
        return _unusable(f"{len(raw)} bytes; at most {limit} are taken")
    try:
        received = inbound.read(raw)
    except inbound.Unusable as exc:
        return _unusable(str(exc))
    key = inbound.key(raw, received.message_id, received.sender)
    try:
        with svc.db.unit_of_work() as uow:
            session = uow.session
            earlier = _earlier(session, key)
            if earlier is not None:
                return earlier
            row = _row(svc, raw, received, key, via)
            session.add(row)
            session.flush()
            _act(svc, session, row, received)
            session.flush()
            taken = _taken(session, row)
            uow.commit()
    except IntegrityError:
        # The same message, delivered twice at once: the other delivery took it.
        with svc.db.read() as uow:
            earlier = _earlier(uow.session, key)
        if earlier is None:
            raise
        return earlier
    except DomainError as error:
        return _keep_failed(svc, raw, received, key, via, error)
    log.info("mail %s taken via %s: %s", taken.id, via, taken.outcome)
    return taken


def _unusable(reason: str) -> Taken:
    # No address or content in the line: it may be personal data.
    log.warning("mail refused for good: %s", reason)
    return Taken(UNUSABLE, reason=reason)


def _earlier(session: Session, key: str) -> Taken | None:
    row = session.scalar(select(InboundMessage).where(InboundMessage.message_key == key))
    if row is None:
        return None
    taken = _taken(session, row)
    return Taken(taken.outcome, taken.id, taken.incident, taken.comment_id, True, taken.reason)


def _row(svc, raw, received, key, via) -> InboundMessage:
    return InboundMessage(
        message_key=key,
        message_id=received.message_id,
        received_at=svc.now(),
        via=via,
        sender=received.sender[:320],
        subject=received.subject[:500],
        outcome=FAILED,
        size=len(raw),
        raw=raw,
    )


def _taken(session: Session, row: InboundMessage) -> Taken:
    number = None
    if row.incident_id is not None:
        number = session.scalar(select(Incident.number).where(Incident.id == row.incident_id))
    return Taken(row.outcome, row.id, number, row.comment_id, reason=row.reason or "")


def _keep_failed(svc, raw, received, key, via, error: DomainError) -> Taken:
    with svc.db.unit_of_work() as uow:
        row = _row(svc, raw, received, key, via)
        row.reason = _reason(error)
        row.incident_id = _incident_id(uow.session, svc, received)
        uow.session.add(row)
        uow.session.flush()
        taken = _taken(uow.session, row)
        uow.commit()
    log.warning("mail %s kept, not acted on: %s", taken.id, error.__class__.__name__)
    return taken


def _reason(error: DomainError) -> str:
    details = [f"{e.field}: {e.message}" for e in getattr(error, "errors", None) or []]
    where = [
        f"{name} {getattr(error, name)}"
        for name in ("element_id", "file", "line")
        if getattr(error, name, None)
    ]
    return "; ".join([error.message, *where, *details])


def _retries(row: InboundMessage) -> bool:
    return row.outcome == FAILED or (row.outcome == REFUSED and row.reason == DISABLED_SENDER)


def retry(svc: Services, principal: Principal, mail_id: int) -> Taken:
    """Take a message the process refused once more, after a fix, or one from a disabled
    account once it is enabled (admins)."""
    if not access.administers(principal):
        raise Forbidden("only admins retry mail")
    with svc.db.read() as uow:
        row = messages.found(uow.session, mail_id)
        if not _retries(row):
            raise Conflict(
                f"e-mail {mail_id} was taken ({row.outcome}); only failed ones and those"
                " from a disabled account retry"
            )
        raw = row.raw
    received = inbound.read(raw)
    try:
        with svc.db.unit_of_work() as uow:
            row = messages.found(uow.session, mail_id, for_update=True)
            if not _retries(row):
                raise Conflict(f"e-mail {mail_id} was taken meanwhile ({row.outcome})")
            row.reason = None
            _act(svc, uow.session, row, received)
            uow.session.flush()
            taken = _taken(uow.session, row)
            uow.commit()
    except (Conflict, Forbidden, NotFound):
        raise
    except DomainError as error:
        with svc.db.unit_of_work() as uow:
            row = uow.session.get(InboundMessage, mail_id)
            row.reason = _reason(error)
            taken = _taken(uow.session, row)
            uow.commit()
    return taken


# -- what a message becomes ---------------------------------------------------------


def _act(svc: Services, session: Session, row: InboundMessage, received: inbound.Received) -> None:
    now = svc.now()
    incident_id = _incident_id(session, svc, received)
    incident = session.get(Incident, incident_id) if incident_id is not None else None
    row.incident_id = incident_id
    ignored = _ignored(svc, session, row, received)
    if ignored:
        row.outcome, row.reason = ignored
        if incident is not None:
            audit.record(
                session,
                "mail.ignored",
                at=now,
                actor=None,
                incident_id=incident.id,
                data={"mail_id": row.id, "outcome": row.outcome, "reason": row.reason},
            )
        return
    user = senders.by_address(session, received.sender)
    row.user_id = user.id if user is not None else None
    if user is not None and user.disabled_at is not None:
        # Disabling an account stops what it may do by mail as well as by signing in;
        # kept for an admin, who may take it again after enabling the account.
        row.outcome, row.reason = REFUSED, DISABLED_SENDER
        return
    if incident is not None:
        _answer(svc, session, row, received, incident, user)
    else:
        _open(svc, session, row, received, user)


def _ignored(svc, session, row, received) -> tuple[str, str] | None:
    """Why the message is only recorded: a machine wrote it, or its sender sent too many."""
    if received.bounce:
        recorded = bounces.record(session, notify_bounces.bounces(received.message), svc.now())
        if row.incident_id is None:
            row.incident_id = next((r.incident_id for r in recorded if r.incident_id), None)
        return BOUNCE, "delivery report: " + (
            ", ".join(f"{r.bounce.status or '?'} {r.outcome}" for r in recorded) or "no recipients"
        )
    if received.sender in _desk_addresses(svc):
        return AUTO_REPLY, "sent by the desk itself"
    if received.automatic:
        return AUTO_REPLY, received.automatic
    limit = svc.settings.mail_sender_limit
    if senders.taken_lately(session, received.sender, svc.now(), but=row.id) >= limit:
        return LIMITED, f"more than {limit} messages from this address in an hour"
    return None


def _desk_addresses(svc: Services) -> set[str]:
    settings = svc.settings
    return {parseaddr(a)[1].lower() for a in (settings.mail_from, settings.mail_reply_to)} - {""}


def _incident_id(session: Session, svc: Services, received: inbound.Received) -> int | None:
    """The incident the message answers: named in the subject, or by our Message-IDs."""
    domain = urlsplit(svc.settings.public_url).hostname or "incident-desk"
    candidates = [m.group(1) for m in _TAG.finditer(received.subject)]
    candidates += mail.incident_numbers(received.answers, domain)
    for number in candidates:
        incident_id = parse_number(number.upper())
        if incident_id is not None and session.get(Incident, incident_id) is not None:
            return incident_id
    return None


def _answer(svc, session, row, received, incident: Incident, user) -> None:
    """A reply: a public comment by the reporter or an agent, else a note for agents."""
    text = received.reply
    checked, left_out = _files(svc, received)
    if not text.strip() and not checked:
        row.outcome, row.reason = EMPTY, "no text and no files"
        return
    if user is None and received.sender == _contact(incident):
        # The reporter wrote from the contact given on the incident, not on an account.
        user = session.get(User, incident.reporter_id)
    principal = senders.principal(user) if user is not None else None
    if principal is not None and (
        principal.user_id == incident.reporter_id or access.sees_everything(principal)
    ):
        comment = comments.post(
            svc,
            session,
            principal,
            incident,
            _body(text, checked, left_out),
            public=True,
            checked=checked,
        )
        row.outcome, row.comment_id = COMMENTED, comment.id
        return
    who = received.sender_name or received.sender
    header = f"E-mail from {who} <{received.sender}>, who is not on this incident:"
    note = notes.add_internal_note(
        session,
        incident,
        author=senders.principal(senders.gateway(session, svc.now())),
        body=_cut(header + "\n\n" + _body(text, [], left_out + [f.filename for f, _ in checked])),
        now=svc.now(),
    )
    row.outcome, row.comment_id = NOTED, note.id


def _open(svc, session, row, received, user) -> None:
    now = svc.now()
    if user is None:
        if svc.settings.mail_unknown_senders == "refuse":
            answered = senders.refused_lately(session, received.sender, now, REFUSED)
            row.outcome, row.reason = REFUSED, "unknown sender"
            if not answered:
                refusals.answer(svc, session, received)
            return
        user = senders.new_reporter(session, received.sender, received.sender_name, now)
        row.user_id = user.id
    principal = senders.principal(user)
    text = received.text or received.subject
    title = received.subject or _first_line(text) or "(no subject)"
    command = incidents.OpenIncident(
        title=_cut(title, _TITLE),
        description=_cut(text or title),
        channel=Channel.EMAIL,
    )
    incident = incidents.create_incident(
        svc,
        session,
        principal,
        command,
        reporter=user,
        name=(user.display_name or received.sender_name or received.sender)[:200],
        contact=(user.contact or received.sender)[:200],
        reported_at=now,
    )
    row.incident_id = incident.id
    row.outcome = OPENED
    checked, left_out = _files(svc, received)
    if checked or left_out:
        comment = comments.post(
            svc,
            session,
            principal,
            incident,
            _body("", checked, left_out),
            public=True,
            checked=checked,
        )
        row.comment_id = comment.id


def _files(svc, received) -> tuple[list, list[str]]:
    """The files the API would accept, and what was left out and why (the original keeps
    every file, for agents to open)."""
    checked, left_out = [], []
    for index, file in enumerate(received.files):
        if index >= comments.MAX_FILES:
            left_out.append(f"{file.filename} (more than {comments.MAX_FILES} files)")
            continue
        try:
            checked += comments.check_files(svc, [comments.Upload(file.filename, file.content)])
        except InvalidInput as refused:
            left_out.append(refused.errors[0].message if refused.errors else file.filename)
    return checked, left_out


def _body(text: str, checked, left_out: list[str]) -> str:
    lines = [text.strip()] if text.strip() else []
    if checked and not lines:
        lines.append("Attached " + ", ".join(found.filename for found, _ in checked))
    if left_out:
        lines.append("Not attached (the original e-mail keeps them): " + "; ".join(left_out))
    return _cut("\n\n".join(lines))


def _cut(text: str, limit: int = _TEXT) -> str:
    if len(text) <= limit:
        return text
    marker = " [...]" if limit <= _TITLE else "\n\n[cut here; the original e-mail has the rest]"
    return text[: limit - len(marker)].rstrip() + marker


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _contact(incident: Incident) -> str:
    return parseaddr(incident.reporter_contact or "")[1].lower()
