"""The web pages through the Flask test client: signing in, the queue, incidents."""

from __future__ import annotations

import re

import pytest

from service.services import sign_in
from tests.helpers import TRIAGE, complete, open_incident

PASSWORD = "correct horse battery"
_TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


class Browser:
    """A test client that keeps its cookies and sends each form's CSRF token."""

    def __init__(self, app):
        self.client = app.test_client()
        self.token = None

    def get(self, path, **kwargs):
        response = self.client.get(path, **kwargs)
        found = _TOKEN.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1) or found.group(2)
        return response

    def post(self, path, data=None, *, token=True, **kwargs):
        data = dict(data or {})
        if token:
            data["csrf_token"] = self.token
        return self.client.post(path, data=data, **kwargs)

    def sign_in(self, username, password=PASSWORD):
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})


@pytest.fixture
def browser(app, api, svc):
    for name in ("rita", "ron", "alice", "bob", "olga"):
        sign_in.set_password(svc, name, PASSWORD)
    return lambda: Browser(app)


def test_a_visitor_is_sent_to_sign_in_and_back_where_they_wanted_to_go(browser):
    visitor = browser()
    home = visitor.get("/")
    assert home.status_code == 302 and "/login" in home.location
    page = visitor.get("/queue")
    assert page.status_code == 302
    assert "next=/queue" in page.location
    visitor.get(page.location)
    signed = visitor.post(page.location, {"username": "alice", "password": PASSWORD})
    assert signed.status_code == 302 and signed.location.endswith("/queue")


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "queue"]
)
def test_signing_in_never_sends_anyone_to_another_site(browser, target):
    visitor = browser()
    visitor.get("/login")
    answer = visitor.client.post(
        "/login",
        query_string={"next": target},
        data={"username": "alice", "password": PASSWORD, "csrf_token": visitor.token},
    )
    assert answer.status_code == 302
    assert answer.location == "/"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(browser):
    visitor = browser()
    for name, password in (("alice", "not her password"), ("nobody", PASSWORD), ("adam", PASSWORD)):
        answer = visitor.sign_in(name, password)
        assert answer.status_code == 401
        assert "wrong user name or password" in answer.get_data(as_text=True)
    assert visitor.get("/queue").status_code == 302


def test_forms_without_their_token_are_refused(browser, api):
    alice = browser()
    alice.sign_in("alice")
    incident = open_incident(api.rita)
    task = incident["open_tasks"][0]["id"]
    refused = alice.post(f"/tasks/{task}/claim", token=False)
    assert refused.status_code == 400
    assert "reload the page" in refused.get_data(as_text=True)
    assert api.alice.get(f"/api/tasks/{task}").json["task"]["claimed_by"] is None
    # The API takes bearer tokens, no cookies, and needs no form token.
    assert api.alice.post(f"/api/tasks/{task}/claim").status_code == 200


def test_agents_land_on_their_queue_claim_and_release(browser, api):
    incident = open_incident(api.rita, title="VPN <drops> & reconnects")
    alice = browser()
    alice.sign_in("alice")
    assert alice.get("/").location.endswith("/queue")
    queue = alice.get("/queue")
    page = queue.get_data(as_text=True)
    assert incident["number"] in page
    assert "VPN &lt;drops&gt; &amp; reconnects" in page
    assert "Triage" in page or "triage" in page.lower()
    assert queue.headers["Content-Security-Policy"].startswith("default-src 'none'")

    task = incident["open_tasks"][0]["id"]
    claimed = alice.post(f"/tasks/{task}/claim", follow_redirects=True)
    assert "You took" in claimed.get_data(as_text=True)
    assert api.alice.get(f"/api/tasks/{task}").json["task"]["claimed_by"] == "alice"
    mine = alice.get("/queue?mine=1").get_data(as_text=True)
    assert incident["number"] in mine and "Release" in mine
    alice.post(f"/tasks/{task}/release")
    assert api.alice.get(f"/api/tasks/{task}").json["task"]["claimed_by"] is None


