"""Mail that goes out brings people to the incident's page and replies back to the desk;
a bounce that comes back marks the delivery it names dead, for the admins to see why."""

from __future__ import annotations

import email
import email.policy
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from service.models import Delivery
from service.notify import mail
from service.notify.bounces import bounces
from service.services import sign_in
from service.services.mail import bounces as bounce_records
from service.services.mail import intake
from service.worker import DeliveryWorker
from tests.conftest import ROOT
from tests.helpers import TRIAGE, complete, open_incident
from tests.web.test_pages import PASSWORD, Browser

FIXTURES = ROOT / "tests" / "fixtures" / "mail"
INBOUND = "Incident Desk <desk@desk.example.org>"


@pytest.fixture
def settings(settings, smtp):
    return settings.with_overrides(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        public_url="https://desk.example.org",
        mail_reply_to=INBOUND,
    )


def send(svc) -> int:
    return DeliveryWorker(svc, name="test-sender").run_once()


def delivery_to(svc, address: str, event: str = "incident.opened"):
    with svc.db.read() as uow:
        [row] = uow.session.execute(
            select(Delivery.__table__).where(
                Delivery.recipient == address, Delivery.event_type == event
            )
        ).all()
        return row


def test_the_mail_links_to_the_page_the_reporter_opens_and_replies_go_to_the_desk(
    app, api, svc, smtp
):
    number = open_incident(api.rita)["number"]
    send(svc)
    [received] = smtp.inbox.to("rita@example.org")
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    [link] = re.findall(r"https://\S+", text)
    assert link == f"https://desk.example.org/incidents/{number}"
    assert f'href="{link}"' in html and "/api/" not in text + html
    sign_in.set_password(svc, "rita", PASSWORD)
    rita = Browser(app)
    rita.sign_in("rita")
    page = rita.get(urlsplit(link).path)
    assert page.status_code == 200
    assert number in page.get_data(as_text=True)

    assert received["Reply-To"] == INBOUND
    assert received["Subject"].startswith(f"[{number}] ")
    # The Message-ID names the incident, and a reply's headers lead back to it. (A long
    # id is folded on the wire; the parser keeps the fold's space.)
    message_id = received["Message-ID"].strip()
    assert re.fullmatch(rf"<[^<>@]+\.{number}@desk\.example\.org>", message_id)
    assert delivery_to(svc, "rita@example.org").message_id == message_id
    assert mail.incident_numbers(
        [received["Message-ID"], received["References"]], "desk.example.org"
    ) == [number]


def dsn(name: str, *, recipient: str, message_id: str, was: tuple[str, str]):
    """A fixture report about one of our real mails: its address and Message-ID put in."""
    raw = (FIXTURES / name).read_text()
    address, original_id = was
    raw = raw.replace(address, recipient).replace(original_id, message_id)
    return email.message_from_string(raw, policy=email.policy.default)


POSTFIX = (
    "postfix-user-unknown.eml",
    ("nobody@example.org", "<177252924000.4242.1234567890123456789.INC-000007@desk.example.org>"),
)
EXCHANGE = (
    "exchange-recipient-not-found.eml",
    ("J.Doe@contoso.example", "<177252960000.77.987654321.INC-000042@desk.example.org>"),
)
DELAYED = (
    "postfix-delayed.eml",
    ("rita@slow.example.net", "<177252924000.4242.5555555555.INC-000007@desk.example.org>"),
)


def test_a_permanent_bounce_marks_the_delivery_dead_and_admins_see_the_reason(api, svc):
    number = open_incident(api.rita)["number"]
    send(svc)
    sent = delivery_to(svc, "rita@example.org")
    assert sent.state == "sent"
    name, was = POSTFIX
    report = dsn(name, recipient="rita@example.org", message_id=sent.message_id, was=was)
    [told] = [n for n in api.rita.get("/api/notifications").json if n["event"] == "incident.opened"]
    assert told["delivered_at"] is not None
    [recorded] = bounce_records.record_bounces(svc, bounces(report))
    assert recorded.outcome == bounce_records.BOUNCED

    # The reporter was not told after all: the notification says so again.
    [told] = [n for n in api.rita.get("/api/notifications").json if n["event"] == "incident.opened"]
    assert told["delivered_at"] is None
    [dead] = api.adam.get("/api/admin/deliveries?state=dead").json
    assert dead["recipient"] == "rita@example.org" and dead["message_id"] == sent.message_id
    assert dead["last_error"].startswith("bounced: 5.1.1 550 5.1.1 <rita@example.org>:")
    assert "User unknown" in dead["last_error"]
    assert dead["next_attempt_at"] is None
    events = api.alice.get(f"/api/incidents/{number}/events").json
    [bounced] = [e for e in events if e["type"] == "delivery.bounced"]
    assert bounced["data"]["status"] == "5.1.1" and bounced["data"]["delivery_id"] == dead["id"]
    # The reporter's timeline keeps to the incident's milestones.
    assert all(
        e["type"] != "delivery.bounced"
        for e in api.rita.get(f"/api/incidents/{number}/events").json
    )

    # The same report again (mail servers resend): nothing new.
    [again] = bounce_records.record_bounces(svc, bounces(report))
    assert again.outcome == bounce_records.ALREADY
    events = api.alice.get(f"/api/incidents/{number}/events").json
    assert len([e for e in events if e["type"] == "delivery.bounced"]) == 1


