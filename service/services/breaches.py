"""Flagging an incident as a personal-data breach, and reading the breach register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain import access
from ..domain import breaches as rules
from ..domain.access import Principal
from ..domain.breaches import AuthorityNotice, BreachStatus, Risk
from ..domain.enums import BREACH_PROCESS_ID
from ..domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from ..models import Breach, Incident, ProcessInstance
from . import audit, execution, idempotency
from .breach_views import BreachView, breach_views
from .context import Services
from .incidents import visible_incident
from .paging import offset_of

_LIFECYCLE = select(ProcessInstance.id).where(
    ProcessInstance.incident_id == bindparam("incident_id"), ProcessInstance.parent_id.is_(None)
)
_OF_INCIDENT = select(Breach.number).where(Breach.incident_id == bindparam("incident_id"))


FLAG_BREACH = "flag_breach"


@dataclass(frozen=True)
class FlagBreach:
    aware_at: datetime
    summary: str


@dataclass(frozen=True)
class BreachFilter:
    status: str | None = None
    risk: str | None = None
    incident: str | None = None
    authority: str | None = None


def flag_breach(
    svc: Services,
    principal: Principal,
    number: str,
    command: FlagBreach,
    *,
    idempotency_key: str | None = None,
) -> tuple[BreachView, bool]:
    """Open the breach's register row and start its process, linked to the incident's;
    and whether this answers a retry (the same `idempotency_key`) of an earlier flag."""
    if not access.may_flag_breach(principal):
        raise Forbidden("only agents and the data protection officer may flag a breach")
    request = {"number": number, "summary": command.summary, "aware_at": command.aware_at}
    key = idempotency.key(idempotency_key, FLAG_BREACH, request)
    return idempotency.once(key, lambda: _flag(svc, principal, number, command, key))


def _flag(svc, principal, number, command, key) -> tuple[BreachView, bool]:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        earlier = idempotency.earlier(session, principal, key)
        if earlier is not None:
            breach = session.get(Breach, earlier.result["breach_id"])
            return breach_views(session, [breach], svc.now())[0], True
        lifecycle_id = session.scalar(_LIFECYCLE, {"incident_id": incident.id})
        # Serialises flags of one incident; the unique incident_id settles the rest.
        lifecycle = execution.lock(session, lifecycle_id) if lifecycle_id else None
        if lifecycle is None:
            raise Conflict(f"incident {incident.number} has no process to link a breach to")
        _refuse_second_flag(session, incident)
        now = svc.now()
        aware_at = _aware_at(command.aware_at, now)
        breach = Breach(
            incident_id=incident.id,
            summary=command.summary,
            aware_at=aware_at,
            flagged_at=now,
            flagged_by_id=principal.user_id,
            status=BreachStatus.ASSESSING,
            notice={},
            updated_at=now,
        )
        session.add(breach)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(f"incident {incident.number} is already flagged as a breach") from None
        breach.number = rules.format_number(breach.id)
        idempotency.remember(
            session, principal, key, now, incident_id=incident.id, result={"breach_id": breach.id}
        )
        audit.record(
            session,
            "breach.flagged",
            at=now,
            actor=principal,
            incident_id=incident.id,
            data={"breach": breach.number, "aware_at": aware_at.isoformat()},
        )
        instance = execution.start_linked(
            svc,
            session,
            process_id=BREACH_PROCESS_ID,
            data={
                "breach_number": breach.number,
                "incident_number": incident.number,
                "aware_at": aware_at.isoformat(),
                "summary": command.summary,
                "flagged_by": principal.username,
            },
            actor=principal,
            incident=incident,
            parent=lifecycle,
        )
        breach.instance_id = instance.id
        session.flush()
        view = breach_views(session, [breach], now)[0]
        uow.commit()
        return view, False


def get_breach(svc: Services, principal: Principal, number: str) -> BreachView:
    _require_reader(principal)
    with svc.db.read() as uow:
        breach_id = rules.parse_number(number)
        breach = uow.session.get(Breach, breach_id) if breach_id is not None else None
        if breach is None:
            raise NotFound(f"no breach {number}")
        return breach_views(uow.session, [breach], svc.now())[0]


def list_breaches(
    svc: Services, principal: Principal, filters: BreachFilter, *, page: int, page_size: int
) -> tuple[list[BreachView], int]:
    """Newest first."""
    _require_reader(principal)
    with svc.db.read() as uow:
        session = uow.session
        query = filtered(filters, svc.now())
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        offset = offset_of(page, page_size, total)
        if offset is None:
            return [], total
        rows = session.scalars(query.order_by(Breach.id.desc()).limit(page_size).offset(offset))
        return breach_views(session, rows.all(), svc.now()), total


def all_breaches(svc: Services, principal: Principal, filters: BreachFilter) -> list[BreachView]:
    """Every breach the filters select, oldest first (the register's order), for export."""
    _require_reader(principal)
    with svc.db.read() as uow:
        rows = uow.session.scalars(filtered(filters, svc.now()).order_by(Breach.id)).all()
        return breach_views(uow.session, rows, svc.now())


def number_for_incident(session: Session, incident_id: int) -> str | None:
    return session.scalar(_OF_INCIDENT, {"incident_id": incident_id})


def filtered(filters: BreachFilter, now: datetime):
    query = select(Breach)
    if filters.status:
        query = query.where(Breach.status == filters.status)
    if filters.risk:
        query = query.where(Breach.risk == filters.risk)
    if filters.incident:
        query = query.join(Incident, Incident.id == Breach.incident_id).where(
            Incident.number == filters.incident.strip().upper()
        )
    if filters.authority:
        query = query.where(_authority_condition(AuthorityNotice(filters.authority), now))
    return query


def _authority_condition(which: AuthorityNotice, now: datetime):
    """SQL for domain.breaches.authority_notice."""
    required = or_(Breach.risk.is_(None), Breach.risk != Risk.NONE)
    notified = Breach.authority_notified_at.is_not(None)
    late = and_(notified, Breach.authority_notified_at > Breach.authority_due_at)
    waiting = and_(required, Breach.authority_notified_at.is_(None))
    return {
        AuthorityNotice.NOT_REQUIRED: Breach.risk == Risk.NONE,
        AuthorityNotice.NOTIFIED: and_(notified, or_(Breach.authority_due_at.is_(None), ~late)),
        AuthorityNotice.NOTIFIED_LATE: late,
        AuthorityNotice.OVERDUE: and_(waiting, Breach.authority_due_at < now),
        AuthorityNotice.PENDING: and_(
            waiting, or_(Breach.authority_due_at.is_(None), Breach.authority_due_at >= now)
        ),
    }[which]


def _refuse_second_flag(session: Session, incident: Incident) -> None:
    existing = number_for_incident(session, incident.id)
    if existing is not None:
        raise Conflict(f"incident {incident.number} is already flagged as breach {existing}")


def _aware_at(value: datetime, now: datetime) -> datetime:
    try:
        aware_at = value.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(
            "aware_at is out of range", [FieldError("$.aware_at", "not a date we can store")]
        ) from None
    errors = rules.check_awareness(aware_at, now)
    if errors:
        raise InvalidInput(f"aware_at {errors[0].message}", errors)
    # Within the allowed clock skew: the deadline must not move later than the law says.
    return min(aware_at, now)


def _require_reader(principal: Principal) -> None:
    if not access.may_read_breaches(principal):
        raise Forbidden("the breach register is for agents, the privacy team and management")
