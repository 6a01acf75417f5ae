"""E-mail in: what a message becomes, through real parsing of real message bytes."""

from __future__ import annotations

import threading
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from service.models import Delivery, InboundMessage
from service.services.mail import intake
from service.services.mail import outcomes as o
from tests.conftest import settings_for
from tests.helpers import TRIAGE, complete, get_incident, open_incident
from tests.mail_messages import message

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def take(svc, raw: bytes) -> intake.Taken:
    return intake.take(svc, raw, via=intake.PIPE)


def comments_of(client, number):
    response = client.get(f"/api/incidents/{number}/comments")
    assert response.status_code == 200, response.json
    return response.json


def test_a_new_message_from_a_known_user_opens_an_incident_on_the_email_channel(api, svc):
    taken = take(svc, message(files=[("jam.png", "image/png", PNG)]))
    assert taken.outcome == o.OPENED and taken.incident
    incident = get_incident(api.rita, taken.incident)
    assert incident["title"] == "Printer on floor 2 jams"
    assert incident["description"] == "The printer on floor 2 jams on every page."
    assert incident["channel"] == "email"
    assert incident["reporter"] == "rita"
    assert incident["open_tasks"][0]["key"] == "triage"
    [attached] = comments_of(api.rita, taken.incident)
    assert [f["filename"] for f in attached["attachments"]] == ["jam.png"]


def test_the_same_message_delivered_twice_is_taken_once(api, svc):
    raw = message()
    first, second = take(svc, raw), take(svc, raw)
    assert second.duplicate and (second.id, second.incident) == (first.id, first.incident)
    listed = api.alice.get("/api/incidents").json
    assert [i["number"] for i in listed] == [first.incident]


def test_a_strangers_message_with_someone_elses_message_id_does_not_swallow_theirs(api, svc):
    same = "<reused@mail.example.org>"
    first = take(svc, message(sender="eve@else.example", subject="Spam", message_id=same))
    theirs = take(svc, message(subject="Real problem", message_id=same))
    assert not theirs.duplicate and theirs.id != first.id
    assert get_incident(api.alice, theirs.incident)["title"] == "Real problem"


def test_a_reply_by_the_reporter_becomes_a_public_comment_without_the_quoted_history(api, svc):
    number = open_incident(api.rita)["number"]
    text = (
        "It still fails after the restart.\n\n"
        "Best regards,\nRita\n\n"
        "On Mon, Mar 2, 2026 at 9:00 AM Incident Desk <desk@desk.example.org> wrote:\n"
        "> We received your incident.\n"
    )
    taken = take(svc, message(subject=f"Re: [{number}] We received your incident", text=text))
    assert (taken.outcome, taken.incident) == (o.COMMENTED, number)
    [comment] = comments_of(api.rita, number)
    assert comment["body"] == "It still fails after the restart."
    assert comment["author"] == "rita" and comment["public"] is True


def test_a_reply_found_by_our_message_id_alone_is_matched(api, svc):
    number = open_incident(api.rita)["number"]
    taken = take(
        svc,
        message(
            subject="Re: your incident",
            text="Thanks!",
            headers={"In-Reply-To": f"<1764.abc.{number}@127.0.0.1>"},
        ),
    )
    assert (taken.outcome, taken.incident) == (o.COMMENTED, number)
    # Message-IDs of another domain name nothing of ours.
    other = take(
        svc,
        message(subject="Re: x", text="Hi", headers={"References": f"<{number}@elsewhere.org>"}),
    )
    assert other.outcome == o.OPENED and other.incident != number


def test_a_reply_by_the_reporter_resumes_an_incident_on_hold(api, svc):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    held = complete(
        api.alice, incident, "l1_diagnose", {"outcome": "on_hold", "hold_reason": "Which model?"}
    )
    assert held["status"] == "on_hold"
    take(svc, message(subject=f"Re: [{held['number']}] On hold", text="An HP LaserJet 4250."))
    after = get_incident(api.alice, held["number"])
    assert after["status"] == "in_progress"
    assert after["open_tasks"][0]["key"] == "l1_diagnose"


