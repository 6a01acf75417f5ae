"""/api/docs: the reference for people signed in, from the package, under its own policy."""

from __future__ import annotations

import json
import re

from tests.web.test_pages import browser  # noqa: F401 - a fixture


def test_the_reference_needs_a_session(app):
    answer = app.test_client().get("/api/docs")
    assert answer.status_code == 302
    assert "/login" in answer.location and "next=/api/docs" in answer.location


def test_the_reference_carries_the_document_and_loads_only_our_files(browser, api):  # noqa: F811
    alice = browser()
    alice.sign_in("alice")
    page = alice.get("/api/docs")
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    html = page.get_data(as_text=True)
    document = json.loads(re.search(r'id="openapi">(.*?)</script>', html, re.S).group(1))
    assert document["info"]["title"] == "Incident Desk"
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == ["/api/docs/assets/swagger-ui-bundle.js", "/api/docs/static/docs.js"]
    for source in [*scripts, "/api/docs/assets/swagger-ui.css"]:
        answer = alice.get(source)
        assert answer.status_code == 200, source
        answer.close()
    assert alice.get("/api/docs/assets/swagger-ui.js.map").status_code == 404
    # A path out of the asset folder is no asset (it is not even the reference's route).
    assert alice.get("/api/docs/assets/..%2F..%2F__init__.py").status_code in (401, 404)
