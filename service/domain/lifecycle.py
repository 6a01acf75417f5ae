"""Which status an incident is in, and which moves between statuses are legal.

The BPMN decides which step comes next; these rules only read where the process
stands (which lanes have work waiting, whether it ended) and refuse a move the
service desk does not allow, whatever the diagram says.
"""

from __future__ import annotations

from collections.abc import Iterable

from .enums import REPORTER_LANE, IncidentStatus, Tier
from .errors import ProcessError

_ALLOWED: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.NEW: frozenset(
        {
            IncidentStatus.IN_PROGRESS,
            IncidentStatus.ON_HOLD,
            IncidentStatus.RESOLVED,
            IncidentStatus.CLOSED,
        }
    ),
    IncidentStatus.IN_PROGRESS: frozenset(
        {IncidentStatus.ON_HOLD, IncidentStatus.RESOLVED, IncidentStatus.CLOSED}
    ),
    # Resolved while on hold: the incident it is part of was resolved; closed: merged
    # into the incident it duplicates.
    IncidentStatus.ON_HOLD: frozenset(
        {IncidentStatus.IN_PROGRESS, IncidentStatus.RESOLVED, IncidentStatus.CLOSED}
    ),
    # Back to in_progress is a reopen: the reporter said it is not fixed.
    IncidentStatus.RESOLVED: frozenset({IncidentStatus.IN_PROGRESS, IncidentStatus.CLOSED}),
    IncidentStatus.CLOSED: frozenset(),
}


def derive_status(
    *,
    process_ended: bool,
    waiting_lanes: Iterable[str | None],
    agent_has_acted: bool,
    reporter_events: Iterable[str | None] = (),
) -> IncidentStatus:
    """The status that matches where the process stands.

    A user task waiting for the reporter means the agents consider it resolved;
    an event the reporter must send (their reply), with no agent work waiting,
    means on hold; before any agent has completed a task the incident is new.
    `reporter_events` are the lanes of the events the process waits for.
    """
    lanes = set(waiting_lanes)
    if process_ended:
        return IncidentStatus.CLOSED
    if REPORTER_LANE in lanes:
        return IncidentStatus.RESOLVED
    if REPORTER_LANE in set(reporter_events) and not lanes:
        return IncidentStatus.ON_HOLD
    return IncidentStatus.IN_PROGRESS if agent_has_acted else IncidentStatus.NEW


def check_transition(
    old: IncidentStatus,
    new: IncidentStatus,
    *,
    closure_code: str | None,
    resolution: str | None,
) -> None:
    """Refuse a move the service desk does not allow (raises `ProcessError`)."""
    if old == new:
        return
    if new not in _ALLOWED[old]:
        raise ProcessError(f"an incident cannot go from {old} to {new}")
    if new == IncidentStatus.CLOSED and not closure_code:
        raise ProcessError("the process ended without setting closure_code")
    if new == IncidentStatus.RESOLVED and not (resolution or "").strip():
        raise ProcessError("an incident cannot be resolved without a resolution")


def is_reopen(old: IncidentStatus, new: IncidentStatus) -> bool:
    return old == IncidentStatus.RESOLVED and new == IncidentStatus.IN_PROGRESS


def current_tier(waiting_lanes: Iterable[str | None], previous: Tier | None) -> Tier | None:
    """The highest agent tier with work waiting; otherwise the tier that last held it."""
    tiers = [Tier(lane) for lane in waiting_lanes if lane in Tier.__members__]
    if not tiers:
        return previous
    return max(tiers, key=lambda tier: tier.rank)


def is_escalation(old: Tier | None, new: Tier | None) -> bool:
    return old is not None and new is not None and new.rank > old.rank
