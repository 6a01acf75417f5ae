"""Notifications leave the building: e-mail to a real SMTP server, webhooks to a real
HTTP receiver, both on loopback, sent by the delivery worker at least once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.models import Delivery
from service.notify import webhook
from service.worker import DeliveryWorker, TimerWorker
from tests.breaches import flag, people_and_dpo  # noqa: F401 (a fixture)
from tests.conftest import START
from tests.helpers import RESOLVED, TRIAGE, complete, open_incident
from tests.notify_servers import Receiver, SmtpServer, free_port


@pytest.fixture
def settings(settings, smtp):
    # The test receivers listen on loopback, which webhooks may call only when allowed.
    return settings.with_overrides(
        smtp_host="127.0.0.1", smtp_port=smtp.port, webhook_allowed_hosts="127.0.0.1"
    )


def send(svc) -> int:
    return DeliveryWorker(svc, name="test-sender").run_once()


def deliveries(svc):
    """The outbox's rows, as plain rows (attribute access, no session needed)."""
    with svc.db.read() as uow:
        return uow.session.execute(select(Delivery.__table__).order_by(Delivery.id)).all()


def subscribe(api, url, events=("incident.*",)):
    created = api.adam.post("/api/webhooks", json={"url": url, "events": list(events)})
    assert created.status_code == 201, created.json
    return created.json


def test_the_reporter_is_mailed_at_each_step_with_the_number_in_the_subject(api, svc, smtp):
    incident = open_incident(api.rita, title="Mail is down")
    number = incident["number"]
    assert send(svc) == 1
    [received] = smtp.inbox.to("rita@example.org")
    assert received["Subject"] == f"[{number}] We received your incident: Mail is down"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["References"] == f"<{number}@127.0.0.1>"
    assert "Rita Reporter" in received["To"]
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "first-level agent" in text and number in text
    assert f"http://127.0.0.1:8000/incidents/{number}" in html and "/api/" not in html

    triaged = complete(api.alice, incident, "triage", TRIAGE)
    complete(api.alice, triaged, "l1_diagnose", RESOLVED)
    send(svc)
    subjects = [m["Subject"] for m in smtp.inbox.to("rita@example.org")]
    assert subjects[1:] == [
        f"[{number}] Priority P3: Mail is down",
        f"[{number}] Resolved: Mail is down",
    ]
    resolved = smtp.inbox.to("rita@example.org")[-1]
    assert "Restarted the mail gateway" in resolved.get_body(("plain",)).get_content()
    # The in-app notifications know they went out.
    mine = api.rita.get("/api/notifications").json
    assert [n["event"] for n in mine] == [
        "incident.resolved",
        "incident.status_changed",
        "incident.opened",
    ]
    assert all(n["delivered_at"] is not None for n in mine)
    # Agents who did the work are not told about their own work.
    assert smtp.inbox.to("alice@desk.example.org") == []


def test_a_group_is_told_what_a_member_did_but_not_that_member(api, svc, smtp):
    from service.services import users

    users.add_user(
        svc, "lars", groups=["L1", "L3"], display_name="Lars", contact="lars@desk.example.org"
    )
    lars = api.with_token(users.create_token(svc, "lars")[1])
    critical = TRIAGE | {"impact": "high", "urgency": "high"}
    number = complete(lars, open_incident(api.rita), "triage", critical)["number"]
    send(svc)
    escalated = f"[{number}] Escalated to L3: Mail is down"
    assert [m["Subject"] for m in smtp.inbox.to("carol@desk.example.org")] == [escalated]
    assert smtp.inbox.to("lars@desk.example.org") == []


def test_html_bodies_escape_what_people_typed(api, svc, smtp):
    open_incident(api.rita, title="<script>alert(1)</script> & more")
    send(svc)
    [received] = smtp.inbox.messages
    html = received.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<script>alert(1)</script> & more" in received.get_body(("plain",)).get_content()


def test_public_replies_reach_the_other_side_internal_notes_stay_inside(api, svc, smtp):
    incident = open_incident(api.rita)
    number = incident["number"]
    task = incident["open_tasks"][0]["id"]
    assert api.alice.post(f"/api/tasks/{task}/claim").status_code == 200
    send(svc)
    before = len(smtp.inbox.to("rita@example.org"))  # received + assigned

    internal = {"body": "Looks like the gateway again", "public": False}
    assert api.alice.post(f"/api/incidents/{number}/comments", json=internal).status_code == 201
    public = {"body": "We are restarting the gateway"}
    assert api.alice.post(f"/api/incidents/{number}/comments", json=public).status_code == 201
    assert (
        api.rita.post(f"/api/incidents/{number}/comments", json={"body": "Thanks!"}).status_code
        == 201
    )
    send(svc)

    to_rita = smtp.inbox.to("rita@example.org")[before:]
    assert [m["Subject"] for m in to_rita] == [f"[{number}] Re: Mail is down"]
    assert "We are restarting the gateway" in to_rita[0].get_body(("plain",)).get_content()
    to_alice = smtp.inbox.to("alice@desk.example.org")
    assert len(to_alice) == 1 and "Thanks!" in to_alice[0].get_body(("plain",)).get_content()
    assert all("gateway again" not in m.as_string() for m in smtp.inbox.messages)


