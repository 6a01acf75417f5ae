"""Mails speak their recipient's language and show times on the recipient's clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from service.worker import DeliveryWorker
from tests.helpers import TRIAGE, complete, open_incident

ATHENS = ZoneInfo("Europe/Athens")


@pytest.fixture
def settings(settings, smtp):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=smtp.port)


def send(svc) -> int:
    return DeliveryWorker(svc, name="test-sender").run_once()


def test_a_greek_reporter_is_mailed_in_greek_with_athens_time(api, svc, smtp):
    api.rita.patch("/api/me", json={"language": "el", "time_zone": "Europe/Athens"})
    incident = open_incident(api.rita, title="Δεν λειτουργεί το e-mail")
    number = incident["number"]
    send(svc)
    [received] = smtp.inbox.to("rita@example.org")
    assert received["Subject"] == f"[{number}] Λάβαμε το περιστατικό σας: Δεν λειτουργεί το e-mail"
    due = datetime.fromisoformat(incident["sla"]["first_response"]["due_at"]).astimezone(ATHENS)
    shown = due.strftime("%Y-%m-%d %H:%M EET")
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Γεια σας Rita Reporter," in body
        assert "τεχνικός πρώτου επιπέδου" in body
        assert shown in body, body
        assert "Κατάσταση" in body and "νέο" in body
    assert '<html lang="el">' in html
    assert "first-level agent" not in text and "UTC" not in text


def test_each_recipient_reads_the_same_event_in_their_own_language(api, svc, smtp):
    api.rita.patch("/api/me", json={"language": "el", "time_zone": "Europe/Athens"})
    incident = open_incident(api.rita)
    complete(api.alice, incident, "triage", TRIAGE)
    send(svc)
    subjects = [m["Subject"] for m in smtp.inbox.to("rita@example.org")]
    assert any("Προτεραιότητα P3" in s for s in subjects), subjects
    [triaged] = [m for m in smtp.inbox.to("rita@example.org") if "Προτεραιότητα" in m["Subject"]]
    text = triaged.get_body(("plain",)).get_content()
    assert "επίπτωση: μέτρια, επείγον: μέτρια" in text
    # Ron kept the default: English, UTC.
    ron = open_incident(api.ron, reporter_contact="ron@example.org")
    send(svc)
    [to_ron] = [m for m in smtp.inbox.to("ron@example.org")]
    assert to_ron["Subject"] == f"[{ron['number']}] We received your incident: Mail is down"
    assert " UTC" in to_ron.get_body(("plain",)).get_content()