def test_a_task_someone_else_took_is_explained_not_a_stack_trace(browser, api):
    incident = open_incident(api.rita)
    task = incident["open_tasks"][0]["id"]
    alice = browser()
    alice.sign_in("alice")
    alice.get("/queue")
    assert api.lena.post(f"/api/tasks/{task}/claim").status_code == 200
    answer = alice.post(f"/tasks/{task}/claim")
    assert answer.status_code == 409
    assert "claimed by lena" in answer.get_data(as_text=True)


def test_the_incident_page_shows_clocks_timeline_conversation_and_diagram(browser, api):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    number = incident["number"]
    alice = browser()
    alice.sign_in("alice")
    page = alice.get(f"/incidents/{number}").get_data(as_text=True)
    assert f"{number}: Mail is down" in page
    assert "Resolution" in page and "running" in page
    assert "Incident opened" in page and "Task done: Triage ticket" in page
    assert "<svg" in page and "Where it stands" in page

    alice.post(f"/incidents/{number}/comments", {"body": "Restarting the gateway"})
    alice.get(f"/incidents/{number}")
    alice.post(f"/incidents/{number}/comments", {"body": "Gateway log is odd", "internal": "y"})
    replies = api.rita.get(f"/api/incidents/{number}/comments").json
    assert [c["body"] for c in replies] == ["Restarting the gateway"]


def test_reporters_see_their_own_incidents_only_without_internal_notes(browser, api):
    mine = open_incident(api.rita, title="Printer jams")
    others = open_incident(api.ron, title="Phone is dead")
    note = {"body": "Paper tray sensor", "public": False}
    assert api.alice.post(f"/api/incidents/{mine['number']}/comments", json=note).status_code == 201
    rita = browser()
    rita.sign_in("rita")
    assert rita.get("/").location.endswith("/incidents")
    listing = rita.get("/incidents").get_data(as_text=True)
    assert "Printer jams" in listing and "Phone is dead" not in listing
    page = rita.get(f"/incidents/{mine['number']}").get_data(as_text=True)
    assert "Paper tray sensor" not in page
    assert "<svg" not in page
    assert rita.get(f"/incidents/{others['number']}").status_code == 404
    assert rita.get("/queue").get_data(as_text=True).count("<tr>") <= 2


def test_signing_out_ends_the_session(browser):
    alice = browser()
    alice.sign_in("alice")
    alice.get("/queue")
    assert alice.post("/logout").status_code == 302
    assert alice.get("/queue").status_code == 302


def test_a_session_whose_user_lost_the_password_is_over(browser, svc):
    alice = browser()
    alice.sign_in("alice")
    assert alice.get("/queue").status_code == 200
    with svc.db.unit_of_work() as uow:
        from service.models import User

        uow.session.query(User).filter_by(username="alice").update({"password_hash": None})
        uow.commit()
    expired = alice.get("/queue")
    assert expired.status_code == 302 and "expired=1" in expired.location
    assert "session ended" in alice.get(expired.location).get_data(as_text=True)


