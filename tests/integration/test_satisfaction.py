"""Satisfaction after closure: the survey mail, its one-click links, the page that
confirms a rating, a bad rating told to the resolving group's lead."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from service.worker import DeliveryWorker, TimerWorker
from tests.helpers import (
    ESCALATE,
    RESOLVED,
    TRIAGE,
    complete,
    event_types,
    get_incident,
    open_incident,
)

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
