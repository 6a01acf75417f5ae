"""Background loops: fire due timers, send due deliveries, sleep until the next; read mail.

Each loop sleeps until its earliest waiting item is due, or until woken: by a
commit in this process that added an earlier one, by PostgreSQL's NOTIFY from
another process, or by stop. `max_idle` only bounds a sleep with nothing
scheduled, so work written by a process that cannot wake us (another process
on SQLite) is still found.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from . import logs
from .services import deliveries, outbox, schedule, timers
from .services.context import Services
from .services.mail import mailbox
from .services.operations.heartbeats import Heartbeat
from .services.people import retention
from .services.wakeup import Wakeup

log = logging.getLogger(__name__)

BATCH = 50
MAX_IDLE = timedelta(seconds=60)


class _Loop:
    what = "items"
    channel = ""

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
        """Do everything due now, earliest first, in batches; how many succeeded."""
        done = 0
        while True:
            claimed = self._claim()
            if not claimed:
                return done
            done += self._handle_all(claimed)

    def _handle_all(self, claimed: list) -> int:
        """One claimed batch, item by item; a loop that does better in bulk overrides it."""
        done = 0
        for item in claimed:
            # Timers and deliveries name the request that caused them; other work does not.
            with logs.working_on(
                getattr(item, "request_id", None), getattr(item, "incident", None)
            ):
                handled = self._handle(item)
                self._report(item, handled)
            done += handled
        return done

    def _report(self, item, handled: bool) -> None:
        log.debug(
            "%s %s: %s", self.what, getattr(item, "id", item), "done" if handled else "not done"
        )

    def _claim(self) -> list:
        raise NotImplementedError

    def _handle(self, item) -> bool:
        raise NotImplementedError

    def _next_due(self) -> datetime | None:
        raise NotImplementedError

    def _wakeup(self) -> Wakeup:
        raise NotImplementedError

    def seconds_to_next(self) -> float:
        """How long to sleep: until the next due item, at most `max_idle`."""
        upcoming = self._next_due()
        if upcoming is None:
            return self._max_idle.total_seconds()
        delay = (upcoming - self._svc.now()).total_seconds()
        return min(max(delay, 0.0), self._max_idle.total_seconds())

    def run(self, stop: threading.Event) -> None:
        log.info("%s worker %s started", self.what, self.name)
        with self._svc.db.listen(self.channel) as listener:
            while not stop.is_set():
                try:
                    done = self.run_once()
                    if done:
                        log.debug("%s: %d %s", self.name, done, self.what)
                    delay = self.seconds_to_next()
                except Exception:
                    # The database may be down for a while; keep trying, gently.
                    log.exception("%s worker %s: cycle failed", self.what, self.name)
                    delay = 5.0
                if delay > 0:
                    self._wakeup().wait(delay, stop=stop, listener=listener)
        log.info("%s worker %s stopped", self.what, self.name)


class TimerWorker(_Loop):
    what = "timers"
    channel = schedule.NOTIFY_CHANNEL

    def _claim(self) -> list:
        return schedule.claim_due(self._svc, self.name, self._batch)

    def _handle_all(self, claimed: list) -> int:
        fired = {item.id for item in timers.fire_batch(self._svc, claimed, self.name)}
        for item in claimed:
            # Each timer names the request that caused it, as one fired alone would.
            with logs.working_on(item.request_id, item.incident):
                self._report(item, item.id in fired)
        return len(fired)

    def _handle(self, item) -> bool:
        return timers.fire(self._svc, item, self.name)

    def _next_due(self) -> datetime | None:
        return schedule.next_wakeup(self._svc)

    def _wakeup(self) -> Wakeup:
        return self._svc.wakeup


class DeliveryWorker(_Loop):
    what = "deliveries"
    channel = outbox.NOTIFY_CHANNEL

    def _claim(self) -> list:
        return deliveries.claim_due(self._svc, self.name, self._batch)

    def _handle(self, item) -> bool:
        return deliveries.send(self._svc, item, self.name)

    def _next_due(self) -> datetime | None:
        return deliveries.next_wakeup(self._svc)

    def _wakeup(self) -> Wakeup:
        return self._svc.delivery_wakeup


class RetentionWorker(_Loop):
    """Pseudonymises closed incidents past INCIDENT_DESK_RETENTION_DAYS (when set)."""

    what = "retention"
    channel = schedule.NOTIFY_CHANNEL

    def _claim(self) -> list:
        return retention.due(self._svc, self._batch)

    def _handle(self, item) -> bool:
        return retention.pseudonymise(self._svc, item)

    def _next_due(self) -> datetime | None:
        return retention.next_due(self._svc)

    def _wakeup(self) -> Wakeup:
        return self._svc.wakeup


def mail_loop(svc: Services) -> mailbox.MailboxPoller | None:
    """The mailbox poller feeding the desk's intake, when an IMAP server is configured."""
    if not svc.settings.imap_host:
        return None
    return mailbox.MailboxPoller(
        mailbox.ImapSettings.from_settings(svc.settings), mailbox.intake_handler(svc)
    )


def loops(svc: Services, only: str | None = None) -> list:
    """The loops of `incident-desk worker`: all of them, or the one named `only`."""
    chosen = [loop(svc) for loop in (TimerWorker, DeliveryWorker) if only in (None, loop.what)]
    if svc.settings.retention_days > 0 and only in (None, RetentionWorker.what):
        chosen.append(RetentionWorker(svc))
    if only in (None, mailbox.MailboxPoller.what) and (poller := mail_loop(svc)) is not None:
        chosen.append(poller)
    return chosen


def with_heartbeat(svc: Services, chosen: list) -> list:
    """`chosen` and the loop that reports, for /ready and the admins, that they run."""
    name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return [*chosen, Heartbeat(svc, name, [loop.what for loop in chosen])]


def start_in_thread(svc: Services) -> tuple[list[threading.Thread], threading.Event]:
    """The workers in this process (the single-process SQLite set-up)."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=loop.run, args=(stop,), name=f"{loop.what}-worker", daemon=True)
        for loop in with_heartbeat(svc, loops(svc))
    ]
    for thread in threads:
        thread.start()
    return threads, stop
