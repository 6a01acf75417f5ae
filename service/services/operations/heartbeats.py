"""Worker heartbeats: each process running the background loops reports every few seconds.

`/ready` and `GET /api/admin/workers` read them. A row whose process died stays
until it is a day old, so an admin sees which worker went quiet and when.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ...domain import access
from ...domain.access import Principal
from ...domain.errors import Forbidden
from ...models import WorkerHeartbeat
from ..context import Services

log = logging.getLogger(__name__)

INTERVAL = timedelta(seconds=10)
# Rows of workers silent for longer are removed by the next beat of any worker.
KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Beat:
    name: str
    loops: list[str]
    started_at: datetime
    beat_at: datetime
    beats: int


def beat(svc: Services, name: str, loops: list[str], started_at: datetime) -> None:
    """Record that worker `name` is alive now (one transaction)."""
    now = svc.now()
    with svc.db.unit_of_work() as uow:
        session = uow.session
        changed = session.execute(
            update(WorkerHeartbeat)
            .where(WorkerHeartbeat.name == name)
            .values(beat_at=now, beats=WorkerHeartbeat.beats + 1, loops=",".join(loops))
        ).rowcount
        if not changed:
            session.add(
                WorkerHeartbeat(
                    name=name, loops=",".join(loops), started_at=started_at, beat_at=now, beats=1
                )
            )
        session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - KEPT))
        uow.commit()


def recent(session: Session) -> list[Beat]:
    rows = session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.name))
    return [
        Beat(
            row.name,
            row.loops.split(",") if row.loops else [],
            row.started_at,
            row.beat_at,
            row.beats,
        )
        for row in rows
    ]


def latest(svc: Services) -> datetime | None:
    """When any worker last reported."""
    with svc.db.read() as uow:
        return uow.session.scalar(
            select(WorkerHeartbeat.beat_at).order_by(WorkerHeartbeat.beat_at.desc()).limit(1)
        )


def list_workers(svc: Services, principal: Principal) -> list[Beat]:
    if not access.administers(principal):
        raise Forbidden("only admins see the workers")
    with svc.db.read() as uow:
        return recent(uow.session)


class Heartbeat:
    """The loop that beats for a worker process until stopped."""

    what = "heartbeat"

    def __init__(self, svc: Services, name: str, loops: list[str], interval=INTERVAL):
        self._svc = svc
        self.name = name
        self._loops = loops
        self._interval = interval
        self._started_at = svc.now()

    def run_once(self) -> int:
        beat(self._svc, self.name, self._loops, self._started_at)
        return 1

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except Exception as exc:  # the database may be down for a while
                log.warning("heartbeat of %s failed: %s", self.name, exc.__class__.__name__)
            stop.wait(self._interval.total_seconds())
