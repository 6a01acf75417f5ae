"""Backups taken while the desk works, restored into a new database: nothing is lost,
and the timers that were waiting fire there."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from service import create_app
from service.cli import main
from service.services.backup import copies
from service.services.backup.manifest import BackupError, Manifest
from service.worker import TimerWorker
from tests.api.test_attachments_api import attach, png
from tests.conftest import ON_POSTGRES, Clients, settings_for
from tests.helpers import get_incident, open_incident


@pytest.fixture
def settings(settings, tmp_path):
    return settings.with_overrides(attachments_dir=str(tmp_path / "files"))


def seed(api) -> list[str]:
    """Three incidents, each with a reply and a file; each waits on its first-response timer."""
    numbers = []
    for n in range(3):
        number = open_incident(api.rita, title=f"Printer {n} jams")["number"]
        reply = api.rita.post(f"/api/incidents/{number}/comments", json={"body": f"Still {n}"})
        assert reply.status_code == 201, reply.json
        assert attach(api.rita, number, [(f"jam-{n}.png", png(n + 1))]).status_code == 201
        numbers.append(number)
    return numbers


def test_a_backup_taken_while_writing_restores_whole_and_its_timers_fire(
    api, settings, clock, tmp_path, empty_database_url, people
):
    numbers = seed(api)
    first_write, stop = threading.Event(), threading.Event()
    written = []

    def writer():
        client = api.ron
        number = open_incident(client, title="Written during the backup")["number"]
        while not stop.is_set():
            posted = client.post(f"/api/incidents/{number}/comments", json={"body": "more"})
            written.append(posted.status_code)
            first_write.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert first_write.wait(timeout=30)
        made = copies.take(settings, tmp_path / "backup", clock())
    finally:
        stop.set()
        thread.join(timeout=30)
    assert set(written) == {201}
    assert made.schema_revision is not None and made.missing_files == []
    assert made.attachment_files == 3
    assert made.counts["incidents"] in (3, 4) and made.counts["attachments"] == 3
    assert made.counts["comments"] >= 6 and made.counts["waiting_timers"] >= 3
    assert Manifest.read(tmp_path / "backup") == made

    target = settings_for(empty_database_url, attachments_dir=str(tmp_path / "restored-files"))
    restored = copies.restore(target, tmp_path / "backup")
    assert restored.counts == made.counts
    with pytest.raises(BackupError, match="not empty"):
        copies.restore(target, tmp_path / "backup")

    app = create_app(target, clock=clock)
    try:
        again = Clients(app, people)  # the same users and tokens, restored
        for n, number in enumerate(numbers):
            incident = get_incident(again.alice, number)
            assert incident["title"] == f"Printer {n} jams"
            assert incident["sla"]["first_response"]["state"] == "running"
            comments = again.alice.get(f"/api/incidents/{number}/comments").json
            [file] = [a for c in comments for a in c["attachments"]]
            download = again.alice.get(f"/api/incidents/{number}/attachments/{file['id']}")
            assert download.status_code == 200 and download.data == png(n + 1)

        clock.advance(hours=3, seconds=1)
        svc = app.extensions["incident_desk"]
        assert TimerWorker(svc, name="restored").run_once() == made.counts["waiting_timers"]
        for number in numbers:
            assert get_incident(again.alice, number)["sla"]["first_response"]["state"] == "breached"
    finally:
        app.extensions["incident_desk"].close()


def test_the_commands_back_up_and_restore_and_refuse_what_they_cannot(
    api, database_url, settings, tmp_path, empty_database_url, monkeypatch
):
    seed(api)
    monkeypatch.setenv("INCIDENT_DESK_ATTACHMENTS_DIR", settings.attachments_dir)
    runner = CliRunner()
    backup = tmp_path / "nightly"
    taken = runner.invoke(main, ["--database", database_url, "backup", str(backup)])
    assert taken.exit_code == 0, taken.output
    assert "3 incidents, 6 comments, 3 attachments, 3 waiting timers, 3 files" in taken.output
    again = runner.invoke(main, ["--database", database_url, "backup", str(backup)])
    assert again.exit_code == 1 and "not an empty folder" in again.output

    monkeypatch.delenv("INCIDENT_DESK_ATTACHMENTS_DIR")
    no_folder = runner.invoke(main, ["--database", empty_database_url, "restore", str(backup)])
    assert no_folder.exit_code == 1 and "INCIDENT_DESK_ATTACHMENTS_DIR" in no_folder.output
    monkeypatch.setenv("INCIDENT_DESK_ATTACHMENTS_DIR", str(tmp_path / "restored-files"))
    done = runner.invoke(main, ["--database", empty_database_url, "restore", str(backup)])
    assert done.exit_code == 0, done.output
    assert "3 incidents, 6 comments, 3 attachments, 3 waiting timers" in done.output
    refused = runner.invoke(main, ["--database", empty_database_url, "restore", str(backup)])
    assert refused.exit_code == 1 and "--force" in refused.output
    forced = runner.invoke(
        main, ["--database", empty_database_url, "restore", "--force", str(backup)]
    )
    assert forced.exit_code == 0, forced.output

    other = "postgresql+psycopg://x@127.0.0.1:9/x" if not ON_POSTGRES else "sqlite:///x.sqlite3"
    wrong = runner.invoke(main, ["--database", other, "restore", str(backup)])
    assert wrong.exit_code == 1 and "backup; it restores into a" in wrong.output


def test_without_pg_dump_the_backup_says_what_to_install(monkeypatch, tmp_path):
    from service.services.backup import postgres

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(postgres, "_DEBIAN_TOOLS", tmp_path)
    with pytest.raises(BackupError, match=r"pg_dump not found: install .*postgresql-client"):
        postgres.tool("pg_dump")
