"""The main journey in a real headless Chromium (Debian's package, driven by
Playwright), against the service on a real HTTP port. Screenshots of each step
go to test-artifacts/browser/.

Skipped where Chromium is not installed, unless INCIDENT_DESK_REQUIRE_BROWSER
is set (.ci/run sets it and installs Chromium), so CI cannot skip it silently.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from service import create_app
from service.domain.access import Principal
from service.services import deployments, sign_in, users
from service.services.locale import preferences
from tests.conftest import FORMS, PROCESSES, ROOT

PASSWORD = "correct horse battery"
SHOTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium")

if CHROMIUM is None and not os.environ.get("INCIDENT_DESK_REQUIRE_BROWSER"):
    pytest.skip("Chromium is not installed (apt install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def server(settings):
    """The service with real time (no frozen clock: the browser waits in real time)."""
    app = create_app(settings)
    svc = app.extensions["incident_desk"]
    deployments.deploy_paths(svc, [PROCESSES, FORMS], actor="tests")
    for name, groups in (("rita", []), ("alice", ["L1"]), ("bob", ["L2"])):
        users.add_user(svc, name, groups=groups, display_name=name.title(), contact=f"{name}@x.org")
        sign_in.set_password(svc, name, PASSWORD)
    # A reporter of the Greek practice: Greek pages, Athens time.
    eleni = users.add_user(svc, "eleni", display_name="Ελένη", contact="eleni@x.org")
    sign_in.set_password(svc, "eleni", PASSWORD)
    preferences.update(svc, Principal(eleni.id, "eleni"), language="el", time_zone="Europe/Athens")
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    svc.close()


@pytest.fixture
def browser():
    assert CHROMIUM, "INCIDENT_DESK_REQUIRE_BROWSER is set but chromium is not installed"
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


def person(browser, base, name, *, locale="en-GB", sign_in_label="Sign in"):
    context = browser.new_context(
        base_url=base, viewport={"width": 1280, "height": 900}, locale=locale
    )
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click(f"button:has-text('{sign_in_label}')")
    return page


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def open_task(page, name, complete="Complete"):
    page.click(f"a:has-text('{name}')")
    page.wait_for_selector(f"button:has-text('{complete}')")


def test_reporter_to_l1_to_l2_and_back_to_the_reporter(server, browser):
    rita = person(browser, server, "rita")
    rita.click("text=Report an incident")
    rita.fill("#title", "Mail is down")
    rita.fill("#description", "Outlook cannot connect since 08:00")
    rita.select_option("#impact", "medium")
    rita.click("button:has-text('Send')")
    rita.wait_for_selector("text=is open; we will keep you posted")
    number = rita.locator("h1").inner_text().split(":")[0]
    shot(rita, "01-reporter-opened")

    alice = person(browser, server, "alice")
    assert alice.url.endswith("/queue")
    alice.click("form[action$='/claim'] button")
    alice.wait_for_selector("text=You took")
    shot(alice, "02-l1-queue-claimed")
    open_task(alice, "Triage")
    alice.select_option("#f-category", "email")
    alice.check("input[name=urgency][value=high]")
    alice.check("input[name=impact][value=medium]")
    shot(alice, "03-l1-triage-form")
    alice.click("button:has-text('Complete')")
    alice.wait_for_selector(f"h1:has-text('{number}')")
    open_task(alice, "diagnosis")
    alice.check("input[name=outcome][value=escalate]")
    alice.fill("#f-escalation_reason", "Needs access to the mail gateway")
    alice.click("button:has-text('Complete')")
    alice.wait_for_selector("dd:has-text('L2')")
    shot(alice, "04-l1-escalated")

    bob = person(browser, server, "bob")
    open_task(bob, "nvestigat")
    bob.check("input[name=outcome][value=resolved]")
    bob.fill("#f-resolution", "Restarted the mail gateway")
    bob.check("input[name=service_restored][value=true]")
    bob.click("button:has-text('Complete')")
    bob.wait_for_selector("dd:has-text('resolved')")
    shot(bob, "05-l2-resolved")

    rita.goto(f"/incidents/{number}")
    open_task(rita, "onfirm")
    rita.check("input[name=confirmed][value=true]")
    rita.click("button:has-text('Complete')")
    rita.wait_for_selector("dd:has-text('closed')")
    shot(rita, "06-reporter-confirmed")
    phone = rita.context.browser.new_context(
        base_url=server, viewport={"width": 390, "height": 844}, is_mobile=True
    ).new_page()
    phone.goto("/login")
    phone.fill("#username", "alice")
    phone.fill("#password", PASSWORD)
    phone.click("button:has-text('Sign in')")
    phone.goto("/incidents")
    # No sideways scrolling on a phone: the page fits its width.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "06b-phone-incidents")

    alice.goto(f"/incidents/{number}")
    assert alice.locator("dd").first.inner_text().startswith("closed")
    assert alice.locator("figure.diagram svg").count() == 1
    assert alice.locator("figure.diagram svg .completed").count() > 0
    shot(alice, "07-closed-with-diagram")


def test_the_api_reference_renders_in_the_browser_under_its_policy(server, browser):
    alice = person(browser, server, "alice")
    refused = []
    alice.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security" in message.text else None
        ),
    )
    alice.goto("/api/docs")
    alice.wait_for_selector("text=openIncident", timeout=20_000)
    assert alice.locator(".opblock").count() > 40
    assert refused == []
    shot(alice, "api-reference")


def test_a_greek_reporter_follows_her_incident_in_greek_on_athens_time(server, browser):
    # Before signing in, the browser's language decides: Greek.
    visitor = browser.new_context(base_url=server, locale="el-GR").new_page()
    visitor.goto("/login")
    assert visitor.locator("html").get_attribute("lang") == "el"
    assert visitor.locator("h1").inner_text() == "Σύνδεση"
    shot(visitor, "08-greek-sign-in")

    # Signed in, her own choice decides, whatever her browser says.
    eleni = person(browser, server, "eleni", locale="el-GR", sign_in_label="Σύνδεση")
    eleni.click("text=Αναφορά περιστατικού")
    eleni.fill("#title", "Δεν τυπώνει ο εκτυπωτής")
    eleni.fill("#description", "Από το πρωί ο εκτυπωτής του λογιστηρίου δεν απαντά")
    eleni.click("button:has-text('Αποστολή')")
    eleni.wait_for_selector("text=θα σας ενημερώνουμε")
    number = eleni.locator("h1").inner_text().split(":")[0]
    facts = eleni.locator("dl.facts").inner_text()
    assert "Κατάσταση" in facts and "νέο" in facts
    # Athens time, with its zone (EET in winter, EEST in summer).
    assert " EET" in facts or " EEST" in facts
    assert "UTC" not in facts
    shot(eleni, "09-greek-incident")

    alice = person(browser, server, "alice")
    alice.goto(f"/incidents/{number}")
    open_task(alice, "Triage")
    alice.select_option("#f-category", "hardware")
    alice.check("input[name=urgency][value=medium]")
    alice.check("input[name=impact][value=low]")
    alice.click("button:has-text('Complete')")
    alice.wait_for_selector(f"h1:has-text('{number}')")
    open_task(alice, "diagnosis")
    alice.check("input[name=outcome][value=resolved]")
    alice.fill("#f-resolution", "Replaced the toner")
    alice.check("input[name=service_restored][value=true]")
    alice.click("button:has-text('Complete')")
    alice.wait_for_selector("dd:has-text('resolved')")

    eleni.goto(f"/incidents/{number}")
    assert "επιλυμένο" in eleni.locator("dl.facts").inner_text()
    # The task itself is named in Greek, from the form's translation.
    open_task(eleni, "Επιβεβαίωση", complete="Ολοκλήρωση")
    # The form's texts come from the deployed Greek translation of the form.
    assert eleni.locator("h1").inner_text() == "Επιβεβαίωση επίλυσης"
    assert eleni.locator("legend").first.inner_text().startswith("Το πρόβλημα διορθώθηκε")
    shot(eleni, "10-greek-confirm-form")
    eleni.check("input[name=confirmed][value=true]")
    eleni.click("button:has-text('Ολοκλήρωση')")
    eleni.wait_for_selector("dd:has-text('κλειστό')")
    assert eleni.locator("#timeline-heading").inner_text() == "Χρονολόγιο"
    shot(eleni, "11-greek-closed")
