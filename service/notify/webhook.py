"""Webhook calls: a JSON body signed with HMAC-SHA256, posted without following redirects.

The signature header is `t=<unix time>,v1=<hex>` over `"<t>." + body`, so a
receiver can refuse replays older than it tolerates (see `verify`).

Whoever subscribes chooses where the service sends requests from inside its
network: a receiver must be a public address (not loopback, private,
link-local such as the cloud metadata service 169.254.169.254, or reserved),
unless its host is named in the allowed hosts. That is checked when the
subscription is made and again at every delivery, after DNS resolution, and
the call then connects to the address that was checked (a name that
resolves to something else a moment later is not asked again). Proxies from
the environment are not used.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import http.client
import ipaddress
import json
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .failures import PermanentFailure

SIGNATURE_HEADER = "Incident-Desk-Signature"
EVENT_ID_HEADER = "Incident-Desk-Event-Id"
EVENT_HEADER = "Incident-Desk-Event"
USER_AGENT = "incident-desk-webhooks/1"
# A receiver's answer is read only this far: enough for an error message.
_MAX_ANSWER = 2048


@dataclass(frozen=True)
class Answer:
    ok: bool
    status: int | None
    detail: str


class NotPublic(Exception):
    """The receiver is (or resolves to) an address inside a network, not a public one."""


def check_url(url: str, allowed_hosts: Collection[str] = ()) -> str | None:
    """Why `url` cannot be a webhook endpoint, or None when it can.

    A name that does not resolve now is accepted: every delivery checks again.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a URL with a valid port"
    if parts.scheme not in ("http", "https"):
        return "must be an http or https URL"
    if not parts.hostname:
        return "needs a host"
    if parts.username or parts.password:
        return "must not carry credentials; the signature authenticates us"
    if not _HOST.fullmatch(_ascii(parts.hostname)):
        return "has a host name that is not valid"
    try:
        public_address(parts.hostname, port or _PORTS[parts.scheme], allowed_hosts)
    except NotPublic as exc:
        return str(exc)
    except OSError:
        pass
    return None


# A DNS name (after IDNA) or an address: letters, digits, hyphens and dots, or an IPv6 literal.
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?|[0-9A-Fa-f:.]+")


def _ascii(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


_PORTS = {"http": 80, "https": 443}


def public_address(host: str, port: int, allowed_hosts: Collection[str] = ()) -> str:
    """The address to connect to for `host`; NotPublic when any it resolves to is not
    public (and the host is not allowed by name), OSError when it does not resolve."""
    host = host.lower().rstrip(".")
    found = [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    if host in allowed_hosts:
        return found[0]
    for address in found:
        if not is_public(address):
            named = f"{address} is" if host == address else f"{host} is {address},"
            raise NotPublic(
                f"{named} not a public address (loopback, private, link-local and reserved "
                "addresses are refused unless the host is allowed by name)"
            )
    return found[0]


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: float = 300) -> bool:
    """What a receiver does: the signature matches and is recent enough."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, *args, address: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection(
            (self._address, self.port), self.timeout, self.source_address
        )


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, *args, address: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection(
            (self._address, self.port), self.timeout, self.source_address
        )
        # The certificate is checked for the name, not for the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str):
        super().__init__()
        self._address = address

    def http_open(self, req):
        return self.do_open(functools.partial(_PinnedHTTP, address=self._address), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str):
        super().__init__()
        self._address = address

    def https_open(self, req):
        connection = functools.partial(_PinnedHTTPS, address=self._address)
        return self.do_open(connection, req, context=self._context)


def _opener(address: str):
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _NoRedirects,
        _PinnedHTTPHandler(address),
        _PinnedHTTPSHandler(address),
    )


def post(
    url: str,
    *,
    secret: str,
    event_id: str,
    event_type: str,
    body: bytes,
    timeout: float,
    clock=time.time,
    allowed_hosts: Collection[str] = (),
) -> Answer:
    parts = urlsplit(url)
    try:
        address = public_address(
            parts.hostname or "", parts.port or _PORTS.get(parts.scheme, 443), allowed_hosts
        )
    except NotPublic as exc:
        return Answer(False, None, f"refused: {exc}")
    except (OSError, UnicodeError) as exc:
        return Answer(False, None, f"not reached: {parts.hostname} does not resolve ({exc})")
    request = urllib.request.Request(  # noqa: S310 - check_url allowed http(s) only
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_ID_HEADER: event_id,
            EVENT_HEADER: event_type,
            SIGNATURE_HEADER: sign(secret, body, int(clock())),
        },
    )
    try:
        with _opener(address).open(request, timeout=timeout) as response:
            return Answer(True, response.status, "")
    except urllib.error.HTTPError as exc:
        detail = exc.read(_MAX_ANSWER).decode("utf-8", "replace")
        if exc.code == 410:
            raise PermanentFailure(f"HTTP 410 Gone: {detail}") from None
        return Answer(False, exc.code, f"HTTP {exc.code}: {detail}".strip())
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(False, None, f"not reached: {reason}")
