"""When something happened, as a person or a system says: not later than now, not long ago.

A report time or the moment a breach was noticed starts clocks (first response,
resolution, the 72 hours). One in the future would stop them; one from year 1
would breach them at once. The horizon is a year: older events belong in an
import, not in a live desk.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .errors import FieldError

CLOCK_SKEW = timedelta(minutes=5)
HORIZON = timedelta(days=366)


def check_past(field: str, instant: datetime, now: datetime) -> list[FieldError]:
    """Errors for `instant` given as field `field` (a JSON path), none when it is fine."""
    if instant > now + CLOCK_SKEW:
        return [FieldError(field, "must not be in the future")]
    if instant < now - HORIZON:
        return [
            FieldError(
                field, f"must be within the last {HORIZON.days} days (it is {instant:%Y-%m-%d})"
            )
        ]
    return []
