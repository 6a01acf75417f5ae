"""What every benchmark here shares: it says what it is doing as it goes, and it gives up
after --max-seconds, saying what it was waiting for, with a non-zero exit status.

A benchmark calls `arm(max_seconds)` (or `run(body, max_seconds)`); then `stage("what")`
starts a step (a line with the time so far) and `progress(done, total)` reports within
one, at most every PROGRESS_EVERY seconds. At the bound a SIGALRM in the main thread
prints what the run was waiting for and raises SystemExit(GAVE_UP): the benchmark's
own `finally` blocks (stop the server, drop the database) run on the way out.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

GAVE_UP = 3
PROGRESS_EVERY = 5.0
# How long the cleanup may take after giving up before the process just ends.
CLEANUP_GRACE = 60.0

_started = time.monotonic()
_stage = "starting"
_last_progress = 0.0


def add_option(parser: argparse.ArgumentParser, default: float) -> None:
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=default,
        help=f"give up after this many seconds (exit status {GAVE_UP}), saying what it waited for",
    )


def elapsed() -> float:
    return time.monotonic() - _started


def stage(what: str) -> None:
    """Start a step: print it with the time so far; it is what a give-up names."""
    global _stage, _last_progress
    _stage = what
    _last_progress = time.monotonic()
    print(f"[{elapsed():7.1f} s] {what} ...", flush=True)


def progress(done: int, total: int | None = None, unit: str = "") -> None:
    """A line on the current step's progress, at most every PROGRESS_EVERY seconds."""
    global _last_progress
    now = time.monotonic()
    if now - _last_progress < PROGRESS_EVERY:
        return
    _last_progress = now
    of = f"/{total}" if total is not None else ""
    print(f"[{elapsed():7.1f} s]   {_stage}: {done}{of} {unit}".rstrip(), flush=True)


def arm(max_seconds: float) -> None:
    """Give up after `max_seconds` from now: say what the run was waiting for, then
    leave through the benchmark's `finally` blocks with exit status GAVE_UP."""
    global _started
    _started = time.monotonic()

    def give_up(*_):
        print(
            f"gave up after {elapsed():.0f} s (--max-seconds {max_seconds:.0f}) "
            f"while waiting for: {_stage}",
            file=sys.stderr,
            flush=True,
        )
        # Threads of the run (HTTP clients, a pool) may stay blocked: the process
        # ends soon after the cleanup, whether they do or not.
        watchdog = threading.Timer(CLEANUP_GRACE, os._exit, args=(GAVE_UP,))
        watchdog.daemon = True
        watchdog.start()
        # Not an Exception: no `except Exception` of the benchmark keeps it.
        raise SystemExit(GAVE_UP)

    signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, max_seconds)


def run(body: Callable[[], int | None], max_seconds: float) -> int:
    """`body()` under the bound (see `arm`); its exit status."""
    arm(max_seconds)
    try:
        return body() or 0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
