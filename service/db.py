"""Database engines, the unit of work, and schema migrations."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections import deque
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from . import instruments

_MIGRATIONS = Path(__file__).with_name("migrations")
# How long a SQLite writer waits for another writer before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file `url` names when it does not exist (opening it would make an
    empty database); None for other databases and existing files."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database).expanduser()
    return None if path.exists() else path


def revision_of(url: str) -> str | None:
    """The migration revision of the database at `url`; None when it has no schema yet.
    Raises SQLAlchemy's OperationalError when the database cannot be reached."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url, poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # hide_parameters: an error's message must not quote the data (service/logs.py).
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, issue BEGIN (see _begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # A write transaction takes SQLite's write lock at once, so two requests
        # working the same instance queue up instead of both reading the old
        # state and one failing at commit. Reads stay deferred and concurrent.
        # Writers of this process already queued in their WriterGate (UnitOfWork), so
        # the busy timeout is spent here only on writers of other processes.
        if connection.get_execution_options().get("read_only"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _count_connections(engine: Engine) -> None:
    """Keep the pool-use gauges of /metrics in step with this engine's pool."""
    instruments.pool_capacity().inc(_capacity(engine))

    @event.listens_for(engine, "checkout")
    def _out(*_args):
        instruments.connections_in_use().inc()

    @event.listens_for(engine, "checkin")
    def _in(*_args):
        instruments.connections_in_use().dec()


def _capacity(engine: Engine) -> int:
    pool = engine.pool
    size = getattr(pool, "size", None)
    # QueuePool's overflow bound has no public reader; other pools have no bound to report.
    return size() + max(getattr(pool, "_max_overflow", 0), 0) if callable(size) else 0


class WriterGate:
    """Lets one writer of a SQLite file in at a time, in the order they asked.

    Without it, the threads of one process queue on SQLite's write lock, whose busy
    handler sleeps in growing steps and lets in whoever retries at the right moment: an
    unlucky writer waits seconds while later ones pass it. Here each waiter gets its own
    Event and the holder hands the gate straight to the oldest one (threading.Lock would
    wake an arbitrary waiter). The thread that holds it may enter again, so a unit of work
    opened inside another one cannot wait for itself. Writers in other processes (the
    worker, the CLI) know nothing of it and still meet SQLite's busy timeout.
    """

    _turn = threading.Event  # what a waiter waits on (a test interrupts it)

    def __init__(self) -> None:
        self._mutex = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._waiting: deque[tuple[int, threading.Event]] = deque()

    def acquire(self, timeout: float) -> None:
        """Wait for this thread's turn; after `timeout` seconds fail as SQLite would."""
        me = threading.get_ident()
        with self._mutex:
            if self._owner in (None, me):
                self._owner = me
                self._depth += 1
                return
            turn = (me, self._turn())
            self._waiting.append(turn)
            self._mutex.notify_all()
        try:
            if turn[1].wait(timeout) or self._leave_line(turn):
                return
        except BaseException:  # interrupted (SystemExit on SIGTERM): hand on, never hold on
            if self._leave_line(turn):
                self.release()
            raise
        raise OperationalError(
            "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
        )

    def _leave_line(self, turn: tuple[int, threading.Event]) -> bool:
        """Step out of the line; True when the gate was handed over meanwhile (then it is held)."""
        with self._mutex:
            if self._owner == turn[0]:
                return True
            self._waiting.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._owner != threading.get_ident():
                raise RuntimeError("the writer gate is released by a thread that does not hold it")
            self._depth -= 1
            if self._depth:
                return
            if self._waiting:
                self._owner, turn = self._waiting.popleft()
                self._depth = 1
                turn.set()
            else:
                self._owner = None

    def wait_for_queue(self, length: int, timeout: float | None = None) -> bool:
        """Block until `length` writers wait behind the holder (tests order writers so)."""
        with self._mutex:
            return self._mutex.wait_for(lambda: len(self._waiting) >= length, timeout)


_gates: dict[str, WriterGate] = {}
_gates_mutex = threading.Lock()


def writer_gate(path: str | os.PathLike) -> WriterGate:
    """The one gate of this process for the SQLite file at `path`, however it is spelled."""
    key = os.path.realpath(Path(path).expanduser())
    with _gates_mutex:
        return _gates.setdefault(key, WriterGate())


def _gate_for(url: str) -> WriterGate | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None  # PostgreSQL locks rows, not the database; in memory each connection is alone
    return writer_gate(parsed.database)


class UnitOfWork:
    """One transaction. It rolls back unless the use case calls `commit()`.

    With a gate, the unit holds it from start to end, whatever ends it: the `with` block
    is the one place that cannot be left without passing __exit__.
    """

    def __init__(self, factory: sessionmaker[Session], gate: WriterGate | None = None):
        self._factory = factory
        self._gate = gate
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        if self._gate is not None:
            self._gate.acquire(SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            self.session = self._factory()
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.session.rollback()
        finally:
            try:
                self.session.close()
            finally:
                self._release()

    def _release(self) -> None:
        if self._gate is not None:
            self._gate.release()

    def commit(self) -> None:
        self.session.commit()


class Database:
    """Engines and session factories for one database URL."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        _count_connections(self.engine)
        self._disposed = False
        self.dialect = self.engine.dialect.name
        self._gate = _gate_for(url)
        # Writes flush once, at the end of the use case (see services.execution.advance),
        # so that the audit events and task rows of one request go out in batches.
        self._writes = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._reads = sessionmaker(
            self.engine.execution_options(read_only=True), expire_on_commit=False
        )

    def before_commit(self, callback) -> None:
        """Call `callback(session)` before every write transaction commits."""
        event.listen(self._writes, "before_commit", callback)

    def after_rollback(self, callback) -> None:
        """Call `callback(session)` after a write transaction rolls back."""
        event.listen(self._writes, "after_rollback", callback)

    def after_flush(self, callback) -> None:
        """Call `callback(session, flush_context)` after every flush of a write transaction."""
        event.listen(self._writes, "after_flush", callback)

    def after_commit(self, callback) -> None:
        """Call `callback(session)` after a write transaction committed."""
        event.listen(self._writes, "after_commit", callback)

    def listen(self, channel: str):
        """A context manager yielding an object whose `wait(seconds)` returns True
        when a NOTIFY on `channel` arrived; on SQLite, None (nothing to listen to)."""
        if self.dialect != "postgresql":
            return contextlib.nullcontext(None)
        return _Listener(self.url, channel)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._writes, self._gate)

    def read(self) -> UnitOfWork:
        return UnitOfWork(self._reads)

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        command.upgrade(self._alembic_config(), revision)

    def downgrade(self, revision: str) -> None:
        from alembic import command

        command.downgrade(self._alembic_config(), revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def head_revision(self) -> str | None:
        """The newest migration this code ships (what `upgrade` would bring the database to)."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def _alembic_config(self):
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["engine"] = self.engine
        return config

    def dispose(self) -> None:
        self.engine.dispose()
        if not self._disposed:
            self._disposed = True
            instruments.pool_capacity().dec(_capacity(self.engine))


class _Listener:
    """LISTEN on a dedicated autocommit connection (PostgreSQL only)."""

    def __init__(self, url: str, channel: str):
        self._url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._channel = channel
        self._connection = None

    def __enter__(self):
        import psycopg

        self._connection = psycopg.connect(self._url, autocommit=True)
        self._connection.execute(f"LISTEN {self._channel}")
        return self

    def wait(self, seconds: float) -> bool:
        return any(True for _ in self._connection.notifies(timeout=seconds, stop_after=1))

    def __exit__(self, *exc_info) -> None:
        self._connection.close()
