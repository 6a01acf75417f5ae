"""The incident representation with its relations, for the incident's own page and API."""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session

from ...domain import access
from ...domain.access import Principal
from ...models import Incident
from ..context import Services
from ..views import IncidentView, incident_view
from .views import relations_of


def with_relations(
    session: Session, principal: Principal, incident: Incident, view: IncidentView
) -> IncidentView:
    """Children, merged duplicates and followers added to `view`. Who else follows is
    for agents; others see at most themselves."""
    relations = relations_of(session, incident)
    followers = relations.followers
    if not access.sees_everything(principal):
        followers = [name for name in followers if name == principal.username]
    return dataclasses.replace(
        view, children=relations.children, merged=relations.merged, followers=followers
    )


def related_view(
    svc: Services, session: Session, principal: Principal, incident: Incident
) -> IncidentView:
    view = incident_view(
        session, incident, svc.now(), confidential=access.may_read_breaches(principal)
    )
    return with_relations(session, principal, incident, view)
