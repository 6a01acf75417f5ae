"""`incident-desk user groups|disable|enable|list`: administering people from the console,
with clear messages instead of tracebacks."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from service.cli import main


@pytest.fixture
def run(database_url, monkeypatch):
    monkeypatch.setenv("INCIDENT_DESK_DATABASE_URL", database_url)

    def invoke(*args, input=None):
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    assert invoke("db", "upgrade").exit_code == 0
    return invoke


def test_groups_leads_disable_enable_and_list(run):
    assert run("user", "add", "alice", "--group", "L1").exit_code == 0
    assert run("user", "add", "rita", "--display-name", "Rita R").exit_code == 0
    changed = run("user", "groups", "alice", "--group", "L1", "--group", "L2", "--lead", "L2")
    assert changed.exit_code == 0, changed.output
    assert "groups L1, L2; leads L2" in changed.output
    assert run("user", "list", "--group", "L2").output == "alice\tL1,L2\t\n"
    disabled = run("user", "disable", "alice")
    assert disabled.exit_code == 0, disabled.output
    assert "alice disabled: 0 token(s) revoked, 0 task(s) released" in disabled.output
    assert run("user", "list", "--disabled").output == "alice\tL1,L2\t\tdisabled\n"
    assert "rita\t-\tRita R\n" in run("user", "list").output
    assert run("user", "enable", "alice").exit_code == 0
    assert run("user", "list", "--disabled").output == ""


def test_refusals_are_clear_messages(run):
    assert run("user", "add", "adam", "--group", "admin").exit_code == 0
    unknown = run("user", "disable", "nobody")
    assert unknown.exit_code == 1 and "no user nobody" in unknown.output
    last = run("user", "groups", "adam", "--group", "L1")
    assert last.exit_code == 1 and "last admin" in last.output
    assert run("user", "disable", "adam").exit_code == 1
    lead = run("user", "groups", "adam", "--group", "admin", "--lead", "L1")
    assert lead.exit_code == 1 and "lead_of" in lead.output
    assert run("user", "groups", "adam", "--group", "wizards").exit_code == 2


def test_without_the_database_the_commands_say_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCIDENT_DESK_DATABASE_URL", f"sqlite:///{tmp_path / 'none.sqlite3'}")
    for args in (("list",), ("disable", "alice"), ("enable", "alice"), ("groups", "a")):
        result = CliRunner().invoke(main, ["user", *args])
        assert result.exit_code == 1, result.output
        assert "no database at" in result.output and "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "none.sqlite3").exists()
    # a database file that is not migrated: a message too
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    monkeypatch.setenv("INCIDENT_DESK_DATABASE_URL", f"sqlite:///{empty}")
    result = CliRunner().invoke(main, ["user", "list"])
    assert result.exit_code == 1 and "db upgrade" in result.output
