"""What the service writes to its log, and what it never does: personal data.

Log lines name what happened and where (an element, a timer, an endpoint),
not the data. The one place data slips in on its own is a database error:
SQLAlchemy's message quotes the statement's parameters, and PostgreSQL's
quotes the row ("Key (username)=(rita) already exists"). Engines are made
with `hide_parameters`, and the formatter here writes any database error in
a traceback as its kind and statement, without its message.
"""

from __future__ import annotations

import logging
import traceback

from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class WithoutData(logging.Formatter):
    """A formatter whose tracebacks hold no database error's message."""

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


def configure(level: str) -> None:
    """Logging for the command line and the servers it starts."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(WithoutData(FORMAT))
    # alembic narrates every migration step at INFO; the revision is reported instead.
    logging.getLogger("alembic").setLevel(logging.WARNING)
