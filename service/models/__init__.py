"""SQLAlchemy tables. Every change to them comes with an alembic migration."""

from .alerts import AlertGroup
from .base import Base, UTCDateTime
from .incidents import AuditEvent, Comment, HumanTask, IdempotencyKey, Incident, Notification
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
from .users import ApiToken, User, UserGroup

__all__ = [
    "AlertGroup",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Comment",
    "DecisionVersion",
    "Deployment",
    "DeploymentFile",
    "HumanTask",
    "IdempotencyKey",
    "Incident",
    "Notification",
    "ProcessFile",
    "ProcessInstance",
    "ProcessVersion",
    "ProcessVersionFile",
    "Timer",
    "UTCDateTime",
    "User",
    "UserGroup",
]
