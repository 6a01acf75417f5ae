"""Values between JSON and HTML inputs: how a value is shown in an input, and how what
an input sent is turned back into the JSON value its schema wants."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ...domain import locales
from ...forms.schema import kinds

NO_VALUE = ""
# The clock date-times are shown and typed on (the reader's zone, named on the page),
# set for the length of one build or parse rather than passed down every level.
_ZONE: ContextVar[str] = ContextVar("task_form_zone", default="UTC")


@contextmanager
def on_clock(zone: str) -> Iterator[None]:
    token = _ZONE.set(zone)
    try:
        yield
    finally:
        _ZONE.reset(token)


def choice_value(value: Any) -> str:
    """An option's value attribute: strings as they are, other JSON values as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def chosen(raw: str, options: list[tuple[Any, str]] | None) -> Any:
    """The JSON value of the option that was picked; unknown ones as sent, for the
    schema to name."""
    for value, _ in options or []:
        if choice_value(value) == raw:
            return value
    return raw


def shown(spec: dict[str, Any], widget: str, value: Any) -> Any:
    if value is None:
        return NO_VALUE
    if widget == "datetime" and isinstance(value, str) and value:
        try:
            # <input type=datetime-local> shows the reader's wall time, to the minute.
            instant = locales.local(value, _ZONE.get())
        except ValueError:
            return value
        return instant.strftime("%Y-%m-%dT%H:%M") if instant else value
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def converted(raw: str, spec: dict[str, Any], widget: str) -> Any:
    """What one input sent as the schema's type; what does not convert stays as typed."""
    found = kinds(spec)
    if "boolean" in found:
        return {"true": True, "false": False}.get(raw, raw)
    if "integer" in found:
        try:
            return int(raw)
        except ValueError:
            pass
    if found & {"integer", "number"}:
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if "integer" in found and number.is_integer() else number
    if widget == "datetime" and len(raw) in (16, 19) and raw[10:11] == "T":
        # Typed on the reader's clock (the label names it); stored and validated in UTC.
        try:
            return locales.from_wall_clock(raw[:16], _ZONE.get()).isoformat()
        except ValueError:
            return raw
    return raw