def test_an_agent_triages_through_the_form_and_errors_stay_by_their_fields(browser, api):
    incident = open_incident(api.rita)
    task = incident["open_tasks"][0]["id"]
    alice = browser()
    alice.sign_in("alice")
    form = alice.get(f"/tasks/{task}").get_data(as_text=True)
    assert '<legend>Incident or service request <span class="required"' in form
    assert 'value="incident" checked' in form  # the schema's default
    assert "Access and accounts" in form  # enumNames as the choices' labels
    assert incident["number"] in form and "Outlook cannot connect" in form  # the context

    refused = alice.post(f"/tasks/{task}", {"kind": "incident", "affected_item": "Mail gateway"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'value="Mail gateway"' in page  # what was typed stays
    category = page.split('id="e-category"')[1].split("</div>")[0]
    assert "required" in category.lower()
    assert api.alice.get(f"/api/tasks/{task}").json["task"]["state"] == "ready"

    done = alice.post(
        f"/tasks/{task}",
        {"kind": "incident", "category": "email", "impact": "high", "urgency": "medium"},
    )
    assert done.status_code == 302 and done.location.endswith(f"/incidents/{incident['number']}")
    after = api.alice.get(f"/api/incidents/{incident['number']}").json
    assert (after["status"], after["priority"]) == ("in_progress", "P2")


def test_conditional_fields_say_when_they_are_needed(browser, api):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    task = incident["open_tasks"][0]["id"]
    alice = browser()
    alice.sign_in("alice")
    page = alice.get(f"/tasks/{task}").get_data(as_text=True)
    assert "Needed when" in page
    assert page.count('type="radio" name="service_restored"') == 2  # a yes/no question


def test_a_task_done_meanwhile_or_of_another_group_is_explained(browser, api):
    incident = open_incident(api.rita)
    task = incident["open_tasks"][0]["id"]
    bob = browser()
    bob.sign_in("bob")
    refused = bob.post(f"/tasks/{task}", {"kind": "incident", "category": "email"}, token=False)
    assert refused.status_code == 400
    bob.get("/queue")
    other = bob.post(f"/tasks/{task}", {"kind": "incident", "category": "email"})
    assert other.status_code == 403
    alice = browser()
    alice.sign_in("alice")
    alice.get(f"/tasks/{task}")
    complete(api.lena, incident, "triage", TRIAGE)
    late = alice.post(f"/tasks/{task}", {"kind": "incident", "category": "email"})
    assert late.status_code == 302
    assert "already completed" in alice.get(late.location).get_data(as_text=True)


def test_a_reporter_opens_an_incident_once_however_often_the_form_is_sent(browser, api):
    rita = browser()
    rita.sign_in("rita")
    page = rita.get("/incidents/new").get_data(as_text=True)
    submission = re.search(r'name="submission" type="hidden" value="([0-9a-f]+)"', page).group(1)
    empty = rita.post("/incidents/new", {"title": "", "description": "", "submission": submission})
    assert empty.status_code == 422
    assert "This field is required." in empty.get_data(as_text=True)
    form = {
        "title": "Laptop will not start",
        "description": "Black screen since this morning",
        "impact": "low",
        "urgency": "high",
        "submission": submission,
    }
    first = rita.post("/incidents/new", form)
    again = rita.post("/incidents/new", form)
    assert first.status_code == again.status_code == 302
    assert first.location == again.location
    [mine] = api.rita.get("/api/incidents").json
    assert (mine["title"], mine["channel"], mine["impact"], mine["urgency"]) == (
        "Laptop will not start",
        "portal",
        "low",
        "high",
    )
    assert rita.get(first.location).status_code == 200


def test_triage_shows_earlier_solutions_of_the_same_category(browser, api):
    from tests.helpers import RESOLVED

    done = complete(
        api.alice,
        open_incident(api.ron, title="Outlook cannot connect to the mail gateway"),
        "triage",
        TRIAGE,
    )
    complete(api.alice, done, "l1_diagnose", RESOLVED)
    # Shares words (the same description) but is of another category.
    unrelated = complete(
        api.alice,
        open_incident(api.ron, title="Printer jams on tray two"),
        "triage",
        TRIAGE | {"category": "hardware"},
    )
    complete(api.alice, unrelated, "l1_diagnose", RESOLVED | {"resolution": "Cleaned rollers"})
    incident = open_incident(api.rita, title="Mail gateway refuses Outlook", category="email")
    alice = browser()
    alice.sign_in("alice")
    page = alice.get(f"/tasks/{incident['open_tasks'][0]['id']}").get_data(as_text=True)
    assert "Earlier solutions" in page
    assert done["number"] in page and "Restarted the mail gateway" in page
    assert "Cleaned rollers" not in page
    assert "Shares: connect, gateway, mail, outlook" in page


def test_the_overview_shows_the_promises_with_charts_and_a_csv(browser, api, svc):
    sign_in.set_password(svc, "lara", PASSWORD)
    open_incident(api.rita)
    lara = browser()
    lara.sign_in("lara")
    page = lara.get("/overview").get_data(as_text=True)
    assert "Open now" in page and "Promises kept" in page
    assert page.count("<svg") == 2 and "24 h promise" in page
    csv_page = lara.get("/overview.csv?start=2026-03-01&end=2026-03-02")
    assert csv_page.mimetype == "text/csv"
    assert csv_page.get_data(as_text=True).startswith("from,to,group,")
    alice = browser()
    alice.sign_in("alice")
    assert alice.get("/overview").status_code == 403


def test_the_queue_sorts_by_age_priority_or_time_left(browser, api, clock):
    older = open_incident(api.rita, title="Older and minor")
    clock.advance(minutes=5)
    urgent = open_incident(api.rita, title="Newer and urgent", impact="high", urgency="high")
    alice = browser()
    alice.sign_in("alice")

    def order(sort):
        page = alice.get(f"/queue?sort={sort}").get_data(as_text=True)
        return sorted((older["number"], urgent["number"]), key=page.index)

    assert order("age") == [older["number"], urgent["number"]]
    assert order("priority") == [urgent["number"], older["number"]]
    assert order("due") == [urgent["number"], older["number"]]
    assert 'aria-sort="ascending"><a href="/queue?sort=priority' in alice.get(
        "/queue?sort=priority"
    ).get_data(as_text=True)


def test_a_reporter_rejects_a_resolution_on_their_task_page(browser, api):
    from tests.helpers import RESOLVED

    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    resolved = complete(api.alice, incident, "l1_diagnose", RESOLVED)
    confirm = resolved["open_tasks"][0]
    rita = browser()
    rita.sign_in("rita")
    page = rita.get(f"/incidents/{incident['number']}").get_data(as_text=True)
    assert f'href="/tasks/{confirm["id"]}"' in page  # what waits for her, linked
    rita.get(f"/tasks/{confirm['id']}")
    answer = rita.post(
        f"/tasks/{confirm['id']}", {"confirmed": "false", "comment": "Outlook still fails"}
    )
    assert answer.status_code == 302
    after = api.alice.get(f"/api/incidents/{incident['number']}").json
    assert after["status"] == "in_progress" and after["reopen_count"] == 1
    assert api.bob.get(f"/api/tasks/{confirm['id']}").json["task"]["state"] == "completed"


@pytest.mark.parametrize(
    "headers, taken",
    [
        ({"Origin": "https://evil.example"}, False),
        ({"Origin": "null"}, False),
        ({"Referer": "https://evil.example/page"}, False),
        ({"Origin": "http://localhost"}, True),  # the test client's own host
        ({"Origin": "http://127.0.0.1:8000"}, True),  # the public address in the settings
        ({"Referer": "http://localhost/incidents/INC-000001"}, True),
        ({}, True),  # no Origin, no Referer: the CSRF token alone decides
    ],
)
def test_a_form_from_another_site_is_refused_even_with_a_valid_token(browser, api, headers, taken):
    incident = open_incident(api.rita)
    agent = browser()
    agent.sign_in("alice")
    agent.get(f"/incidents/{incident['number']}")
    answer = agent.post(
        f"/incidents/{incident['number']}/comments", {"body": "From where?"}, headers=headers
    )
    comments = api.alice.get(f"/api/incidents/{incident['number']}/comments").json
    if taken:
        assert answer.status_code == 302, answer.get_data(as_text=True)
        assert [c["body"] for c in comments] == ["From where?"]
    else:
        assert answer.status_code == 403
        assert "sent from another site" in answer.get_data(as_text=True)
        assert comments == []
