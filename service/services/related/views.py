"""What the incident representation shows of its relations: parent, children, merged
duplicates and followers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ...models import Incident
from .family import child_incidents, merged_incidents
from .followers import followers_of


@dataclass(frozen=True)
class RelatedRef:
    number: str
    title: str
    status: str
    closure_code: str | None


@dataclass(frozen=True)
class Relations:
    children: list[RelatedRef]
    merged: list[RelatedRef]
    followers: list[str]


def _ref(incident: Incident) -> RelatedRef:
    return RelatedRef(incident.number or "", incident.title, incident.status, incident.closure_code)


def relations_of(session: Session, incident: Incident) -> Relations:
    return Relations(
        children=[_ref(child) for child in child_incidents(session, incident.id)],
        merged=[_ref(duplicate) for duplicate in merged_incidents(session, incident.id)],
        followers=[user.username for user in followers_of(session, incident.id)],
    )