def test_an_agents_reply_is_public_and_a_strangers_is_an_internal_note(api, svc):
    number = open_incident(api.rita)["number"]
    agent = take(
        svc,
        message(sender="Alice <alice@desk.example.org>", subject=f"[{number}]", text="On it."),
    )
    stranger = take(
        svc,
        message(sender="Mallory <mallory@evil.example>", subject=f"[{number}]", text="Close it."),
    )
    assert (agent.outcome, stranger.outcome) == (o.COMMENTED, o.NOTED)
    seen_by_agents = comments_of(api.alice, number)
    assert [(c["author"], c["public"]) for c in seen_by_agents] == [
        ("alice", True),
        ("mail-gateway", False),
    ]
    assert "mallory@evil.example" in seen_by_agents[1]["body"]
    assert "not on this incident" in seen_by_agents[1]["body"]
    assert [c["author"] for c in comments_of(api.rita, number)] == ["alice"]
    assert get_incident(api.alice, number)["first_response_at"] is not None


@pytest.mark.parametrize(
    ("charset", "cte"),
    [
        ("utf-8", "quoted-printable"),
        ("utf-8", "base64"),
        ("iso-8859-7", "quoted-printable"),
        ("iso-8859-7", "base64"),
        ("cp1253", "quoted-printable"),
        ("cp1253", "8bit"),
    ],
)
def test_greek_mail_reads_correctly_in_every_charset_it_comes_in(api, svc, charset, cte):
    raw = message(
        sender="=?iso-8859-7?q?=CD=DF=EA=EF=F2?= <rita@example.org>",
        subject="Δεν τυπώνει ο εκτυπωτής",
        text="Ο εκτυπωτής στον 2ο όροφο μπλοκάρει σε κάθε σελίδα.",
        charset=charset,
        cte=cte,
    )
    taken = take(svc, raw)
    incident = get_incident(api.alice, taken.incident)
    assert incident["title"] == "Δεν τυπώνει ο εκτυπωτής"
    assert incident["description"] == "Ο εκτυπωτής στον 2ο όροφο μπλοκάρει σε κάθε σελίδα."


def test_html_only_mail_becomes_readable_text(api, svc):
    html = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>The VPN drops <b>every</b> 10 minutes.</p><ul><li>Windows 11</li>"
        "<li>Client 5.2</li></ul><script>alert(1)</script></body></html>"
    )
    taken = take(svc, message(text=None, html=html))
    description = get_incident(api.alice, taken.incident)["description"]
    assert "The VPN drops every 10 minutes." in description
    assert "Windows 11" in description and "Client 5.2" in description
    assert "<" not in description and "color" not in description and "alert" not in description


def test_auto_replies_and_lists_are_recorded_but_open_nothing_and_send_nothing(api, svc):
    number = open_incident(api.rita)["number"]
    autos = [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X-Autoreply": "yes"},
        {"List-Id": "<staff.example.org>"},
    ]
    taken = [take(svc, message(subject=f"Re: [{number}] x", headers=h)) for h in autos]
    taken.append(take(svc, message(subject="Automatic reply: [" + number + "] x")))
    taken.append(take(svc, message(subject="Out of Office", text="Back on Monday")))
    assert {t.outcome for t in taken} == {o.AUTO_REPLY}
    assert comments_of(api.alice, number) == []
    assert [i["number"] for i in api.alice.get("/api/incidents").json] == [number]
    assert "mail.ignored" in [
        e["type"] for e in api.alice.get(f"/api/incidents/{number}/events").json
    ]


def test_a_delivery_report_is_recorded_as_a_bounce(api, svc):
    report = EmailMessage()
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.org>"
    report["To"] = "desk@desk.example.org"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report.set_content("This is the mail system at host mx.example.org.")
    report.make_mixed()
    report.set_param("report-type", "delivery-status")
    report.replace_header(
        "Content-Type",
        report["Content-Type"].replace("multipart/mixed", "multipart/report"),
    )
    assert take(svc, bytes(report)).outcome == o.BOUNCE
    assert api.alice.get("/api/incidents").json == []


