"""SLA calendars: business hours and holidays, deployed as files like decision tables."""

from .files import (
    CALENDAR_SUFFIX,
    calendar_id,
    compile_calendars,
    is_calendar,
    unknown_references,
)

__all__ = [
    "CALENDAR_SUFFIX",
    "calendar_id",
    "compile_calendars",
    "is_calendar",
    "unknown_references",
]
