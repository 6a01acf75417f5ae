"""The pages for handing work over: assigning, correcting facts, attachments, notifications."""

from __future__ import annotations

import io
import re

import pytest

from service.services import sign_in
from tests.helpers import TRIAGE, complete, get_incident, only_task, open_incident
from tests.web.test_pages import PASSWORD, Browser


@pytest.fixture
def browser(app, api, svc):
    for name in ("rita", "ron", "alice", "lena", "bob"):
        sign_in.set_password(svc, name, PASSWORD)

    def signed_in(name):
        page = Browser(app)
        page.sign_in(name)
        return page

    return signed_in


def text(response):
    return response.get_data(as_text=True)


def test_an_agent_hands_a_task_over_from_the_queue_and_the_task_page(browser, api):
    incident = open_incident(api.rita)
    task = only_task(incident)["id"]
    alice = browser("alice")
    queue = text(alice.get("/queue"))
    # the group's members to choose from, not other groups'
    assert f'id="assign-{task}"' in queue
    assert '<option value="lena">lena</option>' in queue
    assert '<option value="bob">' not in queue
    handed = alice.post(f"/tasks/{task}/assign", {"user": "lena"}, follow_redirects=True)
    assert "is with lena" in text(handed)
    assert api.alice.get(f"/api/tasks/{task}").json["task"]["claimed_by"] == "lena"
    assert '<td data-label="Taken by">lena</td>' in text(alice.get("/queue"))
    # outside the group: the reason, by name, and nothing changes
    refused = alice.post(f"/tasks/{task}/assign", {"user": "bob"}, follow_redirects=True)
    assert "bob is not in group L1" in text(refused)
    lena = browser("lena")
    page = text(lena.get(f"/tasks/{task}"))
    assert '<option value="lena" selected>lena</option>' in page
    lena.post(f"/tasks/{task}/assign", {"user": ""})
    assert api.alice.get(f"/api/tasks/{task}").json["task"]["claimed_by"] is None


def test_the_badge_counts_unread_notifications_until_the_page_shows_them(browser, api):
    alice = browser("alice")
    assert 'class="badge"' not in text(alice.get("/queue"))
    for _ in range(2):
        task = only_task(open_incident(api.rita))["id"]
        api.lena.post(f"/api/tasks/{task}/assign", json={"user": "alice"})
    badge = re.search(r'class="badge">(\d+)<', text(alice.get("/queue")))
    assert badge and badge.group(1) == "2"
    listing = text(alice.get("/notifications"))
    assert listing.count("task.assigned: Triage ticket") == 2
    assert listing.count("<td>new</td>") == 2
    assert 'class="badge"' not in listing
    assert 'class="badge"' not in text(alice.get("/queue"))
    assert "<td>new</td>" not in text(alice.get("/notifications"))


def test_the_queue_reloads_itself_only_when_asked(browser):
    alice = browser("alice")
    refresh = '<meta http-equiv="refresh" content="60">'
    assert refresh not in text(alice.get("/queue"))
    page = text(alice.get("/queue?refresh=1"))
    assert refresh in page
    # sorting keeps the choice
    assert "refresh=1" in page
    assert refresh in text(alice.get("/queue?refresh=1&sort=priority"))


def test_an_agent_corrects_the_facts_and_the_priority_and_deadline_follow(browser, api):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    number = incident["number"]
    alice = browser("alice")
    page = text(alice.get(f"/incidents/{number}"))
    assert "Correct the facts" in page
    before = get_incident(api.alice, number)["sla"]["resolution"]["due_at"]
    saved = alice.post(
        f"/incidents/{number}/edit",
        {
            "title": "Mail is down for everyone",
            "category": "email",
            "impact": "high",
            "urgency": "high",
            "affected_item": "mail gateway",
        },
        follow_redirects=True,
    )
    page = text(saved)
    assert "priority P1" in page
    assert "Mail is down for everyone" in page
    assert "Facts corrected" in page and "Deadline changed" in page
    after = get_incident(api.alice, number)
    assert after["priority"] == "P1" and after["affected_item"] == "mail gateway"
    assert after["sla"]["resolution"]["due_at"] != before
    wrong = alice.post(f"/incidents/{number}/edit", {"title": "x", "category": "weather"})
    assert wrong.status_code == 422
    page = text(wrong)
    # the message by its field, and what was typed stays
    assert re.search(r'id="e-category"><p class="error">one of hardware', page)
    assert 'value="x"' in page and '<details id="edit" class="edit-facts" open>' in page
    assert get_incident(api.alice, number)["title"] == "Mail is down for everyone"


def test_reporters_get_no_edit_form_and_cannot_post_one(browser, api):
    incident = open_incident(api.rita)
    rita = browser("rita")
    assert "Correct the facts" not in text(rita.get(f"/incidents/{incident['number']}"))
    refused = rita.post(f"/incidents/{incident['number']}/edit", {"title": "Mine now"})
    assert refused.status_code == 403
    assert get_incident(api.rita, incident["number"])["title"] == "Mail is down"


def test_files_go_up_with_a_reply_and_come_down_by_their_link(browser, api):
    incident = open_incident(api.rita)
    number = incident["number"]
    rita = browser("rita")
    rita.get(f"/incidents/{number}")
    posted = rita.client.post(
        f"/incidents/{number}/comments",
        data={
            "csrf_token": rita.token,
            "body": "The error log",
            "files": [(io.BytesIO(b"08:00 connection refused\n"), "outlook.log")],
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = text(posted)
    assert "Your reply is on the incident." in page
    link = re.search(rf'href="(/incidents/{number}/attachments/\d+)" download>outlook.log<', page)
    assert link, page
    download = rita.get(link.group(1))
    assert download.status_code == 200
    assert download.data == b"08:00 connection refused\n"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # the API sees the same file under the same reply
    [comment] = api.rita.get(f"/api/incidents/{number}/comments").json
    assert comment["attachments"][0]["filename"] == "outlook.log"
    # a file the service refuses is explained, and no reply is added
    refused = rita.client.post(
        f"/incidents/{number}/comments",
        data={"csrf_token": rita.token, "files": [(io.BytesIO(b"MZ\x90\x00" * 64), "tool.exe")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "tool.exe" in text(refused)
    assert len(api.rita.get(f"/api/incidents/{number}/comments").json) == 1
    # agents may download it; another reporter may not
    assert browser("alice").get(link.group(1)).status_code == 200
    assert browser("ron").get(link.group(1)).status_code == 404
