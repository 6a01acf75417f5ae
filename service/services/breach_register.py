"""The breach register follows its process, in the transaction of the engine run.

`follow` runs after every engine run of a `data_breach` instance (from
`execution.advance`) and copies what the steps recorded onto the breach row;
`record_deadline` is the host side of the `breach_deadline` service tasks the
48-hour and 72-hour timers run. A rule broken here (a notice dated before the
breach was known, a late notice without reasons) rolls the whole run back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..domain import breaches as rules
from ..domain import instants
from ..domain.access import Principal
from ..domain.breaches import Risk
from ..domain.errors import InvalidInput, ProcessError
from ..models import Breach, ProcessInstance
from ..workflow import Snapshot
from . import audit, notifications

# What the authority was told (Art. 33(3)), as the notice form names it.
NOTICE_FIELDS = (
    "nature",
    "subject_categories",
    "subjects_approx",
    "record_categories",
    "records_approx",
    "dpo_contact",
    "likely_consequences",
    "measures",
    "authority_name",
)
WARNING, OVERDUE = "warning", "overdue"

_OF_INCIDENT = select(Breach).where(Breach.incident_id == bindparam("incident_id"))


def breach_of(session: Session, instance: ProcessInstance) -> Breach | None:
    """The register row of a breach instance; None for one started without a flag."""
    if instance.incident_id is None:
        return None
    breach = session.scalar(_OF_INCIDENT, {"incident_id": instance.incident_id})
    if breach is None or breach.instance_id not in (None, instance.id):
        return None
    return breach


def follow(
    session: Session,
    instance: ProcessInstance,
    snapshot: Snapshot,
    *,
    now: datetime,
    actor: Principal | None,
    submitted: dict[str, Any],
) -> None:
    breach = breach_of(session, instance)
    if breach is None:
        return
    breach.instance_id = instance.id
    # Parallel branches each hold part of the data; the submission is the freshest.
    values = snapshot.data | submitted

    def event(event_type: str, **payload) -> None:
        audit.record(
            session,
            event_type,
            at=now,
            actor=actor,
            incident_id=breach.incident_id,
            instance_id=instance.id,
            data={"breach": breach.number, **payload},
        )

    breach.authority_due_at = instants.aware(values.get("authority_due")) or breach.authority_due_at
    breach.authority_warning_at = (
        instants.aware(values.get("authority_warning_due")) or breach.authority_warning_at
    )
    if breach.risk is None and values.get("risk") in set(Risk):
        breach.risk = values["risk"]
        breach.risk_rationale = values.get("risk_rationale")
        if breach.risk == Risk.NONE:
            breach.no_notice_reason = values.get("no_notice_reason")
        event("breach.assessed", risk=breach.risk)
    if breach.contained is None and isinstance(values.get("contained"), bool):
        breach.contained = values["contained"]
        breach.containment_measures = values.get("containment_measures")
        event("breach.containment_recorded", contained=breach.contained)
    if breach.authority_notified_at is None and values.get("authority_notified_at"):
        _record_notice(breach, values, now, event)
    if breach.subjects_notified_at is None and values.get("subjects_notified_at"):
        _record_subjects_notice(breach, values, now, event)
    if values.get("closure_summary"):
        breach.closure_summary = values["closure_summary"]

    old_status = breach.status
    breach.status = rules.derive_status(
        ended=snapshot.ended,
        risk=breach.risk,
        authority_notified=breach.authority_notified_at is not None,
        subjects_notified=breach.subjects_notified_at is not None,
    )
    if snapshot.ended and breach.closed_at is None:
        breach.closed_at = now
        event("breach.closed")
    if breach.status != old_status:
        event("breach.status_changed", from_status=old_status, to_status=breach.status)
    breach.updated_at = now


def _record_notice(breach: Breach, values: dict[str, Any], now: datetime, event) -> None:
    notified_at = instants.aware(values["authority_notified_at"])
    errors = rules.check_notice_time(
        "authority_notified_at", notified_at, aware_at=breach.aware_at, now=now
    )
    if not errors:
        errors = rules.check_delay_reason(
            notified_at, breach.authority_due_at, values.get("delay_reason")
        )
    if errors:
        raise InvalidInput("the notice to the supervisory authority cannot be recorded", errors)
    breach.authority_notified_at = notified_at
    breach.authority_reference = _line(values.get("authority_reference"))
    breach.delay_reason = values.get("delay_reason") or None
    breach.notice = {name: values.get(name) for name in NOTICE_FIELDS}
    late = breach.authority_due_at is not None and notified_at > breach.authority_due_at
    event("breach.authority_notified", notified_at=notified_at.isoformat(), late=late)


def _record_subjects_notice(breach: Breach, values: dict[str, Any], now: datetime, event) -> None:
    notified_at = instants.aware(values["subjects_notified_at"])
    errors = rules.check_notice_time(
        "subjects_notified_at", notified_at, aware_at=breach.aware_at, now=now
    )
    if errors:
        raise InvalidInput("the notice to the people affected cannot be recorded", errors)
    breach.subjects_notified_at = notified_at
    breach.subjects_channel = _line(values.get("subjects_channel"), 32)
    breach.subjects_message = values.get("subjects_message")
    event(
        "breach.subjects_notified",
        notified_at=notified_at.isoformat(),
        channel=breach.subjects_channel,
    )


def record_deadline(
    session: Session,
    instance: ProcessInstance,
    params: dict[str, Any],
    *,
    now: datetime,
    element_id: str,
) -> dict[str, Any]:
    """What a deadline timer found: warn at 48 hours, escalate at 72, once each.

    The timers sit on every step before the notice and use absolute times, so
    the next step arms them again for the same instants; only the first counts.
    A warning that comes after the deadline itself is not sent: the escalation
    says more.
    """
    kind, group, role = params.get("event"), params.get("group"), params.get("notify")
    if kind not in (WARNING, OVERDUE) or role not in ("group", "lead") or not group:
        raise ProcessError(
            "breach_deadline needs event warning|overdue, group, and notify group|lead; "
            f"got {kind!r}, {group!r}, {role!r}",
            element_id=element_id,
        )
    due = instants.required(params.get("due"), element_id=element_id, what="breach_deadline `due`")
    breach = breach_of(session, instance)
    if breach is None or breach.authority_notified_at is not None or breach.risk == Risk.NONE:
        return {"recorded": False}
    if kind == WARNING:
        deadline = instants.aware(params.get("deadline"))
        if breach.authority_warned_at is not None or (deadline is not None and now >= deadline):
            return {"recorded": False}
        breach.authority_warned_at = now
    else:
        if breach.authority_escalated_at is not None:
            return {"recorded": False}
        breach.authority_escalated_at = now
    name = "breach.deadline_warning" if kind == WARNING else "breach.deadline_missed"
    data = {
        "breach": breach.number,
        "due_at": due.isoformat(),
        "aware_at": breach.aware_at.isoformat(),
        "group": group,
        "late_seconds": int((now - due).total_seconds()),
    }
    # The clock acted, not whoever's request happened to run the timer.
    audit.record(
        session,
        name,
        at=now,
        actor=None,
        incident_id=breach.incident_id,
        instance_id=instance.id,
        element_id=element_id,
        data=data,
    )
    notifications.notify_group(
        session,
        now=now,
        event=name,
        group=str(group),
        role=notifications.LEAD if role == "lead" else notifications.MEMBER,
        incident_id=breach.incident_id,
        data=data,
        template=f"breach_{kind}",
    )
    breach.updated_at = now
    return {"recorded": True}


def _line(value: Any, length: int = 200) -> str | None:
    return str(value)[:length] if value else None
