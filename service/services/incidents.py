"""Opening, finding and following incidents."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import access
from ..domain.access import Principal
from ..domain.enums import INCIDENT_PROCESS_ID, Channel, IncidentStatus
from ..domain.errors import FieldError, Forbidden, InvalidInput, NotFound, ProcessError
from ..domain.moments import check_past
from ..domain.numbering import format_number, parse_number
from ..models import AuditEvent, Incident, User
from . import audit, execution, failures, idempotency, timers
from .context import Services
from .major import views as major_views
from .related import reading as related_reading
from .related.followers import is_follower
from .survey import views as survey_views
from .views import ErrorView, EventView, IncidentView, event_views, incident_view, incident_views

# Clocks of phones and integrations drift; a report a little in the future is fine.

# The operation an Idempotency-Key of an incident's opening records (the rows from
# before keys served every creating request carry it too).
OPEN_INCIDENT = "open_incident"


@dataclass(frozen=True)
class OpenIncident:
    title: str
    description: str
    reporter_name: str | None = None
    reporter_contact: str | None = None
    impact: str | None = None
    urgency: str | None = None
    category: str | None = None
    channel: str = Channel.API
    reporter: str | None = None
    reported_at: datetime | None = None


def open_incident(
    svc: Services,
    principal: Principal,
    command: OpenIncident,
    *,
    idempotency_key: str | None = None,
) -> tuple[IncidentView, bool]:
    """The new incident, and whether it is a replay of an earlier request with the same key."""
    key = idempotency.key(idempotency_key, OPEN_INCIDENT, _submitted(command))
    try:
        return idempotency.once(key, lambda: _open(svc, principal, command, key))
    except ProcessError as error:
        failures.keep(svc, principal, failures.INCIDENT_FAILED, _submitted(command), error)
        raise


def _submitted(command: OpenIncident) -> dict[str, Any]:
    fields = asdict(command)
    if command.reported_at is not None:
        fields["reported_at"] = command.reported_at.isoformat()
    return fields


def get_incident(svc: Services, principal: Principal, number: str) -> IncidentView:
    with svc.db.read() as uow:
        incident = visible_incident(uow.session, principal, number)
        view = incident_view(
            uow.session, incident, svc.now(), confidential=access.may_read_breaches(principal)
        )
        view = related_reading.with_relations(uow.session, principal, incident, view)
        if not access.sees_everything(principal):
            return view
        failed = [
            ErrorView("timer", t.id, t.element_id, t.last_error, t.attempts)
            for t in timers.failures_of(uow.session, incident.id)
        ]
        rating = survey_views.of_incident(uow.session, incident.id, svc.now())
        review = major_views.review_of(uow.session, incident.id, view.number)
        return dataclasses.replace(view, errors=failed, satisfaction=rating, review=review)


def incidents_by_number(
    svc: Services, principal: Principal, numbers: Iterable[str]
) -> dict[str, IncidentView]:
    """The visible ones among `numbers`, in one query (a worklist's context)."""
    ids = [i for i in (parse_number(n) for n in numbers) if i is not None]
    if not ids:
        return {}
    with svc.db.read() as uow:
        session = uow.session
        rows = session.scalars(select(Incident).where(Incident.id.in_(ids))).all()
        rows = [r for r in rows if _may_see(session, principal, r)]
        confidential = access.may_read_breaches(principal)
        views = incident_views(session, rows, svc.now(), confidential=confidential)
        return {view.number: view for view in views}


def list_events(svc: Services, principal: Principal, number: str) -> list[EventView]:
    """The audit trail, oldest first. Reporters and integrators see the incident's
    milestones and their own tasks, not what agents wrote into their forms."""
    with svc.db.read() as uow:
        incident = visible_incident(uow.session, principal, number)
        events = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.incident_id == incident.id).order_by(AuditEvent.id)
        ).all()
        if not access.sees_everything(principal):
            events = [e for e in events if access.may_read_event(e.type, e.data.get("lane"))]
        return event_views(uow.session, events)


def visible_incident(session: Session, principal: Principal, number: str) -> Incident:
    incident_id = parse_number(number)
    incident = session.get(Incident, incident_id) if incident_id is not None else None
    if incident is None or not _may_see(session, principal, incident):
        raise NotFound(f"no incident {number}")
    return incident


