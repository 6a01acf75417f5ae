"""How the command line fails: one clear message and exit 1, never a traceback, for what
the operator can fix (a refused input, a process problem, a database out of reach)."""

from __future__ import annotations

import functools

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .domain.errors import DomainError


def fail_clearly(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            raise click.ClickException(_described(exc)) from None
        except SQLAlchemyError as exc:
            context = click.get_current_context().find_root().obj
            where = make_url(context.settings.database_url).render_as_string(hide_password=True)
            raise click.ClickException(
                f"cannot use the database at {where} ({exc.__class__.__name__}): is "
                "INCIDENT_DESK_DATABASE_URL right, and has `incident-desk db upgrade` run?"
            ) from None

    return wrapper


def _described(exc: DomainError) -> str:
    detail = getattr(exc, "errors", None) or []
    lines = [exc.message] + [f"  {e.field}: {e.message}" for e in detail]
    for problem in getattr(exc, "problems", []):
        where = ":".join(str(p) for p in (problem.file, problem.line) if p)
        element = f" [{problem.element_id}]" if problem.element_id else ""
        lines.append(f"  {where}{element}: {problem.message}")
    for attr in ("file", "element_id", "line"):
        if getattr(exc, attr, None):
            lines.append(f"  {attr}: {getattr(exc, attr)}")
    return "\n".join(lines)
