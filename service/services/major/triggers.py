"""When an incident becomes major by itself: alerts or children piling up on it.

Both ask major_trigger.dmn (through declaration.consider) in the transaction
that added the alert or the child.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ...models import AlertGroup, Incident
from . import declaration, family
from .records import major_of

_FIRST_SEEN = select(AlertGroup.first_seen_at).where(
    AlertGroup.dedup_key == bindparam("dedup_key"), AlertGroup.open.is_(True)
)


def after_alert(
    svc, session: Session, incident_id: int, dedup_key: str, count: int, *, now: datetime
) -> bool:
    """An alert was grouped onto the incident: `count` under its key, since the first one."""
    if major_of(session, incident_id) is not None:
        return False
    incident = session.get(Incident, incident_id)
    first = session.scalar(_FIRST_SEEN, {"dedup_key": dedup_key})
    minutes = int((now - first).total_seconds() // 60) if first is not None else 0
    return declaration.consider(svc, session, incident, alerts=count, alert_minutes=minutes)


def after_child_linked(svc, session: Session, parent: Incident) -> bool:
    if major_of(session, parent.id) is not None:
        return False
    children = family.count_open_children(session, parent)
    return declaration.consider(svc, session, parent, children=children)
