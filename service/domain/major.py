"""Major incidents: who may declare one, its states, and what the review must hold."""

from __future__ import annotations

from enum import StrEnum

from .access import Principal
from .enums import Group, IncidentStatus

# The decision table the service reads to declare a major incident by itself.
MAJOR_TRIGGER_DECISION = "major_trigger"
# The groups whose leads may declare (besides every L3 agent).
_LEADING = frozenset({Group.L1, Group.L2, Group.L3})
# What the post-incident review form records.
REVIEW_FIELDS = ("timeline", "cause", "actions")
REASON_MAX = 2000


class MajorStatus(StrEnum):
    # Status updates are due on the cadence.
    ACTIVE = "active"
    # The incident is resolved; the post-incident review is due.
    REVIEW = "review"
    REVIEWED = "reviewed"


def may_declare(principal: Principal, *, leads: frozenset[str]) -> bool:
    """L3 agents handle the critical incidents; a group lead sees the pile-up in their queue."""
    return principal.in_group(Group.L3) or bool(leads & _LEADING)


def may_manage(groups: frozenset[str]) -> bool:
    """The manager writes the updates and the review, steps of the L3 lane."""
    return Group.L3 in groups


def refusal_for_status(status: str) -> str | None:
    """Why an incident in `status` cannot be declared major, or None when it can."""
    if status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        return f"the incident is {status}; only an open incident can be declared major"
    return None
