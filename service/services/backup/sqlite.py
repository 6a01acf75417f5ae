"""SQLite: the online backup API, which copies a consistent state while writers go on."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


def path_of(url: str) -> Path:
    return Path(make_url(url).database).expanduser()


def dump(url: str, target: Path, inspect: Callable[[Connection], object]):
    """Copy the database at `url` into the file `target`; `inspect` reads the copy."""
    with (
        contextlib.closing(sqlite3.connect(path_of(url))) as source,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        # All pages in one step: one read transaction, so one moment's state
        # however busy the writers are.
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    return _read(target, inspect)


def load(dump_file: Path, url: str) -> None:
    """Write the dump over the database at `url` (made when missing)."""
    path = path_of(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(dump_file)) as source,
        contextlib.closing(sqlite3.connect(path)) as target,
    ):
        source.backup(target)


def _read(path: Path, inspect):
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return inspect(connection)
    finally:
        engine.dispose()
