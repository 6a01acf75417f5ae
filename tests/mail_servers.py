"""A real IMAP server on loopback for the mailbox tests: a private Dovecot per test.

It has its own configuration, runtime folder, passwd-file user and Maildir under
the test's tmp_path, listens on free ports of 127.0.0.1 only (IMAP with STARTTLS
and IMAP over TLS, the certificate issued by a trustme CA), and runs in the
foreground as a child of the test, so no system service is involved. Without
Dovecot (`apt install dovecot-imapd`) the tests skip, unless
INCIDENT_DESK_REQUIRE_DOVECOT is set (as .ci/run does): then they fail.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from imap_tools import MailBox

from service.services.mail.mailbox import ImapSettings
from tests.notify_servers import free_port

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
USER, PASSWORD = "desk", "mailbox-secret-7f3a"
START_SECONDS = 10


def require_dovecot() -> str:
    if DOVECOT is None:
        if os.environ.get("INCIDENT_DESK_REQUIRE_DOVECOT"):
            pytest.fail("INCIDENT_DESK_REQUIRE_DOVECOT is set but dovecot is not installed")
        pytest.skip("Dovecot is not installed (apt install dovecot-imapd)")
    return DOVECOT


class Dovecot:
    """`imaps_port` speaks TLS from the start, `imap_port` offers STARTTLS (and plain login,
    for the `none` security setting); `authority` is the CA that issued the certificate;
    `capabilities` replaces what the server announces after login."""

    def __init__(self, root: Path, *, capabilities: str = ""):
        import trustme

        self.binary = require_dovecot()
        self.root = root
        self.authority = trustme.CA()
        self.ca_file = root / "ca.pem"
        self.authority.cert_pem.write_to_path(str(self.ca_file))
        self.imap_port, self.imaps_port = free_port(), free_port()
        self.config = root / "dovecot.conf"
        self.log = root / "dovecot.log"
        # What the server says it can do after login; empty: Dovecot's own list (with IDLE).
        self.capabilities = capabilities
        self._process: subprocess.Popen | None = None

    def settings(self, **overrides) -> ImapSettings:
        """The poller's settings for this server: TLS from the start, trusting its CA."""
        values = {
            "host": "127.0.0.1",
            "port": self.imaps_port,
            "security": "ssl",
            "username": USER,
            "password": PASSWORD,
            "ca_file": str(self.ca_file),
            "timeout": 10.0,
        }
        return ImapSettings(**(values | overrides))

    def mailbox(self) -> MailBox:
        """A client of our own, logged in, for seeding and looking."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        box = MailBox("127.0.0.1", self.imaps_port, timeout=10, ssl_context=context)
        return box.login(USER, PASSWORD, initial_folder=None)

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        with self.mailbox() as box:
            for raw in messages:
                box.append(raw, folder)

    def raw_in(self, folder: str) -> list[bytes]:
        """The messages of a folder, as the server gives them, in UID order."""
        with self.mailbox() as box:
            if not box.folder.exists(folder):
                return []
            box.folder.set(folder)
            return [
                item[1]
                for uid in sorted(box.uids("ALL"), key=int)
                for item in box.client.uid("FETCH", uid, "(BODY.PEEK[])")[1]
                if isinstance(item, tuple)
            ]

    def __enter__(self) -> Dovecot:
        self._write_config()
        self._process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_SECONDS
        while not self._listening():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"dovecot did not start:\n{self.log_text()}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info) -> None:
        if self._process is None:
            return
        # The whole group: the master leaves logged-in sessions running when it stops alone.
        group = self._process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self._process = None

    def restart(self) -> None:
        """Stop and start again on the same ports with the same mail: connections drop."""
        self.__exit__(None, None, None)
        self.__enter__()

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else "(no log)"

    def _listening(self) -> bool:
        for port in (self.imap_port, self.imaps_port):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                return False
        return True

    def _write_config(self) -> None:
        certificate = self.authority.issue_cert("127.0.0.1", "localhost")
        cert, key = self.root / "cert.pem", self.root / "key.pem"
        certificate.cert_chain_pems[0].write_to_path(str(cert))
        certificate.private_key_pem.write_to_path(str(key))
        passwd = self.root / "passwd"
        passwd.write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        mail = self.root / "mail"
        (mail / USER).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # Root runs the logins as dovenull in a chroot and the mail as nobody, chrooted
            # into the mail folder (tmp_path's parents are closed to other users).
            nobody = pwd.getpwnam("nobody")
            os.chown(mail / USER, nobody.pw_uid, nobody.pw_gid)
            who = f"""
first_valid_uid = {nobody.pw_uid}
valid_chroot_dirs = {mail}
mail_chroot = {mail}
service auth {{
  user = root
}}
userdb {{
  driver = static
  args = uid={nobody.pw_uid} gid={nobody.pw_gid} home=/%u
}}
"""
        else:
            me = pwd.getpwuid(os.geteuid())
            who = f"""
default_internal_user = {me.pw_name}
default_internal_group = {grp.getgrgid(me.pw_gid).gr_name}
default_login_user = {me.pw_name}
first_valid_uid = {me.pw_uid}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
userdb {{
  driver = static
  args = uid={me.pw_uid} gid={me.pw_gid} home={mail}/%u
}}
"""
        self.config.write_text(
            f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain
auth_failure_delay = 0
mail_location = maildir:~/Maildir
{f"imap_capability = {self.capabilities}" if self.capabilities else ""}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
{who}"""
        )
