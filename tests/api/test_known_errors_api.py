"""Known errors: recorded by agents (from a resolution in one step), listed, linked, and
marked fixed, which tells the reporters of the linked incidents not yet closed."""

from __future__ import annotations

import pytest

from service.worker import DeliveryWorker
from tests.helpers import RESOLVED, TRIAGE, complete, event_types, open_incident

VPN = {
    "symptom": "VPN drops every hour",
    "cause": "The gateway's lease is too short",
    "workaround": "Reconnect; set the client to keep alive",
    "category": "network",
}


@pytest.fixture
def settings(settings, smtp):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=smtp.port)


def resolved(api, title="Mail is down", reporter=None):
    """An incident triaged and resolved by alice, waiting for its reporter's confirmation."""
    client = reporter or api.rita
    incident = complete(api.alice, open_incident(client, title=title), "triage", TRIAGE)
    return complete(api.alice, incident, "l1_diagnose", RESOLVED)


def create(client, body, expect=201):
    response = client.post("/api/known-errors", json=body)
    assert response.status_code == expect, response.json
    return response.json


def test_an_agent_records_a_known_error_linked_to_incidents(api):
    incident = open_incident(api.rita, title="VPN drops")

    known = create(api.alice, VPN | {"incidents": [incident["number"]]})

    assert {k: known[k] for k in VPN} == VPN
    assert (known["status"], known["created_by"], known["fixed_at"]) == ("open", "alice", None)
    assert known["incidents"] == [
        {"number": incident["number"], "title": "VPN drops", "status": "new"}
    ]
    got = api.alice.get(f"/api/known-errors/{known['id']}")
    assert got.status_code == 200 and got.json == known
    assert "known_error.linked" in event_types(api.alice, incident["number"])


def test_a_known_error_is_made_from_a_resolution_in_one_step(api):
    incident = resolved(api, title="Outlook cannot connect")

    response = api.bob.post(f"/api/incidents/{incident['number']}/known-error")

    assert response.status_code == 201, response.json
    known = response.json
    assert response.headers["Location"] == f"/api/known-errors/{known['id']}"
    assert (known["symptom"], known["workaround"], known["category"]) == (
        "Outlook cannot connect",
        RESOLVED["resolution"],
        TRIAGE["category"],
    )
    assert [i["number"] for i in known["incidents"]] == [incident["number"]]


def test_an_incident_without_a_resolution_cannot_become_a_known_error(api):
    incident = open_incident(api.rita)

    response = api.alice.post(f"/api/incidents/{incident['number']}/known-error")

    assert response.status_code == 409
    assert "no resolution" in response.json["detail"]


def test_known_errors_are_listed_open_first_and_filtered(api, clock):
    vpn = create(api.alice, VPN)
    clock.advance(minutes=1)
    printer = create(api.alice, {"symptom": "Printer jams", "workaround": "Use tray 2"})
    clock.advance(minutes=1)
    fixed = api.alice.patch(f"/api/known-errors/{vpn['id']}", json={"status": "fixed"})
    assert fixed.status_code == 200, fixed.json

    def ids(query=""):
        response = api.alice.get(f"/api/known-errors{query}")
        assert response.status_code == 200, response.json
        return [k["id"] for k in response.json]

    assert ids() == [printer["id"], vpn["id"]]
    assert ids("?status=fixed") == [vpn["id"]]
    assert ids("?category=network") == [vpn["id"]]
    assert ids("?q=TRAY") == [printer["id"]]
    assert ids("?q=keep%20alive") == [vpn["id"]]
    assert ids("?q=100%25") == []


def test_incidents_are_linked_and_unlinked(api):
    known = create(api.alice, VPN)
    first = open_incident(api.rita, title="VPN drops")
    second = open_incident(api.ron, title="VPN again")
    path = f"/api/known-errors/{known['id']}/incidents"

    for number in (first["number"], second["number"], first["number"]):
        response = api.alice.post(path, json={"incident": number})
        assert response.status_code == 200, response.json
    assert [i["number"] for i in response.json["incidents"]] == [
        first["number"],
        second["number"],
    ]
    assert event_types(api.alice, first["number"]).count("known_error.linked") == 1

    response = api.alice.delete(f"{path}/{first['number']}")
    assert response.status_code == 200, response.json
    assert [i["number"] for i in response.json["incidents"]] == [second["number"]]
    assert "known_error.unlinked" in event_types(api.alice, first["number"])
    assert api.alice.delete(f"{path}/{first['number']}").status_code == 404


def test_fixed_tells_the_reporters_of_open_linked_incidents_only(api, svc, smtp):
    still_open = open_incident(api.rita, title="VPN drops")
    closed = resolved(api, title="VPN dropped")
    confirm = closed["open_tasks"][0]
    done = api.rita.post(f"/api/tasks/{confirm['id']}/complete", json={"confirmed": True})
    assert done.status_code == 200, done.json
    assert done.json["incident"]["status"] == "closed"
    known = create(api.alice, VPN | {"incidents": [still_open["number"], closed["number"]]})
    DeliveryWorker(svc).run_once()
    before = len(smtp.inbox.to("rita@example.org"))

    response = api.bob.patch(f"/api/known-errors/{known['id']}", json={"status": "fixed"})

    assert response.status_code == 200, response.json
    assert response.json["status"] == "fixed" and response.json["fixed_at"]
    DeliveryWorker(svc).run_once()
    # One mail, about the open incident; none about the closed one.
    [mail] = smtp.inbox.to("rita@example.org")[before:]
    assert mail["Subject"].endswith("Fixed at the source: VPN drops")
    assert VPN["symptom"] in mail.get_body(("plain",)).get_content()
    for number in (still_open["number"], closed["number"]):
        assert "known_error.fixed" in event_types(api.alice, number)


