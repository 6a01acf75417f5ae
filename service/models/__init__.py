"""SQLAlchemy tables. Every change to them comes with an alembic migration."""

from .base import Base, UTCDateTime
from .incidents import AuditEvent, HumanTask, IdempotencyKey, Incident
from .processes import ProcessFile, ProcessInstance, ProcessVersion, ProcessVersionFile
from .users import ApiToken, User, UserGroup

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "HumanTask",
    "IdempotencyKey",
    "Incident",
    "ProcessFile",
    "ProcessInstance",
    "ProcessVersion",
    "ProcessVersionFile",
    "UTCDateTime",
    "User",
    "UserGroup",
]
