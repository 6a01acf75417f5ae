"""Alerts from monitoring systems become proactive incidents, one per dedup key.

A dedup key stays bound to its incident until the incident is *closed*, not
merely resolved. In this desk a resolved incident waits for its reporter (for
a monitoring incident, the integrator) to confirm, and closes by itself after
a few days. An alert that fires again in that window says the fix did not
hold: it belongs on that incident, where the agent who resolved it looks,
rather than on a second incident that would split the history. So it attaches
(counted, and recorded once as `alert.refired` when it follows a clear), and
reopening stays a decision of people. Once the incident is closed the key is
free, and the next firing alert opens a new incident.

Storms: repeats of an alert only raise the counter and the last-seen time of
its row. The audit trail records what changes something: the alert that
opened the incident, a clear, and a firing after a clear.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..domain import access
from ..domain.access import Principal
from ..domain.alerts import (
    ALERT_SEVERITY_DECISION,
    AlertStatus,
    Outcome,
    default_dedup_key,
    may_read_alerts,
    may_send_alerts,
)
from ..domain.enums import Channel, IncidentStatus, Level, Tier
from ..domain.errors import Conflict, Forbidden, ProcessError
from ..domain.numbering import format_number
from ..models import AlertGroup, Incident, User
from . import (
    alert_groups,
    audit,
    decisions,
    failures,
    idempotency,
    incidents,
    notes,
    notifications,
)
from .context import Services
from .major import triggers as major_triggers
from .paging import offset_of

_TITLE_LENGTH = 200


RECEIVE_ALERT = "receive_alert"


@dataclass(frozen=True)
class Alert:
    source: str
    check: str
    resource: str
    severity: str
    summary: str
    status: str = AlertStatus.FIRING
    dedup_key: str | None = None


@dataclass(frozen=True)
class AlertReceipt:
    dedup_key: str
    outcome: str
    incident_number: str | None
    count: int
    last_seen_at: datetime | None


@dataclass(frozen=True)
class AlertGroupView:
    dedup_key: str
    incident_number: str | None
    incident_status: str | None
    source: str
    check: str
    resource: str
    count: int
    first_seen_at: datetime
    last_seen_at: datetime
    last_status: str
    last_severity: str
    last_summary: str
    resolved_at: datetime | None
    open: bool


def receive_alert(
    svc: Services, principal: Principal, alert: Alert, *, idempotency_key: str | None = None
) -> tuple[AlertReceipt, bool]:
    """What became of the alert; and whether this answers a retry (the same
    `idempotency_key`) of an earlier one, which then counts once."""
    if not may_send_alerts(principal):
        raise Forbidden("only integrators and admins send alerts")
    key = alert.dedup_key or default_dedup_key(alert.source, alert.check, alert.resource)
    retry = idempotency.key(idempotency_key, RECEIVE_ALERT, asdict(alert))
    try:
        return idempotency.once(retry, lambda: _receive(svc, principal, alert, key, retry))
    except ProcessError as error:
        failures.keep(svc, principal, failures.ALERT_FAILED, asdict(alert), error)
        raise


def _receive(svc, principal, alert: Alert, key: str, retry) -> tuple[AlertReceipt, bool]:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        earlier = idempotency.earlier(session, principal, retry)
        if earlier is not None:
            return _receipt_of(earlier.result), True
        receipt = _received(svc, session, principal, alert, key)
        if receipt.outcome != Outcome.IGNORED:
            idempotency.remember(
                session, principal, retry, svc.now(), result=_receipt_data(receipt)
            )
        uow.commit()
        return receipt, False


def _receipt_data(receipt: AlertReceipt) -> dict:
    data = asdict(receipt)
    data["last_seen_at"] = receipt.last_seen_at.isoformat() if receipt.last_seen_at else None
    return data


def _receipt_of(data: dict) -> AlertReceipt:
    seen = data["last_seen_at"]
    return AlertReceipt(**{**data, "last_seen_at": datetime.fromisoformat(seen) if seen else None})


def _received(svc, session, principal, alert: Alert, key: str) -> AlertReceipt:
    """The alert counted, attached, resolving or opening an incident, in the caller's
    transaction."""
    now = svc.now()
    if alert.status == AlertStatus.FIRING:
        repeat = alert_groups.count_repeat(session, key, _last_seen(alert, now))
        if repeat is not None:
            incident_id, count = repeat
            major_triggers.after_alert(svc, session, incident_id, key, count, now=now)
            return AlertReceipt(key, Outcome.ATTACHED, format_number(incident_id), count, now)
    group = alert_groups.lock_open(session, key)
    if group is None:
        if alert.status == AlertStatus.RESOLVED:
            return AlertReceipt(key, Outcome.IGNORED, None, 0, None)
        group_id = alert_groups.claim(session, _first_row(key, alert, now))
        if group_id is not None:
            return _open(svc, session, principal, group_id, key, alert, now)
        # A concurrent request claimed the key and committed its incident.
        group = alert_groups.lock_open(session, key)
        if group is None:
            raise Conflict("the incident for this dedup key changed meanwhile; retry")
    if alert.status == AlertStatus.RESOLVED:
        return _resolve(svc, session, principal, group, alert, now)
    receipt = _attach(session, principal, group, alert, now)
    major_triggers.after_alert(svc, session, group.incident_id, key, receipt.count, now=now)
    return receipt


def list_alert_groups(
    svc: Services, principal: Principal, *, open_only: bool | None, page: int, page_size: int
) -> tuple[list[AlertGroupView], int]:
    """Most recently seen first. Integrators see only the keys whose incidents they opened."""
    if not may_read_alerts(principal):
        raise Forbidden("agents, integrators and admins see alerts")
    with svc.db.read() as uow:
        session = uow.session
        query = select(AlertGroup, Incident.status).outerjoin(
            Incident, Incident.id == AlertGroup.incident_id
        )
        if not access.sees_everything(principal):
            # Integrators see the alerts of the incidents they opened, as with incidents.
            query = query.where(Incident.opened_by_id == principal.user_id)
        if open_only is not None:
            query = query.where(AlertGroup.open.is_(open_only))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        offset = offset_of(page, page_size, total)
        if offset is None:
            return [], total
        rows = session.execute(
            query.order_by(AlertGroup.last_seen_at.desc(), AlertGroup.id.desc())
            .limit(page_size)
            .offset(offset)
        ).all()
        return [_view(group, status) for group, status in rows], total


def _first_row(key: str, alert: Alert, now: datetime) -> dict:
    return {
        "dedup_key": key,
        "source": alert.source,
        "check_name": alert.check,
        "resource": alert.resource,
        "count": 1,
        "first_seen_at": now,
        "last_seen_at": now,
        "last_status": AlertStatus.FIRING.value,
        "last_severity": alert.severity,
        "last_summary": alert.summary,
        "open": True,
    }


def _open(svc, session, principal, group_id, key, alert: Alert, now) -> AlertReceipt:
    levels = decisions.decide(svc, session, ALERT_SEVERITY_DECISION, {"severity": alert.severity})
    impact, urgency = levels.get("impact"), levels.get("urgency")
    allowed = {level.value for level in Level}
    if impact not in allowed or urgency not in allowed:
        raise ProcessError(
            f"the decision {ALERT_SEVERITY_DECISION!r} gave impact {impact!r} and urgency "
            f"{urgency!r}; each must be one of {', '.join(Level)}"
        )
    user = session.get(User, principal.user_id)
    command = incidents.OpenIncident(
        title=_title(alert.summary),
        description=_description(key, alert),
        impact=impact,
        urgency=urgency,
        channel=Channel.MONITORING,
    )
    incident = incidents.create_incident(
        svc,
        session,
        principal,
        command,
        reporter=user,
        # Integrator accounts often have no name or contact on file; the source is both.
        name=(user.display_name or f"Monitoring: {alert.source}")[:200],
        contact=(user.contact or f"monitoring source {alert.source}")[:200],
        reported_at=now,
    )
    session.execute(
        AlertGroup.__table__.update()
        .where(AlertGroup.id == group_id)
        .values(incident_id=incident.id)
    )
    audit.record(
        session,
        "alert.opened",
        at=now,
        actor=principal,
        incident_id=incident.id,
        data=_alert_data(key, alert) | {"impact": impact, "urgency": urgency},
    )
    return AlertReceipt(key, Outcome.OPENED, incident.number, 1, now)


def _attach(session, principal, group: AlertGroup, alert: Alert, now) -> AlertReceipt:
    changes = _last_seen(alert, now)
    after_clear = group.last_status == AlertStatus.RESOLVED
    if after_clear:
        changes["resolved_at"] = None
    count = alert_groups.count_alert(session, group.id, changes)
    if after_clear:
        audit.record(
            session,
            "alert.refired",
            at=now,
            actor=principal,
            incident_id=group.incident_id,
            data=_alert_data(group.dedup_key, alert) | {"count": count},
        )
    return AlertReceipt(
        group.dedup_key, Outcome.ATTACHED, format_number(group.incident_id), count, now
    )


def _resolve(svc, session, principal, group: AlertGroup, alert: Alert, now) -> AlertReceipt:
    """The condition cleared. Only the first clear after a firing is noted; resolving
    the incident stays with the agents, who may be told it looks done."""
    changes = _last_seen(alert, now)
    cleared = group.last_status == AlertStatus.FIRING
    if cleared:
        changes["resolved_at"] = now
    count = alert_groups.count_alert(session, group.id, changes)
    if cleared:
        incident = session.get(Incident, group.incident_id)
        _note_clear(session, principal, incident, group, alert, now)
        if svc.settings.alerts_propose_resolution and incident.status in (
            IncidentStatus.NEW,
            IncidentStatus.IN_PROGRESS,
            IncidentStatus.ON_HOLD,
        ):
            _propose_resolution(session, principal, incident, group, now)
    return AlertReceipt(
        group.dedup_key, Outcome.RESOLVED, format_number(group.incident_id), count, now
    )


def _note_clear(session, principal, incident, group, alert: Alert, now) -> None:
    notes.add_internal_note(
        session,
        incident,
        author=principal,
        body=(
            f"Monitoring reports the alert resolved: {alert.source} / {alert.check} on "
            f"{alert.resource} ({alert.severity}): {alert.summary}\n"
            f"Alerts received under dedup key {group.dedup_key}: "
            f"first {group.first_seen_at.isoformat()}, last {now.isoformat()}."
        ),
        now=now,
    )
    audit.record(
        session,
        "alert.resolved",
        at=now,
        actor=principal,
        incident_id=incident.id,
        data=_alert_data(group.dedup_key, alert),
    )


def _propose_resolution(session, principal, incident: Incident, group, now) -> None:
    tier = incident.tier or Tier.L1.value
    addressed = notifications.notify_group(
        session,
        now=now,
        event="alert.resolution_proposed",
        group=tier,
        role=notifications.MEMBER,
        incident_id=incident.id,
        data={"number": incident.number, "dedup_key": group.dedup_key},
        template="resolution_proposed",
    )
    audit.record(
        session,
        "alert.resolution_proposed",
        at=now,
        actor=principal,
        incident_id=incident.id,
        data={"dedup_key": group.dedup_key, "group": tier, "to": addressed},
    )


def _last_seen(alert: Alert, now: datetime) -> dict:
    return {
        "last_seen_at": now,
        "last_status": alert.status,
        "last_severity": alert.severity,
        "last_summary": alert.summary,
    }


def _alert_data(key: str, alert: Alert) -> dict:
    return {
        "dedup_key": key,
        "source": alert.source,
        "check": alert.check,
        "resource": alert.resource,
        "severity": alert.severity,
        "status": alert.status,
        "summary": alert.summary,
    }


def _title(summary: str) -> str:
    summary = " ".join(summary.split())
    if len(summary) <= _TITLE_LENGTH:
        return summary
    return summary[: _TITLE_LENGTH - 1] + "…"


def _description(key: str, alert: Alert) -> str:
    return (
        f"Opened from a monitoring alert.\n\n"
        f"Source: {alert.source}\n"
        f"Check: {alert.check}\n"
        f"Resource: {alert.resource}\n"
        f"Severity: {alert.severity}\n"
        f"Dedup key: {key}\n\n"
        f"{alert.summary}"
    )


def _view(group: AlertGroup, incident_status: str | None) -> AlertGroupView:
    return AlertGroupView(
        dedup_key=group.dedup_key,
        incident_number=format_number(group.incident_id) if group.incident_id else None,
        incident_status=incident_status,
        source=group.source,
        check=group.check_name,
        resource=group.resource,
        count=group.count,
        first_seen_at=group.first_seen_at,
        last_seen_at=group.last_seen_at,
        last_status=group.last_status,
        last_severity=group.last_severity,
        last_summary=group.last_summary,
        resolved_at=group.resolved_at,
        open=group.open,
    )
