"""Reading one RFC 5322 message: who sent it, what it answers, its text and its files.

Pure: bytes in, a `Received` out. Charsets are the message's own (Greek mail
comes as UTF-8, ISO-8859-7 or windows-1253, quoted-printable or base64);
a part whose declared charset is unknown or wrong is read as UTF-8 with
replacement characters rather than refused. HTML-only mail becomes plain
text. What looks automatic (RFC 3834 Auto-Submitted, Precedence, vendors'
auto-reply headers, out-of-office subjects, mailing lists) is flagged so the
desk never answers it.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses

import html_text

from . import bounces, replies

# RFC 3834 and its precursors: any of these means a machine wrote it.
_AUTOMATIC_PRECEDENCE = {"bulk", "auto_reply", "list", "junk"}
_AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autoresponder")
_LIST_HEADERS = ("List-Id", "List-Unsubscribe")
# Subjects of replies written by out-of-office rules (Outlook, Gmail, Thunderbird, in
# English and Greek); read only when no header says so already.
_OUT_OF_OFFICE = re.compile(
    r"^\s*(auto(matic)?[ -]?reply|out of (the )?office|autoreply|"
    r"αυτόματη απάντηση|εκτός γραφείου)\b",
    re.IGNORECASE,
)
_MAILER_DAEMON = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


class Unusable(ValueError):
    """A message that can never become anything: no sender, or not a message at all."""


@dataclass(frozen=True)
class File:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Received:
    message_id: str | None
    # The sender's bare address in lower case, and the name they gave.
    sender: str
    sender_name: str
    subject: str
    # Message-IDs this one answers (In-Reply-To, then References), in order.
    answers: list[str]
    # Why it is taken for a machine's message (empty for a person's).
    automatic: str
    # A delivery report (RFC 3464), or what a mail server's bounce looks like.
    bounce: bool
    # The whole text, and the new part of a reply (quoted history and signature cut).
    text: str
    reply: str
    html_only: bool
    files: list[File] = field(default_factory=list)
    message: EmailMessage | None = field(default=None, compare=False, repr=False)


def key(raw: bytes, message_id: str | None, sender: str) -> str:
    """What makes two deliveries one message: its sender and Message-ID, else the bytes.
    With the sender: a stranger who sends first with a Message-ID someone else will use
    does not make that person's message a "duplicate"."""
    if not message_id:
        return hashlib.sha256(raw).hexdigest()
    basis = f"{sender}\n{message_id}".encode("utf-8", "surrogateescape")
    return hashlib.sha256(basis).hexdigest()


def read(raw: bytes) -> Received:
    if not raw.strip():
        raise Unusable("the message is empty")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise Unusable("no message headers")
    sender_name, sender = _sender(message)
    message_id = _header(message, "Message-ID")
    message_ids = _MESSAGE_ID.findall(message_id)
    plain, html = _bodies(message)
    html_only = not plain.strip() and bool(html.strip())
    text = _tidy(plain if plain.strip() else html_text.extract_text(html) if html else "")
    return Received(
        message_id=message_ids[0] if message_ids else (message_id or None),
        sender=sender,
        sender_name=sender_name,
        subject=" ".join(_header(message, "Subject").split()),
        answers=_answers(message),
        automatic=_automatic(message, sender),
        bounce=bounces.is_bounce(message),
        text=text,
        reply=replies.latest(text),
        html_only=html_only,
        files=list(_files(message)),
        message=message,
    )


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):
        # A header the parser cannot make sense of is as good as absent.
        return ""
    return str(value) if value is not None else ""


def _sender(message: Message) -> tuple[str, str]:
    for name in ("From", "Sender", "Return-Path"):
        found = getaddresses([_header(message, name)])
        for display, address in found:
            local, _, domain = address.rpartition("@")
            if local and "." in domain and not any(c.isspace() for c in address):
                return display.strip(), address.strip().lower()
    raise Unusable("no sender address")


def _answers(message: Message) -> list[str]:
    found: list[str] = []
    for name in ("In-Reply-To", "References"):
        for value in _MESSAGE_ID.findall(_header(message, name)):
            if value not in found:
                found.append(value)
    return found


def _automatic(message: Message, sender: str) -> str:
    submitted = _header(message, "Auto-Submitted").strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in _AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in _AUTOREPLY_HEADERS:
        if _header(message, name):
            return name
    if _header(message, "X-Auto-Response-Suppress") and _OUT_OF_OFFICE.match(
        _header(message, "Subject")
    ):
        return "out of office"
    for name in _LIST_HEADERS:
        if _header(message, name):
            return f"mailing list ({name})"
    if _OUT_OF_OFFICE.match(_header(message, "Subject")):
        return "out of office"
    if _MAILER_DAEMON.match(sender):
        return "mail server"
    return ""


def _bodies(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return _decoded(plain), _decoded(html)


def _decoded(part: EmailMessage | None) -> str:
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace")
    return content if isinstance(content, str) else content.decode("utf-8", "replace")


def _files(message: EmailMessage):
    html = message.get_body(preferencelist=("html",))
    referenced = _decoded(html) if html is not None else ""
    for part in message.iter_attachments():
        filename = part.get_filename()
        if part.get_content_maintype() == "multipart" or part.get_content_type().startswith(
            "message/"
        ):
            continue
        content_id = (part.get("Content-ID") or "").strip("<> ")
        # Pictures the HTML shows inline (logos in a signature) are layout, not files.
        if content_id and f"cid:{content_id}" in referenced:
            continue
        content = part.get_payload(decode=True)
        if not filename or not content:
            continue
        yield File(filename=filename, content=content)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    tidy = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", tidy)
