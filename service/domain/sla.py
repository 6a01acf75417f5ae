"""SLA clocks as the people watching them see them: due, running, paused, met, breached.

The process sets the due times (from sla.dmn); these rules only read them,
with the facts of the incident, at a given moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# Seconds of counted time from the first instant to the second (negative when earlier):
# wall-clock seconds around the clock, working seconds in a calendar.
Span = Callable[[datetime, datetime], float]


def wall_seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


class SlaFilter(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"


@dataclass(frozen=True)
class Clock:
    target: str | None
    due_at: datetime
    state: ClockState
    at_risk: bool
    # Seconds to the due time: negative when overdue; frozen while paused.
    remaining_seconds: int
    paused_seconds: int
    breached_at: datetime | None
    calendar: str = "24x7"


def first_response_clock(
    *,
    target: str | None,
    due_at: datetime | None,
    warning_at: datetime | None,
    responded_at: datetime | None,
    breached_at: datetime | None,
    now: datetime,
    span: Span = wall_seconds,
    calendar: str | None = None,
) -> Clock | None:
    """The first-response clock never pauses; it stops at the first agent action.
    `span` counts the time left (working time in a calendar)."""
    if due_at is None:
        return None
    end = responded_at or now
    if responded_at is not None and responded_at <= due_at and breached_at is None:
        state = ClockState.MET
    elif breached_at is not None or end > due_at:
        state = ClockState.BREACHED
    else:
        state = ClockState.RUNNING
    at_risk = state == ClockState.RUNNING and warning_at is not None and now >= warning_at
    return Clock(
        target,
        due_at,
        state,
        at_risk,
        int(span(end, due_at)),
        0,
        breached_at or _late(end, due_at),
        calendar or "24x7",
    )


def resolution_clock(
    *,
    target: str | None,
    due_at: datetime | None,
    warning_at: datetime | None,
    resolved_at: datetime | None,
    paused_seconds: int,
    paused_since: datetime | None,
    on_hold: bool,
    breached_at: datetime | None,
    now: datetime,
    span: Span = wall_seconds,
    calendar: str | None = None,
) -> Clock | None:
    """Paused while on hold (the due time moves on when the hold ends); stopped when resolved.
    `span` counts time left and time held (working time in a calendar)."""
    if due_at is None:
        return None
    counted_in = calendar or "24x7"
    held = paused_seconds + (int(span(paused_since, now)) if on_hold and paused_since else 0)
    if resolved_at is not None:
        state = ClockState.MET if resolved_at <= due_at else ClockState.BREACHED
        return Clock(
            target,
            due_at,
            state,
            False,
            int(span(resolved_at, due_at)),
            held,
            breached_at or _late(resolved_at, due_at),
            counted_in,
        )
    if on_hold and paused_since is not None:
        # Frozen at the moment the hold began; the process shifts the due time
        # by the time held when the reporter answers.
        remaining = int(span(paused_since, due_at))
        state = ClockState.BREACHED if paused_since > due_at else ClockState.PAUSED
        return Clock(target, due_at, state, False, remaining, held, breached_at, counted_in)
    if breached_at is not None or now > due_at:
        return Clock(
            target,
            due_at,
            ClockState.BREACHED,
            False,
            int(span(now, due_at)),
            held,
            breached_at or due_at,
            counted_in,
        )
    at_risk = warning_at is not None and now >= warning_at
    return Clock(
        target, due_at, ClockState.RUNNING, at_risk, int(span(now, due_at)), held, None, counted_in
    )


def _late(end: datetime, due_at: datetime) -> datetime | None:
    return due_at if end > due_at else None
