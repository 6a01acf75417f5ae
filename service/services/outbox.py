"""The outbox: at commit, what happened becomes notifications and deliveries.

Runs just before every write transaction commits (registered in
build_services), so a notification exists exactly when its cause does. It
reads the audit events recorded in the transaction, applies the rules (who
is told what) and adds, in the same transaction:
- a notification row per recipient (what people read at /api/notifications),
- an e-mail delivery per recipient with an address, when SMTP is configured,
- a webhook delivery per matching subscription and event, one event id each.
The delivery worker (services.deliveries) sends them later, at least once.
"""

from __future__ import annotations

import fnmatch
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .. import logs
from ..config import Settings
from ..models import Comment, Delivery, Incident, Notification, User, UserGroup, WebhookSubscription
from ..notify import calendar, mail
from ..notify.rules import (
    ASSIGNED,
    ASSIGNEE,
    ASSIGNEE_OR_TIER,
    CALENDAR,
    FOLLOWERS,
    REPORTER,
    TIER,
    TIER_LEAD,
    Rules,
    named_group,
)
from ..notify.templates import Templates
from . import audit, notifications
from .locale import preferences
from .notifications import LEAD, MEMBER
from .related.followers import follower_ids
from .survey import mail as survey_mail

log = logging.getLogger(__name__)

EMAIL = "email"
WEBHOOK = "webhook"
PENDING, SENT, DEAD, CANCELLED = "pending", "sent", "dead", "cancelled"
# Events about the notification machinery itself never go out by webhook: a
# dead delivery to an endpoint subscribed to "*" would otherwise queue
# another call to the same dead endpoint, forever.
_NOT_FOR_WEBHOOKS = ("delivery.", "webhook.", "notification.")
# Set on a session whose commit adds deliveries: in-process workers wake.
CHANGED = "incident_desk.deliveries_changed"
NOTIFY_CHANNEL = "incident_desk_deliveries"


