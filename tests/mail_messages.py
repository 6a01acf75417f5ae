"""E-mails as mail clients send them, built here for the intake tests."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from tests.conftest import START

_counter = iter(range(1, 1_000_000))


def message(
    *,
    sender: str = "Rita Reporter <rita@example.org>",
    to: str = "desk@desk.example.org",
    subject: str = "Printer on floor 2 jams",
    text: str | None = "The printer on floor 2 jams on every page.",
    html: str | None = None,
    charset: str = "utf-8",
    cte: str | None = None,
    headers: dict[str, str] | None = None,
    files: list[tuple[str, str, bytes]] = (),
    message_id: str | None = None,
) -> bytes:
    """The bytes of one message; `cte` forces quoted-printable or base64 on the text."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(START)
    mail["Message-ID"] = message_id or make_msgid(f"t{next(_counter)}", domain="mail.example.org")
    for name, value in (headers or {}).items():
        mail[name] = value
    if text is not None:
        mail.set_content(text, charset=charset, cte=cte)
        if html is not None:
            mail.add_alternative(html, subtype="html", charset=charset)
    elif html is not None:
        mail.set_content(html, subtype="html", charset=charset, cte=cte)
    for filename, content_type, content in files:
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    # CRLF line ends, as on the wire and in a mailbox.
    return mail.as_bytes(policy=email.policy.SMTP)
