"""The incident list's filters as they travel in a page's query string (so a view
can be bookmarked), checked like the API checks them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from ..domain.enums import IncidentStatus, Priority, Tier
from ..domain.errors import FieldError, InvalidInput
from ..domain.sla import SlaFilter
from ..services.search.listing import SORTS, IncidentFilter

CHOICES = {
    "status": [s.value for s in IncidentStatus],
    "priority": [p.value for p in Priority],
    "tier": [t.value for t in Tier],
    "sla": [f.value for f in SlaFilter],
    "sort": list(SORTS),
}
_TEXTS = {"category": 64, "assignee": 64, "group": 64, "reporter": 64, "q": 200}
_DAYS = ("opened_from", "opened_to")


def _bad(name: str, message: str) -> FieldError:
    return FieldError(name, message, location="query")


def parse(args) -> IncidentFilter:
    """An IncidentFilter from request args; empty fields are no filter, bad ones an
    InvalidInput naming them."""
    values: dict = {}
    errors: list[FieldError] = []
    for name, allowed in CHOICES.items():
        value = (args.get(name) or "").strip()
        if value and value not in allowed:
            errors.append(_bad(name, f"one of {', '.join(allowed)}"))
        elif value:
            values[name] = value
    for name, longest in _TEXTS.items():
        value = (args.get(name) or "").strip()
        if len(value) > longest:
            errors.append(_bad(name, f"at most {longest} characters"))
        elif value:
            values[name] = value
    for name in _DAYS:
        value = (args.get(name) or "").strip()
        if not value:
            continue
        try:
            values[name] = date.fromisoformat(value)
        except ValueError:
            errors.append(_bad(name, "a day as YYYY-MM-DD"))
    start, end = values.get("opened_from"), values.get("opened_to")
    if start and end and start > end:
        errors.append(_bad("opened_to", "must not be before opened_from"))
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors)
    return IncidentFilter(**values)


def page_number(args) -> int:
    value = args.get("page") or "1"
    if not value.isdigit() or not 1 <= int(value) <= 1_000_000:
        raise InvalidInput("page: a number from 1", [_bad("page", "a number from 1")])
    return int(value)


def query_args(filters: IncidentFilter) -> dict[str, str]:
    """The filters as query-string arguments, for links to other pages of the view."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in asdict(filters).items()
        if value
    }
