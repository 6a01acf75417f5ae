"""The names people read for the desk's vocabularies (statuses, levels, channels, clock
states, audit events), in the source language. Each is marked with `N_` so the
catalogs carry it; pages and mails translate them when they show one."""

from __future__ import annotations


def N_(text: str) -> str:
    """Marks a text for the catalogs; translated where it is shown."""
    return text


STATUSES = {
    "new": N_("new"),
    "in_progress": N_("in progress"),
    "on_hold": N_("on hold"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}
LEVELS = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
CHANNELS = {
    "api": N_("the API"),
    "portal": N_("the portal"),
    "email": N_("e-mail"),
    "phone": N_("phone"),
    "chat": N_("chat"),
    "walk_in": N_("a visit"),
    "monitoring": N_("monitoring"),
}
CLOCK_STATES = {
    "running": N_("running"),
    "paused": N_("paused"),
    "met": N_("met"),
    "breached": N_("breached"),
}
EVENTS = {
    "alert.opened": N_("Opened by a monitoring alert"),
    "alert.refired": N_("The alert fired again"),
    "alert.resolved": N_("The alert cleared"),
    "alert.resolution_proposed": N_("Resolution proposed after the alert cleared"),
    "known_error.created": N_("Known error recorded"),
    "known_error.updated": N_("Known error changed"),
    "known_error.linked": N_("Linked to a known error"),
    "known_error.unlinked": N_("Unlinked from a known error"),
    "known_error.fixed": N_("Known error fixed"),
    "breach.flagged": N_("Flagged as a personal-data breach"),
    "breach.assessed": N_("Breach assessed"),
    "breach.containment_recorded": N_("Breach containment recorded"),
    "breach.authority_notified": N_("Supervisory authority notified"),
    "breach.subjects_notified": N_("People affected notified"),
    "breach.closed": N_("Breach closed"),
    "breach.status_changed": N_("Breach status changed"),
    "breach.deadline_warning": N_("Breach deadline near"),
    "breach.deadline_missed": N_("Breach deadline missed"),
    "comment.added": N_("Reply added"),
    "incident.opened": N_("Incident opened"),
    "incident.routed": N_("Incident routed"),
    "incident.prioritised": N_("Priority set"),
    "incident.status_changed": N_("Status changed"),
    "incident.on_hold": N_("On hold, awaiting the reporter"),
    "incident.resumed": N_("Work resumed"),
    "incident.escalated": N_("Escalated"),
    "incident.resolved": N_("Resolved"),
    "incident.reopened": N_("Reopened"),
    "incident.closed": N_("Closed"),
    "mail.ignored": N_("E-mail recorded, not acted on"),
    "incident.failed": N_("A step failed"),
    "incident.edited": N_("Facts corrected"),
    "call.scheduled": N_("Call arranged"),
    "call.reminder": N_("Call reminder sent"),
    "delivery.bounced": N_("E-mail bounced"),
    "delivery.delayed": N_("E-mail delayed"),
    "instance.linked": N_("Linked process started"),
    "instance.started": N_("Process started"),
    "instance.migrated": N_("Moved to a new process version"),
    "instance.suspended": N_("Process suspended"),
    "instance.resumed": N_("Process resumed"),
    "instance.terminated": N_("Process terminated"),
    "instance.retried": N_("Failed step run again"),
    "instance.reset": N_("Process moved back to an earlier step"),
    "process.retired": N_("Process version retired"),
    "sla.first_response": N_("First response given"),
    "sla.due_changed": N_("Deadline changed"),
    "sla.warning": N_("Deadline near"),
    "sla.breached": N_("Deadline missed"),
    "survey.sent": N_("Satisfaction survey sent"),
    "survey.answered": N_("Satisfaction rated"),
    "survey.commented": N_("Comment added to the rating"),
    "task.created": N_("Task waiting"),
    "task.claimed": N_("Task taken"),
    "task.released": N_("Task given back"),
    "task.assigned": N_("Task handed over"),
    "task.unassigned": N_("Task given back to its group"),
    "task.completed": N_("Task done"),
    "task.cancelled": N_("Task cancelled"),
    "task.changed": N_("Task changed"),
    "task.failed": N_("Task failed"),
}
# The incident list's filters and sorts, and the fields a search hit is shown from.
SLA_STATES = {"on_track": N_("on track"), "at_risk": N_("at risk"), "breached": N_("breached")}
SORTS = {
    "relevance": N_("relevance"),
    "opened": N_("opened"),
    "priority": N_("priority"),
    "updated": N_("updated"),
    "due": N_("resolution due"),
}
SEARCH_FIELDS = {
    "title": N_("title"),
    "number": N_("number"),
    "description": N_("description"),
    "comments": N_("replies"),
    "resolution": N_("resolution"),
    "reporter": N_("reporter"),
}
# The triage form's categories (a version's form may bring others: they read as themselves).
CATEGORIES = {
    "hardware": N_("Hardware"),
    "software": N_("Software"),
    "network": N_("Network"),
    "access": N_("Access and accounts"),
    "email": N_("E-mail"),
    "security": N_("Security"),
    "other": N_("Other"),
}
# How a group's tasks are handed out when they become ready.
ASSIGNMENT_MODES = {
    "none": N_("nobody: members claim them"),
    "round_robin": N_("in turn among members present"),
    "least_open": N_("to the member present with the least open work"),
}
# The SLA clocks, as a mail names the target that is at risk or missed.
# The satisfaction survey's answers, best first (the numbers are the scores).
RATINGS = {
    "5": N_("Very good"),
    "4": N_("Good"),
    "3": N_("Fair"),
    "2": N_("Poor"),
    "1": N_("Very poor"),
}
KNOWN_ERROR_STATUSES = {"open": N_("open"), "fixed": N_("fixed")}
CLOCK_TARGETS = {"first_response": N_("first response"), "resolution": N_("resolution")}
