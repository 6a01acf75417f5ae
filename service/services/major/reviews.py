"""Reading a major incident's post-incident review."""

from __future__ import annotations

from ...domain import access
from ...domain.access import Principal
from ...domain.errors import Forbidden, NotFound
from ..context import Services
from ..incidents import visible_incident
from .views import ReviewView, review_of


def get_review(svc: Services, principal: Principal, number: str) -> ReviewView:
    """The post-incident review; 404 until it is recorded. An internal record: agents and
    those who see every incident, not reporters."""
    with svc.db.read() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        if not access.sees_everything(principal):
            raise Forbidden("post-incident reviews are for the service desk")
        review = review_of(session, incident.id, incident.number)
        if review is None:
            raise NotFound(f"incident {incident.number} has no post-incident review yet")
        return review