def test_a_failed_request_sends_nothing(api, svc, smtp):
    incident = open_incident(api.rita)
    send(svc)
    task = incident["open_tasks"][0]["id"]
    bad = api.alice.post(f"/api/tasks/{task}/complete", json={"kind": "incident"})
    assert bad.status_code == 422
    assert send(svc) == 0
    assert len(deliveries(svc)) == 1


def test_an_unreachable_mail_server_is_retried_with_backoff_then_dead_then_retried(
    api, svc, smtp, clock
):
    svc.settings = svc.settings.with_overrides(smtp_port=free_port(), delivery_max_attempts=3)
    incident = open_incident(api.rita)
    assert send(svc) == 0
    [waiting] = deliveries(svc)
    assert (waiting.state, waiting.attempts) == ("pending", 1)
    assert waiting.next_attempt_at == START + timedelta(seconds=30)
    assert send(svc) == 0  # not due yet: nothing tried
    assert deliveries(svc)[0].attempts == 1

    clock.advance(seconds=30)
    send(svc)
    assert deliveries(svc)[0].next_attempt_at == clock.now + timedelta(minutes=1)
    clock.advance(minutes=1)
    send(svc)
    [dead] = api.adam.get("/api/admin/deliveries?state=dead").json
    assert dead["attempts"] == 3 and dead["recipient"] == "rita@example.org"
    assert "refused" in dead["last_error"].lower() or "connect" in dead["last_error"].lower()
    events = api.alice.get(f"/api/incidents/{incident['number']}/events").json
    assert [e["data"]["channel"] for e in events if e["type"] == "delivery.dead"] == ["email"]

    assert api.alice.post(f"/api/admin/deliveries/{dead['id']}/retry").status_code == 403
    svc.settings = svc.settings.with_overrides(smtp_port=smtp.port)
    retried = api.adam.post(f"/api/admin/deliveries/{dead['id']}/retry")
    assert retried.status_code == 200, retried.json
    assert retried.json["state"] == "pending"
    assert send(svc) == 1
    assert len(smtp.inbox.to("rita@example.org")) == 1
    again = api.adam.post(f"/api/admin/deliveries/{dead['id']}/retry")
    assert again.status_code == 409


def test_the_privacy_lead_is_mailed_before_the_72_hours_run_out(
    people_and_dpo,  # noqa: F811
    svc,
    smtp,
    clock,
):
    api = people_and_dpo
    number = open_incident(api.rita)["number"]
    flag(api.alice, number, aware_at=START - timedelta(hours=47))
    clock.advance(hours=1, seconds=1)
    TimerWorker(svc).run_once()
    send(svc)
    [warning] = smtp.inbox.to("dora@desk.example.org")
    # A long subject is folded on the wire; the parser keeps the fold's space.
    assert warning["Subject"].strip().startswith(f"[{number}] Breach BR-")
    assert "authority notice due" in warning["Subject"]
    assert "72 hours" in warning.get_body(("plain",)).get_content()
    # The reporter is never told their incident is a breach.
    assert all("Breach" not in m["Subject"] for m in smtp.inbox.to("rita@example.org"))


def test_webhooks_are_signed_and_carry_an_event_id(api, svc):
    with Receiver() as receiver:
        hook = subscribe(api, receiver.url, events=["incident.opened", "incident.prioritised"])
        incident = open_incident(api.rita)
        complete(api.alice, incident, "triage", TRIAGE)
        send(svc)

    opened, prioritised = receiver.calls
    assert [c.json["type"] for c in receiver.calls] == ["incident.opened", "incident.prioritised"]
    for call in receiver.calls:
        assert call.headers["Content-Type"] == "application/json"
        assert call.headers[webhook.EVENT_ID_HEADER] == call.json["id"]
        header = call.headers[webhook.SIGNATURE_HEADER]
        assert webhook.verify(hook["secret"], header, call.body, now=START.timestamp())
        assert not webhook.verify(
            "another-secret-entirely", header, call.body, now=START.timestamp()
        )
        assert not webhook.verify(hook["secret"], header, call.body + b" ", now=START.timestamp())
    assert opened.json["incident"]["number"] == incident["number"]
    assert prioritised.json["incident"]["priority"] == "P3"
    assert prioritised.json["data"]["priority"] == "P3"
    assert opened.json["id"] != prioritised.json["id"]


