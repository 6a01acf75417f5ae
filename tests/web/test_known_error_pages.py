"""The known errors' page and the search: agents find the workaround before the
incidents; reporters never see these internal records."""

from __future__ import annotations

import pytest

from tests.api.test_known_errors_api import VPN, create, resolved
from tests.helpers import open_incident
from tests.web.test_people_pages import signed_in, text


@pytest.fixture
def settings(settings, smtp):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=smtp.port)


def test_a_search_shows_the_known_error_and_its_workaround_before_the_incidents(app, api, svc):
    create(api.alice, VPN)
    create(api.alice, VPN | {"symptom": "Printer jams", "workaround": "Open tray 2"})
    open_incident(api.rita, title="The VPN drops again")
    alice = signed_in(app, svc, "alice")

    page = text(alice.get("/incidents?q=vpn+drops"))

    assert "Known errors like this" in page
    assert "Reconnect; set the client to keep alive" in page
    assert "Printer jams" not in page
    assert page.index("Reconnect; set the client") < page.index("The VPN drops again")
    # A search with nothing in common shows none.
    assert "Known errors like this" not in text(alice.get("/incidents?q=keyboard"))


def test_a_reporter_searching_sees_no_known_error_and_no_page(app, api, svc):
    create(api.alice, VPN)
    open_incident(api.rita, title="VPN drops")
    rita = signed_in(app, svc, "rita")

    page = text(rita.get("/incidents?q=vpn"))

    assert "Reconnect" not in page and "/known-errors" not in page
    assert rita.get("/known-errors").status_code == 403
    assert rita.post("/known-errors/1/status", {"status": "fixed"}).status_code == 403


def test_an_agent_lists_filters_and_marks_fixed_from_the_page(app, api, svc):
    incident = open_incident(api.rita, title="VPN drops")
    known = create(api.alice, VPN | {"incidents": [incident["number"]]})
    create(api.alice, VPN | {"symptom": "Printer jams", "category": "hardware"})
    alice = signed_in(app, svc, "alice")

    listing = text(alice.get("/known-errors?category=network"))
    assert "VPN drops every hour" in listing and "Printer jams" not in listing
    assert incident["number"] in listing

    fixed = alice.post(
        f"/known-errors/{known['id']}/status", {"status": "fixed"}, follow_redirects=True
    )

    assert "Marked fixed" in text(fixed)
    assert api.alice.get(f"/api/known-errors/{known['id']}").json["status"] == "fixed"
    assert "VPN drops every hour" not in text(alice.get("/known-errors?status=open"))
    assert alice.post(f"/known-errors/{known['id']}/status", {"status": "gone"}).status_code == 400


def test_an_agent_records_a_known_error_from_the_incident_page(app, api, svc):
    incident = resolved(api, title="Outlook cannot connect")
    bob = signed_in(app, svc, "bob")
    assert "Record as a known error" in text(bob.get(f"/incidents/{incident['number']}"))

    recorded = bob.post(f"/incidents/{incident['number']}/known-error", {}, follow_redirects=True)

    assert "Recorded as a known error" in text(recorded)
    assert "Outlook cannot connect" in text(recorded)
    # Before a resolution there is nothing to record: refused with the reason.
    fresh = open_incident(api.rita, title="New one")
    assert bob.post(f"/incidents/{fresh['number']}/known-error", {}).status_code == 409