def test_fixing_twice_tells_nobody_again(api, svc, smtp):
    incident = open_incident(api.rita, title="VPN drops")
    known = create(api.alice, VPN | {"incidents": [incident["number"]]})
    path = f"/api/known-errors/{known['id']}"

    for _ in range(2):
        assert api.alice.patch(path, json={"status": "fixed"}).status_code == 200
    assert event_types(api.alice, incident["number"]).count("known_error.fixed") == 1


def test_fields_are_changed_and_audited(api):
    known = create(api.alice, VPN)

    response = api.alice.patch(
        f"/api/known-errors/{known['id']}", json={"workaround": "Use the wired network"}
    )

    assert response.status_code == 200, response.json
    assert response.json["workaround"] == "Use the wired network"


def test_reporters_may_not_see_or_record_known_errors(api):
    known = create(api.alice, VPN)
    incident = resolved(api)

    assert api.rita.get("/api/known-errors").status_code == 403
    assert api.rita.get(f"/api/known-errors/{known['id']}").status_code == 403
    assert api.rita.post("/api/known-errors", json=VPN).status_code == 403
    assert (
        api.rita.patch(f"/api/known-errors/{known['id']}", json={"status": "fixed"}).status_code
        == 403
    )
    assert api.rita.post(f"/api/incidents/{incident['number']}/known-error").status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/known-errors/999", None),
        ("get", f"/api/known-errors/{2**63}", None),
        ("patch", "/api/known-errors/999", {"status": "fixed"}),
        ("post", "/api/known-errors/999/incidents", {"incident": "INC-000001"}),
        ("delete", "/api/known-errors/999/incidents/INC-000001", None),
        ("post", "/api/incidents/INC-000999/known-error", None),
    ],
)
def test_what_does_not_exist_is_404(api, method, path, body):
    response = getattr(api.alice, method)(path, **({} if body is None else {"json": body}))

    assert response.status_code == 404, response.json


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"workaround": "x"}, "symptom"),
        (VPN | {"symptom": "  "}, "symptom"),
        (VPN | {"symptom": "x" * 201}, "symptom"),
        (VPN | {"incidents": ["INC-000999"]}, "$.incidents[0]"),
    ],
)
def test_bad_input_is_422_naming_the_field(api, body, field):
    response = api.alice.post("/api/known-errors", json=body)

    assert response.status_code == 422, response.json
    assert any(field in error["field"] for error in response.json["errors"]), response.json


def test_a_bad_status_or_unknown_incident_link_is_422(api):
    known = create(api.alice, VPN)

    bad = api.alice.patch(f"/api/known-errors/{known['id']}", json={"status": "gone"})
    assert bad.status_code == 422
    link = api.alice.post(
        f"/api/known-errors/{known['id']}/incidents", json={"incident": "INC-000999"}
    )
    assert link.status_code == 422
    assert link.json["errors"][0]["field"] == "$.incident"


def test_triage_shows_matching_open_known_errors_first_with_their_workaround(api):
    earlier = resolved(api, title="VPN drops at night", reporter=api.ron)
    known = create(api.alice, VPN | {"category": "email"})
    create(api.alice, VPN | {"symptom": "VPN drops in the lab", "category": "network"})
    fixed = create(api.alice, VPN | {"symptom": "VPN drops too", "category": "email"})
    assert api.alice.patch(f"/api/known-errors/{fixed['id']}", json={"status": "fixed"}).json
    incident = open_incident(api.rita, title="VPN drops again", category="email")

    task = incident["open_tasks"][0]
    solutions = api.alice.get(f"/api/tasks/{task['id']}").json["earlier_solutions"]

    assert [(s["known_error_id"], s["number"]) for s in solutions] == [
        (known["id"], ""),
        (None, earlier["number"]),
    ]
    assert solutions[0]["resolution"] == VPN["workaround"]
    assert {"vpn", "drops"} <= set(solutions[0]["shared_words"])


def test_the_fixed_mail_speaks_the_reporters_language(api, svc, smtp):
    assert api.rita.patch("/api/me", json={"language": "el"}).status_code == 200
    incident = open_incident(api.rita, title="VPN drops")
    known = create(api.alice, VPN | {"incidents": [incident["number"]]})
    DeliveryWorker(svc).run_once()
    before = len(smtp.inbox.to("rita@example.org"))

    api.alice.patch(f"/api/known-errors/{known['id']}", json={"status": "fixed"})
    DeliveryWorker(svc).run_once()

    [mail] = smtp.inbox.to("rita@example.org")[before:]
    assert "Διορθώθηκε στην πηγή: VPN drops" in mail["Subject"]
