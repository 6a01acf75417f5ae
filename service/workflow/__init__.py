"""The only package that imports SpiffWorkflow. No Flask, no database."""

from .parsing import ParsedProcess, SourceFile, content_hash
from .runtime import Definition, Execution, ProcessRuntime, ReadyTask, Snapshot
from .scripting import START_PROCESS, ServiceCall

__all__ = [
    "START_PROCESS",
    "Definition",
    "Execution",
    "ParsedProcess",
    "ProcessRuntime",
    "ReadyTask",
    "ServiceCall",
    "Snapshot",
    "SourceFile",
    "content_hash",
]
