"""An IMAP session for the poller: TLS with checked certificates, login, folders, IDLE.

Errors worth telling an operator (unreachable, untrusted certificate, login
refused, no such folder) come out as `MailboxError` with a line naming the
server and what to check; the password is never part of one.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import select
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError, MailboxLoginError
from imap_tools.mailbox import BaseMailBox
from imap_tools.message import MailMessage

if TYPE_CHECKING:
    from ...config import Settings

log = logging.getLogger(__name__)

# RFC 2177: a client should re-issue IDLE at least every 29 minutes or be logged off.
IDLE_SECONDS = 25 * 60
# How often a wait looks at the stop event.
SLICE_SECONDS = 1.0
# Socket timeout for one command (connect, login, the fetch of one batch...).
TIMEOUT_SECONDS = 60.0
# What a dropped connection or a server's hiccup raises on the way.
CONNECTION_ERRORS = (OSError, imaplib.IMAP4.error, ImapToolsError)


class MailboxError(Exception):
    """The mailbox cannot be read: unreachable, untrusted, login refused, no such folder."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int = 993
    security: str = "ssl"
    username: str = ""
    password: str = field(default="", repr=False)
    folder: str = "INBOX"
    taken_folder: str = "Taken"
    refused_folder: str = "Refused"
    ca_file: str = ""
    poll_seconds: float = 60.0
    timeout: float = TIMEOUT_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings) -> ImapSettings:
        return cls(
            host=settings.imap_host,
            port=settings.imap_port,
            security=settings.imap_security,
            username=settings.imap_username,
            password=settings.imap_password,
            folder=settings.imap_folder,
            taken_folder=settings.imap_taken_folder,
            refused_folder=settings.imap_refused_folder,
            ca_file=settings.imap_ca_file,
            poll_seconds=settings.imap_poll_seconds,
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


class RawMessage(MailMessage):
    """A fetched message that keeps the server's bytes as they are (`raw`)."""

    def __init__(self, fetch_data: list):
        super().__init__(fetch_data)
        self.raw: bytes = self._get_message_data_parts(fetch_data)[0]


@contextlib.contextmanager
def session(settings: ImapSettings) -> Iterator[BaseMailBox]:
    """Logged in, the taken and refused folders there, the folder to read selected."""
    box = _connect(settings)
    try:
        _open(box, settings)
        yield box
    finally:
        _close(box)


def _connect(s: ImapSettings) -> BaseMailBox:
    # Certificates are always checked; a private server brings its own CA.
    context = ssl.create_default_context(cafile=s.ca_file or None)
    try:
        if s.security == "ssl":
            box: BaseMailBox = MailBox(s.host, s.port, timeout=s.timeout, ssl_context=context)
        elif s.security == "starttls":
            box = MailBoxStartTls(s.host, s.port, timeout=s.timeout, ssl_context=context)
        else:
            box = MailBoxUnencrypted(s.host, s.port, timeout=s.timeout)
    except ssl.SSLCertVerificationError as exc:
        raise MailboxError(
            f"IMAP server {s.where}: its certificate is not trusted ({exc.verify_message}); "
            "INCIDENT_DESK_IMAP_CA_FILE names the CA to trust"
        ) from None
    except (*CONNECTION_ERRORS, ValueError) as exc:
        raise MailboxError(f"IMAP server {s.where} unreachable: {exc}") from None
    box.email_message_class = RawMessage
    return box


def _open(box: BaseMailBox, s: ImapSettings) -> None:
    try:
        box.login(s.username, s.password, initial_folder=None)
    except (MailboxLoginError, imaplib.IMAP4.error) as exc:
        answer = exc.command_result[1] if isinstance(exc, MailboxLoginError) else exc
        raise MailboxError(
            f"IMAP login to {s.where} refused ({_text(answer)}): check "
            "INCIDENT_DESK_IMAP_USERNAME and INCIDENT_DESK_IMAP_PASSWORD"
        ) from None
    # What the server can do may change at login (RFC 3501 7.2.1); imaplib asks only before.
    _, data = box.client.capability()
    box.client.capabilities = tuple(_text(data[-1]).upper().split())
    for folder in (s.taken_folder, s.refused_folder):
        if box.folder.exists(folder):
            continue
        try:
            box.folder.create(folder)
        except ImapToolsError as exc:
            raise MailboxError(
                f"IMAP folder {folder} cannot be created on {s.where}: {exc}"
            ) from None
        log.info("IMAP folder %s created on %s", folder, s.where)
    try:
        box.folder.set(s.folder)
    except ImapToolsError:
        raise MailboxError(f"IMAP folder {s.folder} not found on {s.where}") from None


def _close(box: BaseMailBox) -> None:
    try:
        box.logout()
    except CONNECTION_ERRORS:
        # Gone already, or it would not say goodbye: the socket is closed all the same.
        with contextlib.suppress(OSError):
            box.client.shutdown()


def forget_announced(box: BaseMailBox) -> None:
    """Drop what earlier commands announced, so `announced` tells of what comes after."""
    box.client.response("EXISTS")


def announced(box: BaseMailBox) -> bool:
    """Whether the server told of new messages (an EXISTS) since `forget_announced`."""
    _, counts = box.client.response("EXISTS")
    return counts != [None]


def wait_for_mail(
    box: BaseMailBox, stop: threading.Event, *, idle_seconds: float, poll_seconds: float
) -> None:
    """Return when new mail may be there: announced in IDLE where the server has it, else
    after `poll_seconds`; early on stop, at the latest after `idle_seconds` in IDLE."""
    if "IDLE" not in box.client.capabilities:
        stop.wait(poll_seconds)
        return
    deadline = time.monotonic() + idle_seconds
    while not stop.is_set() and time.monotonic() < deadline:
        box.idle.start()
        _until_input(box.client, stop, deadline)
        # Ending IDLE reads every line the server sent; imaplib keeps the untagged ones,
        # so a keep-alive ("* OK Still here") only starts the next IDLE.
        box.idle.stop()
        if announced(box):
            return


def _until_input(client: imaplib.IMAP4, stop: threading.Event, deadline: float) -> None:
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0 or _buffered(client):
            return
        if select.select([client.sock], [], [], min(left, SLICE_SECONDS))[0]:
            return


def _buffered(client: imaplib.IMAP4) -> bool:
    """Whether server lines already sit in imaplib's buffer (they came along with the last
    reply), where waiting on the socket would not see them."""
    sock = client.sock
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    previous = sock.gettimeout()
    sock.settimeout(0)
    try:
        return bool(client.file.peek(1))
    except OSError:
        return False
    finally:
        sock.settimeout(previous)


def _text(answer) -> str:
    if isinstance(answer, list | tuple):
        return " ".join(_text(part) for part in answer if part is not None)
    if isinstance(answer, bytes):
        return answer.decode("utf-8", "replace")
    return str(answer)
