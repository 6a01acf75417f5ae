"""The mailbox poller against a real Dovecot: messages handed over raw and filed, IDLE, TLS,
logins refused, and `incident-desk worker --once --only mail`."""

from __future__ import annotations

import logging
import threading
from email.utils import make_msgid

import pytest
import trustme
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from service.cli import main
from service.config import Settings
from service.models import InboundMessage
from service.services.context import build_services
from service.services.mail.mailbox import (
    MailboxError,
    MailboxPoller,
    Outcome,
    Retry,
    Round,
    intake_handler,
)
from tests.conftest import FORMS, PROCESSES
from tests.mail_messages import message as mail_message
from tests.mail_servers import PASSWORD

WAIT = 30  # generous: each wait ends as soon as what it waits for happens


def message(subject: str, body: str = "The printer on floor 2 is jammed.") -> bytes:
    """An RFC 5322 message with CRLF line ends, as IMAP servers hand them out."""
    return (
        f"From: Rita Reporter <rita@example.org>\r\n"
        f"To: desk@example.org\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: {make_msgid(domain='example.org')}\r\n"
        f"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n"
        f"MIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: 8bit\r\n"
        f"\r\n{body}\r\nΕυχαριστώ\r\n"
    ).encode()


class Recorder:
    """A handler that keeps what it is given and answers as told (TAKEN unless a rule says)."""

    def __init__(self, answer=None):
        self.handed: list[bytes] = []
        self.arrived = threading.Event()
        self._answer = answer or (lambda raw: Outcome.TAKEN)
        self._change = threading.Condition()

    def __call__(self, raw: bytes) -> Outcome:
        with self._change:
            self.handed.append(raw)
            self._change.notify_all()
        try:
            return self._answer(raw)
        finally:
            self.arrived.set()

    def wait_for(self, raw: bytes) -> bool:
        """Whether `raw` is handed over within WAIT seconds."""
        with self._change:
            return self._change.wait_for(lambda: raw in self.handed, WAIT)


class LogWatch(logging.Handler):
    """Sets `seen` when a record at `level` or above comes from the mail package."""

    def __init__(self, level=logging.ERROR):
        super().__init__(level)
        self.seen = threading.Event()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)
        self.seen.set()


@pytest.fixture
def watch():
    watcher = LogWatch()
    logger = logging.getLogger("service.services.mail")
    logger.addHandler(watcher)
    yield watcher
    logger.removeHandler(watcher)


def running(poller: MailboxPoller):
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    return stop, thread


def test_messages_are_handed_over_byte_for_byte_in_order_and_filed_by_outcome(dovecot):
    seeded = [message(f"Ticket {n}") for n in range(5)]
    seeded[3] = message("Out of office", "I am away until Monday.")
    dovecot.append(*seeded)
    handler = Recorder(lambda raw: Outcome.REFUSED if b"Out of office" in raw else Outcome.TAKEN)

    result = MailboxPoller(dovecot.settings(), handler, batch=2).run_once()

    assert result == Round(taken=4, refused=1)
    assert handler.handed == seeded
    assert dovecot.raw_in("INBOX") == []
    assert dovecot.raw_in("Taken") == [seeded[n] for n in (0, 1, 2, 4)]
    assert dovecot.raw_in("Refused") == [seeded[3]]
    with dovecot.mailbox() as box:
        box.folder.set("Taken")
        assert all("\\Seen" not in m.flags for m in box.fetch(mark_seen=False))


def test_try_later_leaves_the_message_in_place_and_the_next_round_takes_it(dovecot):
    first, second = message("VPN down"), message("VPN still down")
    dovecot.append(first, second)
    database_down = True

    def answer(raw):
        if database_down:
            raise Retry("database unreachable")
        return Outcome.TAKEN

    handler = Recorder(answer)
    poller = MailboxPoller(dovecot.settings(), handler)

    assert poller.run_once().deferred
    assert handler.handed == [first]  # the rest wait too: the desk cannot take any now
    assert dovecot.raw_in("INBOX") == [first, second]
    assert dovecot.raw_in("Taken") == []

    database_down = False
    assert poller.run_once() == Round(taken=2)
    assert dovecot.raw_in("INBOX") == []
    assert dovecot.raw_in("Taken") == [first, second]


