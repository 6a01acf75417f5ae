"""Alerts from monitoring systems: their vocabulary, their dedup keys, who may send them."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum

from .access import AGENT_GROUPS, Principal
from .enums import Group

# The decision table that turns an alert's severity into impact and urgency.
ALERT_SEVERITY_DECISION = "alert_severity"


class Severity(StrEnum):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class Outcome(StrEnum):
    """What an alert did: opened an incident, attached to the open one, reported that
    the condition cleared, or nothing (a clear for a key with no open incident)."""

    OPENED = "opened"
    ATTACHED = "attached"
    RESOLVED = "resolved"
    IGNORED = "ignored"


_SENDERS = frozenset({Group.INTEGRATOR, Group.ADMIN})
_READERS = AGENT_GROUPS | _SENDERS


def default_dedup_key(source: str, check: str, resource: str) -> str:
    """The same check on the same resource from the same source is the same problem.

    JSON keeps ("a b", "c") and ("a", "b c") apart, which plain concatenation would not.
    """
    identity = json.dumps([source, check, resource], ensure_ascii=False)
    return hashlib.sha256(identity.encode()).hexdigest()


def may_send_alerts(principal: Principal) -> bool:
    return bool(principal.groups & _SENDERS)


def may_read_alerts(principal: Principal) -> bool:
    return bool(principal.groups & _READERS)
