"""Merging a duplicate into the incident it duplicates (agents).

The duplicate closes through its own process (the `merged_as_duplicate` message,
caught on each of its work steps, leads to the step that sets closure code
`duplicate`), so the trail
and the closure come from the engine. Its reporter and followers follow the
survivor from then on; its children move to the survivor; its comments and
attachments stay where they are, listed from the survivor (`merged`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...domain.access import Principal
from ...domain.enums import MERGED_MESSAGE, IncidentStatus
from ...domain.errors import Conflict, FieldError, InvalidInput
from ...models import Incident
from .. import audit, execution
from ..context import Services
from ..incidents import visible_incident
from ..views import IncidentView
from .family import ancestor_ids, child_incidents, lifecycle_instance_id
from .followers import followers_of
from .following import add_follower
from .links import other_incident, record_link, require_agent
from .reading import related_view


def merge(svc: Services, principal: Principal, number: str, into: str) -> IncidentView:
    """The duplicate's representation, closed and pointing at the survivor."""
    require_agent(principal, "merging incidents")
    with svc.db.unit_of_work() as uow:
        session = uow.session
        duplicate = visible_incident(session, principal, number)
        survivor = other_incident(session, principal, into, "into")
        _check(session, duplicate, survivor)
        instance_id = lifecycle_instance_id(session, duplicate.id)
        instance = execution.lock(session, instance_id) if instance_id is not None else None
        if instance is None:
            raise Conflict(f"{duplicate.number} has no running process to close")
        session.refresh(duplicate)
        _check(session, duplicate, survivor)
        duplicate.merged_into_id = survivor.id
        now = svc.now()
        data = {"duplicate": duplicate.number, "into": survivor.number}
        audit.record(
            session, "incident.merged", at=now, actor=principal, incident_id=duplicate.id, data=data
        )
        audit.record(
            session,
            "incident.duplicate_merged",
            at=now,
            actor=principal,
            incident_id=survivor.id,
            data=data,
        )
        run = execution.resume(svc, session, instance, actor=principal)
        if not run.execution.deliver_message(MERGED_MESSAGE, {"into": survivor.number}):
            raise Conflict(
                f"the process of {duplicate.number} cannot be merged (its version has no "
                "merged_as_duplicate step); move it to the current version first"
            )
        execution.advance(svc, session, instance, run, actor=principal, trigger="message")
        _hand_over(session, principal, duplicate, survivor, now)
        session.flush()
        view = related_view(svc, session, principal, duplicate)
        uow.commit()
        return view


def _check(session: Session, duplicate: Incident, survivor: Incident) -> None:
    if duplicate.id == survivor.id:
        raise InvalidInput(
            "an incident cannot be merged into itself",
            [FieldError("$.into", "the incident itself")],
        )
    if duplicate.id in ancestor_ids(session, survivor, "merged_into_id"):
        raise Conflict(
            f"{survivor.number} was merged into {duplicate.number}: the merge would be a cycle"
        )
    if survivor.status == IncidentStatus.CLOSED:
        raise Conflict(f"{survivor.number} is closed: merge into an open incident")
    if duplicate.status == IncidentStatus.CLOSED:
        raise Conflict(f"{duplicate.number} is already closed")


def _hand_over(session, principal, duplicate: Incident, survivor: Incident, now) -> None:
    """Who was told about the duplicate is told about the survivor; its children follow."""
    people = [duplicate.reporter_id] + [user.id for user in followers_of(session, duplicate.id)]
    for user_id in dict.fromkeys(people):
        if user_id != survivor.reporter_id:
            add_follower(
                session,
                survivor,
                user_id,
                added_by=principal,
                now=now,
                reason=f"merged from {duplicate.number}",
            )
    above_survivor = {survivor.id, *ancestor_ids(session, survivor)}
    for child in child_incidents(session, duplicate.id):
        if child.id in above_survivor:
            # Under the survivor it would be its own ancestor: it only leaves the duplicate.
            child.parent_id = None
            record_link(session, principal, now, "unlinked", child, duplicate, on_parent=False)
            continue
        child.parent_id = survivor.id
        record_link(
            session, principal, now, "linked", child, survivor,
            {"previous_parent": duplicate.number},
        )  # fmt: skip
