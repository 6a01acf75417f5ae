"""Human-facing incident numbers such as INC-000042."""

from __future__ import annotations

import re

_PATTERN = re.compile(r"^INC-(\d{6,})$")


def format_number(incident_id: int) -> str:
    return f"INC-{incident_id:06d}"


def parse_number(number: str) -> int | None:
    """The incident id behind a number, or None when it is not one of ours."""
    match = _PATTERN.match(number.strip().upper())
    return int(match.group(1)) if match else None
