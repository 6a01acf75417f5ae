"""What the service writes to its log, and what it never does: personal data.

Log lines name what happened and where (an element, a timer, an endpoint),
not the data. The one place data slips in on its own is a database error:
SQLAlchemy's message quotes the statement's parameters, and PostgreSQL's
quotes the row ("Key (username)=(rita) already exists"). Engines are made
with `hide_parameters`, and the formatter here writes any database error in
a traceback as its kind and statement, without its message.
"""

from __future__ import annotations

import contextvars
import logging
import re
import traceback
import uuid

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What a line names besides its message: ids, never names, addresses or text.
CONTEXT = ("request_id", "incident", "user_id")
_JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
# An incoming X-Request-Id is kept when it looks like an id (a proxy's or a client's).
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")
_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "incident_desk_log_context", default=None
)


class WithoutData(logging.Formatter):
    """A formatter whose tracebacks hold no database error's message, and whose lines
    end with the context's ids (`[request_id=... incident=...]`), so a text log can be
    followed from a request into the work it caused, as the JSON one can."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        ids = " ".join(
            f"{key}={value}" for key in CONTEXT if (value := getattr(record, key, None)) is not None
        )
        return f"{line} [{ids}]" if ids else line

    def formatException(self, ei) -> str:
        _, exc, _ = ei
        if exc is None:
            return super().formatException(ei)
        return "".join(_chain(exc)).rstrip("\n")


def _chain(exc: BaseException) -> list[str]:
    chain, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    lines: list[str] = []
    for position, current in enumerate(reversed(chain)):
        if position:
            lines.append("\nThe above exception led to the following one:\n\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        kind = type(current)
        lines.append(f"{kind.__module__}.{kind.__qualname__}: {_message(current)}\n")
    return lines


def _message(exc: BaseException) -> str:
    if isinstance(exc, StatementError) and exc.statement:
        statement = " ".join(str(exc.statement).split())
        origin = type(exc.orig).__name__ if isinstance(exc, DBAPIError) else "error"
        return f"({origin}, message withheld: it may quote data) {statement}"
    if isinstance(exc, SQLAlchemyError) or _from_a_driver(exc):
        return "(message withheld: it may quote data)"
    return str(exc)


def _from_a_driver(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in ("psycopg", "sqlite3")


class AsJson(JsonFormatter):
    """One JSON object a line, with the context's ids and tracebacks without data."""

    def formatException(self, ei) -> str:
        return WithoutData.formatException(self, ei)


class WithContext(logging.Filter):
    """Puts the current request id, incident number and user id on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or {}
        for key in CONTEXT:
            if not hasattr(record, key):
                setattr(record, key, context.get(key))
        return True


def begin_request(incoming: str | None) -> str:
    """Start a request's log context; its id is `incoming` when that is a sane id."""
    request_id = incoming if incoming and _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
    _context.set({"request_id": request_id})
    return request_id


def note(**values) -> None:
    """Add ids (incident=..., user_id=...) to the current context, if there is one."""
    context = _context.get()
    if context is not None:
        context.update({k: v for k, v in values.items() if k in CONTEXT and v is not None})


def end_request() -> None:
    _context.set(None)


def current_request_id() -> str | None:
    return (_context.get() or {}).get("request_id")


class working_on:
    """Log lines inside name what a request caused: its id, and the incident, for work
    the worker does later (a timer, a delivery)."""

    def __init__(self, request_id: str | None = None, incident: str | None = None):
        self._values = {"request_id": request_id, "incident": incident}
        self._token = None

    def __enter__(self):
        self._token = _context.set({k: v for k, v in self._values.items() if v is not None})
        return self

    def __exit__(self, *exc_info):
        _context.reset(self._token)


def configure(level: str, fmt: str = "text") -> None:
    """Logging for the command line and the servers it starts."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    for handler in logging.getLogger().handlers:
        if fmt == "json":
            handler.setFormatter(
                AsJson(_JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger"})
            )
        else:
            handler.setFormatter(WithoutData(FORMAT))
        handler.addFilter(WithContext())
    # alembic narrates every migration step at INFO; the revision is reported instead.
    logging.getLogger("alembic").setLevel(logging.WARNING)
