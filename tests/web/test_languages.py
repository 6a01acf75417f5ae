"""Pages in the reader's language and on the reader's clock: visitors by Accept-Language,
signed-in users by their own choice (the settings page), task forms with the
deployment's translations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.services import sign_in
from tests.conftest import START
from tests.helpers import RESOLVED, TRIAGE, complete, only_task, open_incident
from tests.web.test_pages import PASSWORD, Browser

P1 = {"kind": "incident", "category": "network", "impact": "high", "urgency": "high"}


@pytest.fixture
def browser(app, api, svc):
    for name in ("rita", "ron", "alice", "carol"):
        sign_in.set_password(svc, name, PASSWORD)
    return lambda: Browser(app)


@pytest.fixture
def greek(api):
    """Rita reads the desk in Greek, on Athens time."""
    changed = api.rita.patch("/api/me", json={"language": "el", "time_zone": "Europe/Athens"})
    assert changed.status_code == 200, changed.json


@pytest.mark.parametrize(
    ("header", "language", "words"),
    [
        ("el-GR,el;q=0.9,en;q=0.5", "el", "Σύνδεση"),
        ("el", "el", "Όνομα χρήστη"),
        ("fr-FR,fr;q=0.9", "en", "User name"),
        ("en-GB,el;q=0.2", "en", "Sign in"),
        (None, "en", "Sign in"),
    ],
)
def test_a_visitor_gets_the_sign_in_page_in_the_language_their_browser_asks_for(
    browser, header, language, words
):
    headers = {"Accept-Language": header} if header else {}
    page = browser().get("/login", headers=headers)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<html lang="{language}">' in text
    assert words in text


def test_a_greek_reporter_reads_her_incident_in_greek_on_athens_time(browser, api, greek):
    number = open_incident(api.rita, title="Δεν λειτουργεί το e-mail")["number"]
    rita = browser()
    rita.sign_in("rita")
    # Her browser asking for English does not override her own choice.
    page = rita.get(f"/incidents/{number}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert '<html lang="el">' in text
    for word in ("Κατάσταση", "Προτεραιότητα", "Συζήτηση", "Χρονολόγιο", "νέο", "Αποσύνδεση"):
        assert word in text, word
    assert "Timeline" not in text and "Conversation" not in text
    # Reported at 09:00 UTC on 2 March: 11:00 in Athens (EET, winter time).
    assert START.strftime("%Y-%m-%d") + " 11:00 EET" in text
    assert "09:00 UTC" not in text
    # The timeline names what happened in words, in Greek.
    assert "Το περιστατικό καταχωρίστηκε" in text
    # The task she waits on is named by the triage form's Greek translation.
    assert "Διαλογή αιτήματος" in text and "Triage ticket" not in text

    listing = rita.get("/incidents").get_data(as_text=True)
    assert "Τα περιστατικά μου" in listing and "1 περιστατικό" in listing


def test_summer_time_shows_as_summer_time(browser, api, greek, clock):
    clock.set(START.replace(month=7))
    number = open_incident(api.rita)["number"]
    rita = browser()
    rita.sign_in("rita")
    text = rita.get(f"/incidents/{number}").get_data(as_text=True)
    assert "2026-07-02 12:00 EEST" in text


def test_an_english_agent_reads_the_same_incident_in_english_and_utc(browser, api, greek):
    number = open_incident(api.rita)["number"]
    alice = browser()
    alice.sign_in("alice")
    text = alice.get(f"/incidents/{number}").get_data(as_text=True)
    assert "Timeline" in text and "Χρονολόγιο" not in text
    assert "2026-03-02 09:00 UTC" in text


def test_the_settings_page_changes_language_and_clock(browser, api):
    rita = browser()
    rita.sign_in("rita")
    page = rita.get("/settings")
    assert page.status_code == 200 and "Time zone" in page.get_data(as_text=True)

    refused = rita.post("/settings", {"language": "el", "time_zone": "Europe/Atlantis"})
    assert refused.status_code == 422
    assert "an IANA time zone name" in refused.get_data(as_text=True)
    assert api.rita.get("/api/me").json["time_zone"] == "UTC"

    saved = rita.post("/settings", {"language": "el", "time_zone": "Europe/Athens"})
    assert saved.status_code == 302
    after = rita.get(saved.location).get_data(as_text=True)
    assert "Ρυθμίσεις" in after and "Αποθηκεύτηκε" in after
    assert "EET" in after  # "now on your clock"
    assert api.rita.get("/api/me").json == {
        "username": "rita",
        "groups": [],
        "language": "el",
        "time_zone": "Europe/Athens",
    }
    # A language the desk does not speak is not taken either.
    assert rita.post("/settings", {"language": "fr", "time_zone": "UTC"}).status_code == 422


def test_the_confirmation_form_comes_in_greek_and_falls_back_for_others(browser, api, greek):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    resolved = complete(api.alice, incident, "l1_diagnose", RESOLVED)
    task = only_task(resolved, "confirm_resolution")
    rita = browser()
    rita.sign_in("rita")
    text = rita.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "Επιβεβαίωση επίλυσης" in text  # the form's own title, from its translation
    assert "Το πρόβλημα διορθώθηκε" in text and "Ναι" in text
    assert "The problem is fixed" not in text
    # The server's own messages about the form speak Greek too.
    refused = rita.post(f"/tasks/{task['id']}", {})
    assert refused.status_code == 422
    assert "το πεδίο είναι υποχρεωτικό" in refused.get_data(as_text=True)
    # The API speaks the same texts to her.
    detail = api.rita.get(f"/api/tasks/{task['id']}").json
    assert detail["form_schema"]["properties"]["confirmed"]["title"] == "Το πρόβλημα διορθώθηκε"
    # The English reporter and the English agent keep the default texts.
    api.rita.patch("/api/me", json={"language": "en"})
    assert "The problem is fixed" in rita.get(f"/tasks/{task['id']}").get_data(as_text=True)


def test_a_date_time_is_typed_on_the_agents_clock_and_stored_in_utc(browser, api, clock):
    api.carol.patch("/api/me", json={"time_zone": "Europe/Athens"})
    incident = complete(api.alice, open_incident(api.rita), "triage", P1)
    api.carol.post(f"/api/tasks/{only_task(incident, 'l3_resolve')['id']}/claim")
    started = api.carol.post(f"/api/incidents/{incident['number']}/calls")
    assert started.status_code == 201, started.json
    arrange = only_task(started.json, "arrange_call")
    carol = browser()
    carol.sign_in("carol")
    form = carol.get(f"/tasks/{arrange['id']}").get_data(as_text=True)
    assert "your time, Europe/Athens" in form
    answer = carol.post(
        f"/tasks/{arrange['id']}",
        {
            "call_at": "2026-03-02T14:00",
            "duration_minutes": "30",
            "medium": "phone",
            "join": "+30 210 555 0100",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    events = api.carol.get(f"/api/incidents/{incident['number']}/events").json
    arranged = [e for e in events if e.get("data", {}).get("call_at")]
    # 14:00 in Athens in March is 12:00 UTC.
    assert arranged and arranged[-1]["data"]["call_at"] == (
        (START + timedelta(hours=3)).isoformat()
    )
