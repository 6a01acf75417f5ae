"""The incident page's related incidents: part of, duplicates, following."""

from __future__ import annotations

import pytest

from service.services import sign_in
from tests.helpers import TRIAGE, complete, get_incident, open_incident
from tests.web.test_pages import PASSWORD, Browser


@pytest.fixture
def browser(app, api, svc):
    for name in ("rita", "ron", "alice"):
        sign_in.set_password(svc, name, PASSWORD)

    def signed_in(name):
        page = Browser(app)
        page.sign_in(name)
        return page

    return signed_in


def text(response):
    return response.get_data(as_text=True)


def test_an_agent_links_merges_and_follows_from_the_page(browser, api):
    parent = open_incident(api.rita, title="Mail server down")
    child = open_incident(api.ron, title="No mail")
    duplicate = complete(api.alice, open_incident(api.ron, title="Mail down"), "triage", TRIAGE)
    alice = browser("alice")
    alice.get(f"/incidents/{child['number']}")
    linked = alice.post(
        f"/incidents/{child['number']}/parent", {"number": parent["number"]}, follow_redirects=True
    )
    assert f"resolving {parent['number']} resolves this one" in text(linked)
    page = text(alice.get(f"/incidents/{parent['number']}"))
    assert "Part of this incident" in page and child["number"] in page
    refused = alice.post(
        f"/incidents/{parent['number']}/parent", {"number": child["number"]}, follow_redirects=True
    )
    assert "cycle" in text(refused)

    merged = alice.post(
        f"/incidents/{duplicate['number']}/merge",
        {"number": parent["number"]},
        follow_redirects=True,
    )
    assert f"Closed as a duplicate of {parent['number']}" in text(merged)
    assert get_incident(api.alice, duplicate["number"])["closure_code"] == "duplicate"
    page = text(alice.get(f"/incidents/{parent['number']}"))
    assert "Merged into this incident" in page
    assert "Followers: ron" in page

    alice.post(f"/incidents/{parent['number']}/follow", {}, follow_redirects=True)
    assert "alice" in get_incident(api.alice, parent["number"])["followers"]


def test_a_follower_reads_the_page_and_stops_following(browser, api):
    incident = open_incident(api.rita, title="Mail server down")
    ron = browser("ron")
    ron.get("/")
    assert ron.get(f"/incidents/{incident['number']}").status_code == 404
    api.alice.post(f"/api/incidents/{incident['number']}/followers", json={"user": "ron"})
    page = text(ron.get(f"/incidents/{incident['number']}"))
    assert "Stop following" in page
    # a reporter links nothing
    assert "Merge and close" not in page
    ron.post(f"/incidents/{incident['number']}/unfollow", {})
    assert ron.get(f"/incidents/{incident['number']}").status_code == 404
