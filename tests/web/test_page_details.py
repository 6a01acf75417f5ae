"""Small things on the pages that looked broken to agents and reporters."""

from __future__ import annotations

import re
from datetime import timedelta

from service.services import sign_in
from tests.helpers import ESCALATE, RESOLVED, TRIAGE, complete, open_incident
from tests.web import test_pages
from tests.web.test_pages import PASSWORD

browser = test_pages.browser  # the fixture: a test client that signs in and sends tokens

NAV_OVERVIEW = 'href="/overview"'


def test_a_priority_with_an_unset_part_says_so_instead_of_none(browser, api):
    incident = open_incident(api.rita)
    complete(api.alice, incident, "triage", {**TRIAGE, "urgency": "high"})
    alice = browser()
    alice.sign_in("alice")
    page = alice.get(f"/incidents/{incident['number']}").get_data(as_text=True)
    assert "impact medium, urgency high" in page
    assert "None" not in page


def test_the_overview_shows_the_period_it_applies(browser, api, svc, clock):
    sign_in.set_password(svc, "lara", PASSWORD)
    lara = browser()
    lara.sign_in("lara")
    page = lara.get("/overview").get_data(as_text=True)
    today = clock.now.date()
    assert f'value="{today - timedelta(days=30)}"' in page
    assert f'value="{today}"' in page
    chosen = lara.get("/overview?start=2026-01-05&end=2026-01-20").get_data(as_text=True)
    assert 'value="2026-01-05"' in chosen and 'value="2026-01-20"' in chosen


def test_the_overview_link_is_shown_only_to_those_who_may_open_it(browser, api, svc):
    alice = browser()
    alice.sign_in("alice")
    queue = alice.get("/queue").get_data(as_text=True)
    assert NAV_OVERVIEW not in queue
    assert alice.get("/overview").status_code == 403
    sign_in.set_password(svc, "lara", PASSWORD)
    lara = browser()
    lara.sign_in("lara")
    assert NAV_OVERVIEW in lara.get("/queue").get_data(as_text=True)
    assert lara.get("/overview").status_code == 200


def test_the_icon_is_there_for_anyone(app):
    client = app.test_client()
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    with client.get(answer.location) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_a_reporter_reads_sentences_and_opens_only_their_own_steps(browser, api):
    incident = open_incident(api.rita)
    number = incident["number"]
    triage = incident["open_tasks"][0]
    rita = browser()
    rita.sign_in("rita")
    page = rita.get(f"/incidents/{number}").get_data(as_text=True)
    assert "Incident opened" in page
    assert "task.created" not in page and "incident.opened" not in page
    assert "<details>" not in page  # the events' raw data is for agents
    assert "Triage ticket" in page
    assert f'href="/tasks/{triage["id"]}"' not in page  # an agent's step: not a 404 link

    resolved = complete(
        api.alice, complete(api.alice, incident, "triage", TRIAGE), "l1_diagnose", RESOLVED
    )
    confirm = resolved["open_tasks"][0]
    page = rita.get(f"/incidents/{number}").get_data(as_text=True)
    assert f'href="/tasks/{confirm["id"]}"' in page
    task_page = rita.get(f"/tasks/{confirm['id']}").get_data(as_text=True)
    # She confirms what she can read there.
    assert "How it was solved" in task_page and RESOLVED["resolution"] in task_page


def test_the_diagram_marks_where_the_incident_waits_for_the_page_to_open_there(browser, api):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    escalated = complete(api.alice, incident, "l1_diagnose", ESCALATE)
    bob = browser()
    bob.sign_in("bob")
    page = bob.get(f"/incidents/{escalated['number']}").get_data(as_text=True)
    found = re.search(r'<span class="focus" style="left: ([\d.]+)px; top: ([\d.]+)px', page)
    assert found, "no focus mark on the diagram"
    # The L2 step lies well to the right of the start of incident.bpmn.
    assert float(found.group(1)) > 400


def test_queue_rows_keep_their_column_names_for_narrow_screens(browser, api):
    open_incident(api.rita)
    alice = browser()
    alice.sign_in("alice")
    page = alice.get("/queue").get_data(as_text=True)
    row = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"<td([^>]*)>", row)
    assert len(cells) == 8
    labelled = [c for c in cells if "data-label=" in c]
    assert len(labelled) == 7  # every column but the buttons


def test_a_category_reads_as_the_triage_form_names_it(browser, api):
    incident = open_incident(api.rita)
    complete(api.alice, incident, "triage", {**TRIAGE, "category": "access"})
    alice = browser()
    alice.sign_in("alice")
    page = alice.get(f"/incidents/{incident['number']}").get_data(as_text=True)
    assert "<dd>Access and accounts</dd>" in page
