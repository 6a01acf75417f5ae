"""PostgreSQL: pg_dump in the custom format from one exported snapshot, pg_restore back."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .manifest import BackupError

# Debian keeps each major version's tools here; the newest reads the most servers.
_DEBIAN_TOOLS = Path("/usr/lib/postgresql")


def tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        (p for p in _DEBIAN_TOOLS.glob(f"*/bin/{name}") if p.parent.parent.name.isdigit()),
        key=lambda p: int(p.parent.parent.name),
    )
    if versions:
        return str(versions[-1])
    raise BackupError(
        f"{name} not found: install PostgreSQL's client tools (Debian: postgresql-client)"
    )


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it, and an environment carrying the password
    (never on the command line, where `ps` would show it)."""
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password:
        environment["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    # The tool found by `tool()` with arguments built here, no shell.
    done = subprocess.run(  # noqa: S603
        command, env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise BackupError(f"{Path(command[0]).name} failed: {reason}")


def dump(url: str, target: Path, inspect: Callable[[Connection], object]):
    """pg_dump the database into `target`; `inspect` reads the very state dumped."""
    pg_dump = tool("pg_dump")
    conninfo, environment = _libpq(url)
    engine = create_engine(url, poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                # pg_dump reads the snapshot this transaction holds open, so the
                # counts and file list below describe exactly what it writes.
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                found = inspect(connection)
                _run(
                    [
                        pg_dump,
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        "--no-owner",
                        "--no-privileges",
                        f"--file={target}",
                        f"--dbname={conninfo}",
                    ],
                    environment,
                )
    finally:
        engine.dispose()
    return found


def load(dump_file: Path, url: str, *, replace: bool) -> None:
    """pg_restore into the database at `url`, which must exist (empty, unless `replace`)."""
    pg_restore = tool("pg_restore")
    conninfo, environment = _libpq(url)
    command = [
        pg_restore,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={conninfo}",
    ]
    if replace:
        command[1:1] = ["--clean", "--if-exists"]
    _run([*command, str(dump_file)], environment)
