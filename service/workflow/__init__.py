"""The only package that imports SpiffWorkflow. No Flask, no database."""

from .decisions import DecisionTables
from .definition import Definition
from .instance import Instance
from .migration import Blocker, MigrationRefused
from .parsing import ParsedProcess, SourceFile, content_hash
from .runtime import Execution, ProcessRuntime
from .sandbox import Limits, Sandbox
from .scripting import (
    BREACH_DEADLINE,
    CALL_EVENT,
    MAJOR_EVENT,
    SLA_EVENT,
    START_PROCESS,
    SURVEY_EVENT,
    ServiceHandler,
    parse_duration,
)
from .snapshot import ReadyTask, Snapshot, Trail, WaitingMessage, WaitingTimer

__all__ = [
    "BREACH_DEADLINE",
    "CALL_EVENT",
    "MAJOR_EVENT",
    "SLA_EVENT",
    "START_PROCESS",
    "SURVEY_EVENT",
    "Blocker",
    "DecisionTables",
    "Definition",
    "Execution",
    "Instance",
    "Limits",
    "MigrationRefused",
    "ParsedProcess",
    "ProcessRuntime",
    "ReadyTask",
    "Sandbox",
    "ServiceHandler",
    "Snapshot",
    "SourceFile",
    "Trail",
    "WaitingMessage",
    "WaitingTimer",
    "content_hash",
    "parse_duration",
]
