"""The mailbox poller: each message in an IMAP folder handed over raw, filed by its outcome.

A round takes the folder's messages in UID order, in bounded batches, without
marking them seen. A message the handler took goes to the taken folder, one it
refused (it can never be taken) to the refused folder. When the handler says
"try later" (`Retry`: the desk's database is down) the message stays where it
is and the poller backs off; any other failure of the handler leaves that one
message in place for the next round. Between rounds the poller waits in IDLE
where the server has it, else it sleeps `poll_seconds`; a stop event ends either.
A dropped connection is reopened with backoff. Log lines name the server, a
message's UID and what happened, never a message's content or the password.
"""

from __future__ import annotations

import enum
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imap_tools.mailbox import BaseMailBox

from . import imap, intake
from .imap import ImapSettings, MailboxError

if TYPE_CHECKING:
    from ..context import Services

__all__ = ["ImapSettings", "MailboxError", "MailboxPoller", "Outcome", "Retry", "Round"]

log = logging.getLogger(__name__)

# Messages fetched per FETCH command: bounds the memory a round holds at once.
BATCH = 10
# Waits after a failure: the first, doubled each time up to the last.
FIRST_BACKOFF_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 300.0


class Retry(Exception):
    """Raised by a handler that cannot take mail now (the database is unreachable)."""


class Outcome(enum.Enum):
    TAKEN = "taken"
    REFUSED = "refused"


Handler = Callable[[bytes], Outcome]


@dataclass
class Round:
    """What one round did."""

    taken: int = 0
    refused: int = 0
    failed: int = 0
    deferred: bool = False

    def __str__(self) -> str:
        text = f"{self.taken} taken, {self.refused} refused"
        if self.failed:
            text += f", {self.failed} failed (left in place)"
        if self.deferred:
            text += ", the rest left for later (the desk asked to try later)"
        return text


class MailboxPoller:
    """Reads one IMAP folder into `handle`; `run` loops until stopped, `run_once` does a round."""

    what = "mail"

    def __init__(
        self,
        settings: ImapSettings,
        handle: Handler,
        *,
        batch: int = BATCH,
        idle_seconds: float = imap.IDLE_SECONDS,
        first_backoff: float = FIRST_BACKOFF_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
    ):
        self._settings = settings
        self._handle = handle
        self._batch = batch
        self._idle_seconds = idle_seconds
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff

    def run_once(self) -> Round:
        """Connect, take what the folder holds, log out; MailboxError when it cannot be read."""
        with imap.session(self._settings) as box:
            return self._take_all(box)

    def run(self, stop: threading.Event) -> None:
        where = self._settings.where
        log.info("mail poller started for %s, folder %s", where, self._settings.folder)
        failures = 0
        while not stop.is_set():
            try:
                with imap.session(self._settings) as box:
                    failures = 0
                    self._serve(box, stop)
                continue
            except MailboxError as exc:
                failures += 1
                delay = self._backoff(failures)
                log.error("%s; trying again in %g s", exc, delay)
            except imap.CONNECTION_ERRORS as exc:
                failures += 1
                delay = self._backoff(failures)
                log.warning(
                    "IMAP connection to %s lost (%s); reconnecting in %g s",
                    where,
                    type(exc).__name__,
                    delay,
                )
            except Exception:
                failures += 1
                delay = self._backoff(failures)
                log.exception("mail poller for %s: round failed", where)
            stop.wait(delay)
        log.info("mail poller for %s stopped", where)

    def _serve(self, box: BaseMailBox, stop: threading.Event) -> None:
        deferrals = 0
        while not stop.is_set():
            result = self._take_all(box)
            if result.taken or result.refused or result.failed:
                log.info("mail from %s: %s", self._settings.where, result)
            if result.deferred:
                deferrals += 1
                stop.wait(self._backoff(deferrals))
                continue
            deferrals = 0
            imap.wait_for_mail(
                box,
                stop,
                idle_seconds=self._idle_seconds,
                poll_seconds=self._settings.poll_seconds,
            )

    def _backoff(self, attempt: int) -> float:
        return min(self._first_backoff * 2 ** (attempt - 1), self._max_backoff)

    def _take_all(self, box: BaseMailBox) -> Round:
        """Rounds until no new message was announced while one ran."""
        result = Round()
        while True:
            imap.forget_announced(box)
            self._take(box, result)
            if result.deferred or not imap.announced(box):
                return result

    def _take(self, box: BaseMailBox, result: Round) -> None:
        s = self._settings
        uids = sorted(box.uids("ALL"), key=int)
        for start in range(0, len(uids), self._batch):
            batch = uids[start : start + self._batch]
            fetched = box.fetch(uid_list=batch, mark_seen=False, bulk=True)
            for message in sorted(fetched, key=lambda m: int(m.uid)):
                try:
                    outcome = self._handle(message.raw)
                except Retry:
                    log.warning(
                        "mail uid %s on %s: the desk asked to try later; left in %s",
                        message.uid,
                        s.where,
                        s.folder,
                    )
                    result.deferred = True
                    return
                except Exception as exc:
                    result.failed += 1
                    _log_failure(message.uid, s, exc)
                    continue
                if outcome is Outcome.TAKEN:
                    box.move(message.uid, s.taken_folder)
                    result.taken += 1
                elif outcome is Outcome.REFUSED:
                    box.move(message.uid, s.refused_folder)
                    result.refused += 1
                else:
                    result.failed += 1
                    _log_failure(message.uid, s, TypeError(f"not an Outcome: {type(outcome)}"))


def _log_failure(uid: str, settings: ImapSettings, exc: Exception) -> None:
    # The exception's text may quote the message; its kind and where it was raised do not.
    frames = traceback.extract_tb(exc.__traceback__)
    at = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    log.error(
        "mail uid %s on %s: the handler failed (%s%s); left in %s for the next round",
        uid,
        settings.where,
        type(exc).__name__,
        at,
        settings.folder,
    )


def intake_handler(svc: Services) -> Handler:
    """The handler `incident-desk worker` passes: the desk's intake, in this module's terms."""

    def handle(raw: bytes) -> Outcome:
        try:
            taken = intake.take(svc, raw, via=intake.IMAP)
        except intake.TryLater as exc:
            raise Retry(str(exc)) from exc
        return Outcome.REFUSED if taken.refused else Outcome.TAKEN

    return handle
