"""Reading the family tree of incidents: children, ancestors, and merged duplicates."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Incident, ProcessInstance

# A chain longer than this is refused as if it were a cycle: a guard against
# following a corrupted chain for ever.
MAX_DEPTH = 100


def child_incidents(session: Session, parent_id: int) -> list[Incident]:
    """The incidents linked to `parent_id` as its children, open and closed, oldest first."""
    return list(
        session.scalars(
            select(Incident).where(Incident.parent_id == parent_id).order_by(Incident.id)
        )
    )


def merged_incidents(session: Session, survivor_id: int) -> list[Incident]:
    """The duplicates merged into `survivor_id`, oldest first."""
    return list(
        session.scalars(
            select(Incident).where(Incident.merged_into_id == survivor_id).order_by(Incident.id)
        )
    )


def ancestor_ids(session: Session, incident: Incident, column: str = "parent_id") -> list[int]:
    """The chain above `incident` along `column` (parent_id or merged_into_id), nearest first."""
    found: list[int] = []
    current = getattr(incident, column)
    while current is not None and current not in found and len(found) < MAX_DEPTH:
        found.append(current)
        current = session.scalar(select(getattr(Incident, column)).where(Incident.id == current))
    return found


def lifecycle_instance_id(session: Session, incident_id: int) -> int | None:
    """The instance whose lifecycle the incident is (not a linked process such as a call)."""
    return session.scalar(
        select(ProcessInstance.id).where(
            ProcessInstance.incident_id == incident_id, ProcessInstance.parent_id.is_(None)
        )
    )