def test_one_sender_past_the_hourly_limit_is_recorded_not_acted_on(app, people, svc, clock):
    limited = svc.settings.mail_sender_limit
    outcomes = [take(svc, message(subject=f"Issue {n}")).outcome for n in range(limited + 2)]
    assert outcomes.count(o.OPENED) == limited
    assert outcomes[-2:] == [o.LIMITED, o.LIMITED]
    clock.advance(hours=1, minutes=1)
    assert take(svc, message(subject="A new hour")).outcome == o.OPENED


def test_an_unknown_sender_gets_a_reporter_account_by_default(api, svc):
    taken = take(svc, message(sender="Nikos Papas <Nikos.Papas+it@example.gr>"))
    incident = get_incident(api.alice, taken.incident)
    assert incident["reporter_name"] == "Nikos Papas"
    assert incident["reporter_contact"] == "nikos.papas+it@example.gr"
    again = take(svc, message(sender="nikos.papas+it@example.gr", subject="Second"))
    assert get_incident(api.alice, again.incident)["reporter"] == incident["reporter"]


def test_files_the_api_would_refuse_are_left_out_and_said_so(api, svc):
    taken = take(
        svc,
        message(files=[("tool.exe", "application/octet-stream", b"MZ" + b"\x00" * 200)]),
    )
    assert taken.outcome == o.OPENED
    [comment] = comments_of(api.alice, taken.incident)
    assert comment["attachments"] == []
    assert "tool.exe" in comment["body"] and "original e-mail" in comment["body"]


def test_messages_that_can_never_be_taken_are_refused_and_not_stored(api, svc):
    assert take(svc, b"").refused
    assert take(svc, b"Subject: no sender\r\n\r\nhello\r\n").refused
    with svc.db.read() as uow:
        assert uow.session.scalars(select(InboundMessage)).all() == []


class TestRefusingUnknownSenders:
    @pytest.fixture
    def settings(self, database_url, smtp):
        return settings_for(
            database_url,
            mail_unknown_senders="refuse",
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
        )

    def test_one_polite_reply_a_day_and_no_incident(self, api, svc, clock):
        first = take(svc, message(sender="x@unknown.example", subject="Help"))
        second = take(svc, message(sender="x@unknown.example", subject="Help!"))
        assert (first.outcome, second.outcome) == (o.REFUSED, o.REFUSED)
        with svc.db.read() as uow:
            answers = [
                (d.recipient, d.payload)
                for d in uow.session.scalars(
                    select(Delivery).where(Delivery.event_type == "mail.refused")
                )
            ]
        assert [to for to, _ in answers] == ["x@unknown.example"]
        assert answers[0][1]["subject"] == "Re: Help"
        assert "not been registered" in answers[0][1]["text"]
        clock.advance(days=1, minutes=1)
        take(svc, message(sender="x@unknown.example", subject="Help again"))
        with svc.db.read() as uow:
            assert len(uow.session.scalars(select(Delivery)).all()) == 2
        assert api.alice.get("/api/incidents").json == []
        # An auto-reply from the unknown address is never answered.
        take(svc, message(sender="y@unknown.example", headers={"Auto-Submitted": "auto-replied"}))
        with svc.db.read() as uow:
            assert len(uow.session.scalars(select(Delivery)).all()) == 2


def test_the_original_of_each_mail_can_be_downloaded_whole_by_whoever_may_read_it(api, svc):
    number = open_incident(api.rita)["number"]
    quoted = "Here are the logs.\n\nOn Mon, Mar 2, 2026 Desk <d@x.org> wrote:\n> Send the logs\n"
    raw = message(subject=f"Re: [{number}]", text=quoted)
    take(svc, raw)
    stranger = take(svc, message(sender="eve@else.example", subject=f"[{number}]", text="Hi"))
    [reply, note] = comments_of(api.alice, number)
    assert reply["email_id"] is not None and note["email_id"] == stranger.id
    listed = api.alice.get(f"/api/incidents/{number}/emails").json
    assert [(m["outcome"], m["comment_id"]) for m in listed] == [
        ("commented", reply["id"]),
        ("noted", note["id"]),
    ]
    original = api.rita.get(f"/api/incidents/{number}/emails/{reply['email_id']}")
    assert original.status_code == 200
    assert original.headers["Content-Type"] == "message/rfc822"
    assert original.data == raw and b"> Send the logs" in original.data
    # The reporter sees their own mail, not what a stranger sent about their incident.
    assert [m["id"] for m in api.rita.get(f"/api/incidents/{number}/emails").json] == [
        reply["email_id"]
    ]
    assert api.rita.get(f"/api/incidents/{number}/emails/{stranger.id}").status_code == 404
    assert api.ron.get(f"/api/incidents/{number}/emails/{reply['email_id']}").status_code == 404
    assert api.alice.get(f"/api/incidents/{number}/emails/99999999999999").status_code == 404


