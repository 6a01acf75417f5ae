"""A wide diagram opens where the incident waits, in a real browser and with no script."""

from __future__ import annotations

from tests.browser import test_journeys
from tests.browser.test_journeys import person, shot
from tests.helpers import ESCALATE, TRIAGE

# The journeys' fixtures: the service on a real port, and Chromium.
server, browser = test_journeys.server, test_journeys.browser


def test_the_incident_page_opens_its_diagram_at_the_waiting_step(server, browser):
    page = person(browser, server, "rita")
    page.context.set_default_timeout(15_000)
    # Rita reports; Alice (L1) triages and escalates, all through the pages.
    page.goto("/incidents/new")
    page.fill("#title", "VPN drops every hour")
    page.fill("#description", "Since Monday")
    page.click("button:has-text('Send')")
    number = page.locator("h1").inner_text().split(":")[0]

    alice = person(browser, server, "alice")
    alice.goto(f"/incidents/{number}")
    alice.click("a:has-text('Triage')")
    alice.select_option("#f-category", TRIAGE["category"])
    alice.check(f"input[name=urgency][value={TRIAGE['urgency']}]")
    alice.check(f"input[name=impact][value={TRIAGE['impact']}]")
    alice.click("button:has-text('Complete')")
    alice.click("a:has-text('diagnosis')")
    alice.check(f"input[name=outcome][value={ESCALATE['outcome']}]")
    alice.fill("#f-escalation_reason", ESCALATE["escalation_reason"])
    alice.click("button:has-text('Complete')")
    alice.wait_for_selector("dd:has-text('L2')")

    bob = person(browser, server, "bob")
    bob.set_viewport_size({"width": 700, "height": 900})
    bob.goto(f"/incidents/{number}")
    figure = bob.locator("figure.diagram")
    figure.scroll_into_view_if_needed()
    shot(bob, "diagram-opens-at-the-waiting-step")
    visible = bob.evaluate(
        """() => {
            const figure = document.querySelector('figure.diagram');
            const mark = figure.querySelector('.focus').getBoundingClientRect();
            const box = figure.getBoundingClientRect();
            const inside = mark.left >= box.left && mark.right <= box.right;
            return {scrolled: figure.scrollLeft, inside};
        }"""
    )
    assert visible["scrolled"] > 0 and visible["inside"], visible
