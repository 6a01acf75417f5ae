"""Mails as people and mail programs read them: every template in every language, the
headers that bring replies back to the desk, and the Message-IDs that name the incident."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from service.config import Settings
from service.domain import locales
from service.notify import mail
from service.notify.templates import Rendered, Templates

DOMAIN = "desk.example.org"
NUMBER = "INC-000042"
# Every instant any template may be given, as the events carry them (ISO text).
DUE = "2026-03-03T09:00:00+00:00"
CONTEXT = {
    "incident": {
        "number": NUMBER,
        "title": "VPN drops every hour",
        "status": "in_progress",
        "priority": "P2",
        "impact": "high",
        "urgency": "medium",
        "tier": "L2",
        "category": "network",
        "channel": "web",
        "resolution": "Replaced the tunnel's certificate",
        "first_response_due_at": "2026-03-02T10:00:00+00:00",
        "resolution_due_at": DUE,
    },
    "event": {
        "type": "sla.warning",
        "actor": "alice",
        "data": {
            "number": NUMBER,
            "from_tier": "L1",
            "to_tier": "L2",
            "reason": "needs server access",
            "clock": "resolution",
            "due_at": DUE,
            "aware_at": "2026-02-28T09:00:00.123456+00:00",
            "breach": "BR-000003",
            "closure_code": "solved",
            "comment": "still broken",
            "call_at": "2026-03-02T14:30:00+00:00",
            "duration_minutes": 30,
            "medium": "video",
            "join": "https://meet.example.org/abc",
            "agenda": "the tunnel logs",
            "agent": "Bob",
            "dedup_key": "vpn-gw-1",
            "name": "Investigate",
            "lane": "L2",
            "how": "hand",
            "attachments": ["trace.txt"],
        },
    },
    "recipient": {"name": "Rita"},
    "comment": {"body": "It dropped again at 10:00."},
    "link": mail.incident_link("https://desk.example.org/", NUMBER),
    "survey": {
        "answers": [
            {"score": score, "url": f"https://desk.example.org/survey/token-{score}"}
            for score in (5, 4, 3, 2, 1)
        ],
        "expires_at": "2026-03-16T09:00:00+00:00",
        "score": 2,
        "comment": "Slow answers",
    },
}
_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|T\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)")
TEMPLATES = sorted(Templates().names())


def rendered(name: str, language: str, zone: str) -> Rendered:
    return Templates().render(name, CONTEXT, language=language, zone=zone)


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize(("language", "zone"), [("en", "UTC"), ("el", "Europe/Athens")])
def test_every_mail_shows_times_on_the_readers_clock_and_links_to_the_page(name, language, zone):
    mail_ = rendered(name, language, zone)
    for part in (mail_.subject, mail_.text, mail_.html):
        assert not _ISO.search(part), (name, part)
        assert "/api/" not in part
    # The number in brackets, so a reply's subject still names the incident.
    assert mail_.subject.startswith(f"[{NUMBER}] ")
    assert f"https://desk.example.org/incidents/{NUMBER}" in mail_.text
    assert f'href="https://desk.example.org/incidents/{NUMBER}"' in mail_.html


@pytest.mark.parametrize("name", ["sla_warning", "breach_warning", "call_invitation"])
def test_at_risk_and_call_subjects_give_the_time_as_people_write_it(name):
    subject = rendered(name, "el", "Europe/Athens").subject
    due = CONTEXT["event"]["data"]["call_at" if name.startswith("call") else "due_at"]
    assert locales.wall_clock(due, "Europe/Athens") in subject, subject


def test_the_task_handed_over_mail_is_in_the_readers_language():
    english = rendered("task_assigned", "en", "UTC")
    greek = rendered("task_assigned", "el", "UTC")
    assert english.subject == f"[{NUMBER}] For you: Investigate of VPN drops every hour"
    assert 'alice has handed you "Investigate" (L2).' in english.text
    assert "For you" not in greek.subject and "handed you" not in greek.text


def composed(number: str = NUMBER) -> dict:
    return mail.compose(
        rendered=Rendered(subject=f"[{number}] Hello", text="Hi\n", html="<p>Hi</p>"),
        to="rita@example.org",
        to_name="Rita Reporter",
        incident_number=number,
        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        domain=DOMAIN,
    )


def test_each_message_id_names_the_incident_and_threads_under_its_root():
    first, second = composed(), composed()
    assert re.fullmatch(rf"<[^<>@]+\.{NUMBER}@{re.escape(DOMAIN)}>", first["message_id"])
    assert first["message_id"] != second["message_id"]
    assert first["references"] == f"<{NUMBER}@{DOMAIN}>"
    built = mail.build(first, "Incident Desk <incident-desk@desk.example.org>")
    assert built["Message-ID"] == first["message_id"]
    assert built["In-Reply-To"] == built["References"] == f"<{NUMBER}@{DOMAIN}>"


def test_replies_go_to_the_desks_inbound_address_or_else_to_the_sender():
    sender = "Incident Desk <incident-desk@desk.example.org>"
    inbound = "Incident Desk <desk@desk.example.org>"
    assert mail.build(composed(), sender, inbound)["Reply-To"] == inbound
    assert mail.build(composed(), sender)["Reply-To"] == sender


def test_the_numbers_our_message_ids_name_are_found_in_reply_headers():
    ours = composed("INC-000007")["message_id"]
    values = [
        f"<CAF=abc@mail.gmail.com> {ours}",
        "<INC-000042@desk.example.org>\r\n <INC-000007@DESK.example.org>",
        "<INC-000099@elsewhere.example>, <x.INC-000098@desk.example.org.evil>",
        "<notINC-000097@desk.example.org> <1.2.inc-000096@desk.example.org>",
        "",
    ]
    assert mail.incident_numbers(values, DOMAIN) == ["INC-000007", "INC-000042", "INC-000096"]
    assert mail.incident_numbers(["garbage <<>> @"], DOMAIN) == []


def test_the_reply_to_setting_is_read_from_the_environment_and_must_be_an_address():
    chosen = Settings.from_env({"INCIDENT_DESK_MAIL_REPLY_TO": "Desk <desk@desk.example.org>"})
    assert chosen.mail_reply_to == "Desk <desk@desk.example.org>"
    assert Settings.from_env({}).mail_reply_to == ""
    with pytest.raises(ValueError, match="INCIDENT_DESK_MAIL_REPLY_TO must be an e-mail address"):
        Settings.from_env({"INCIDENT_DESK_MAIL_REPLY_TO": "the desk"})
