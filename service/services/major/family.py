"""The incidents a major incident stands for: its children (services.related)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...domain.access import Principal
from ...models import Incident


def children(session: Session, parent: Incident) -> list[Incident]:
    """The parent's child incidents; none until incidents can be related."""
    return []


def count_open_children(session: Session, parent: Incident) -> int:
    return 0


def resolve_children(svc, session: Session, parent: Incident, *, actor: Principal | None) -> None:
    """Resolve every open child with the parent's resolution (after the parent's run)."""
    return None
