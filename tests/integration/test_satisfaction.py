"""Satisfaction after closure: the survey mail, its one-click links, the page that
confirms a rating, a bad rating told to the resolving group's lead."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlsplit

import pytest

from service.services import sign_in
from service.worker import DeliveryWorker, TimerWorker
from tests.conftest import PROCESSES
from tests.helpers import (
    ESCALATE,
    RESOLVED,
    TRIAGE,
    complete,
    event_types,
    get_incident,
    open_incident,
)
from tests.web.test_pages import PASSWORD, Browser

ORIGIN = {"Origin": "http://127.0.0.1:8000"}


@pytest.fixture
def settings(settings, smtp):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=smtp.port)


def closed_by_l2(api):
    """Rita's incident, escalated to L2, resolved by Bob, confirmed by Rita."""
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    incident = complete(api.alice, incident, "l1_diagnose", ESCALATE)
    incident = complete(api.bob, incident, "l2_investigate", RESOLVED)
    incident = complete(api.rita, incident, "confirm_resolution", {"confirmed": True})
    assert incident["status"] == "closed"
    return incident["number"]


def survey_mail(svc, smtp, number):
    DeliveryWorker(svc).run_once()
    found = [m for m in smtp.inbox.to("rita@example.org") if "How did it go?" in m["Subject"]]
    assert len(found) == 1, [m["Subject"] for m in smtp.inbox.to("rita@example.org")]
    assert found[0]["Subject"].startswith(f"[{number}]")
    return found[0]


def links_of(message) -> dict[int, str]:
    text = message.get_body(("plain",)).get_content()
    found = dict(re.findall(r"^([1-5]) - .*?: (http\S+/survey/\S+)", text, re.M))
    assert sorted(found) == ["1", "2", "3", "4", "5"], text
    return {int(score): urlsplit(url).path for score, url in found.items()}


def test_a_closure_mails_a_survey_whose_link_confirms_a_rating_once(api, svc, smtp, app):
    number = closed_by_l2(api)
    links = links_of(survey_mail(svc, smtp, number))
    page = app.test_client()

    shown = page.get(links[4])
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    # Reading the link records nothing: a mail scanner may have fetched it.
    assert re.search(r'value="4"[^>]*checked', html)
    assert "survey.answered" not in event_types(api.bob, number)

    posted = page.post(links[4], data={"score": "4", "comment": ""}, headers=ORIGIN)
    assert posted.status_code == 303
    after = page.get(posted.headers["Location"]).get_data(as_text=True)
    assert "Thank you" in after
    assert "survey.answered" in event_types(api.bob, number)
    assert get_incident(api.bob, number)["satisfaction"]["score"] == 4

    # Another link of the same mail shows the answer given, and changes nothing.
    second = page.get(links[1])
    assert second.status_code == 200
    assert "Good" in second.get_data(as_text=True)
    again = page.post(links[1], data={"score": "1"}, headers=ORIGIN)
    assert again.status_code == 409
    assert get_incident(api.bob, number)["satisfaction"]["score"] == 4

    # The comment can still be added, once.
    commented = page.post(f"{links[4]}/comment", data={"comment": "Quick and kind"}, headers=ORIGIN)
    assert commented.status_code == 303
    assert get_incident(api.bob, number)["satisfaction"]["comment"] == "Quick and kind"
    twice = page.post(f"{links[4]}/comment", data={"comment": "More"}, headers=ORIGIN)
    assert twice.status_code == 409
    assert get_incident(api.bob, number)["satisfaction"]["comment"] == "Quick and kind"
    # The reporter's instance of the survey process is over.
    incident = get_incident(api.bob, number)
    [survey] = [i for i in incident["linked_instances"] if i["process_id"] == "satisfaction"]
    assert api.bob.get(f"/api/instances/{survey['id']}").json["status"] == "completed"


def test_a_bad_rating_tells_the_lead_of_the_group_that_resolved_it(api, svc, smtp, app):
    number = closed_by_l2(api)
    links = links_of(survey_mail(svc, smtp, number))
    page = app.test_client()
    posted = page.post(
        links[2], data={"score": "2", "comment": "Took three days to hear back"}, headers=ORIGIN
    )
    assert posted.status_code == 303
    DeliveryWorker(svc).run_once()
    [to_lead] = [m for m in smtp.inbox.to("bert@desk.example.org") if "Rated" in m["Subject"]]
    assert to_lead["Subject"] == f"[{number}] Rated 2 of 5: Mail is down"
    text = to_lead.get_body(("plain",)).get_content()
    assert "Took three days to hear back" in text
    assert "/survey/" not in text  # the links are the reporter's alone
    # The comment stays out of the audit trail (and so out of webhooks).
    [answered] = [
        e
        for e in api.bob.get(f"/api/incidents/{number}/events").json
        if e["type"] == "survey.answered"
    ]
    assert answered["data"] == {"survey_id": 1, "score": 2, "bad": True, "commented": True}
    # The lead, not the whole group.
    assert not [m for m in smtp.inbox.to("bob@desk.example.org") if "Rated" in m["Subject"]]


