"""The incidents a major incident stands for: its children (services.related)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...domain.access import Principal
from ...domain.enums import IncidentStatus
from ...models import Incident

# Modules, not names: related.resolution runs instances through execution, which imports this.
from ..related import family as related_family
from ..related import followers as related_followers
from ..related import resolution as related_resolution

_DONE = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)


def children(session: Session, parent: Incident) -> list[Incident]:
    """The parent's child incidents, open and closed."""
    return related_family.child_incidents(session, parent.id)


def count_open_children(session: Session, parent: Incident) -> int:
    return sum(
        1
        for child in related_family.child_incidents(session, parent.id)
        if child.status not in _DONE
    )


def resolve_children(svc, session: Session, parent: Incident, *, actor: Principal | None) -> None:
    """Resolve every open child with the parent's resolution (children already
    resolved, by this or by the parent's own resolution, are skipped)."""
    related_resolution.resolve_children(
        svc, session, parent, actor=actor, resolution=parent.resolution or ""
    )


def followers(session: Session, incident: Incident):
    return related_followers.followers_of(session, incident.id)
