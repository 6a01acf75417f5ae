"""The timer worker: fire what is due, then sleep until the next due time.

It sleeps until the earliest waiting timer is due, or until woken: by a
commit in this process that added an earlier timer, by PostgreSQL's NOTIFY
from another process, or by stop. `max_idle` only bounds a sleep with nothing
scheduled, so a timer written by a process that cannot wake us (another
process on SQLite) is still found.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from .services import schedule, timers
from .services.context import Services

log = logging.getLogger(__name__)

BATCH = 50
MAX_IDLE = timedelta(seconds=60)


class TimerWorker:
    def __init__(
        self,
        svc: Services,
        *,
        name: str | None = None,
        batch: int = BATCH,
        max_idle: timedelta = MAX_IDLE,
    ):
        self._svc = svc
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._batch = batch
        self._max_idle = max_idle

    def run_once(self) -> int:
        """Fire every timer due now, earliest first; the number fired."""
        fired = 0
        while True:
            claimed = schedule.claim_due(self._svc, self.name, self._batch)
            if not claimed:
                return fired
            for timer in claimed:
                fired += timers.fire(self._svc, timer, self.name)

    def seconds_to_next(self) -> float:
        """How long to sleep: until the next due timer, at most `max_idle`."""
        upcoming = schedule.next_wakeup(self._svc)
        if upcoming is None:
            return self._max_idle.total_seconds()
        delay = (upcoming - self._svc.now()).total_seconds()
        return min(max(delay, 0.0), self._max_idle.total_seconds())

    def run(self, stop: threading.Event) -> None:
        log.info("timer worker %s started", self.name)
        with self._svc.db.listen(schedule.NOTIFY_CHANNEL) as listener:
            while not stop.is_set():
                try:
                    fired = self.run_once()
                    if fired:
                        log.debug("fired %d timers", fired)
                    delay = self.seconds_to_next()
                except Exception:
                    # The database may be down for a while; keep trying, gently.
                    log.exception("timer worker %s: cycle failed", self.name)
                    delay = 5.0
                if delay > 0:
                    self._svc.wakeup.wait(delay, stop=stop, listener=listener)
        log.info("timer worker %s stopped", self.name)


def start_in_thread(svc: Services) -> tuple[threading.Thread, threading.Event]:
    """A worker in this process (the single-process SQLite set-up)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=TimerWorker(svc).run, args=(stop,), name="timer-worker", daemon=True
    )
    thread.start()
    return thread, stop