def test_an_expired_or_altered_link_changes_nothing(api, svc, smtp, app, clock):
    number = closed_by_l2(api)
    links = links_of(survey_mail(svc, smtp, number))
    page = app.test_client()

    head, _, signature = links[5].rpartition(".")
    forged = f"{head}.{signature[::-1]}"
    assert page.get(forged).status_code == 404
    assert page.post(forged, data={"score": "5"}, headers=ORIGIN).status_code == 404
    # Another answer under the first one's signature is no link either.
    other = links[1].rpartition(".")[0]
    assert page.get(f"{other}.{signature}").status_code == 404
    # From another site, a valid link is refused too.
    assert (
        page.post(
            links[5], data={"score": "5"}, headers={"Origin": "https://evil.example"}
        ).status_code
        == 403
    )

    clock.advance(days=14, seconds=1)
    expired = page.get(links[5])
    assert expired.status_code == 410
    assert "expired" in expired.get_data(as_text=True)
    assert page.post(links[5], data={"score": "5"}, headers=ORIGIN).status_code == 410
    assert get_incident(api.bob, number)["satisfaction"]["state"] == "expired"
    assert "survey.answered" not in event_types(api.bob, number)
    # The process's own timer ends the wait.
    assert TimerWorker(svc).run_once() == 1
    incident = get_incident(api.bob, number)
    [survey] = [i for i in incident["linked_instances"] if i["process_id"] == "satisfaction"]
    assert api.bob.get(f"/api/instances/{survey['id']}").json["status"] == "completed"


def test_the_survey_page_speaks_the_reporters_language(api, svc, smtp, app):
    assert api.rita.patch("/api/me", json={"language": "el"}).status_code == 200
    closed_by_l2(api)
    DeliveryWorker(svc).run_once()
    [mail] = [
        m
        for m in smtp.inbox.to("rita@example.org")
        if "/survey/" in m.get_body(("plain",)).get_content()
    ]
    text = mail.get_body(("plain",)).get_content()
    [url] = re.findall(r"^4 - .*?: (http\S+)", text, re.M)
    shown = app.test_client().get(urlsplit(url).path, headers={"Accept-Language": "en"})
    assert shown.status_code == 200
    assert 'lang="el"' in shown.get_data(as_text=True)


def test_no_survey_for_a_ticket_converted_to_a_request(api, svc, smtp):
    incident = open_incident(api.rita)
    converted = complete(api.alice, incident, "triage", TRIAGE | {"kind": "request"})
    assert converted["closure_code"] == "converted_to_request"
    DeliveryWorker(svc).run_once()
    assert not [m for m in smtp.inbox.to("rita@example.org") if "How did it go?" in m["Subject"]]
    assert "survey.sent" not in event_types(api.alice, converted["number"])
    assert get_incident(api.alice, converted["number"])["satisfaction"] is None


def without_survey_step(bpmn: bytes) -> bytes:
    """The incident process as a process owner might change it: no survey step."""
    text = bpmn.decode()
    text = re.sub(
        r'\s*<bpmn:serviceTask id="ask_satisfaction".*?</bpmn:serviceTask>', "", text, flags=re.S
    )
    text = re.sub(r"\s*<bpmn:flowNodeRef>ask_satisfaction</bpmn:flowNodeRef>", "", text)
    text = re.sub(
        r'\s*<bpmndi:BPMNShape id="ask_satisfaction_di".*?</bpmndi:BPMNShape>', "", text, flags=re.S
    )
    text = re.sub(
        r'\s*<bpmndi:BPMNEdge id="Flow_survey_end_di".*?</bpmndi:BPMNEdge>', "", text, flags=re.S
    )
    text = re.sub(r'\s*<bpmn:sequenceFlow id="Flow_survey_end"[^>]*/>', "", text)
    text = text.replace('targetRef="ask_satisfaction"', 'targetRef="incident_closed"')
    text = text.replace(
        "<bpmn:incoming>Flow_survey_end</bpmn:incoming>",
        "<bpmn:incoming>Flow_closed_survey</bpmn:incoming>",
    )
    assert "ask_satisfaction" not in text
    return text.encode()


