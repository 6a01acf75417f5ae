"""Bounces: what a delivery status notification (RFC 3464) says about mail we sent.

Pure: reads a parsed message (`email.policy.default`) and touches nothing. A
DSN is a multipart/report (report-type=delivery-status) holding a human part,
a message/delivery-status part (one block about the message, then one per
recipient) and the original's headers (text/rfc822-headers) or the whole
original (message/rfc822), whose Message-ID says which of our mails it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from email.utils import parseaddr

FAILED, DELAYED = "failed", "delayed"
_REPORT = "multipart/report"
_STATUS_PART = "message/delivery-status"
_ORIGINAL_PARTS = ("text/rfc822-headers", "message/rfc822")
# Headers some servers (and the odd non-RFC bounce) put the original's id in.
_ORIGINAL_ID_HEADERS = ("X-Original-Message-ID", "Original-Message-ID")
_STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}$")
_DAEMONS = ("mailer-daemon", "postmaster")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Bounce:
    """One recipient's fate as a DSN reports it."""

    recipient: str  # the final recipient's address, lower-cased
    original_recipient: str | None
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # 5.1.1; "" when the report gave none that is valid
    diagnostic: str
    message_id: str | None  # of our original message, <...@...>

    @property
    def permanent(self) -> bool:
        """The address will not work however often we try (RFC 3463 class 5)."""
        return self.action == FAILED and self.status.startswith("5.")

    @property
    def reason(self) -> str:
        return " ".join(part for part in (self.status, self.diagnostic) if part)


def is_report(message: Message) -> bool:
    return (
        message.get_content_type() == _REPORT
        and str(message.get_param("report-type", "")).lower() == "delivery-status"
    )


def is_bounce(message: Message) -> bool:
    """A DSN, or a message from the null sender or a mail daemon that carries a delivery
    report or a returned message: nothing to open an incident from, nothing to answer."""
    if is_report(message):
        return True
    if not _from_the_system(message):
        return False
    return any(
        part.get_content_type() in (_STATUS_PART, *_ORIGINAL_PARTS) for part in message.walk()
    )


def bounces(message: Message) -> list[Bounce]:
    """Every recipient a DSN reports on, in its order; none for any other message."""
    if not is_report(message):
        return []
    parts = list(message.iter_parts())
    status = next((p for p in parts if p.get_content_type() == _STATUS_PART), None)
    if status is None:
        return []
    blocks = [b for b in status.get_payload() if isinstance(b, Message)]
    if not blocks:
        return []
    about_message, per_recipient = blocks[0], blocks[1:]
    message_id = _original_id(message, parts, about_message)
    found = []
    for block in per_recipient:
        recipient = _address(block.get("Final-Recipient"))
        if recipient is None:
            continue
        status_code = _one_line(block.get("Status"))
        found.append(
            Bounce(
                recipient=recipient,
                original_recipient=_address(block.get("Original-Recipient")),
                action=_one_line(block.get("Action")).lower(),
                status=status_code if _STATUS.match(status_code) else "",
                diagnostic=_diagnostic(block.get("Diagnostic-Code")),
                message_id=message_id,
            )
        )
    return found


def _from_the_system(message: Message) -> bool:
    if (message.get("Return-Path") or "").strip() == "<>":
        return True
    _name, address = parseaddr(str(message.get("From") or ""))
    return address.partition("@")[0].lower() in _DAEMONS


def _original_id(message: Message, parts: list[Message], about_message: Message) -> str | None:
    for part in parts:
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload(0) if part.is_multipart() else None
            headers = inner if isinstance(inner, Message) else None
        elif kind == "text/rfc822-headers":
            headers = HeaderParser(policy=message.policy).parsestr(_text_of(part))
        else:
            continue
        if headers is not None and (found := _message_id(headers.get("Message-ID"))):
            return found
    for source in (about_message, message):
        for name in _ORIGINAL_ID_HEADERS:
            if found := _message_id(source.get(name)):
                return found
    return None


def _text_of(part: Message) -> str:
    if isinstance(part, EmailMessage):
        return str(part.get_content())
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def _message_id(value: object) -> str | None:
    match = _MESSAGE_ID.search(str(value or ""))
    return match.group(0) if match else None


def _address(value: object) -> str | None:
    """`rfc822; someone@example.org` as `someone@example.org`; other address types are
    not e-mail addresses we sent to."""
    kind, _, address = _one_line(value).partition(";")
    if not address:
        kind, address = "rfc822", kind
    address = address.strip().strip("<>").strip()
    if kind.strip().lower() != "rfc822" or "@" not in address:
        return None
    return address.lower()


def _diagnostic(value: object) -> str:
    """The server's words, without the type (`smtp; 550 ...` is `550 ...`)."""
    text = _one_line(value)
    kind, separator, rest = text.partition(";")
    if separator and " " not in kind.strip():
        text = rest.strip()
    return text[:500]


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())
