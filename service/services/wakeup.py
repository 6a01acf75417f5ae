"""Waking a sleeping timer worker when an earlier timer appears or it must stop."""

from __future__ import annotations

import threading
import time

# Checked between waits on PostgreSQL notifications, so stop is seen promptly.
SLICE_SECONDS = 1.0


class Wakeup:
    """In-process signal, set after a commit that added timers (see build_services)."""

    def __init__(self):
        self._event = threading.Event()

    def notify(self) -> None:
        self._event.set()

    def wait(self, seconds: float, *, stop: threading.Event, listener=None) -> None:
        """Sleep up to `seconds`; return early on notify, stop or a database notification."""
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if listener is None:
                if self._event.wait(min(remaining, SLICE_SECONDS)):
                    break
            elif listener.wait(min(remaining, SLICE_SECONDS)) or self._event.is_set():
                break
        self._event.clear()
