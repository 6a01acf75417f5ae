"""The gate that queues a process's SQLite writers lets them in one at a time, oldest first."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import OperationalError

from service.db import WriterGate

WAIT = 30  # seconds: a bound that only a broken gate reaches, never a measurement


def start(target) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_waiting_writers_are_let_in_in_the_order_they_arrived():
    gate = WriterGate()
    gate.acquire(WAIT)
    served: list[int] = []

    def writer(index: int) -> None:
        gate.acquire(WAIT)
        served.append(index)
        gate.release()

    threads = []
    for index in range(6):
        threads.append(start(lambda index=index: writer(index)))
        assert gate.wait_for_queue(index + 1, WAIT)  # in line before the next one comes
    gate.release()
    for thread in threads:
        thread.join(WAIT)

    assert served == list(range(6))


def test_the_holder_enters_again_and_the_next_writer_waits_until_it_left_both_times():
    gate = WriterGate()
    gate.acquire(WAIT)
    gate.acquire(WAIT)  # a unit of work inside another one does not wait for itself
    entered = threading.Event()

    def writer() -> None:
        gate.acquire(WAIT)
        entered.set()
        gate.release()

    thread = start(writer)
    assert gate.wait_for_queue(1, WAIT)
    gate.release()
    assert gate.wait_for_queue(1, 0), "the gate went to the next writer while still held"
    assert not entered.is_set()
    gate.release()
    thread.join(WAIT)
    assert entered.is_set()


def test_a_writer_that_waited_too_long_fails_as_sqlite_would_and_leaves_the_line():
    gate = WriterGate()
    gate.acquire(WAIT)
    failures: list[BaseException] = []

    def impatient() -> None:
        try:
            gate.acquire(0)
        except OperationalError as error:
            failures.append(error)

    thread = start(impatient)
    thread.join(WAIT)
    assert len(failures) == 1 and "database is locked" in str(failures[0])
    gate.release()

    served = threading.Event()

    def next_writer() -> None:
        gate.acquire(0)  # nobody holds it and nobody is in line: in at once
        served.set()
        gate.release()

    start(next_writer).join(WAIT)
    assert served.is_set()


def test_a_release_without_a_holder_is_a_bug_not_a_free_pass():
    gate = WriterGate()
    with pytest.raises(RuntimeError):
        gate.release()


class _Interrupted(threading.Event):
    """A wait that ends in SystemExit, as the bench's and the server's SIGTERM handlers do."""

    def wait(self, timeout=None):
        raise SystemExit(143)


def test_a_writer_interrupted_in_line_leaves_it_and_keeps_nothing():
    class InterruptedGate(WriterGate):
        _turn = _Interrupted

    gate = InterruptedGate()
    gate.acquire(WAIT)
    interrupted: list[BaseException] = []

    def writer() -> None:
        try:
            gate.acquire(WAIT)
        except SystemExit as error:
            interrupted.append(error)

    start(writer).join(WAIT)
    assert len(interrupted) == 1
    gate.release()

    served = threading.Event()

    def next_writer() -> None:
        gate.acquire(0)  # the interrupted writer neither holds the gate nor stands in line
        served.set()
        gate.release()

    start(next_writer).join(WAIT)
    assert served.is_set()