def test_admins_see_every_mail_taken_in_and_why_it_was_not_acted_on(api, svc):
    take(svc, message(headers={"Auto-Submitted": "auto-replied"}, subject="Away"))
    opened = take(svc, message(subject="Real"))
    everything = api.adam.get("/api/admin/emails")
    assert everything.status_code == 200
    assert [(m["outcome"], m["incident_number"]) for m in everything.json] == [
        ("opened", opened.incident),
        ("auto_reply", None),
    ]
    autos = api.adam.get("/api/admin/emails?outcome=auto_reply").json
    assert [m["reason"] for m in autos] == ["Auto-Submitted: auto-replied"]
    assert api.adam.get("/api/admin/emails?outcome=nonsense").status_code == 422
    assert api.alice.get("/api/admin/emails").status_code == 403


def test_the_same_message_delivered_twice_at_once_is_taken_once(api, svc):
    raw = message(subject="Twice at once")
    start = threading.Barrier(2)
    results: list[intake.Taken] = []

    def deliver():
        start.wait()
        results.append(take(svc, raw))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.duplicate for r in results) == [False, True]
    assert len({r.incident for r in results}) == 1
    assert len(api.alice.get("/api/incidents").json) == 1


def test_a_message_the_process_refuses_is_kept_with_the_reason(api, svc, monkeypatch):
    from service.domain.errors import ProcessError
    from service.services import incidents

    def broken(*args, **kwargs):
        raise ProcessError("the start event's script failed", element_id="StartEvent_1")

    monkeypatch.setattr(incidents, "create_incident", broken)
    raw = message(subject="Kept although the process failed")
    taken = take(svc, raw)
    assert taken.outcome == o.FAILED and "script failed" in taken.reason
    [kept] = api.adam.get("/api/admin/emails?outcome=failed").json
    assert kept["subject"] == "Kept although the process failed"
    with svc.db.read() as uow:
        assert uow.session.get(InboundMessage, kept["id"]).raw == raw
    # Delivered again (the MTA retrying) it is the same kept message, not a second one.
    assert take(svc, raw).duplicate
    # Once the cause is fixed, an admin has it taken again.
    monkeypatch.undo()
    assert api.alice.post(f"/api/admin/emails/{kept['id']}/retry").status_code == 403
    retried = api.adam.post(f"/api/admin/emails/{kept['id']}/retry")
    assert retried.status_code == 200, retried.json
    assert retried.json["outcome"] == "opened" and retried.json["incident_number"]
    assert api.adam.post(f"/api/admin/emails/{kept['id']}/retry").status_code == 409


def test_mail_from_a_disabled_account_is_kept_refused_and_taken_once_enabled(api, svc):
    assert api.adam.post("/api/users/rita/disable").status_code == 200

    refused = take(svc, message(subject="Still here"))

    assert refused.outcome == o.REFUSED and refused.incident is None
    [kept] = api.adam.get("/api/admin/emails?outcome=refused").json
    assert kept["reason"] == "the sender's account is disabled"
    assert api.alice.get("/api/incidents").json == []
    # Retried while still disabled, it stays refused; once enabled, it is taken.
    assert api.adam.post(f"/api/admin/emails/{refused.id}/retry").json["outcome"] == "refused"
    assert api.adam.post("/api/users/rita/enable").status_code == 200
    again = api.adam.post(f"/api/admin/emails/{refused.id}/retry")
    assert again.status_code == 200 and again.json["outcome"] == "opened"
    assert get_incident(api.alice, again.json["incident_number"])["title"] == "Still here"
