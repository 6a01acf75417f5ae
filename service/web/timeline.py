"""What the timeline says for each audit event: a sentence for people, not the
event's machine name (which stays in the API and in the event's details)."""

from __future__ import annotations

from typing import Any

TITLES = {
    "incident.opened": "Incident opened",
    "incident.prioritised": "Priority set",
    "incident.routed": "Routed to a level",
    "incident.escalated": "Escalated",
    "incident.status_changed": "Status changed",
    "incident.on_hold": "Put on hold",
    "incident.resumed": "Resumed",
    "incident.resolved": "Resolved",
    "incident.reopened": "Reopened",
    "incident.closed": "Closed",
    "incident.failed": "A step failed",
    "incident.edited": "Facts corrected",
    "task.created": "Step waiting",
    "task.claimed": "Step taken",
    "task.released": "Step released",
    "task.assigned": "Step handed over",
    "task.unassigned": "Step given back to its group",
    "task.completed": "Step done",
    "task.cancelled": "Step cancelled",
    "task.changed": "Step changed",
    "task.failed": "Step failed",
    "comment.added": "Reply added",
    "sla.warning": "Target at risk",
    "sla.breached": "Target missed",
    "sla.first_response": "First response given",
    "sla.due_changed": "Target moved",
    "instance.started": "Process started",
    "instance.migrated": "Moved to a new process version",
    "instance.linked": "Process linked",
    "timer.fired": "Timer fired",
    "timer.failed": "Timer failed",
    "timer.retried": "Timer retried",
    "call.scheduled": "Call arranged",
    "call.reminder": "Call reminder sent",
    "delivery.dead": "A message could not be delivered",
    "delivery.retried": "Message sent again",
    "alert.opened": "Alert received",
    "alert.refired": "Alert repeated",
    "alert.resolved": "Alert cleared",
    "alert.resolution_proposed": "Resolution proposed after the alert cleared",
}


def title(event_type: str, data: dict[str, Any] | None = None) -> str:
    """ "Step waiting: Triage ticket"; an event without a sentence reads as its words."""
    data = data or {}
    words = TITLES.get(event_type)
    if words is None:
        words = event_type.replace("_", " ").replace(".", ": ", 1).capitalize()
    if event_type == "incident.status_changed" and data.get("to_status"):
        return f"{words}: {str(data['to_status']).replace('_', ' ')}"
    if event_type.startswith("task.") and data.get("name"):
        return f"{words}: {data['name']}"
    return words
