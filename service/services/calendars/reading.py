"""The calendars incidents' clocks count in, read from the process versions they run on."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ...domain.sla import Span, wall_seconds
from ...models import Incident, ProcessFile, ProcessInstance, ProcessVersionFile
from ...workflow.calendars import AROUND_THE_CLOCK, CalendarError, Calendars, working_span
from .files import calendar_id, compile_calendar

_CALENDAR_FILES = (
    select(ProcessInstance.incident_id, ProcessFile.id, ProcessFile.name, ProcessFile.sha256)
    .join(ProcessVersionFile, ProcessVersionFile.version_id == ProcessInstance.version_id)
    .join(ProcessFile, ProcessFile.id == ProcessVersionFile.file_id)
    .where(
        ProcessInstance.incident_id.in_(bindparam("ids", expanding=True)),
        ProcessInstance.parent_id.is_(None),
        ProcessFile.kind == "calendar",
    )
)


# Compiled calendars by file name and content hash: what a page shows for an incident
# is read at every view, the file's bytes only once.
_COMPILED: dict[tuple[str, str], dict] = {}


def spans(session: Session, incidents: Iterable[Incident]) -> dict[int, Span]:
    """How each incident's clocks count time: working time in its calendar, as deployed
    with the process version it runs on; wall-clock time when around the clock."""
    counted = [i.id for i in incidents if i.sla_calendar not in (None, "", AROUND_THE_CLOCK)]
    if not counted:
        return {}
    files: dict[int, dict[str, dict]] = {}
    for incident_id, file_id, name, sha256 in session.execute(_CALENDAR_FILES, {"ids": counted}):
        compiled = _COMPILED.get((name, sha256))
        if compiled is None:
            content = session.scalar(select(ProcessFile.content).where(ProcessFile.id == file_id))
            compiled = _COMPILED[(name, sha256)] = compile_calendar(name, content)
            while len(_COMPILED) > 64:
                _COMPILED.pop(next(iter(_COMPILED)))
        files.setdefault(incident_id, {})[calendar_id(name)] = compiled
    found: dict[int, Span] = {}
    for incident in incidents:
        if incident.id not in counted:
            continue
        try:
            calendar = Calendars(files.get(incident.id)).get(incident.sla_calendar)
        except CalendarError:
            # The process ran with it, so the version had it; never fail a page on it.
            calendar = None
        found[incident.id] = wall_seconds if calendar is None else partial(working_span, calendar)
    return found
