"""SQLAlchemy tables. Every change to them comes with an alembic migration."""

from .alerts import AlertGroup
from .base import Base, UTCDateTime
from .breaches import Breach
from .followers import IncidentFollower
from .incidents import (
    Attachment,
    AuditEvent,
    Comment,
    HumanTask,
    IdempotencyKey,
    Incident,
    Notification,
)
from .known_errors import KnownError, KnownErrorIncident
from .mail import InboundMessage
from .major import MajorIncident
from .outbox import Delivery, WebhookSubscription
from .processes import (
    DecisionVersion,
    Deployment,
    DeploymentFile,
    ProcessFile,
    ProcessInstance,
    ProcessVersion,
    ProcessVersionFile,
    Timer,
)
from .redactions import AuditRedaction
from .search import IncidentSearch
from .surveys import SatisfactionSurvey
from .throttles import Throttle
from .users import (
    ApiToken,
    GroupAssignmentRule,
    SingleSignOnIdentity,
    SiteSecret,
    User,
    UserGroup,
)
from .workers import WorkerHeartbeat

__all__ = [
    "AlertGroup",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "AuditRedaction",
    "Base",
    "Breach",
    "Comment",
    "DecisionVersion",
    "Delivery",
    "Deployment",
    "DeploymentFile",
    "GroupAssignmentRule",
    "HumanTask",
    "IdempotencyKey",
    "InboundMessage",
    "Incident",
    "IncidentFollower",
    "IncidentSearch",
    "KnownError",
    "KnownErrorIncident",
    "MajorIncident",
    "Notification",
    "ProcessFile",
    "ProcessInstance",
    "ProcessVersion",
    "ProcessVersionFile",
    "SatisfactionSurvey",
    "SingleSignOnIdentity",
    "SiteSecret",
    "Throttle",
    "Timer",
    "UTCDateTime",
    "User",
    "UserGroup",
    "WebhookSubscription",
    "WorkerHeartbeat",
]
