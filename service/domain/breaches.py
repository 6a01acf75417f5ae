"""Personal-data breaches (GDPR Art. 33 and 34): numbers, risk, status, notice rules."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from .errors import FieldError
from .moments import CLOCK_SKEW, check_past
from .numbering import MAX_ID

_PATTERN = re.compile(r"^BR-(\d{6,})$", re.ASCII)
# Phones, browsers and integrations drift; a few minutes ahead is still "now".


class Risk(StrEnum):
    NONE = "none"
    RISK = "risk"
    HIGH = "high_risk"


class BreachStatus(StrEnum):
    ASSESSING = "assessing"  # the risk is not decided yet
    NOTIFYING = "notifying"  # a notice the risk calls for is not given yet
    CLOSING = "closing"  # notices done or not needed; containment or the record is left
    CLOSED = "closed"


class AuthorityNotice(StrEnum):
    """Where the notice to the supervisory authority stands."""

    PENDING = "pending"
    OVERDUE = "overdue"
    NOTIFIED = "notified"
    NOTIFIED_LATE = "notified_late"
    NOT_REQUIRED = "not_required"


def format_number(breach_id: int) -> str:
    return f"BR-{breach_id:06d}"


def parse_number(number: str) -> int | None:
    match = _PATTERN.match(number.strip().upper())
    if not match or len(match.group(1)) > len(str(MAX_ID)):
        return None
    breach_id = int(match.group(1))
    return breach_id if breach_id <= MAX_ID else None


def derive_status(
    *, ended: bool, risk: str | None, authority_notified: bool, subjects_notified: bool
) -> BreachStatus:
    if ended:
        return BreachStatus.CLOSED
    if risk is None:
        return BreachStatus.ASSESSING
    if risk in (Risk.RISK, Risk.HIGH) and not authority_notified:
        return BreachStatus.NOTIFYING
    if risk == Risk.HIGH and not subjects_notified:
        return BreachStatus.NOTIFYING
    return BreachStatus.CLOSING


def authority_notice(
    *,
    risk: str | None,
    due_at: datetime | None,
    notified_at: datetime | None,
    now: datetime,
) -> AuthorityNotice:
    if risk == Risk.NONE:
        return AuthorityNotice.NOT_REQUIRED
    if notified_at is not None:
        late = due_at is not None and notified_at > due_at
        return AuthorityNotice.NOTIFIED_LATE if late else AuthorityNotice.NOTIFIED
    if due_at is not None and now > due_at:
        return AuthorityNotice.OVERDUE
    return AuthorityNotice.PENDING


def check_awareness(aware_at: datetime, now: datetime) -> list[FieldError]:
    return check_past("$.aware_at", aware_at, now)


def check_notice_time(
    field: str,
    notified_at: datetime | None,
    *,
    aware_at: datetime,
    now: datetime,
) -> list[FieldError]:
    """A notice is given between awareness and now."""
    if notified_at is None:
        return [FieldError(f"$.{field}", "an ISO 8601 date-time with a zone is required")]
    if notified_at > now + CLOCK_SKEW:
        return [FieldError(f"$.{field}", "must not be in the future")]
    if notified_at < aware_at:
        return [
            FieldError(
                f"$.{field}",
                f"is before the organisation became aware of the breach ({aware_at.isoformat()})",
            )
        ]
    return []


def check_delay_reason(
    notified_at: datetime, due_at: datetime | None, delay_reason: str | None
) -> list[FieldError]:
    """Art. 33(1): a notice after 72 hours comes with the reasons for the delay.

    A form's JSON Schema cannot compare a date with a per-breach deadline, so
    this rule is checked here, with the same field error a form would give.
    """
    if due_at is None or notified_at <= due_at or (delay_reason or "").strip():
        return []
    return [
        FieldError(
            "$.delay_reason",
            f"the notice came after the deadline ({due_at.isoformat()}): "
            "give the reasons for the delay",
        )
    ]
