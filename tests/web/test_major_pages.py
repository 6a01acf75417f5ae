"""The major incident and its review on the incident page."""

from __future__ import annotations

import pytest

from service.services import sign_in
from tests.helpers import RESOLVED
from tests.major import REVIEW, UPDATE, complete_major, declare, major_task, p1_incident
from tests.web.test_pages import PASSWORD, Browser


@pytest.fixture
def carol(app, api, svc):
    sign_in.set_password(svc, "carol", PASSWORD)
    browser = Browser(app)
    browser.sign_in("carol")
    return browser


def test_the_page_shows_the_declaration_the_last_update_and_the_review(api, carol, clock):
    number = p1_incident(api)["number"]
    declare(api.carol, number, reason="Mail down for the whole company")
    complete_major(api.carol, number, "write_update", UPDATE)
    page = carol.get(f"/incidents/{number}").get_data(as_text=True)
    assert "Major incident" in page and "Mail down for the whole company" in page
    assert UPDATE["update"] in page and "Next update due" in page

    l3 = major_task(api.carol, number, "l3_resolve")
    api.carol.post(f"/api/tasks/{l3['id']}/complete", json=RESOLVED)
    complete_major(api.carol, number, "post_incident_review", REVIEW)
    page = carol.get(f"/incidents/{number}").get_data(as_text=True)
    assert "Post-incident review" in page
    for text in REVIEW.values():
        assert text.replace("'", "&#39;") in page
    assert "Next update due" not in page