def test_intake_records_an_exchange_bounce_inside_its_own_transaction(api, svc):
    complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    send(svc)
    triaged = delivery_to(svc, "rita@example.org", "incident.status_changed")
    name, was = EXCHANGE
    report = dsn(name, recipient="Rita@Example.org", message_id=triaged.message_id, was=was)
    with svc.db.unit_of_work() as uow:
        [recorded] = bounce_records.record(uow.session, bounces(report), svc.now())
        uow.commit()
    assert recorded.delivery_id == triaged.id
    row = delivery_to(svc, "rita@example.org", "incident.status_changed")
    assert row.state == "dead"
    assert row.last_error.startswith("bounced: 5.1.10 550 5.1.10 RESOLVER.ADR.RecipientNotFound")
    # The other mail to the same address is untouched.
    assert delivery_to(svc, "rita@example.org").state == "sent"


def test_a_delay_is_recorded_and_changes_nothing(api, svc):
    number = open_incident(api.rita)["number"]
    send(svc)
    sent = delivery_to(svc, "rita@example.org")
    name, was = DELAYED
    report = dsn(name, recipient="rita@example.org", message_id=sent.message_id, was=was)
    [recorded] = bounce_records.record_bounces(svc, bounces(report))
    assert recorded.outcome == bounce_records.NOTED
    row = delivery_to(svc, "rita@example.org")
    assert (row.state, row.last_error) == ("sent", None)
    events = api.alice.get(f"/api/incidents/{number}/events").json
    [delayed] = [e for e in events if e["type"] == "delivery.delayed"]
    assert delayed["data"]["status"] == "4.4.1"


def test_a_bounce_about_someone_else_or_another_message_changes_nothing(api, svc):
    open_incident(api.rita)
    send(svc)
    sent = delivery_to(svc, "rita@example.org")
    name, was = POSTFIX
    strangers = [
        dsn(name, recipient="mallory@example.org", message_id=sent.message_id, was=was),
        dsn(name, recipient="rita@example.org", message_id="<1.INC-000001@x.example>", was=was),
    ]
    for report in strangers:
        [recorded] = bounce_records.record_bounces(svc, bounces(report))
        assert recorded.outcome == bounce_records.UNMATCHED
    assert delivery_to(svc, "rita@example.org").state == "sent"
    assert api.adam.get("/api/admin/deliveries?state=dead").json == []


def test_the_migration_fills_the_message_id_of_the_mails_already_there(api, svc):
    open_incident(api.rita)
    open_incident(api.rita)
    with svc.db.read() as uow:
        before = dict(uow.session.execute(select(Delivery.id, Delivery.message_id)).all())
    assert len(before) >= 2 and all(before.values())
    svc.db.downgrade("0014")  # the revision before the column
    svc.db.upgrade()
    with svc.db.read() as uow:
        assert dict(uow.session.execute(select(Delivery.id, Delivery.message_id)).all()) == before
    # A delivery whose template failed has no message, and keeps none.
    with svc.db.unit_of_work() as uow:
        uow.session.execute(update(Delivery).values(message_id=None, payload={}))
        uow.commit()
    svc.db.downgrade("0014")
    svc.db.upgrade()
    with svc.db.read() as uow:
        assert set(uow.session.scalars(select(Delivery.message_id))) == {None}


def test_a_bounce_that_comes_in_by_mail_marks_its_delivery_dead_and_opens_nothing(api, svc):
    number = open_incident(api.rita)["number"]
    send(svc)
    sent = delivery_to(svc, "rita@example.org")
    name, was = POSTFIX
    report = dsn(name, recipient="rita@example.org", message_id=sent.message_id, was=was)
    taken = intake.take(svc, bytes(report), via=intake.PIPE)
    assert (taken.outcome, taken.incident) == ("bounce", number)
    assert taken.reason == "delivery report: 5.1.1 bounced"
    assert delivery_to(svc, "rita@example.org").state == "dead"
    assert [i["number"] for i in api.alice.get("/api/incidents").json] == [number]
    assert api.alice.get(f"/api/incidents/{number}/comments").json == []
    # Nothing answers a bounce: no mail goes out about it.
    with svc.db.read() as uow:
        outgoing = uow.session.scalars(select(Delivery.event_type)).all()
    assert "delivery.bounced" not in outgoing and "mail.refused" not in outgoing
