"""`incident-desk serve` in a process of its own, for tests that need a real server."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str, context=None, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def serving(folder: Path, *, output=subprocess.DEVNULL, extra_args=(), **env):
    """(port, environment) of a server on a SQLite file in `folder`, stopped afterwards."""
    port = free_port()
    environment = {
        **os.environ,
        "INCIDENT_DESK_DATABASE_URL": f"sqlite:///{folder}/desk.sqlite3",
        "INCIDENT_DESK_LOG_LEVEL": "WARNING",
        "INCIDENT_DESK_MODELER_CHECK": "false",
        **env,
    }
    # None unsets a variable the tests' own environment may have.
    environment = {name: value for name, value in environment.items() if value is not None}
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port), *extra_args],
        env=environment,
        cwd=folder,
        stdout=output,
        stderr=subprocess.STDOUT if output is not subprocess.DEVNULL else subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not answers(f"http://127.0.0.1:{port}/health"):
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the server did not start")
            time.sleep(0.1)
        yield port, environment
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
