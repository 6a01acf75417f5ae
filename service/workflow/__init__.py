"""The only package that imports SpiffWorkflow. No Flask, no database."""

from .decisions import DecisionTables
from .migration import Blocker, MigrationRefused
from .parsing import ParsedProcess, SourceFile, content_hash
from .runtime import (
    Definition,
    Execution,
    ProcessRuntime,
    ReadyTask,
    Snapshot,
    Trail,
    WaitingMessage,
    WaitingTimer,
)
from .scripting import (
    BREACH_DEADLINE,
    CALL_EVENT,
    SLA_EVENT,
    START_PROCESS,
    ServiceHandler,
    parse_duration,
)

__all__ = [
    "BREACH_DEADLINE",
    "CALL_EVENT",
    "SLA_EVENT",
    "START_PROCESS",
    "Blocker",
    "DecisionTables",
    "Definition",
    "Execution",
    "MigrationRefused",
    "ParsedProcess",
    "ProcessRuntime",
    "ReadyTask",
    "ServiceHandler",
    "Snapshot",
    "SourceFile",
    "Trail",
    "WaitingMessage",
    "WaitingTimer",
    "content_hash",
    "parse_duration",
]
