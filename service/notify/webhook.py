"""Webhook calls: a JSON body signed with HMAC-SHA256, posted without following redirects.

The signature header is `t=<unix time>,v1=<hex>` over `"<t>." + body`, so a
receiver can refuse replays older than it tolerates (see `verify`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
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


def check_url(url: str) -> str | None:
    """Why `url` cannot be a webhook endpoint, or None when it can."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "must be an http or https URL"
    if not parts.hostname:
        return "needs a host"
    if parts.username or parts.password:
        return "must not carry credentials; the signature authenticates us"
    return None


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


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(
    url: str,
    *,
    secret: str,
    event_id: str,
    event_type: str,
    body: bytes,
    timeout: float,
    clock=time.time,
) -> Answer:
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
        with _OPENER.open(request, timeout=timeout) as response:
            return Answer(True, response.status, "")
    except urllib.error.HTTPError as exc:
        detail = exc.read(_MAX_ANSWER).decode("utf-8", "replace")
        if exc.code == 410:
            raise PermanentFailure(f"HTTP 410 Gone: {detail}") from None
        return Answer(False, exc.code, f"HTTP {exc.code}: {detail}".strip())
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(False, None, f"not reached: {reason}")
