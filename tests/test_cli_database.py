"""The command line finds the database `serve` uses, and never makes an empty one by mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service import settings_file
from service.cli import main
from tests.conftest import PROCESSES

# Every command but `serve`, `db upgrade` and `restore`, which may make the database.
COMMANDS = [
    ("worker", "--once", "--only", "timers"),
    ("deploy", str(PROCESSES)),
    ("user", "add", "alice"),
    ("user", "passwd", "alice"),
    ("user", "list"),
    ("token", "create", "alice"),
    ("token", "list", "alice"),
    ("token", "revoke", "1"),
    ("backup", "backup-folder"),
]


@pytest.fixture
def elsewhere(tmp_path, monkeypatch) -> Path:
    """A folder with no settings file, no database, and nothing in the environment."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for name in (settings_file.PREFIX + "DATABASE_URL", settings_file.CONFIG_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(settings_file, "SYSTEM_FILE", tmp_path / "no-such" / "file.env")
    return folder


def cli(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def refused_in_one_line(result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_command_run_where_there_is_no_database_makes_none(elsewhere, command):
    result = cli(*command, input="correct horse battery\n")
    refused_in_one_line(result, "no database at", str(elsewhere / "incident-desk.sqlite3"))
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_command_refuses_a_database_that_was_never_migrated(elsewhere, command):
    (elsewhere / "empty.sqlite3").touch()
    result = cli("--database", "sqlite:///empty.sqlite3", *command, input="correct horse battery\n")
    refused_in_one_line(result, "not migrated", "db upgrade", "--database")


def test_an_unreachable_database_is_one_line_without_the_password(elsewhere):
    url = "postgresql+psycopg://desk:s3cret-word@127.0.0.1:9/desk"
    result = cli("--database", url, "user", "list")
    refused_in_one_line(result, "cannot reach the database", "127.0.0.1")
    assert "s3cret-word" not in result.output


def test_db_upgrade_makes_the_database_and_the_others_then_use_it(elsewhere):
    assert cli("user", "list").exit_code == 1
    made = cli("db", "upgrade")
    assert made.exit_code == 0 and "database at revision" in made.output
    assert cli("user", "add", "alice", "--group", "L1").exit_code == 0
    assert "alice\tL1" in cli("user", "list").output


def test_the_settings_file_next_to_the_data_is_found_from_anywhere(
    elsewhere, tmp_path, monkeypatch
):
    data = tmp_path / "srv"
    data.mkdir()
    config = data / "incident-desk.env"
    config.write_text(
        "# the desk's settings\n"
        "INCIDENT_DESK_DATABASE_URL=sqlite:///desk.sqlite3\n"
        "INCIDENT_DESK_ATTACHMENTS_DIR=files\n"
    )
    monkeypatch.chdir(data)  # as `serve` would be started there
    assert cli("db", "upgrade").exit_code == 0
    assert (data / "desk.sqlite3").exists()
    assert cli("user", "add", "alice").exit_code == 0

    monkeypatch.chdir(elsewhere)
    assert "alice" in cli("--config", str(config), "user", "list").output
    monkeypatch.setenv(settings_file.CONFIG_VARIABLE, str(config))
    assert "alice" in cli("user", "list").output
    settings, found = settings_file.load()
    assert found == config
    assert settings.database_url == f"sqlite:///{data / 'desk.sqlite3'}"
    assert settings.attachments_dir == str(data / "files")
    assert list(elsewhere.iterdir()) == []


def test_the_environment_and_then_database_option_win_over_the_file(elsewhere, monkeypatch):
    (elsewhere / "incident-desk.env").write_text(
        "INCIDENT_DESK_DATABASE_URL=sqlite:///from-file.sqlite3\nINCIDENT_DESK_SMTP_PORT=2525\n"
    )
    settings, _ = settings_file.load()
    assert settings.database_url.endswith("/from-file.sqlite3") and settings.smtp_port == 2525
    monkeypatch.setenv("INCIDENT_DESK_DATABASE_URL", "sqlite:///from-env.sqlite3")
    assert settings_file.load()[0].database_url == "sqlite:///from-env.sqlite3"
    chosen = settings_file.load(database_url="sqlite:///chosen.sqlite3")[0]
    assert chosen.database_url == "sqlite:///chosen.sqlite3" and chosen.smtp_port == 2525


def test_a_settings_file_with_a_mistake_is_refused_in_one_line(elsewhere):
    (elsewhere / "incident-desk.env").write_text("INCIDENT_DESK_DATABSE_URL=sqlite:///x.sqlite3\n")
    refused_in_one_line(cli("user", "list"), "not a setting", "INCIDENT_DESK_DATABSE_URL")
    (elsewhere / "incident-desk.env").write_text("INCIDENT_DESK_SMTP_PORT=twenty-five\n")
    refused_in_one_line(cli("user", "list"), "INCIDENT_DESK_SMTP_PORT must be an integer")
    refused_in_one_line(cli("--config", "missing.env", "user", "list"), "no settings file")