def test_a_message_the_handler_fails_on_stays_and_the_others_go_on(dovecot, caplog):
    good, bad, later = message("Mouse broken"), message("Keyboard broken"), message("Screen")
    dovecot.append(good, bad, later)

    def answer(raw):
        if b"Keyboard" in raw:
            raise ValueError(f"cannot parse {raw[:60]!r}")
        return Outcome.TAKEN

    poller = MailboxPoller(dovecot.settings(), Recorder(answer))
    with caplog.at_level(logging.INFO, logger="service.services.mail"):
        assert poller.run_once() == Round(taken=2, failed=1)

    assert dovecot.raw_in("INBOX") == [bad]
    assert dovecot.raw_in("Taken") == [good, later]
    failure = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failure) == 1 and "ValueError" in failure[0].getMessage()
    assert "Keyboard" not in caplog.text and "rita@example.org" not in caplog.text

    assert MailboxPoller(dovecot.settings(), Recorder()).run_once() == Round(taken=1)
    assert dovecot.raw_in("Taken") == [good, later, bad]


def test_idle_hands_over_a_message_that_arrives_while_the_poller_waits(dovecot):
    handler = Recorder()
    # A poll of an hour: only IDLE can bring the second message in time.
    poller = MailboxPoller(dovecot.settings(poll_seconds=3600), handler)
    dovecot.append(first := message("First"))
    stop, thread = running(poller)
    try:
        assert handler.wait_for(first)
        dovecot.append(arriving := message("Arrives during IDLE"))
        assert handler.wait_for(arriving), dovecot.log_text()
    finally:
        stop.set()
        thread.join(WAIT)
    assert not thread.is_alive()
    assert dovecot.raw_in("Taken") == [first, arriving]


def test_a_dropped_connection_is_reopened_and_mail_goes_on(dovecot, caplog):
    handler = Recorder()
    poller = MailboxPoller(dovecot.settings(), handler, first_backoff=0.1, max_backoff=0.5)
    dovecot.append(before := message("Before the restart"))
    with caplog.at_level(logging.INFO, logger="service.services.mail"):
        stop, thread = running(poller)
        try:
            assert handler.wait_for(before)
            # Perhaps before the message was moved: then it is handed over again.
            dovecot.restart()
            dovecot.append(after := message("After the restart"))
            assert handler.wait_for(after), dovecot.log_text()
        finally:
            stop.set()
            thread.join(WAIT)
    assert dovecot.raw_in("Taken") == [before, after]
    assert dovecot.raw_in("INBOX") == []
    assert "reconnecting" in caplog.text
    assert PASSWORD not in caplog.text


def test_starttls_with_the_trusted_ca_works(dovecot):
    dovecot.append(raw := message("Over STARTTLS"))
    settings = dovecot.settings(security="starttls", port=dovecot.imap_port)

    assert MailboxPoller(settings, handler := Recorder()).run_once() == Round(taken=1)
    assert handler.handed == [raw]


def test_a_certificate_from_an_untrusted_ca_is_refused(dovecot, tmp_path, watch):
    dovecot.append(message("Must not be read"))
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    handler = Recorder()
    poller = MailboxPoller(dovecot.settings(ca_file=str(stranger)), handler)

    with pytest.raises(MailboxError, match="certificate is not trusted"):
        poller.run_once()
    stop, thread = running(poller)
    try:
        assert watch.seen.wait(WAIT)
    finally:
        stop.set()
        thread.join(WAIT)
    line = watch.records[0].getMessage()
    assert f"IMAP server 127.0.0.1:{dovecot.imaps_port}" in line
    assert "certificate is not trusted" in line and "INCIDENT_DESK_IMAP_CA_FILE" in line
    assert handler.handed == []
    assert len(dovecot.raw_in("INBOX")) == 1


def test_a_wrong_password_is_a_clear_error_that_never_shows_a_password(dovecot, watch, caplog):
    # One refused login per server: Dovecot makes each further one from the address wait.
    wrong = "not-the-password-91c2"
    handler = Recorder()
    with caplog.at_level(logging.DEBUG):
        stop, thread = running(MailboxPoller(dovecot.settings(password=wrong), handler))
        try:
            assert watch.seen.wait(WAIT)
        finally:
            stop.set()
            thread.join(WAIT)
    line = watch.records[0].getMessage()
    assert f"IMAP login to 127.0.0.1:{dovecot.imaps_port} refused" in line
    assert "INCIDENT_DESK_IMAP_PASSWORD" in line
    assert handler.handed == []
    for secret in (wrong, PASSWORD):
        assert secret not in caplog.text


