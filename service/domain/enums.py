"""The closed vocabularies of an incident."""

from enum import StrEnum


class Level(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Tier(StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"

    @property
    def rank(self) -> int:
        return int(self.value[1])


class IncidentStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Kind(StrEnum):
    INCIDENT = "incident"
    REQUEST = "request"


class Channel(StrEnum):
    API = "api"
    PORTAL = "portal"
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    WALK_IN = "walk_in"
    MONITORING = "monitoring"


class TaskState(StrEnum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class InstanceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    # Held by a process owner: no timer fires, no task is completed until resumed.
    SUSPENDED = "suspended"
    # Cancelled through the engine by a process owner; never runs again.
    TERMINATED = "terminated"


class Group(StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    PROCESS_OWNER = "process-owner"
    INTEGRATOR = "integrator"
    ADMIN = "admin"
    # The data protection officer and their team: they work personal-data breaches.
    PRIVACY = "privacy"
    # Told when a breach misses the supervisory authority's 72-hour deadline.
    MANAGEMENT = "management"


# The lane whose tasks belong to the incident's reporter rather than to a group.
REPORTER_LANE = "Reporter"

# The process every incident runs.
INCIDENT_PROCESS_ID = "incident"
# The process a personal-data breach runs (GDPR Art. 33 and 34).
BREACH_PROCESS_ID = "data_breach"
# The process a phone or video call with the reporter runs (personalised service).
CALL_PROCESS_ID = "call"
# The process a closure starts to ask the reporter how it went.
SATISFACTION_PROCESS_ID = "satisfaction"
# Processes the service starts itself, for an incident: never started bare, and
# where to ask for one instead.
STARTED_FOR_AN_INCIDENT = {
    INCIDENT_PROCESS_ID: "open incidents with POST /api/incidents",
    BREACH_PROCESS_ID: "flag a breach with POST /api/incidents/{number}/breach",
    CALL_PROCESS_ID: "arrange a call with POST /api/incidents/{number}/calls",
    SATISFACTION_PROCESS_ID: "the incident process starts it when an incident closes",
}
# The BPMN message a reporter's reply delivers (it ends an "awaiting reporter" hold).
REPORTER_REPLY_MESSAGE = "reporter_replied"
# The BPMN message that resolves a child incident with its parent's resolution.
PARENT_RESOLVED_MESSAGE = "parent_resolved"
# The BPMN message that closes a duplicate, and its closure code.
MERGED_MESSAGE = "merged_as_duplicate"
DUPLICATE_CLOSURE = "duplicate"
# The BPMN message a reporter's rating delivers to the satisfaction process.
SURVEY_ANSWERED_MESSAGE = "survey_answered"


class KnownErrorStatus(StrEnum):
    OPEN = "open"
    FIXED = "fixed"
