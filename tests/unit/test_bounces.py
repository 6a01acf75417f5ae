"""Delivery status notifications read without a database: who bounced, why, which mail."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from service.notify.bounces import bounces, is_bounce
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "mail"


def parsed(name: str) -> EmailMessage:
    return email.message_from_bytes((FIXTURES / name).read_bytes(), policy=email.policy.default)


def test_a_postfix_report_with_the_headers_names_the_recipient_the_status_and_our_message():
    [bounce] = bounces(parsed("postfix-user-unknown.eml"))
    assert bounce.recipient == "nobody@example.org"
    assert bounce.original_recipient == "nobody@example.org"
    assert (bounce.action, bounce.status) == ("failed", "5.1.1")
    assert bounce.permanent
    # Unfolded, without the "smtp;" type, one line.
    assert bounce.diagnostic == (
        "550 5.1.1 <nobody@example.org>: Recipient address rejected: "
        "User unknown in virtual mailbox table"
    )
    assert (
        bounce.message_id == "<177252924000.4242.1234567890123456789.INC-000007@desk.example.org>"
    )
    assert bounce.reason.startswith("5.1.1 550 5.1.1")


def test_an_exchange_report_with_the_whole_message_attached():
    [bounce] = bounces(parsed("exchange-recipient-not-found.eml"))
    # Addresses compare without case: Exchange writes them as the directory has them.
    assert bounce.recipient == "j.doe@contoso.example"
    assert bounce.original_recipient is None
    assert (bounce.action, bounce.status, bounce.permanent) == ("failed", "5.1.10", True)
    assert "RESOLVER.ADR.RecipientNotFound" in bounce.diagnostic
    # The original's Message-ID, not the report's own.
    assert bounce.message_id == "<177252960000.77.987654321.INC-000042@desk.example.org>"


def test_a_delay_warning_is_no_permanent_failure():
    [bounce] = bounces(parsed("postfix-delayed.eml"))
    assert (bounce.action, bounce.status) == ("delayed", "4.4.1")
    assert not bounce.permanent
    assert bounce.diagnostic.startswith("connect to mx.slow.example.net")
    assert bounce.message_id == "<177252924000.4242.5555555555.INC-000007@desk.example.org>"


@pytest.mark.parametrize(
    "name", ["postfix-user-unknown.eml", "exchange-recipient-not-found.eml", "postfix-delayed.eml"]
)
def test_every_report_is_a_bounce(name):
    assert is_bounce(parsed(name))


def report(per_recipient: str, original: EmailMessage | None = None, **headers) -> EmailMessage:
    """A DSN built in the test, for the cases the fixtures do not cover."""
    top = {"From": "MAILER-DAEMON@mx.example.net", **headers}
    lines = [f"{name}: {value}" for name, value in top.items()]
    lines += [
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type="delivery-status"; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain",
        "",
        "Delivery failed.",
        "--b1",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.net",
        "",
        per_recipient,
    ]
    if original is not None:
        lines += ["--b1", "Content-Type: message/rfc822", "", original.as_string()]
    lines += ["--b1--", ""]
    return email.message_from_string("\n".join(lines), policy=email.policy.default)


def test_several_recipients_each_get_their_own_answer_and_odd_fields_are_tolerated():
    original = EmailMessage()
    original["Message-ID"] = "<1.2.3.INC-000001@desk.example.org>"
    original.set_content("hello")
    found = bounces(
        report(
            "Final-Recipient: rfc822; <A@Example.org>\nAction: FAILED\nStatus: 5.2.2\n"
            "Diagnostic-Code: smtp; 552 mailbox full\n\n"
            "Final-Recipient: x400; c=gr;a=;p=desk\nAction: failed\nStatus: 5.0.0\n\n"
            "Final-Recipient: rfc822; b@example.org\nAction: delivered\nStatus: 2.0.0\n\n"
            "Final-Recipient: rfc822; c@example.org\nAction: failed\nStatus: five\n",
            original,
        )
    )
    assert [(b.recipient, b.action, b.status) for b in found] == [
        ("a@example.org", "failed", "5.2.2"),
        ("b@example.org", "delivered", "2.0.0"),
        ("c@example.org", "failed", ""),
    ]
    assert [b.permanent for b in found] == [True, False, False]
    assert {b.message_id for b in found} == {"<1.2.3.INC-000001@desk.example.org>"}


def test_without_the_original_an_x_original_message_id_says_which_mail_it_was():
    found = bounces(
        report(
            "Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n",
            **{"X-Original-Message-ID": "<9.9.9.INC-000003@desk.example.org>"},
        )
    )
    assert [b.message_id for b in found] == ["<9.9.9.INC-000003@desk.example.org>"]


def test_an_ordinary_reply_is_no_bounce():
    reply = EmailMessage()
    reply["From"] = "Rita Reporter <rita@example.org>"
    reply["Subject"] = "Re: [INC-000007] We received your incident"
    reply.set_content("Still broken.")
    assert not is_bounce(reply)
    assert bounces(reply) == []


def test_a_daemon_returning_the_message_without_a_report_is_a_bounce_that_names_no_one():
    returned = EmailMessage()
    returned["From"] = "Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>"
    returned["Subject"] = "Returned mail: see transcript for details"
    returned.set_content("The original message was received but could not be delivered.")
    original = EmailMessage()
    original["Message-ID"] = "<1.INC-000001@desk.example.org>"
    original.set_content("hello")
    returned.add_attachment(original)
    assert is_bounce(returned)
    assert bounces(returned) == []
