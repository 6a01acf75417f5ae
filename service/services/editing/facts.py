"""An agent corrects an incident's facts; priority and SLA deadlines follow as at triage.

Why through the engine: category, impact, urgency and the affected item are
process variables (the incident row copies them from the process after every
run), and the priority, the SLA targets and the deadlines the BPMN timers wait
for are computed by the process from them (`priority.dmn`, `sla.dmn`, the
deadline scripts). Writing the row alone would be undone by the next run and
would leave the timers at the old times. The BPMN already marks exactly those
steps `rerunOnMigration`, and the migration machinery knows how to run them
again on an instance's current data and re-arm only the timers whose due time
moved. So an edit puts the new facts in the instance's data and moves the
instance onto its own version (`Execution.revise`): the same tables and
scripts as at triage, no second copy of the rules here, and no change to the
diagram a process owner maintains. A message the BPMN waits for would need a
catch event beside every user task and wait state. The title is not a process
fact and changes on the row only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import IncidentStatus, InstanceStatus, Level
from ...domain.errors import Conflict, FieldError, Forbidden, InvalidInput, ProcessError
from ...models import Incident, ProcessInstance
from ...workflow import MigrationRefused
from .. import audit, execution
from ..context import Services
from ..incidents import visible_incident
from ..views import IncidentView, incident_view

# What the process computes from; copied back onto the incident after the run.
PROCESS_FACTS = ("category", "impact", "urgency", "affected_item")
EDITABLE = (*PROCESS_FACTS, "title")
# The categories of the triage form, which a corrected category keeps to.
CATEGORIES = ("hardware", "software", "network", "access", "email", "security", "other")
_LEVELS = tuple(level.value for level in Level)
_MAX = {"title": 200, "affected_item": 200}
_DEADLINES = (
    ("first_response_due_at", "first_response"),
    ("resolution_due_at", "resolution"),
)


@dataclass(frozen=True)
class Edit:
    """Only the fields given change; `None` means not given."""

    category: str | None = None
    impact: str | None = None
    urgency: str | None = None
    affected_item: str | None = None
    title: str | None = None

    def given(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in EDITABLE if getattr(self, name) is not None}


def edit_incident(svc: Services, principal: Principal, number: str, edit: Edit) -> IncidentView:
    if not access.may_edit_incident(principal):
        raise Forbidden("only agents and admins change an incident's facts")
    wanted = _checked(edit)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        instance = _lock_instance(session, incident)
        session.refresh(incident)
        if incident.status == IncidentStatus.CLOSED:
            raise Conflict(f"{incident.number} is closed; its facts stay as they were")
        changes = {
            name: {"old": getattr(incident, name), "new": value}
            for name, value in wanted.items()
            if getattr(incident, name) != value
        }
        if not changes:
            return incident_view(session, incident, svc.now())
        before = _outcomes(incident)
        if "title" in changes:
            incident.title = wanted["title"]
        facts = {name: wanted[name] for name in PROCESS_FACTS if name in changes}
        rerun: list[str] = []
        if facts:
            rerun = _revise(svc, session, instance, principal, facts)
        after = _outcomes(incident)
        incident.updated_at = svc.now()
        audit.record(
            session,
            "incident.edited",
            at=svc.now(),
            actor=principal,
            incident_id=incident.id,
            data={
                "changes": changes,
                "recomputed": rerun,
                **{
                    name: {"old": before[name], "new": after[name]}
                    for name in before
                    if before[name] != after[name]
                },
            },
        )
        session.flush()
        view = incident_view(session, incident, svc.now())
        uow.commit()
        return view


def _checked(edit: Edit) -> dict[str, str]:
    wanted = {name: value.strip() for name, value in edit.given().items()}
    errors = []
    for name, value in wanted.items():
        if name in ("impact", "urgency") and value not in _LEVELS:
            errors.append(FieldError(f"$.{name}", f"one of {', '.join(_LEVELS)}"))
        elif name == "category" and value not in CATEGORIES:
            errors.append(FieldError("$.category", f"one of {', '.join(CATEGORIES)}"))
        elif name in _MAX and not 0 < len(value) <= _MAX[name]:
            errors.append(FieldError(f"$.{name}", f"1 to {_MAX[name]} characters"))
    if not wanted:
        errors.append(FieldError("$", f"give at least one of {', '.join(EDITABLE)}"))
    if errors:
        raise InvalidInput("the incident's facts cannot be changed like that", errors)
    return wanted


def _lock_instance(session, incident: Incident) -> ProcessInstance | None:
    instance_id = session.scalar(
        select(ProcessInstance.id).where(
            ProcessInstance.incident_id == incident.id, ProcessInstance.parent_id.is_(None)
        )
    )
    return execution.lock(session, instance_id) if instance_id is not None else None


def _revise(svc, session, instance, principal, facts: dict[str, str]) -> list[str]:
    if instance is None or instance.status != InstanceStatus.RUNNING:
        raise Conflict("the incident's process has ended; its facts stay as they were")
    run = execution.resume(svc, session, instance, actor=principal)
    try:
        rerun = run.execution.revise(facts)
    except MigrationRefused as exc:
        blocker = exc.blockers[0]
        raise ProcessError(blocker.message, element_id=blocker.element_id) from None
    execution.advance(svc, session, instance, run, actor=principal, trigger="edit")
    return rerun


def _outcomes(incident: Incident) -> dict[str, Any]:
    """What the process derives from the facts, for the audit trail's old and new."""
    found: dict[str, Any] = {
        "priority": incident.priority,
        "first_response_target": incident.first_response_target,
        "resolution_target": incident.resolution_target,
    }
    for column, clock in _DEADLINES:
        due = getattr(incident, column)
        found[f"{clock}_due_at"] = due.isoformat() if due else None
    return found
