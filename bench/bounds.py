"""What every benchmark here shares: it says what it is doing as it goes, and it gives up
after --max-seconds, saying what it was waiting for, with a non-zero exit status.

A benchmark calls `run(main_body, max_seconds)`; inside, `stage("what")` starts a step
(a line with the time so far) and `progress(done, total)` reports within one, at most
every PROGRESS_EVERY seconds. At the bound a SIGALRM raises `GaveUp` in the main
thread: the benchmark's own `finally` blocks (stop the server, drop the database) run
on the way out, then the process exits with status GAVE_UP.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable

GAVE_UP = 3
PROGRESS_EVERY = 5.0

_started = time.monotonic()
_stage = "starting"
_last_progress = 0.0


class GaveUp(BaseException):
    """The run went past --max-seconds (not an Exception: no `except Exception` keeps it)."""


def add_option(parser: argparse.ArgumentParser, default: float) -> None:
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=default,
        help=f"give up (exit status {GAVE_UP}) after this long (default {default:.0f})",
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


def run(body: Callable[[], int | None], max_seconds: float) -> int:
    """`body()` under the bound; its exit status, or GAVE_UP."""
    global _started
    _started = time.monotonic()

    def alarm(*_):
        raise GaveUp(_stage)

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, max_seconds)
    try:
        return body() or 0
    except GaveUp as stopped:
        print(
            f"gave up after {elapsed():.0f} s (--max-seconds {max_seconds:.0f}) "
            f"while waiting for: {stopped}",
            file=sys.stderr,
            flush=True,
        )
        sys.stdout.flush()
        # Threads of the run (HTTP clients, a pool) may still be blocked: do not wait.
        os._exit(GAVE_UP)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
