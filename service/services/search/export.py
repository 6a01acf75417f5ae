"""The incident list as CSV: the rows of the current view, for a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ...domain.access import Principal
from ..context import Services
from ..views import IncidentView
from .listing import IncidentFilter, all_incidents

# More than a spreadsheet shows at once; a narrower filter gets the rest.
MAX_ROWS = 10_000
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _clock(view: IncidentView) -> str:
    clock = view.sla.resolution or view.sla.first_response
    return clock.state if clock is not None else ""


COLUMNS: tuple[tuple[str, Callable[[IncidentView], Any]], ...] = (
    ("number", lambda i: i.number),
    ("title", lambda i: i.title),
    ("status", lambda i: i.status),
    ("priority", lambda i: i.priority or ""),
    ("tier", lambda i: i.tier or ""),
    ("category", lambda i: i.category or ""),
    ("assignee", lambda i: i.assignee or ""),
    ("reporter", lambda i: i.reporter),
    ("reported_at", lambda i: _when(i.reported_at)),
    ("updated_at", lambda i: _when(i.updated_at)),
    ("resolution_due_at", lambda i: _when(i.sla.resolution.due_at if i.sla.resolution else None)),
    ("sla", _clock),
)


def export_csv(svc: Services, principal: Principal, filters: IncidentFilter) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in COLUMNS])
    for incident in all_incidents(svc, principal, filters, limit=MAX_ROWS):
        writer.writerow([_cell(read(incident)) for _, read in COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
