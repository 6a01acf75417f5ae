"""Real servers on loopback for the delivery tests: an SMTP server and a webhook receiver."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [
            m for m, (_, rcpt) in zip(self.messages, self.envelopes, strict=True) if address in rcpt
        ]


class SmtpServer:
    """aiosmtpd on loopback; with `tls_context` and `logins` it requires STARTTLS and
    AUTH, as a real relay does, and records who logged in."""

    def __init__(self, *, tls_context=None, logins: dict[str, str] | None = None):
        self.port = free_port()
        self.inbox = Inbox()
        self.logged_in: list[str] = []
        options = {}
        if tls_context is not None:
            options = {"tls_context": tls_context, "require_starttls": True}
        if logins is not None:
            options |= {"authenticator": self._check, "auth_required": True}
        self._logins = logins or {}
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)

    def _check(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        name = auth_data.login.decode()
        ok = self._logins.get(name) == auth_data.password.decode()
        if ok:
            self.logged_in.append(name)
        return AuthResult(success=ok)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._controller.stop()


@dataclass
class Call:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP endpoint that records each POST and answers with the next scripted status
    (200 once the script runs out). `on_call` runs before the answer is written."""

    statuses: list[int] = field(default_factory=list)
    on_call: Callable[[Call], None] | None = None
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                call = Call(dict(self.headers.items()), body)
                receiver.calls.append(call)
                if receiver.on_call is not None:
                    receiver.on_call(call)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b'{"ok": true}' if status < 300 else b"receiver trouble"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the caller is gone (killed on purpose)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/incident-desk"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
