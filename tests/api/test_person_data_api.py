"""A person's data on request over HTTP: the export (GDPR Art. 15) and erasure (Art. 17)."""

from __future__ import annotations

import json

from sqlalchemy import select

from service.models import ProcessInstance
from service.services.mail import intake
from tests.api.test_reports_api import PERIOD
from tests.helpers import RESOLVED, TRIAGE, complete, open_incident
from tests.mail_messages import message

SECRET_WORDS = "Zebrafinch"


def closed_incident(api, clock):
    incident = open_incident(
        api.rita, title="Printer jams", description=f"My {SECRET_WORDS} printer jams"
    )
    reply = api.rita.post(
        f"/api/incidents/{incident['number']}/comments",
        json={"body": f"Call me at the {SECRET_WORDS} desk"},
    )
    assert reply.status_code == 201, reply.json
    clock.advance(hours=1)
    incident = complete(api.alice, incident, "triage", TRIAGE)
    clock.advance(hours=2)
    incident = complete(api.alice, incident, "l1_diagnose", RESOLVED)
    return complete(api.rita, incident, "confirm_resolution", {"confirmed": True})


def test_the_export_holds_the_account_incidents_comments_and_emails(api, clock, svc):
    incident = closed_incident(api, clock)
    mailed = intake.take(svc, message(subject="Scanner broken", text="It is broken"), via="pipe")
    assert mailed.incident
    exported = api.adam.get("/api/users/rita/data")
    assert exported.status_code == 200, exported.json
    data = exported.json
    assert data["account"]["display_name"] == "Rita Reporter"
    assert data["account"]["contact"] == "rita@example.org"
    numbers = {i["number"] for i in data["incidents"]}
    assert {incident["number"], mailed.incident} <= numbers
    [first] = [i for i in data["incidents"] if i["number"] == incident["number"]]
    assert first["priority"] == "P3" and SECRET_WORDS in first["description"]
    assert any(SECRET_WORDS in c["body"] for c in data["comments"])
    [mail] = data["emails"]
    assert mail["subject"] == "Scanner broken" and mail["incident"] == mailed.incident
    assert any(n["event"] for n in data["notifications"])
    assert any(e["type"] == "incident.opened" for e in data["audit_events"])
    assert "password" not in json.dumps(data["account"]).replace("has_password", "")


def test_who_may_export_and_erase(api):
    for client in (api.alice, api.rita, api.lara):
        assert client.get("/api/users/rita/data").status_code == 403
        assert client.post("/api/users/rita/erase", json={"reason": "x"}).status_code == 403
    assert api.adam.get("/api/users/nobody/data").status_code == 404
    assert api.adam.post("/api/users/nobody/erase", json={"reason": "x"}).status_code == 404
    missing = api.adam.post("/api/users/rita/erase", json={})
    assert missing.status_code == 422 and "reason" in str(missing.json["errors"])
    assert api.adam.post("/api/users/adam/erase", json={"reason": "x"}).status_code == 409


def test_after_erasure_nothing_finds_the_person_and_the_figures_stay(api, clock, svc):
    incident = closed_incident(api, clock)
    number = incident["number"]
    intake.take(svc, message(subject="Scanner broken", text="It is broken"), via="pipe")
    assert api.alice.get("/api/incidents", query_string={"q": "Rita"}).json
    before = api.adam.get("/api/reports/sla", query_string=PERIOD).json
    erased = api.adam.post("/api/users/rita/erase", json={"reason": "request 2027-001"})
    assert erased.status_code == 200, erased.json
    pseudonym = erased.json["account"]["username"]
    assert pseudonym.startswith("erased-") and number in erased.json["incidents"]
    assert api.rita.get("/api/incidents").status_code == 401
    # the API, the search and the export show nothing personal
    shown = json.dumps(api.alice.get(f"/api/incidents/{number}").json)
    shown += json.dumps(api.alice.get(f"/api/incidents/{number}/comments").json)
    shown += json.dumps(api.adam.get(f"/api/incidents/{number}/events").json)
    for word in ("Rita", "rita@example.org", SECRET_WORDS):
        assert word not in shown, word
        assert api.alice.get("/api/incidents", query_string={"q": word}).json == [], word
    # nor the processes' own stored data, which still loads and draws
    with svc.db.read() as uow:
        states = uow.session.scalars(select(ProcessInstance.state)).all()
    for word in ("Rita Reporter", "rita@example.org", SECRET_WORDS, "It is broken"):
        assert all(word not in state for state in states), word
    instance = api.alice.get(f"/api/incidents/{number}").json["instance"]["id"]
    assert api.alice.get(f"/api/instances/{instance}/diagram.svg").status_code == 200
    exported = json.dumps(api.adam.get(f"/api/users/{pseudonym}/data").json)
    for word in ("Rita", "rita", SECRET_WORDS, "Scanner broken"):
        assert word not in exported, word
    assert api.adam.get("/api/users/rita/data").status_code == 404
    # the incident and the report's figures are as they were
    kept = api.alice.get(f"/api/incidents/{number}").json
    assert (kept["priority"], kept["status"], kept["title"]) == ("P3", "closed", "[erased]")
    assert kept["resolution"] == RESOLVED["resolution"]
    after = api.adam.get("/api/reports/sla", query_string=PERIOD).json
    assert after["overall"] == before["overall"]
    assert after["by_priority"] == before["by_priority"]
    trail = api.adam.get(f"/api/incidents/{number}/events").json
    assert any(e["type"] == "incident.opened" for e in trail)
    # and a second erasure is refused
    assert api.adam.post(f"/api/users/{pseudonym}/erase", json={"reason": "x"}).status_code == 409
    assert api.adam.post(f"/api/users/{pseudonym}/enable").status_code == 409


def test_without_a_retention_period_the_worker_keeps_incidents(api, svc):
    from service.worker import loops

    assert "retention" not in [loop.what for loop in loops(svc)]