def test_a_receiver_that_fails_twice_gets_the_same_event_three_times(api, svc, clock):
    with Receiver(statuses=[500, 503]) as receiver:
        subscribe(api, receiver.url, events=["incident.opened"])
        open_incident(api.rita)
        send(svc)
        assert len(receiver.calls) == 1
        clock.advance(seconds=30)
        send(svc)
        assert len(receiver.calls) == 2
        clock.advance(seconds=59)
        send(svc)
        assert len(receiver.calls) == 2  # the backoff doubled: not due for another second
        clock.advance(seconds=1)
        send(svc)

    assert len(receiver.calls) == 3
    assert len({c.headers[webhook.EVENT_ID_HEADER] for c in receiver.calls}) == 1
    [sent] = api.adam.get("/api/admin/deliveries?channel=webhook").json
    assert (sent["state"], sent["attempts"], sent["last_error"]) == ("sent", 3, None)


def test_a_gone_receiver_is_not_called_again(api, svc):
    with Receiver(statuses=[410]) as receiver:
        subscribe(api, receiver.url, events=["*"])
        open_incident(api.rita, title="Gone")
        send(svc)
        calls = len(receiver.calls)
        send(svc)
        assert len(receiver.calls) == calls
    dead = api.adam.get("/api/admin/deliveries?state=dead&channel=webhook").json
    assert dead[-1]["attempts"] == 1 and "410" in dead[-1]["last_error"]
    # Its death is in the audit trail, and is not itself sent to the dead endpoint.
    pending = api.adam.get("/api/admin/deliveries?state=pending&channel=webhook").json
    assert pending == []


def test_a_worker_killed_between_sending_and_recording_leads_to_a_resend(api, svc, clock):
    """At least once: the receiver sees the event twice, with one event id."""
    worker: list[subprocess.Popen] = []

    def kill_the_sender(call):
        if len(receiver.calls) == 1:
            worker[0].send_signal(signal.SIGKILL)
            worker[0].wait(timeout=30)

    with Receiver(on_call=kill_the_sender) as receiver:
        subscribe(api, receiver.url, events=["incident.opened"])
        open_incident(api.rita)
        environment = os.environ | {
            "INCIDENT_DESK_DATABASE_URL": svc.settings.database_url,
            "INCIDENT_DESK_SMTP_HOST": svc.settings.smtp_host,
            "INCIDENT_DESK_SMTP_PORT": str(svc.settings.smtp_port),
            "INCIDENT_DESK_MODELER_CHECK": "false",
            "INCIDENT_DESK_WEBHOOK_ALLOWED_HOSTS": svc.settings.webhook_allowed_hosts,
        }
        worker.append(
            subprocess.Popen(
                [sys.executable, "-m", "service.cli", "worker", "--once", "--only", "deliveries"],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        assert worker[0].wait(timeout=60) == -signal.SIGKILL
        mailed, leased = deliveries(svc)
        assert (mailed.channel, mailed.state) == ("email", "sent")  # sent before the kill
        assert leased.state == "pending" and leased.lease_owner is not None

        assert send(svc) == 0  # the dead worker's lease still holds
        clock.set(leased.lease_expires_at + timedelta(seconds=1))
        assert send(svc) == 1

    first, second = receiver.calls
    assert first.headers[webhook.EVENT_ID_HEADER] == second.headers[webhook.EVENT_ID_HEADER]
    assert first.body == second.body
    assert deliveries(svc)[1].state == "sent"


def test_mail_goes_over_starttls_with_a_login_and_the_password_stays_out_of_logs(
    api, svc, tmp_path, caplog
):
    import ssl

    import trustme

    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "relay-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    secret = "relay-password-0042"
    with SmtpServer(tls_context=server_context, logins={"desk": secret}) as relay:
        svc.settings = svc.settings.with_overrides(
            smtp_port=relay.port,
            smtp_security="starttls",
            smtp_username="desk",
            smtp_password=secret,
            smtp_ca_file=str(ca_file),
        )
        open_incident(api.rita)
        with caplog.at_level("DEBUG"):
            assert send(svc) == 1
        assert relay.logged_in == ["desk"]
        assert len(relay.inbox.to("rita@example.org")) == 1

        # Without the relay's CA the certificate is refused: nothing is sent in clear.
        svc.settings = svc.settings.with_overrides(smtp_ca_file="")
        open_incident(api.rita)
        assert send(svc) == 0
    failed = [d for d in deliveries(svc) if d.state == "pending"]
    assert failed and "certificate" in failed[0].last_error.lower()
    assert secret not in caplog.text
    assert secret not in repr(svc.settings)