def _may_see(session: Session, principal: Principal, incident: Incident) -> bool:
    if access.may_see_incident(
        principal, reporter_id=incident.reporter_id, opened_by_id=incident.opened_by_id
    ):
        return True
    return access.may_see_incident(
        principal,
        reporter_id=incident.reporter_id,
        opened_by_id=incident.opened_by_id,
        following=is_follower(session, incident.id, principal.user_id),
    )


def _open(svc, principal, command, key) -> tuple[IncidentView, bool]:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        earlier = idempotency.earlier(session, principal, key)
        if earlier is not None:
            return incident_view(
                session, session.get(Incident, earlier.incident_id), svc.now()
            ), True
        now = svc.now()
        reporter = _reporter(session, principal, command)
        name = command.reporter_name or reporter.display_name
        contact = command.reporter_contact or reporter.contact
        missing = [
            FieldError(f"$.{field}", f"required (user {reporter.username} has no {what} on file)")
            for field, value, what in (
                ("reporter_name", name, "display name"),
                ("reporter_contact", contact, "contact"),
            )
            if not value
        ]
        if missing:
            raise InvalidInput(
                "who reported the incident and how to reach them is required", missing
            )
        try:
            reported_at = (command.reported_at or now).astimezone(UTC)
        except OverflowError:
            raise InvalidInput(
                "reported_at is out of range",
                [FieldError("$.reported_at", "not a date we can store")],
            ) from None
        errors = check_past("$.reported_at", reported_at, now)
        if errors:
            raise InvalidInput(f"reported_at {errors[0].message}", errors)
        incident = _new_incident(
            session, principal, command, reporter, name, contact, reported_at, now
        )
        idempotency.remember(session, principal, key, now, incident_id=incident.id)
        _start_lifecycle(svc, session, principal, command, incident, reporter)
        view = incident_view(session, incident, svc.now())
        uow.commit()
        return view, False


def create_incident(
    svc: Services,
    session: Session,
    principal: Principal,
    command: OpenIncident,
    *,
    reporter: User,
    name: str,
    contact: str,
    reported_at: datetime,
) -> Incident:
    """The incident, its audit entry and its running lifecycle, in the caller's
    transaction. The caller has checked the command."""
    incident = _new_incident(
        session, principal, command, reporter, name, contact, reported_at, svc.now()
    )
    _start_lifecycle(svc, session, principal, command, incident, reporter)
    return incident


def _new_incident(session, principal, command, reporter, name, contact, reported_at, now):
    incident = Incident(
        title=command.title,
        description=command.description,
        reporter_id=reporter.id,
        opened_by_id=principal.user_id,
        reporter_name=name,
        reporter_contact=contact,
        reported_at=reported_at,
        channel=command.channel,
        category=command.category,
        impact=command.impact,
        urgency=command.urgency,
        status=IncidentStatus.NEW,
        created_at=now,
        updated_at=now,
    )
    session.add(incident)
    session.flush()
    incident.number = format_number(incident.id)
    return incident


def _start_lifecycle(svc, session, principal, command, incident: Incident, reporter: User) -> None:
    audit.record(
        session,
        "incident.opened",
        at=incident.created_at,
        actor=principal,
        incident_id=incident.id,
        data=_submitted(command) | {"number": incident.number, "reporter": reporter.username},
    )
    # Every variable is present, None when the reporter left it out: the
    # process's expressions may read them before triage sets them.
    process_data = {
        "incident_number": incident.number,
        "title": incident.title,
        "description": incident.description,
        "reporter_name": incident.reporter_name,
        "reporter_contact": incident.reporter_contact,
        "channel": incident.channel,
        "reported_at": incident.reported_at.isoformat(),
        "impact": command.impact,
        "urgency": command.urgency,
        "category": command.category,
    }
    execution.start(
        svc,
        session,
        process_id=INCIDENT_PROCESS_ID,
        data=process_data,
        actor=principal,
        incident=incident,
    )


def _reporter(session: Session, principal: Principal, command: OpenIncident) -> User:
    if command.reporter and command.reporter.lower() != principal.username:
        if not access.may_act_on_behalf(principal):
            raise Forbidden("only agents and integrators may open incidents for another user")
        user = session.scalar(select(User).where(User.username == command.reporter.lower()))
        if user is None:
            raise InvalidInput(
                "unknown reporter", [FieldError("$.reporter", f"no user {command.reporter}")]
            )
        return user
    return session.get(User, principal.user_id)
