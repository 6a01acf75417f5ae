"""Whether this process can do its work: the database answers, its schema is current,
and some worker fires the timers."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from ..context import Services
from ..health import database_reachable
from . import heartbeats

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    database: str
    migrations: str
    worker: str
    problems: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems


def check(svc: Services) -> Readiness:
    """The three checks; `problems` says in words what is wrong."""
    if not database_reachable(svc):
        return Readiness("unreachable", "unknown", "unknown", ["the database cannot be reached"])
    problems = []
    current, head = svc.db.current_revision(), _head(svc)
    migrations = "current" if current == head else "behind"
    if current != head:
        problems.append(f"the database is at migration {current or 'none'}, the code at {head}")
    try:
        heartbeat = heartbeats.latest(svc)
    except SQLAlchemyError as exc:
        # An old schema may have no heartbeat table yet: that is the migrations' problem.
        log.warning("readiness: heartbeats unreadable: %s", exc.__class__.__name__)
        return Readiness("ok", migrations, "unknown", problems or ["heartbeats unreadable"])
    allowed = svc.settings.ready_heartbeat_seconds
    if heartbeat is None:
        worker = "missing"
        problems.append("no worker has reported yet (run incident-desk worker)")
    elif (silence := (svc.now() - heartbeat).total_seconds()) > allowed:
        worker = "silent"
        problems.append(f"no worker heartbeat for {int(silence)} s (more than {allowed} s)")
    else:
        worker = "ok"
    return Readiness("ok", migrations, worker, problems)


def _head(svc: Services) -> str | None:
    return _cached_head(svc.db)


@functools.lru_cache(maxsize=8)
def _cached_head(db) -> str | None:
    # The scripts ship with the code: read once per database object.
    return db.head_revision()
