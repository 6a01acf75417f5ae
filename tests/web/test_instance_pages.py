"""The owners' instance search and instance page: filters like the API's, the
diagram, the data, the audit trail and a failed step's error with where it failed."""

from __future__ import annotations

from service.domain.errors import ProcessError
from service.services import failures
from tests.helpers import TRIAGE, complete, open_incident
from tests.web.test_people_pages import signed_in, text


def request(api, title):
    response = api.ivan.post(
        "/api/processes/service_request/instances", json={"title": title, "reporter_name": "Ivan"}
    )
    assert response.status_code == 201, response.json
    return response.json


def test_an_owner_searches_instances_with_the_filters(app, api, svc):
    laptop = request(api, "New laptop")
    incident = open_incident(api.rita, title="Mail is down")
    olga = signed_in(app, svc, "olga")

    everything = text(olga.get("/instances"))
    assert "2 instances" in everything
    assert f'href="/instances/{laptop["id"]}"' in everything and incident["number"] in everything

    waiting = text(olga.get("/instances?state=waiting&element=fulfil_request"))
    assert "1 instance" in waiting and f"instance-{laptop['id']}" in waiting
    assert incident["number"] not in waiting
    by_data = text(olga.get("/instances?data_key=title&data_value=New+laptop"))
    assert f"instance-{laptop['id']}" in by_data and incident["number"] not in by_data
    assert "No instance matches." in text(olga.get("/instances?process=incident&version=7"))


def test_bad_filters_on_the_page_name_the_field(app, api, svc):
    olga = signed_in(app, svc, "olga")
    for query, name in [
        ("state=sleeping", "state"),
        ("version=x", "version"),
        ("started_from=someday", "started_from"),
        ("data_key=a-b&data_value=1", "data_key"),
    ]:
        response = olga.get(f"/instances?{query}")
        assert response.status_code == 422, query
        assert name in text(response)


def test_the_instance_page_shows_diagram_data_trail_and_a_failed_step(app, api, svc):
    laptop = request(api, "New laptop")
    failures.keep(
        svc,
        None,
        failures.TASK_FAILED,
        {"fulfilled": True},
        ProcessError(
            "name 'x' is not defined",
            element_id="fulfil_request",
            file="service_request.bpmn",
            line=31,
        ),
        instance_id=laptop["id"],
    )
    adam = signed_in(app, svc, "adam")

    page = text(adam.get(f"/instances/{laptop['id']}"))

    assert "<svg" in page and 'class="shape userTask active"' in page
    assert "New laptop" in page  # its data
    assert "Failed steps" in page and "name &#39;x&#39; is not defined" in page
    assert "file service_request.bpmn" in page and "element fulfil_request" in page
    assert "line 31" in page
    assert "task.failed" in page  # the audit trail


def test_agents_and_reporters_get_the_403_page_and_unknown_instances_a_404(app, api, svc):
    laptop = request(api, "New laptop")
    for name in ("alice", "rita"):
        page = signed_in(app, svc, name)
        assert page.get("/instances").status_code == 403
        assert page.get(f"/instances/{laptop['id']}").status_code == 403
    olga = signed_in(app, svc, "olga")
    assert olga.get("/instances/999999").status_code == 404
    assert olga.get(f"/instances/{2**70}").status_code == 404


def test_an_owner_suspends_resumes_and_terminates_from_the_page_with_a_reason(app, api, svc):
    laptop = request(api, "New laptop")
    phone = request(api, "New phone")
    olga = signed_in(app, svc, "olga")
    olga.get(f"/instances/{laptop['id']}")

    suspended = olga.post(
        f"/instances/{laptop['id']}/suspend", {"reason": "Waiting for stock"}, follow_redirects=True
    )
    page = text(suspended)
    assert "Suspended: its timers wait" in page
    assert "suspended" in page and "Waiting for stock" in page  # state and trail
    assert api.olga.get(f"/api/instances/{laptop['id']}").json["status"] == "suspended"

    refused = text(
        olga.post(f"/instances/{laptop['id']}/resume", {"reason": ""}, follow_redirects=True)
    )
    assert "a reason is required" in refused
    resumed = text(
        olga.post(
            f"/instances/{laptop['id']}/resume", {"reason": "Stock came"}, follow_redirects=True
        )
    )
    assert "Resumed" in resumed
    assert api.olga.get(f"/api/instances/{laptop['id']}").json["status"] == "running"

    olga.get(f"/instances/{phone['id']}")
    ended = text(
        olga.post(
            f"/instances/{phone['id']}/terminate", {"reason": "Duplicate"}, follow_redirects=True
        )
    )
    assert "Terminated" in ended
    assert api.olga.get(f"/api/instances/{phone['id']}").json["status"] == "terminated"


def test_the_reset_page_shows_each_points_data_and_retiring_stops_new_starts(app, api, svc):
    incident = open_incident(api.rita, title="Mail is down")
    complete(api.alice, incident, "triage", TRIAGE)
    instance_id = api.olga.get(f"/api/instances?incident={incident['number']}").json[0]["id"]
    olga = signed_in(app, svc, "olga")

    points = text(olga.get(f"/instances/{instance_id}/reset"))
    assert "Steps it can go back to" in points and "(triage)" in points
    assert "email" in points  # the data triage had

    olga.get(f"/instances/{instance_id}")
    retired = text(
        olga.post(
            f"/instances/{instance_id}/retire-version",
            {"reason": "Replaced"},
            follow_redirects=True,
        )
    )
    # The desk keeps one live incident process: the refusal is shown on the page.
    assert "last live version" in retired
    laptop = request(api, "New laptop")
    olga.get(f"/instances/{laptop['id']}")
    retired = text(
        olga.post(
            f"/instances/{laptop['id']}/retire-version",
            {"reason": "Replaced by the catalogue"},
            follow_redirects=True,
        )
    )
    assert "Version 1 of service_request is retired" in retired
    again = api.ivan.post("/api/processes/service_request/instances", json={"title": "Mouse"})
    assert again.status_code == 409


def test_agents_cannot_use_the_buttons(app, api, svc):
    laptop = request(api, "New laptop")
    alice = signed_in(app, svc, "alice")
    assert alice.get(f"/instances/{laptop['id']}").status_code == 403
    for path in ("suspend", "terminate", "retire-version", "reset"):
        assert alice.post(f"/instances/{laptop['id']}/{path}", {"reason": "x"}).status_code == 403
    assert api.olga.get(f"/api/instances/{laptop['id']}").json["status"] == "running"
