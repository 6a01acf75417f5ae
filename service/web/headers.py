"""What every page answers with: nothing but our own styles, no script, no framing."""

from __future__ import annotations

from flask import Response

PAGE_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def guard(response: Response) -> Response:
    """The page policy, where a view set none of its own (a download sets a stricter one)."""
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
