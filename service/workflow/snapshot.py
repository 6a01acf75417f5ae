"""Where an instance stands after a run, as the host reads it, and its wire form.

A run happens in a sandbox process; what the host needs of the result (the
ready tasks, the waiting timers and messages, the current data) crosses the
pipe as JSON and is read back into these values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ReadyTask:
    id: str
    key: str
    name: str
    lane: str | None
    form: str | None
    ui_form: str | None


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    element_id: str
    due_at: datetime


@dataclass(frozen=True)
class WaitingMessage:
    task_id: str
    element_id: str
    message: str
    lane: str | None


@dataclass(frozen=True)
class Snapshot:
    ended: bool
    ready: tuple[ReadyTask, ...]
    data: dict[str, Any]
    timers: tuple[WaitingTimer, ...] = ()
    messages: tuple[WaitingMessage, ...] = ()


@dataclass(frozen=True)
class Trail:
    """element id -> active, error, completed or cancelled; and the flows taken."""

    states: dict[str, str]
    taken: frozenset[tuple[str, str]]


def to_wire(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "ended": snapshot.ended,
        "ready": [[t.id, t.key, t.name, t.lane, t.form, t.ui_form] for t in snapshot.ready],
        "data": snapshot.data,
        "timers": [[t.task_id, t.element_id, t.due_at.isoformat()] for t in snapshot.timers],
        "messages": [[m.task_id, m.element_id, m.message, m.lane] for m in snapshot.messages],
    }


def from_wire(wire: dict[str, Any]) -> Snapshot:
    return Snapshot(
        ended=wire["ended"],
        ready=tuple(ReadyTask(*fields) for fields in wire["ready"]),
        data=wire["data"],
        timers=tuple(
            WaitingTimer(task_id, element_id, datetime.fromisoformat(due))
            for task_id, element_id, due in wire["timers"]
        ),
        messages=tuple(WaitingMessage(*fields) for fields in wire["messages"]),
    )
