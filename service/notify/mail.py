"""E-mail over SMTP: the message is built when the notification is written, sent later."""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from ..config import SMTP_SECURITY
from .failures import PermanentFailure
from .templates import Rendered

NONE, STARTTLS, SSL = SMTP_SECURITY


@dataclass(frozen=True, repr=False)
class SmtpSettings:
    host: str
    port: int
    security: str
    username: str
    password: str
    ca_file: str = ""
    timeout: float = 30.0


def valid_address(value: str | None) -> str | None:
    """The bare address when `value` is a usable e-mail address, else None."""
    if not value:
        return None
    _name, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if not local or not domain or any(c.isspace() for c in address):
        return None
    return address


def incident_link(public_url: str, number: str) -> str:
    """The incident's page, for people: a browser following a link to the API gets a 401."""
    return f"{public_url.rstrip('/')}/incidents/{number}"


def compose(
    *,
    rendered: Rendered,
    to: str,
    to_name: str | None,
    incident_number: str,
    created_at: datetime,
    domain: str,
    attachments: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """What the outbox stores: enough to build the identical message on every attempt.

    The Message-ID names the incident (`<random.INC-000123@domain>`), and so does
    the thread's root (`<INC-000123@domain>`), so a reply's In-Reply-To or
    References leads back to the incident (see `incident_numbers`).
    """
    return {
        "to": to,
        "to_name": to_name or "",
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        # Fixed now, so a message sent twice (at-least-once) is recognisably one.
        "message_id": make_msgid(idstring=incident_number, domain=domain),
        "date": format_datetime(created_at),
        # Every message about one incident threads under one root.
        "references": f"<{incident_number}@{domain}>",
        "attachments": attachments or [],
    }


# One message id in a header: <left@right>; the left part is ours when it is the
# number itself (the thread's root) or ends in ".<number>" (make_msgid's idstring).
_MESSAGE_ID = re.compile(r"<\s*([^<>@\s]+)@([^<>@\s]+?)\s*>")
_NUMBER = re.compile(r"(?:^|\.)(INC-\d{6,})$", re.IGNORECASE | re.ASCII)


def incident_numbers(header_values: list[str], domain: str) -> list[str]:
    """The incident numbers our Message-IDs (root or per message) name in In-Reply-To or
    References values, first seen first, each once; ids of other domains are ignored."""
    found: list[str] = []
    wanted = domain.strip().lower()
    for value in header_values:
        for left, right in _MESSAGE_ID.findall(str(value or "")):
            if right.lower() != wanted:
                continue
            match = _NUMBER.search(left)
            if match and (number := match.group(1).upper()) not in found:
                found.append(number)
    return found


def build(payload: dict[str, Any], sender: str, reply_to: str = "") -> EmailMessage:
    """The message of a stored payload; replies go to `reply_to` (the desk's inbound
    address), or to the sender when there is none."""
    message = EmailMessage()
    message["From"] = sender
    message["Reply-To"] = reply_to or sender
    message["To"] = (
        Address(display_name=payload["to_name"], addr_spec=payload["to"])
        if payload.get("to_name")
        else payload["to"]
    )
    message["Subject"] = payload["subject"]
    message["Date"] = payload["date"]
    message["Message-ID"] = payload["message_id"]
    message["References"] = payload["references"]
    message["In-Reply-To"] = payload["references"]
    # RFC 3834: tells auto-responders not to answer, so no mail loops.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(payload["text"])
    message.add_alternative(payload["html"], subtype="html")
    for attached in payload.get("attachments", []):
        maintype, _, subtype = attached["content_type"].partition("/")
        if maintype != "text":
            raise ValueError(f"cannot attach {attached['content_type']}")
        params = {"method": attached["method"]} if attached.get("method") else None
        message.add_attachment(
            attached["content"], subtype=subtype, filename=attached["filename"], params=params
        )
    return message


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand the message to the server; raises PermanentFailure for 5xx answers."""
    # Certificates are always checked; a private mail relay brings its own CA.
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    try:
        if settings.security == SSL:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.security == STARTTLS:
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password)
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(code >= 500 for code in codes):
            raise PermanentFailure(f"recipient refused: {codes}") from None
        raise
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPAuthenticationError):
            raise PermanentFailure(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}") from None
        raise


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
