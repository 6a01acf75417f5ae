"""Human-facing incident numbers such as INC-000042."""

from __future__ import annotations

import re

_PATTERN = re.compile(r"^INC-(\d{6,})$", re.ASCII)
# Ids are INTEGER columns (32 bits on PostgreSQL); a larger one names no row.
MAX_ID = 2**31 - 1


def format_number(incident_id: int) -> str:
    return f"INC-{incident_id:06d}"


def parse_number(number: str) -> int | None:
    """The incident id behind a number, or None when it is not one of ours."""
    match = _PATTERN.match(number.strip().upper())
    if not match or len(match.group(1)) > len(str(MAX_ID)):
        return None
    incident_id = int(match.group(1))
    return incident_id if incident_id <= MAX_ID else None