class Outbox:
    def __init__(self, settings: Settings, rules: Rules, templates: Templates):
        self._settings = settings
        self._rules = rules
        self._templates = templates
        self._mail = bool(settings.smtp_host)
        self._domain = urlsplit(settings.public_url).hostname or "incident-desk"

    def collect(self, session: Session) -> None:
        events = audit.pending(session)
        followers: dict[int, list[int]] = {}  # one read per incident and commit
        for event in events:
            if event["incident_id"] is not None:
                self._apply_rules(session, event, followers)
        made = notifications.created(session)
        deliveries = self._emails(session, made) if self._mail and made else []
        if events:
            deliveries += self._webhooks(session, events)
        if deliveries:
            session.add_all(deliveries)
            queued(session)

    # -- who is told ---------------------------------------------------------

    def _apply_rules(
        self, session: Session, event: dict[str, Any], followers: dict[int, list[int]]
    ) -> None:
        rules = self._rules.for_event(event["type"], event["data"])
        if not rules:
            return
        incident = session.get(Incident, event["incident_id"])
        if incident is None:
            return
        seen: set[tuple[int | None, str | None, str]] = set()
        for rule in rules:
            recipients = self._recipients(session, incident, rule.notify, event["data"], followers)
            for user_id, group, role in recipients:
                key = (user_id, group, role)
                told_themselves = user_id is not None and user_id == event["actor_id"]
                if key in seen or (told_themselves and not rule.tell_actor):
                    continue
                seen.add(key)
                notifications.add(
                    session,
                    Notification(
                        created_at=event["at"],
                        incident_id=incident.id,
                        event=event["type"],
                        recipient_id=user_id,
                        recipient_group=group,
                        role=role,
                        data={"number": incident.number, **_summary(event["data"])},
                    ),
                    template=rule.template,
                    event=event,
                    attach=rule.attach,
                )

    def _recipients(
        self,
        session: Session,
        incident: Incident,
        selectors: Iterable[str],
        data: dict[str, Any],
        followers: dict[int, list[int]],
    ) -> Iterable[tuple[int | None, str | None, str]]:
        for selector in selectors:
            if selector == REPORTER:
                yield incident.reporter_id, None, MEMBER
            elif selector == FOLLOWERS:
                if incident.id not in followers:
                    followers[incident.id] = follower_ids(session, incident.id)
                for user_id in followers[incident.id]:
                    yield user_id, None, MEMBER
            elif selector == ASSIGNED and isinstance(data.get("assignee_id"), int):
                yield data["assignee_id"], None, MEMBER
            elif selector in (ASSIGNEE, ASSIGNEE_OR_TIER) and incident.assignee_id is not None:
                yield incident.assignee_id, None, MEMBER
            elif selector in (TIER, ASSIGNEE_OR_TIER) and incident.tier:
                yield None, incident.tier, MEMBER
            elif selector == TIER_LEAD and incident.tier:
                yield None, incident.tier, LEAD
            elif named := named_group(selector):
                group, lead = named
                yield None, group, LEAD if lead else MEMBER

    # -- e-mail ----------------------------------------------------------------

    def _emails(self, session: Session, made: list[notifications.Created]) -> list[Delivery]:
        session.flush()  # the notification rows' ids
        addressees = _addressees(session, [c.notification for c in made])
        deliveries = []
        for created in made:
            note = created.notification
            if created.template is None or note.incident_id is None:
                continue
            incident = session.get(Incident, note.incident_id)
            for user in addressees.get(note.id, []):
                # A group is told about what one of its members did, not that member.
                if note.recipient_id is None and user.id == created.event.get("actor_id"):
                    continue
                address = _address(user, incident)
                if address is None:
                    continue
                deliveries.append(self._email(session, created, incident, user, address))
        return deliveries

    def _email(
        self,
        session: Session,
        created: notifications.Created,
        incident: Incident,
        user: User,
        address: str,
    ) -> Delivery:
        note = created.notification
        delivery = Delivery(
            created_at=note.created_at,
            channel=EMAIL,
            event_id=str(uuid.uuid4()),
            event_type=note.event,
            incident_id=incident.id,
            notification_id=note.id,
            recipient=address,
            payload={},
            state=PENDING,
            attempts=0,
            next_attempt_at=note.created_at,
            request_id=logs.current_request_id(),
        )
        try:
            # In the recipient's language, times on the recipient's clock.
            reader = preferences.chosen(self._settings, user.language, user.time_zone)
            rendered = self._templates.render(
                created.template,
                self._context(session, created, incident, user),
                language=reader.language,
                zone=reader.time_zone,
            )
            delivery.payload = mail.compose(
                rendered=rendered,
                to=address,
                to_name=user.display_name,
                incident_number=incident.number or f"incident-{incident.id}",
                created_at=note.created_at,
                domain=self._domain,
                attachments=[
                    self._attachment(kind, created.event, incident, address)
                    for kind in created.attach
                ],
            )
            delivery.message_id = delivery.payload["message_id"]
        except Exception as exc:
            # A broken template must not undo what the user did: the delivery is
            # kept, dead, with the reason, for an admin to see.
            log.warning("template %s failed (%s)", created.template, exc.__class__.__name__)
            delivery.state = DEAD
            delivery.last_error = f"template {created.template} failed: {exc}"
        return delivery

    def _attachment(
        self, kind: str, event: dict[str, Any], incident: Incident, address: str
    ) -> dict[str, str]:
        if kind != CALENDAR:
            raise ValueError(f"no attachment of kind {kind!r}")
        call = event["data"]
        starts = datetime.fromisoformat(call["call_at"])
        ics = calendar.invitation(
            uid=f"call-{call['call_id']}@{self._domain}",
            starts=starts,
            minutes=int(call.get("duration_minutes") or 30),
            summary=f"[{incident.number}] Call about: {incident.title}",
            description="\n".join(
                part
                for part in (
                    f"{call.get('medium', 'call')}: {call.get('join', '')}",
                    call.get("agenda"),
                )
                if part
            ),
            location=str(call.get("join") or ""),
            organizer=mail.valid_address(self._settings.mail_from) or "incident-desk@localhost",
            attendee=address,
            stamp=event["at"],
        )
        return {
            "filename": "invitation.ics",
            "content_type": calendar.CONTENT_TYPE,
            "method": "REQUEST",
            "content": ics.decode(),
        }

    def _context(
        self, session: Session, created: notifications.Created, incident: Incident, user: User
    ) -> dict[str, Any]:
        event = created.event
        comment = None
        if comment_id := event.get("data", {}).get("comment_id"):
            comment = session.get(Comment, comment_id)
        return {
            "incident": incident_document(incident),
            "event": {
                "type": event.get("type"),
                "actor": event.get("actor"),
                "data": event.get("data", {}),
            },
            # Followers read what the reporter reads, without what only the reporter may do.
            "recipient": {
                "name": user.display_name or user.username,
                "reporter": user.id == incident.reporter_id,
            },
            "comment": {"body": comment.body if comment else ""},
            "link": mail.incident_link(self._settings.public_url, incident.number),
            # The one-click links are the reporter's alone: anyone holding them may answer.
            "survey": survey_mail.context(
                session,
                event,
                number=incident.number or "",
                public_url=self._settings.public_url,
                now=created.notification.created_at,
                with_links=user.id == incident.reporter_id,
            ),
        }

    # -- webhooks --------------------------------------------------------------

    def _webhooks(self, session: Session, events: list[dict[str, Any]]) -> list[Delivery]:
        # Columns, not entities: this runs at every commit that records an event.
        subscriptions = session.execute(_SUBSCRIPTIONS).all()
        deliveries = []
        for event in events:
            if event["type"].startswith(_NOT_FOR_WEBHOOKS):
                continue
            wanted = [s for s in subscriptions if _wants(s, event["type"])]
            if not wanted:
                continue
            event_id = str(uuid.uuid4())
            incident = session.get(Incident, event["incident_id"]) if event["incident_id"] else None
            body = webhook_body(event_id, event, incident)
            deliveries += [
                Delivery(
                    created_at=event["at"],
                    channel=WEBHOOK,
                    event_id=event_id,
                    event_type=event["type"],
                    incident_id=event["incident_id"],
                    subscription_id=subscription.id,
                    recipient=subscription.url,
                    payload={"body": body},
                    state=PENDING,
                    attempts=0,
                    next_attempt_at=event["at"],
                    request_id=logs.current_request_id(),
                )
                for subscription in wanted
            ]
        return deliveries


