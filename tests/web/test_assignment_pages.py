"""The pages for the away flag and the groups' assignment rules."""

from __future__ import annotations

from service.services import sign_in
from tests.helpers import only_task, open_incident
from tests.web.test_pages import PASSWORD, Browser


def signed_in(app, svc, name):
    sign_in.set_password(svc, name, PASSWORD)
    page = Browser(app)
    page.sign_in(name)
    return page


def text(response):
    return response.get_data(as_text=True)


def test_an_admin_sets_a_rule_a_lead_reads_it_an_agent_may_not(app, api, svc):
    adam = signed_in(app, svc, "adam")
    page = text(adam.get("/groups"))
    assert 'name="mode"' in page and "L1" in page and "privacy" in page
    saved = adam.post("/groups/L1/assignment", {"mode": "round_robin"}, follow_redirects=True)
    assert "L1: tasks go in turn among members present." in text(saved)
    assert api.adam.get("/api/groups/L1/assignment").json["mode"] == "round_robin"
    # the rule applies: the next triage task goes to someone in turn
    task = only_task(open_incident(api.rita), "triage")
    assert task["claimed_by"] in {"alice", "lena", "lara"}

    lara = signed_in(app, svc, "lara")  # the L1 lead
    read = text(lara.get("/groups"))
    assert "in turn among members present" in read and 'name="mode"' not in read
    assert "L2" not in read  # only the groups she leads
    assert lara.post("/groups/L1/assignment", {"mode": "none"}).status_code == 403

    alice = signed_in(app, svc, "alice")
    assert alice.get("/groups").status_code == 403


def test_an_agent_says_they_are_away_and_is_passed_by(app, api, svc):
    assert (
        api.adam.put("/api/groups/L1/assignment", json={"mode": "round_robin"}).status_code == 200
    )
    alice = signed_in(app, svc, "alice")
    page = text(alice.get("/settings"))
    assert "I am away" in page
    away = alice.post("/settings/away", {"away": "1"}, follow_redirects=True)
    assert "You are away" in text(away) and "I am back" in text(away)
    for _ in range(4):
        task = only_task(open_incident(api.rita), "triage")
        assert task["claimed_by"] in {"lena", "lara"}
    back = alice.post("/settings/away", {"away": "0"}, follow_redirects=True)
    assert "Welcome back" in text(back)
    handed = {only_task(open_incident(api.rita), "triage")["claimed_by"] for _ in range(3)}
    assert "alice" in handed


def test_reporters_have_no_away_switch(app, api, svc):
    rita = signed_in(app, svc, "rita")
    assert "I am away" not in text(rita.get("/settings"))
