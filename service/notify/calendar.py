"""Calendar invitations (iCalendar, RFC 5545) for calls arranged with a reporter."""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar

CONTENT_TYPE = "text/calendar"


def invitation(
    *,
    uid: str,
    starts: datetime,
    minutes: int,
    summary: str,
    description: str,
    location: str,
    organizer: str,
    attendee: str,
    stamp: datetime,
) -> bytes:
    """A REQUEST: calendar programs offer to add it; the same uid updates it later."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Incident Desk//Calls//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=minutes))
    event.add("summary", summary)
    event.add("description", description)
    event.add("location", location)
    event.add("organizer", icalendar.vCalAddress(f"mailto:{organizer}"))
    event.add(
        "attendee",
        icalendar.vCalAddress(f"mailto:{attendee}"),
        parameters={"ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"},
    )
    event.add("sequence", 0)
    calendar.add_component(event)
    return calendar.to_ical()
