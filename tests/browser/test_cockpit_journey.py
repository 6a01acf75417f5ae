"""A process owner's journey through the cockpit in a real headless Chromium: a
broken file refused with its element drawn in red, the fixed file deployed, the two
versions compared, instances migrated, one suspended and resumed, another
terminated, and the old version retired. Screenshots go to the test's tmp dir;
their paths are logged.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from service import create_app
from service.domain.access import Principal
from service.services import deployments, processes, sign_in, users
from tests.conftest import FORMS, PROCESSES

PASSWORD = "correct horse battery"
CHROMIUM = shutil.which("chromium")
REQUEST = (PROCESSES / "service_request.bpmn").read_bytes()
BROKEN = REQUEST.replace(b'value="fulfil-request-schema.json"', b'value="nowhere-schema.json"')
FIXED = REQUEST.replace(b'name="Fulfil service request"', b'name="Fulfil the request"')
log = logging.getLogger(__name__)

if CHROMIUM is None and not os.environ.get("INCIDENT_DESK_REQUIRE_BROWSER"):
    pytest.skip("Chromium is not installed (apt install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def server(settings):
    """Real time: the browser waits in real time. Three requests run on version 1."""
    app = create_app(settings)
    svc = app.extensions["incident_desk"]
    deployments.deploy_paths(svc, [PROCESSES, FORMS], actor="tests")
    olga = users.add_user(svc, "olga", groups=["process-owner"], display_name="Olga")
    sign_in.set_password(svc, "olga", PASSWORD)
    owner = Principal(olga.id, "olga", frozenset({"process-owner"}))
    started = [
        processes.start_process(svc, owner, "service_request", {"title": title})[0].id
        for title in ("New laptop", "New phone", "New desk")
    ]
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", started
    http.shutdown()
    svc.close()


@pytest.fixture
def page(server):
    assert CHROMIUM, "INCIDENT_DESK_REQUIRE_BROWSER is set but chromium is not installed"
    base, _ = server
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
        opened = context.new_page()
        opened.goto("/login")
        opened.fill("#username", "olga")
        opened.fill("#password", PASSWORD)
        opened.click("button:has-text('Sign in')")
        yield opened
        browser.close()


def upload(page, content: bytes, button: str):
    page.goto("/deploy")
    page.set_input_files(
        "#d-files",
        [{"name": "service_request.bpmn", "mimeType": "application/xml", "buffer": content}],
    )
    page.click(f"button:has-text('{button}')")


def test_an_owner_deploys_compares_migrates_operates_and_retires(page, server, tmp_path):
    _, (laptop, phone, desk) = server
    shots = []

    def shot(name):
        path = tmp_path / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        shots.append(path)
        log.info("screenshot %s", path)

    upload(page, BROKEN, "Deploy")
    assert page.is_visible("text=Refused: nothing was deployed")
    assert page.is_visible("text=nowhere-schema.json")
    assert page.locator('g.error[data-element-id="fulfil_request"]').count() == 1
    shot("1-refused-with-the-element-highlighted")

    upload(page, FIXED, "Deploy")
    assert page.is_visible("text=Process service_request: version 2")
    shot("2-fixed-file-deployed")

    page.goto("/processes/service_request/compare")
    assert page.locator("svg").count() >= 2
    shot("3-versions-compared")

    page.goto("/migrate")
    page.fill("#m-process", "service_request")
    page.fill("#m-from", "1")
    page.fill("#m-to", "2")
    page.fill("#m-ids", f"{laptop} {phone}")
    page.click("button:has-text('Dry run')")
    assert page.is_visible("text=Dry run: nothing moved")
    shot("4-migration-dry-run")
    page.click("button:has-text('Confirm: move the movable instances')")
    assert page.is_visible("h2:has-text('Moved')")
    shot("5-migrated")

    page.goto(f"/instances/{laptop}")
    page.fill("#reason-suspend", "Waiting for stock")
    page.click("button:has-text('Suspend')")
    assert page.is_visible("text=Suspended: its timers wait")
    shot("6-suspended")
    page.fill("#reason-resume", "Stock arrived")
    page.click("button:has-text('Resume')")
    assert page.is_visible("text=Resumed")
    shot("7-resumed")

    page.goto(f"/instances/{phone}")
    page.fill("#reason-terminate", "Ordered twice")
    page.click("button:has-text('Terminate')")
    assert page.is_visible("text=Terminated: its tasks and timers are gone.")
    shot("8-terminated")

    page.goto(f"/instances/{desk}")
    page.fill("#reason-retire", "Replaced by version 2")
    page.click("button:has-text('Retire version 1 of service_request')")
    assert page.is_visible("text=Version 1 of service_request is retired")
    shot("9-old-version-retired")

    page.goto("/instances?process=service_request&version=2")
    assert page.is_visible("text=2 instances")
    assert all(path.stat().st_size > 0 for path in shots)