def test_a_process_without_the_survey_step_sends_none(api, svc, smtp):
    bpmn = (PROCESSES / "incident.bpmn").read_bytes()
    deployed = api.olga.post(
        "/api/deployments",
        data={"files": [(io.BytesIO(without_survey_step(bpmn)), "incident.bpmn")]},
        content_type="multipart/form-data",
    )
    assert deployed.status_code == 201, deployed.json
    number = closed_by_l2(api)
    DeliveryWorker(svc).run_once()
    assert not [m for m in smtp.inbox.to("rita@example.org") if "How did it go?" in m["Subject"]]
    assert "survey.sent" not in event_types(api.bob, number)


def rate(app, svc, smtp, number, score):
    DeliveryWorker(svc).run_once()
    [mail] = [
        m
        for m in smtp.inbox.to("rita@example.org")
        if m["Subject"] == f"[{number}] How did it go? Mail is down"
    ]
    posted = app.test_client().post(links_of(mail)[score], data={"score": score}, headers=ORIGIN)
    assert posted.status_code == 303


def test_the_report_and_the_pages_show_satisfaction(api, svc, smtp, app, clock):
    first, second = closed_by_l2(api), closed_by_l2(api)
    closed_by_l2(api)  # sent, never answered
    rate(app, svc, smtp, first, 5)
    rate(app, svc, smtp, second, 2)
    clock.advance(minutes=1)  # the default period ends now, exclusive

    report = api.bert.get("/api/reports/sla")
    assert report.status_code == 200, report.json
    satisfaction = report.json["satisfaction"]
    assert satisfaction["overall"] == {
        "group": "all",
        "sent": 3,
        "answered": 2,
        "response_rate": 0.6667,
        "mean_score": 3.5,
        "good_share": 0.5,
    }
    by_tier = {f["group"]: f for f in satisfaction["by_tier"]}
    assert by_tier["L2"]["answered"] == 2 and by_tier["L1"]["sent"] == 0
    by_priority = {f["group"]: f for f in satisfaction["by_priority"]}
    assert by_priority["P3"]["sent"] == 3
    assert [(f["group"], f["mean_score"]) for f in satisfaction["by_category"]] == [("email", 3.5)]
    # The default period is the last 30 days: every week it touches, the surveys in this one.
    weeks = satisfaction["by_week"]
    assert [w["group"] for w in weeks][-1] == "2026-W10" and len(weeks) in (5, 6)
    assert (weeks[-1]["sent"], weeks[-1]["mean_score"]) == (3, 3.5)
    assert all(w["sent"] == 0 for w in weeks[:-1])
    # 30 days back from 2 March 2026 touch January, February and March.
    months = satisfaction["by_month"]
    assert [(m["group"], m["sent"]) for m in months] == [
        ("2026-01", 0),
        ("2026-02", 0),
        ("2026-03", 3),
    ]
    rows = list(csv.DictReader(io.StringIO(api.bert.get("/api/reports/sla.csv").text)))
    assert (rows[0]["group"], rows[0]["surveys_sent"], rows[0]["mean_satisfaction"]) == (
        "all",
        "3",
        "3.5",
    )
    [l2] = [r for r in rows if r["group"] == "L2"]
    assert (l2["surveys_answered"], l2["good_satisfaction_share"]) == ("2", "0.5")
    earlier = api.bert.get("/api/reports/sla?from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z")
    assert earlier.json["satisfaction"]["overall"]["sent"] == 0
    assert [w["group"] for w in earlier.json["satisfaction"]["by_week"]][:2] == [
        "2025-W01",
        "2025-W02",
    ]
    assert [m["group"] for m in earlier.json["satisfaction"]["by_month"]] == ["2025-01"]

    sign_in.set_password(svc, "bert", PASSWORD)
    sign_in.set_password(svc, "rita", PASSWORD)
    bert = Browser(app)
    bert.sign_in("bert")
    overview = bert.get("/overview").get_data(as_text=True)
    assert "Satisfaction" in overview and "Satisfaction month by month" in overview
    assert re.search(r"<th scope=\"row\">all</th><td>3</td><td>2</td>\s*<td>67", overview)
    incident_page = bert.get(f"/incidents/{second}").get_data(as_text=True)
    assert "2 of 5 (Poor)" in incident_page
    # The reporter does not see the rating block of agents.
    rita = Browser(app)
    rita.sign_in("rita")
    assert "Reporter satisfaction" not in rita.get(f"/incidents/{second}").get_data(as_text=True)
    assert api.rita.get(f"/api/incidents/{second}").json["satisfaction"] is None
