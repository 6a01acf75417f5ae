"""Deploying and migrating from the browser: refusals beside their file with the
element drawn in red, versions on success, and the migration's dry run then move."""

from __future__ import annotations

import io

from tests.conftest import PROCESSES
from tests.web.test_people_pages import signed_in, text

REQUEST = (PROCESSES / "service_request.bpmn").read_bytes()
BROKEN = REQUEST.replace(b'value="fulfil-request-schema.json"', b'value="nowhere-schema.json"')
FIXED = REQUEST.replace(b'name="Fulfil service request"', b'name="Fulfil the request"')
assert BROKEN != REQUEST and FIXED != REQUEST


def upload(page, files: dict[str, bytes], action: str):
    page.get("/deploy")
    return page.client.post(
        "/deploy",
        data={
            "csrf_token": page.token,
            "action": action,
            "files": [(io.BytesIO(content), name) for name, content in files.items()],
        },
        content_type="multipart/form-data",
    )


def test_a_refused_file_shows_its_problem_and_the_element_on_its_diagram(app, api, svc):
    olga = signed_in(app, svc, "olga")

    refused = upload(olga, {"service_request.bpmn": BROKEN}, "deploy")

    assert refused.status_code == 422
    page = text(refused)
    assert "Refused: nothing was deployed" in page
    assert "element fulfil_request" in page and "nowhere-schema.json" in page
    assert '<g class="shape userTask error" data-element-id="fulfil_request">' in page
    assert "choose them again" in page and "service_request.bpmn" in page
    versions = api.olga.get("/api/processes/service_request/versions").json
    assert [v["version"] for v in versions] == [1]


def test_validate_only_stores_nothing_and_deploy_lists_the_new_version(app, api, svc):
    olga = signed_in(app, svc, "olga")

    checked = upload(olga, {"service_request.bpmn": FIXED}, "validate")
    assert checked.status_code == 200
    assert "Valid: nothing was deployed yet" in text(checked)
    assert len(api.olga.get("/api/processes/service_request/versions").json) == 1

    deployed = text(upload(olga, {"service_request.bpmn": FIXED}, "deploy"))
    assert "Process service_request: version 2" in deployed
    assert len(api.olga.get("/api/processes/service_request/versions").json) == 2


def test_an_owner_dry_runs_then_moves_instances_to_the_new_version(app, api, svc):
    olga = signed_in(app, svc, "olga")
    started = api.ivan.post(
        "/api/processes/service_request/instances", json={"title": "New laptop"}
    ).json
    upload(olga, {"service_request.bpmn": FIXED}, "deploy")
    form = {"process": "service_request", "source_version": "1", "target_version": "2"}
    olga.get("/migrate")

    dry = text(olga.post("/migrate", form | {"action": "dry_run"}))
    assert "Dry run: nothing moved" in dry and "movable" in dry
    assert "Confirm: move the movable instances" in dry
    assert api.olga.get(f"/api/instances/{started['id']}").json["version"] == 1

    moved = text(olga.post("/migrate", form | {"action": "move"}))
    assert "Moved" in moved
    assert api.olga.get(f"/api/instances/{started['id']}").json["version"] == 2


def test_a_bad_migration_form_says_which_field(app, api, svc):
    olga = signed_in(app, svc, "olga")
    olga.get("/migrate")
    response = olga.post(
        "/migrate", {"process": "service_request", "source_version": "one", "target_version": "2"}
    )
    assert response.status_code == 422
    assert "source_version" in text(response)


def test_agents_and_reporters_get_the_403_page(app, api, svc):
    for name in ("alice", "rita"):
        page = signed_in(app, svc, name)
        assert page.get("/deploy").status_code == 403
        assert page.get("/migrate").status_code == 403
        assert page.post("/deploy", {"action": "deploy"}).status_code == 403
        assert page.post("/migrate", {"action": "move"}).status_code == 403


def test_an_admin_reads_the_deploy_and_migrate_pages_without_a_form_to_submit(app, api, svc):
    adam = signed_in(app, svc, "adam")
    for path in ("/deploy", "/migrate"):
        page = adam.get(path)
        assert page.status_code == 200
        assert "Only process owners" in text(page) and '<form method="post"' not in text(page)
    assert adam.post("/deploy", {"action": "deploy"}).status_code == 403
    owners = signed_in(app, svc, "olga")
    assert "Only process owners" not in text(owners.get("/deploy"))
