"""Instants a process hands to the host: ISO 8601 strings that must carry a zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .errors import ProcessError


def aware(value: Any) -> datetime | None:
    """The instant `value` names, or None when it is not an ISO date-time with a zone."""
    if not isinstance(value, str):
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def required(value: Any, *, element_id: str, what: str) -> datetime:
    """The instant, or a ProcessError naming the element that passed something else."""
    instant = aware(value)
    if instant is None:
        raise ProcessError(
            f"{what} must be an ISO date-time with a zone, got {value!r}", element_id=element_id
        )
    return instant
