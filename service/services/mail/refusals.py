"""The one polite answer to a new e-mail from an unknown address, when the desk refuses
those: at most one a day per address, never to a machine (the caller has checked)."""

from __future__ import annotations

import functools
import uuid
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from ...models import Delivery
from ...notify import inbound, mail
from ...notify.templates import Templates
from .. import outbox
from ..context import Services
from ..locale import preferences

TEMPLATE = "answers/refused"


@functools.cache
def _templates() -> Templates:
    return Templates()


def answer(svc: Services, session: Session, received: inbound.Received) -> None:
    if not svc.settings.smtp_host:
        return
    now = svc.now()
    reader = preferences.chosen(svc.settings, None, None)
    base = svc.settings.public_url.rstrip("/")
    rendered = _templates().render(
        TEMPLATE,
        {
            "recipient": {"name": received.sender_name or received.sender},
            "subject": received.subject or "",
            "link": f"{base}/",
        },
        language=reader.language,
        zone=reader.time_zone,
    )
    payload = mail.compose(
        rendered=rendered,
        to=received.sender,
        to_name=received.sender_name,
        incident_number="refused",
        created_at=now,
        domain=urlsplit(svc.settings.public_url).hostname or "incident-desk",
    )
    # Threads under the message it answers, not under an incident.
    payload["references"] = received.message_id or payload["message_id"]
    session.add(
        Delivery(
            created_at=now,
            channel=outbox.EMAIL,
            event_id=str(uuid.uuid4()),
            event_type="mail.refused",
            recipient=received.sender,
            payload=payload,
            state=outbox.PENDING,
            attempts=0,
            next_attempt_at=now,
        )
    )
    outbox.queued(session)