def webhook_body(event_id: str, event: dict[str, Any], incident: Incident | None) -> dict:
    return {
        "id": event_id,
        "type": event["type"],
        "occurred_at": _iso(event["at"]),
        "actor": event["actor"],
        "incident": incident_document(incident) if incident is not None else None,
        "data": event["data"],
    }


def incident_document(incident: Incident) -> dict[str, Any]:
    return {
        "number": incident.number,
        "title": incident.title,
        "status": incident.status,
        "priority": incident.priority,
        "impact": incident.impact,
        "urgency": incident.urgency,
        "tier": incident.tier,
        "category": incident.category,
        "channel": incident.channel,
        "resolution": incident.resolution,
        "first_response_due_at": _iso(incident.first_response_due_at),
        "resolution_due_at": _iso(incident.resolution_due_at),
    }


_SUBSCRIPTIONS = select(
    WebhookSubscription.id, WebhookSubscription.url, WebhookSubscription.events
).where(WebhookSubscription.deleted_at.is_(None))


def _wants(subscription, event_type: str) -> bool:
    return any(fnmatch.fnmatchcase(event_type, pattern) for pattern in subscription.events)


def queued(session: Session) -> None:
    """Deliveries were added in this transaction: wake the senders at commit."""
    session.info[CHANGED] = True
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


def _addressees(session: Session, notes: list[Notification]) -> dict[int, list[User]]:
    """The users each notification reaches: its recipient, or its group's members."""
    user_ids = {n.recipient_id for n in notes if n.recipient_id is not None}
    groups = {n.recipient_group for n in notes if n.recipient_id is None and n.recipient_group}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    members: dict[str, list[User]] = {}
    leads: dict[str, list[User]] = {}
    if groups:
        for group, is_lead, user in session.execute(
            select(UserGroup.group, UserGroup.is_lead, User)
            .join(User, User.id == UserGroup.user_id)
            .where(UserGroup.group.in_(groups))
            .order_by(User.username)
        ):
            members.setdefault(group, []).append(user)
            if is_lead:
                leads.setdefault(group, []).append(user)
    found: dict[int, list[User]] = {}
    for note in notes:
        group = note.recipient_group or ""
        if note.recipient_id is not None:
            found[note.id] = [users[note.recipient_id]] if note.recipient_id in users else []
        elif note.role == LEAD:
            # A group's leads (rules' tier_lead, lead:NAME); the group itself when it has none.
            found[note.id] = leads.get(group) or members.get(group, [])
        else:
            found[note.id] = members.get(group, [])
    return found


def _address(user: User, incident: Incident) -> str | None:
    """The user's contact when it is an e-mail address; for the reporter without one, the
    contact given on the incident, if that is one."""
    address = mail.valid_address(user.contact)
    if address is None and user.id == incident.reporter_id:
        address = mail.valid_address(incident.reporter_contact)
    return address


def _summary(data: dict[str, Any]) -> dict[str, Any]:
    """The event's short values for the notification row (long texts stay in the audit trail)."""
    return {k: v for k, v in data.items() if not isinstance(v, str) or len(v) <= 200}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
