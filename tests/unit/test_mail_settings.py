"""The mailbox settings: read from the environment, checked by name, the password kept out."""

from __future__ import annotations

import pytest

from service.config import Settings
from service.services.mail.mailbox import ImapSettings


def test_the_mailbox_settings_come_from_the_environment():
    settings = Settings.from_env(
        {
            "INCIDENT_DESK_IMAP_HOST": "imap.example.org",
            "INCIDENT_DESK_IMAP_PORT": "143",
            "INCIDENT_DESK_IMAP_SECURITY": "starttls",
            "INCIDENT_DESK_IMAP_USERNAME": "desk",
            "INCIDENT_DESK_IMAP_PASSWORD": "s3cret-imap",
            "INCIDENT_DESK_IMAP_FOLDER": "Support",
            "INCIDENT_DESK_IMAP_POLL_SECONDS": "30",
        }
    )
    imap = ImapSettings.from_settings(settings)
    assert (imap.host, imap.port, imap.security, imap.username) == (
        "imap.example.org",
        143,
        "starttls",
        "desk",
    )
    assert (imap.folder, imap.taken_folder, imap.refused_folder) == ("Support", "Taken", "Refused")
    assert imap.poll_seconds == 30 and imap.password == "s3cret-imap"
    assert "s3cret-imap" not in repr(settings) and "s3cret-imap" not in repr(imap)


def test_without_a_host_no_mail_is_read_and_tls_is_the_default():
    settings = Settings()
    assert settings.imap_host == "" and settings.imap_port == 993
    assert settings.imap_security == "ssl"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("IMAP_SECURITY", "tls", "INCIDENT_DESK_IMAP_SECURITY must be one of none"),
        ("IMAP_POLL_SECONDS", "0", "INCIDENT_DESK_IMAP_POLL_SECONDS must be from 1 to 3600"),
        ("IMAP_PORT", "imaps", "INCIDENT_DESK_IMAP_PORT must be an integer"),
    ],
)
def test_a_wrong_mailbox_setting_is_refused_by_name(variable, value, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env({f"INCIDENT_DESK_{variable}": value})
