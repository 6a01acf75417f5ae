"""`incident-desk mail receive`: an MTA's pipe delivery, with the exit codes it acts on."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import create_engine, text

from tests.conftest import FORMS, PROCESSES
from tests.mail_messages import message

CLI = [sys.executable, "-m", "service.cli"]


def _run(database_url, *args, stdin: bytes = b""):
    env = {**os.environ, "INCIDENT_DESK_DATABASE_URL": database_url}
    return subprocess.run(
        [*CLI, *args], input=stdin, env=env, capture_output=True, timeout=120, check=False
    )


def test_the_pipe_takes_a_message_and_answers_in_sysexits(database_url, tmp_path):
    assert _run(database_url, "db", "upgrade").returncode == 0
    assert _run(database_url, "deploy", str(PROCESSES), str(FORMS)).returncode == 0
    added = _run(database_url, "user", "add", "rita", "--contact", "rita@example.org")
    assert added.returncode == 0, added.stderr
    raw = message(subject="VPN is down", text="Since 9:00.")

    # The database is down: EX_TEMPFAIL, so the MTA keeps the message and retries.
    down = _run("postgresql+psycopg://postgres@127.0.0.1:9/none", "mail", "receive", stdin=raw)
    assert down.returncode == 75, down.stderr
    assert b"try later" in down.stderr
    assert b"rita@example.org" not in down.stderr + down.stdout

    # Run where the SQLite file is not: no empty database is made, the MTA retries.
    elsewhere = tmp_path / "nowhere" / "desk.sqlite3"
    lost = _run(f"sqlite:///{elsewhere}", "mail", "receive", stdin=raw)
    assert lost.returncode == 75 and b"no database at" in lost.stderr
    assert not elsewhere.exists()

    taken = _run(database_url, "mail", "receive", stdin=raw)
    assert taken.returncode == 0, taken.stderr
    assert taken.stdout.decode().split() == ["opened", "INC-000001"]
    again = _run(database_url, "mail", "receive", stdin=raw)
    assert (again.returncode, again.stdout.decode().strip()) == (
        0,
        "opened (already taken) INC-000001",
    )

    # Not a message at all: EX_DATAERR, the MTA bounces it; nothing is stored.
    junk = _run(database_url, "mail", "receive", stdin=b"\x00\x01 no headers here")
    assert junk.returncode == 65, junk.stderr
    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM inbound_messages")).scalar_one()
        titles = connection.execute(text("SELECT title, channel FROM incidents")).all()
    engine.dispose()
    assert stored == 1
    assert [tuple(t) for t in titles] == [("VPN is down", "email")]
