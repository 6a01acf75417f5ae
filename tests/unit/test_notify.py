"""The notification rules file and the mail templates, checked without a database."""

from __future__ import annotations

import json

import pytest

from service.config import Settings
from service.notify import mail, webhook
from service.notify.rules import Rules, RulesError
from service.notify.templates import Templates

CONTEXT = {
    "incident": {
        "number": "INC0000042",
        "title": "Mail is down\r\nBcc: everyone@example.org",
        "status": "in_progress",
        "priority": "P2",
        "impact": "high",
        "urgency": "medium",
        "tier": "L2",
        "resolution": "Restarted <the> gateway",
        "first_response_due_at": "2026-03-02T10:00:00+00:00",
        "resolution_due_at": "2026-03-03T09:00:00+00:00",
    },
    "event": {
        "type": "incident.escalated",
        "actor": "alice",
        "data": {
            "from_tier": "L1",
            "to_tier": "L2",
            "reason": "needs <server> access",
            "clock": "resolution",
            "due_at": "2026-03-03T09:00:00+00:00",
            "closure_code": "solved",
            "comment": "still broken",
        },
    },
    "recipient": {"name": "Rita"},
    "comment": {"body": "We are on it & restarting"},
    "link": "http://desk.example.org/incidents/INC0000042",
    "survey": {
        "answers": [
            {"score": score, "url": f"http://desk.example.org/survey/token-{score}"}
            for score in (5, 4, 3, 2, 1)
        ],
        "expires_at": "2026-03-16T09:00:00+00:00",
        "score": 2,
        "comment": "Slow <server> answers",
    },
}


def test_the_shipped_rules_load_and_every_template_renders():
    templates = Templates()
    rules = Rules.load(Settings().notification_rules, templates)
    assert [r.template for r in rules.for_event("incident.resolved", {})] == ["resolved"]
    assert rules.for_event("comment.added", {"public": False}) == []
    for name in sorted(templates.names()):
        rendered = templates.render(name, CONTEXT)
        # One line whatever the data holds: no header can be smuggled into the subject.
        assert rendered.subject.startswith("[INC0000042] ")
        assert "\n" not in rendered.subject and "\r" not in rendered.subject
        assert "INC0000042" in rendered.text and "Rita" in rendered.text
        assert "<server>" not in rendered.html and "<the>" not in rendered.html


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ("{not json", "Expecting property name"),
        (
            json.dumps({"rules": [{"event": "x", "notify": ["boss"], "template": "closed"}]}),
            "/rules/0/notify/0",
        ),
        (
            json.dumps({"rules": [{"event": "x", "notify": ["reporter"], "template": "nope"}]}),
            "no template named nope",
        ),
        (
            json.dumps({"rules": [{"event": "x", "notify": ["reporter"]}]}),
            "'template' is a required property",
        ),
    ],
)
def test_a_broken_rules_file_stops_the_service_with_the_place(tmp_path, document, complaint):
    path = tmp_path / "rules.json"
    path.write_text(document)
    with pytest.raises(RulesError) as raised:
        Rules.load(path, Templates())
    assert str(path) in str(raised.value)
    assert complaint in str(raised.value)


def test_only_addresses_count_as_addresses():
    assert mail.valid_address("Rita <rita@example.org>") == "rita@example.org"
    assert mail.valid_address("rita@example.org") == "rita@example.org"
    for value in ("+30 210 555 0100", "", None, "rita", "@example.org"):
        assert mail.valid_address(value) is None


def test_signatures_expire_and_bind_the_body():
    body = webhook.encode({"id": "e1", "type": "incident.opened"})
    header = webhook.sign("k" * 32, body, 1_000_000)
    assert webhook.verify("k" * 32, header, body, now=1_000_100)
    assert not webhook.verify("k" * 32, header, body, now=1_000_000 + 301)
    assert not webhook.verify("k" * 32, header, body + b"x", now=1_000_000)
    assert not webhook.verify("k" * 32, "garbage", body, now=1_000_000)


def test_the_smtp_password_stays_out_of_the_settings_repr():
    settings = Settings(smtp_password="hunter2-very-secret")
    assert "hunter2" not in repr(settings)


def test_an_unknown_smtp_security_is_refused_by_name():
    with pytest.raises(ValueError, match="INCIDENT_DESK_SMTP_SECURITY must be one of none"):
        Settings.from_env({"INCIDENT_DESK_SMTP_SECURITY": "tls"})