def test_a_server_without_idle_is_polled(tmp_path):
    from tests.mail_servers import Dovecot

    with Dovecot(tmp_path, capabilities="IMAP4rev1 MOVE UIDPLUS") as server:
        handler = Recorder()
        poller = MailboxPoller(server.settings(poll_seconds=1), handler)
        stop, thread = running(poller)
        try:
            server.append(raw := message("Polled"))
            assert handler.arrived.wait(WAIT)
        finally:
            stop.set()
            thread.join(WAIT)
        assert not thread.is_alive()
        assert handler.handed == [raw]


def test_the_worker_reads_the_mailbox_once_through_the_desks_intake(
    dovecot, database_url, monkeypatch
):
    settings = dovecot.settings()
    for name, value in {
        "DATABASE_URL": database_url,
        "IMAP_HOST": settings.host,
        "IMAP_PORT": str(settings.port),
        "IMAP_USERNAME": settings.username,
        "IMAP_PASSWORD": settings.password,
        "IMAP_CA_FILE": settings.ca_file,
        "IMAP_TAKEN_FOLDER": "Handled",
    }.items():
        monkeypatch.setenv(f"INCIDENT_DESK_{name}", value)
    run = CliRunner()
    assert run.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert run.invoke(main, ["deploy", str(PROCESSES), str(FORMS)]).exit_code == 0
    added = run.invoke(main, ["user", "add", "rita", "--contact", "rita@example.org"])
    assert added.exit_code == 0, added.output

    new = mail_message(subject="Laptop will not boot", text="Black screen since Monday.")
    away = mail_message(subject="Out of Office", headers={"Auto-Submitted": "auto-replied"})
    junk = b"Subject: no sender at all\r\n\r\nnothing to answer\r\n"
    dovecot.append(new, away, junk)

    result = run.invoke(main, ["worker", "--once", "--only", "mail"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("mail: 2 taken, 1 refused")
    assert dovecot.raw_in("Handled") == [new, away]
    assert dovecot.raw_in("Refused") == [junk]
    assert dovecot.raw_in("INBOX") == []
    engine = create_engine(database_url)
    with engine.connect() as connection:
        incidents = connection.execute(text("SELECT title, channel FROM incidents")).all()
        kept = connection.execute(
            text("SELECT via, outcome FROM inbound_messages ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(i) for i in incidents] == [("Laptop will not boot", "email")]
    assert [tuple(k) for k in kept] == [("imap", "opened"), ("imap", "auto_reply")]

    # The same message found again (a round cut off before it was moved): taken once.
    dovecot.append(new)
    assert run.invoke(main, ["worker", "--once", "--only", "mail"]).exit_code == 0
    assert dovecot.raw_in("Handled") == [new, away, new]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM incidents")).scalar_one()
    engine.dispose()
    assert count == 1

    monkeypatch.setenv("INCIDENT_DESK_IMAP_PASSWORD", "wrong")
    failed = run.invoke(main, ["worker", "--once", "--only", "mail"])
    assert failed.exit_code == 1 and "IMAP login to" in failed.output


def test_with_the_database_down_mail_waits_in_the_mailbox_and_is_taken_later(dovecot, svc, people):
    raw = mail_message(subject="Printer offline", text="Since 10:00.")
    dovecot.append(raw)
    down = build_services(Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:9/none"))
    try:
        waiting = MailboxPoller(dovecot.settings(), intake_handler(down)).run_once()
    finally:
        down.close()
    assert waiting.deferred and dovecot.raw_in("INBOX") == [raw]

    assert MailboxPoller(dovecot.settings(), intake_handler(svc)).run_once().taken == 1
    assert dovecot.raw_in("INBOX") == [] and dovecot.raw_in("Taken") == [raw]
    with svc.db.read() as uow:
        [kept] = uow.session.scalars(select(InboundMessage)).all()
        assert (kept.via, kept.outcome, kept.raw) == ("imap", "opened", raw)


def test_the_worker_says_when_there_is_no_mailbox_to_read(database_url, monkeypatch):
    monkeypatch.setenv("INCIDENT_DESK_DATABASE_URL", database_url)
    monkeypatch.delenv("INCIDENT_DESK_IMAP_HOST", raising=False)

    result = CliRunner().invoke(main, ["worker", "--once", "--only", "mail"])

    assert result.exit_code == 1
    assert "INCIDENT_DESK_IMAP_HOST is not set" in result.output
