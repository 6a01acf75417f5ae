"""Personal data never reaches the log: a full run through the server, grepped.

A reporter with a name, an address and words nobody else uses opens an
incident over HTTP, is searched for, comments, gets triaged, has a step of
hers fail in a script that quotes her data; the server logs at DEBUG
meanwhile. None of her words may be in what it wrote. And a database error
in a traceback keeps its kind and statement but not what it quotes.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from service.logs import WithoutData
from tests.served import serving

NAME = "Zoltana Quirinus-Vell"
ADDRESS = "zoltana.qv@mailbox.example"
WORDS = "purple walrus keyboard meltdown"
REPLY = "ninety velvet teaspoons"
SECRETS = [NAME, "Zoltana", "Quirinus", ADDRESS, "zoltana.qv", WORDS, "walrus", REPLY, "velvet"]


def _call(port, method, path, token, body=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_a_full_run_logs_none_of_the_reporters_data(tmp_path):
    log_file = tmp_path / "server.log"
    processes = tmp_path / "processes"
    # The calendars folder too: the SLA table names its calendars.
    shutil.copytree(Path("processes"), processes)
    for source in Path("processes").glob("*.*"):
        content = source.read_text()
        if source.name == "incident.bpmn":
            # The step after an L1 escalation fails, quoting the reporter in its error.
            content = content.replace(
                'closure_code = "converted_to_request"',
                "raise ValueError(f'cannot convert for {reporter_name} {reporter_contact}')",
            )
        (processes / source.name).write_text(content)
    cli = [sys.executable, "-m", "service.cli"]
    with (
        log_file.open("wb") as log,
        serving(
            tmp_path,
            output=log,
            INCIDENT_DESK_PROCESSES=str(processes),
            INCIDENT_DESK_LOG_LEVEL="DEBUG",
        ) as (port, env),
    ):
        run = lambda *args: subprocess.run(  # noqa: E731
            [*cli, *args], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        run("user", "add", "zoltana", "--display-name", NAME, "--contact", ADDRESS)
        run("user", "add", "alice", "--group", "L1")
        rita, alice = run("token", "create", "zoltana"), run("token", "create", "alice")

        status, incident = _call(
            port, "POST", "/api/incidents", rita, {"title": WORDS, "description": WORDS}
        )
        assert status == 201, incident
        number = incident["number"]
        query = urllib.parse.quote(WORDS)
        assert _call(port, "GET", f"/api/incidents?text={query}", alice)[0] == 200
        assert _call(port, "GET", "/api/incidents?reporter=zoltana", alice)[0] == 200
        status, _ = _call(port, "POST", f"/api/incidents/{number}/comments", rita, {"body": REPLY})
        assert status == 201
        task = incident["open_tasks"][0]["id"]
        status, failed = _call(
            port,
            "POST",
            f"/api/tasks/{task}/complete",
            alice,
            {"kind": "request", "category": "access", "symptoms": WORDS},
        )
        assert status == 422 and NAME in failed["message"]  # the user is told, the log not
    written = log_file.read_text(errors="replace")
    assert "GET /api/incidents " in written  # the log was written, requests included
    for secret in SECRETS:
        assert secret not in written, (secret, _around(written, secret))


def _around(text: str, secret: str) -> str:
    at = text.find(secret)
    return text[max(0, at - 300) : at + 100]


def test_a_database_error_in_a_traceback_keeps_its_statement_not_its_data(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/x.sqlite3", hide_parameters=True)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE people (name TEXT UNIQUE)"))
        connection.execute(text("INSERT INTO people VALUES (:name)"), {"name": NAME})
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO people VALUES (:name)"), {"name": NAME})
    except IntegrityError:
        record = logging.LogRecord("x", logging.ERROR, "x", 1, "failed", None, sys.exc_info())
    engine.dispose()
    formatted = WithoutData().format(record)
    assert "INSERT INTO people VALUES" in formatted
    assert "sqlalchemy.exc.IntegrityError" in formatted and "sqlite3.IntegrityError" in formatted
    assert NAME not in formatted

    # The driver's own message quotes the row too (PostgreSQL's DETAIL does).
    try:
        raise sqlite3.IntegrityError(f"UNIQUE constraint failed: people.name ({NAME})")
    except sqlite3.IntegrityError:
        record = logging.LogRecord("x", logging.ERROR, "x", 1, "failed", None, sys.exc_info())
    assert NAME not in WithoutData().format(record)


def test_json_lines_carry_the_request_id_into_the_work_it_caused(tmp_path):
    """JSON lines parse, name the request, incident and user, and the timer the request
    set is fired later under the same request id; none of the reporter's words appear."""
    log_file = tmp_path / "server.log"
    cli = [sys.executable, "-m", "service.cli"]
    with (
        log_file.open("wb") as log,
        serving(
            tmp_path,
            output=log,
            INCIDENT_DESK_LOG_FORMAT="json",
            INCIDENT_DESK_LOG_LEVEL="DEBUG",
        ) as (port, env),
    ):
        run = lambda *args: subprocess.run(  # noqa: E731
            [*cli, *args], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        run("user", "add", "zoltana", "--display-name", NAME, "--contact", ADDRESS)
        rita = run("token", "create", "zoltana")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/incidents",
            method="POST",
            data=json.dumps({"title": WORDS, "description": REPLY}).encode(),
            headers={
                "Authorization": f"Bearer {rita}",
                "Content-Type": "application/json",
                "X-Request-Id": "trace-0123456789",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["X-Request-Id"] == "trace-0123456789"
            number = json.loads(response.read())["number"]
        # The worker fires what that request armed (its timers, its mail) under its id.
        worked = subprocess.run(
            [*cli, "worker", "--once"],
            env={**env, "INCIDENT_DESK_LOG_FORMAT": "json", "INCIDENT_DESK_LOG_LEVEL": "DEBUG"},
            capture_output=True,
            text=True,
            check=True,
        )
    # What `serve` prints (the deployed versions) is not logging; every log record is JSON.
    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line[:1] == "{"]
    assert lines
    assert all({"level", "logger", "message"} <= line.keys() for line in lines)
    traced = [line for line in lines if line.get("request_id") == "trace-0123456789"]
    assert traced, lines[-5:]
    assert any(line.get("user_id") for line in traced)
    [access] = [line for line in traced if line["logger"] == "incident_desk.access"]
    assert "POST /api/incidents " in access["message"] and access["user_id"]
    written = log_file.read_text() + worked.stderr
    for secret in SECRETS:
        assert secret not in written, (secret, _around(written, secret))
    assert number  # the incident was opened


def test_text_lines_end_with_the_request_and_incident_they_belong_to():
    from service import logs

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(WithoutData(logs.FORMAT))
    handler.addFilter(logs.WithContext())
    logger = logging.getLogger("tests.text_context")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logs.end_request()  # whatever an earlier test left in this thread's context
    try:
        logger.info("outside any request")
        logs.begin_request("trace-0123456789")
        logs.note(incident="INC-000042", user_id=7)
        logger.info("inside one")
        logs.end_request()
        with logs.working_on(incident="INC-000043"):
            logger.info("a timer's work")
    finally:
        logger.removeHandler(handler)
    outside, inside, later = stream.getvalue().splitlines()
    assert outside.endswith("outside any request")
    assert inside.endswith("inside one [request_id=trace-0123456789 incident=INC-000042 user_id=7]")
    assert later.endswith("a timer's work [incident=INC-000043]")
