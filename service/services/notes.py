"""Internal notes the system writes on an incident on someone's behalf."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..domain.access import Principal
from ..models import Comment, Incident
from . import audit


def add_internal_note(
    session: Session, incident: Incident, *, author: Principal, body: str, now: datetime
) -> Comment:
    """A note agents see (a call's outcome, a cleared monitoring alert). Not a reply:
    it neither ends a hold nor counts as a first response."""
    note = Comment(
        incident_id=incident.id, author_id=author.user_id, body=body, public=False, created_at=now
    )
    session.add(note)
    session.flush()
    audit.record(
        session,
        "comment.added",
        at=now,
        actor=author,
        incident_id=incident.id,
        data={"comment_id": note.id, "public": False},
    )
    return note
