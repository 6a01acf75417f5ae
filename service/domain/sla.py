"""SLA clocks as the people watching them see them: due, running, paused, met, breached.

The process sets the due times (from sla.dmn); these rules only read them,
with the facts of the incident, at a given moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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


def first_response_clock(
    *,
    target: str | None,
    due_at: datetime | None,
    warning_at: datetime | None,
    responded_at: datetime | None,
    breached_at: datetime | None,
    now: datetime,
) -> Clock | None:
    """The first-response clock never pauses; it stops at the first agent action."""
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
        target, due_at, state, at_risk, _seconds(due_at - end), 0, breached_at or _late(end, due_at)
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
) -> Clock | None:
    """Paused while on hold (the due time moves on when the hold ends); stopped when resolved."""
    if due_at is None:
        return None
    held = paused_seconds + (_seconds(now - paused_since) if on_hold and paused_since else 0)
    if resolved_at is not None:
        state = ClockState.MET if resolved_at <= due_at else ClockState.BREACHED
        return Clock(
            target,
            due_at,
            state,
            False,
            _seconds(due_at - resolved_at),
            held,
            breached_at or _late(resolved_at, due_at),
        )
    if on_hold and paused_since is not None:
        # Frozen at the moment the hold began; the process shifts the due time
        # by the time held when the reporter answers.
        remaining = _seconds(due_at - paused_since)
        state = ClockState.BREACHED if remaining < 0 else ClockState.PAUSED
        return Clock(target, due_at, state, False, remaining, held, breached_at)
    if breached_at is not None or now > due_at:
        return Clock(
            target,
            due_at,
            ClockState.BREACHED,
            False,
            _seconds(due_at - now),
            held,
            breached_at or due_at,
        )
    at_risk = warning_at is not None and now >= warning_at
    return Clock(target, due_at, ClockState.RUNNING, at_risk, _seconds(due_at - now), held, None)


def _seconds(delta) -> int:
    return int(delta.total_seconds())


def _late(end: datetime, due_at: datetime) -> datetime | None:
    return due_at if end > due_at else None
