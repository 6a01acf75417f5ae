"""Writers of one process take turns on SQLite in the order they came; readers never wait
for them; a writer of another process still gets in. The same use cases on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url

from service.db import writer_gate
from service.domain.errors import Conflict
from service.models.users import User
from service.services import users
from tests.conftest import ON_POSTGRES

WAIT = 30  # seconds: a bound that only a broken gate reaches, never a measurement
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL has no database-wide write lock")


def in_thread(call) -> tuple[threading.Thread, list]:
    """Run `call` in a thread; the list gets its result or its exception."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def usernames_in_creation_order(svc) -> list[str]:
    with svc.db.read() as uow:
        return list(uow.session.scalars(select(User.username).order_by(User.id)))


@sqlite_only
def test_writers_that_queue_behind_a_busy_one_are_served_in_the_order_they_came(svc):
    gate = writer_gate(make_url(svc.db.url).database)
    names = [f"writer{i}" for i in range(6)]
    threads = []
    with svc.db.unit_of_work() as uow:
        uow.session.execute(text("SELECT 1"))  # holds SQLite's write lock from here
        for index, name in enumerate(names):
            threads.append(in_thread(lambda name=name: users.add_user(svc, name)))
            assert gate.wait_for_queue(index + 1, WAIT)
    for thread, outcome in threads:
        thread.join(WAIT)
        assert not isinstance(outcome[0], BaseException), outcome

    assert usernames_in_creation_order(svc) == names


def test_a_unit_that_raises_lets_the_next_writer_in(svc):
    with pytest.raises(ZeroDivisionError), svc.db.unit_of_work() as uow:
        uow.session.execute(select(User.id))
        _ = 1 / 0
    users.add_user(svc, "first")
    with pytest.raises(Conflict):
        users.add_user(svc, "first")  # fails at its flush, inside the unit

    thread, outcome = in_thread(lambda: users.add_user(svc, "second"))
    thread.join(WAIT)

    assert not isinstance(outcome[0], BaseException), outcome
    assert usernames_in_creation_order(svc) == ["first", "second"]


def test_a_reader_does_not_wait_for_a_writer_in_the_middle_of_its_work(svc):
    users.add_user(svc, "before")
    with svc.db.unit_of_work() as uow:
        uow.session.add(User(username="during", created_at=svc.now()))
        uow.session.flush()
        thread, outcome = in_thread(lambda: usernames_in_creation_order(svc))
        thread.join(WAIT)  # a reader queued behind this writer would never get here
        uow.commit()

    assert outcome == [["before"]]
    assert usernames_in_creation_order(svc) == ["before", "during"]


HOLD_THE_WRITE_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


@sqlite_only
def test_a_writer_of_another_process_is_waited_for_not_failed_on(svc):
    path = make_url(svc.db.url).database
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_WRITE_LOCK, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as other:
        try:
            assert other.stdout.readline().strip() == "holding"
            asking = threading.Event()

            @event.listens_for(svc.db.engine, "before_cursor_execute")
            def _asking(_connection, _cursor, statement, *_args):
                if statement == "BEGIN IMMEDIATE":
                    asking.set()

            def let_go() -> None:
                asking.wait(WAIT)  # this process's writer is past its gate, at SQLite's lock
                other.stdin.write("commit\n")
                other.stdin.flush()

            releaser = threading.Thread(target=let_go, daemon=True)
            releaser.start()
            users.add_user(svc, "patient")
            releaser.join(WAIT)
            assert other.wait(WAIT) == 0
        finally:
            if other.poll() is None:
                other.kill()

    assert usernames_in_creation_order(svc) == ["patient"]
