"""The command line: users, tokens, migrations, and serving HTTP."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from service.cli import main
from service.services.users import hash_token
from tests.conftest import FORMS, PROCESSES
from tests.served import serving


@pytest.fixture
def run(database_url, monkeypatch):
    monkeypatch.setenv("INCIDENT_DESK_DATABASE_URL", database_url)

    def invoke(*args, input=None):
        result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
        return result

    return invoke


def test_a_password_is_set_from_standard_input_and_only_its_hash_is_kept(run, database_url):
    assert run("db", "upgrade").exit_code == 0
    assert run("user", "add", "alice", "--group", "L1").exit_code == 0
    result = run("user", "passwd", "alice", input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    assert "password of alice set" in result.output
    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM users")).scalar_one()
    engine.dispose()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    short = run("user", "passwd", "alice", input="short\n")
    assert short.exit_code == 1 and "10 to 1024 characters" in short.output
    assert run("user", "passwd", "nobody", input="correct horse battery\n").exit_code == 1


def test_users_and_tokens(run, database_url):
    assert run("db", "upgrade").exit_code == 0
    result = run("user", "add", "Alice", "--group", "L1", "--group", "L2", "--display-name", "A")
    assert result.exit_code == 0, result.output
    assert "alice" in result.output
    assert run("user", "add", "alice").exit_code == 1
    assert "already exists" in run("user", "add", "alice").output
    assert run("user", "add", "x", "--group", "wizards").exit_code == 2

    token = run("token", "create", "alice", "--label", "laptop").output.strip()
    assert token.startswith("idk_") and len(token) > 40
    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
    engine.dispose()
    assert stored == [hash_token(token)]  # only the hash is kept

    listing = run("token", "list", "alice").output
    assert "active" in listing and "laptop" in listing and token not in listing
    token_id = listing.split()[0]
    assert "revoked" in run("token", "revoke", token_id).output
    assert "revoked" in run("token", "list", "alice").output
    assert "alice\tL1,L2\tA" in run("user", "list").output
    assert run("token", "create", "nobody").exit_code == 1


def _get(url: str, token: str | None = None):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_serve_on_a_fresh_sqlite_database(tmp_path):
    """The README's start: serve creates and migrates the database and deploys the processes."""
    cli = [sys.executable, "-m", "service.cli"]
    with serving(tmp_path) as (port, env):
        assert _get(f"http://127.0.0.1:{port}/health") == (200, {"status": "ok", "database": "ok"})
        subprocess.run(
            [*cli, "user", "add", "olga", "--group", "process-owner"], env=env, check=True
        )
        token = subprocess.run(
            [*cli, "token", "create", "olga"], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        status, processes = _get(f"http://127.0.0.1:{port}/api/processes", token)
        assert status == 200
        assert {p["id"] for p in processes} == {
            "call",
            "data_breach",
            "major_incident",
            "incident",
            "satisfaction",
            "service_request",
        }
        assert Path(tmp_path, "desk.sqlite3").exists()


def test_deploy_reports_versions_and_problems(run, tmp_path):
    assert run("db", "upgrade").exit_code == 0
    first = run("deploy", str(PROCESSES), str(FORMS))
    assert first.exit_code == 0, first.output
    assert "process incident: version 1 (new version)" in first.output
    assert "decision sla_targets: version 1 (new version)" in first.output

    again = run("deploy", str(PROCESSES), str(FORMS))
    assert again.exit_code == 0
    assert "process incident: version 1 (unchanged)" in again.output
    assert "nothing changed" in again.output

    broken = tmp_path / "incident.bpmn"
    broken.write_text((PROCESSES / "incident.bpmn").read_text().replace('name="L3"', 'name="Ops"'))
    refused = run("deploy", str(broken))
    assert refused.exit_code == 1
    assert "nothing was deployed" in refused.output
    assert re.search(r"incident\.bpmn:\d+ \[Lane_L3\]: lane 'Ops' maps to no group", refused.output)
    assert "unchanged" in run("deploy", str(PROCESSES / "incident.bpmn")).output
