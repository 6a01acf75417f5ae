"""The breach register: list, filters, pages, CSV export, and who may read it."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from tests.breaches import (
    CLOSE,
    CONTAIN,
    NOTICE,
    complete_step,
    flag,
    people_and_dpo,  # noqa: F401 (a fixture)
)
from tests.conftest import START
from tests.helpers import get_incident, open_incident

NONE = {"risk": "none", "risk_rationale": "Encrypted", "no_notice_reason": "The key is safe"}
HIGH = {"risk": "high_risk", "risk_rationale": "Bank details"}


@pytest.fixture
def api(people_and_dpo):  # noqa: F811
    return people_and_dpo


@pytest.fixture
def register(api, clock):
    """Three breaches: closed without notice, notified (high risk, subjects pending),
    and one just flagged whose 72 hours ran out."""
    first = flag(api.alice, open_incident(api.rita, title="Laptop stolen")["number"], START)
    first = complete_step(api.dora, first, "assess_risk", NONE)
    first = complete_step(api.carol, first, "contain_breach", CONTAIN)
    complete_step(api.dora, first, "close_breach", CLOSE)

    second = flag(api.bob, open_incident(api.ron)["number"], START)
    second = complete_step(api.dora, second, "assess_risk", HIGH)
    notice = NOTICE | {
        "nature": '=HYPERLINK("http://evil")',
        "authority_notified_at": START.isoformat(),
        "authority_reference": "DPA-2026-17",
    }
    complete_step(api.dora, second, "notify_authority", notice)

    third = flag(api.carol, open_incident(api.rita)["number"], START - timedelta(hours=73))
    return [first["number"], second["number"], third["number"]]


def numbers(response):
    assert response.status_code == 200, response.json
    return [b["number"] for b in response.json]


def test_the_register_lists_newest_first_with_filters(api, register):
    first, second, third = register
    assert numbers(api.dora.get("/api/breaches")) == [third, second, first]
    assert numbers(api.alice.get("/api/breaches?status=closed")) == [first]
    assert numbers(api.alice.get("/api/breaches?status=notifying")) == [second]
    assert numbers(api.alice.get("/api/breaches?risk=high_risk")) == [second]
    assert numbers(api.alice.get("/api/breaches?authority=not_required")) == [first]
    assert numbers(api.alice.get("/api/breaches?authority=notified")) == [second]
    assert numbers(api.alice.get("/api/breaches?authority=overdue")) == [third]
    assert numbers(api.alice.get("/api/breaches?authority=pending")) == []
    assert numbers(api.alice.get("/api/breaches?incident=inc-000002")) == [second]

    page = api.max.get("/api/breaches?page=2&page_size=2")
    assert numbers(page) == [first]
    assert json.loads(page.headers["X-Pagination"])["total"] == 3

    bad = api.alice.get("/api/breaches?risk=catastrophic")
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json["errors"]] == ["risk"]


def test_one_breach_shows_its_notice_and_the_incident(api, register):
    second = api.max.get(f"/api/breaches/{register[1]}").json
    assert second["incident_number"] == "INC-000002"
    assert second["authority"]["reference"] == "DPA-2026-17"
    assert second["authority"]["contents"]["record_categories"] == NOTICE["record_categories"]
    assert [t["key"] for t in second["open_tasks"]] == ["contain_breach", "notify_subjects"]
    assert api.dora.get("/api/breaches/BR-999999").status_code == 404
    assert api.dora.get("/api/breaches/INC-000001").status_code == 404


def test_the_register_exports_as_csv(api, register):
    response = api.dora.get("/api/breaches/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == ('attachment; filename="breach-register.csv"')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["number"] for r in rows] == register  # oldest first, like a register
    first, second, third = rows
    assert (first["status"], first["risk"], first["authority_notice"]) == (
        "closed",
        "none",
        "not_required",
    )
    assert first["no_notice_reason"] == "The key is safe"
    assert first["closed_at"] == START.isoformat()
    assert second["subject_categories"] == "customers"
    assert second["record_categories"] == "contact details; order history"
    assert second["records_approx"] == "1500"
    assert second["authority_notified_at"] == START.isoformat()
    # A spreadsheet would run this as a formula.
    assert second["nature"] == '\'=HYPERLINK("http://evil")'
    assert third["authority_notice"] == "overdue"
    assert third["authority_due_at"] == (START - timedelta(hours=1)).isoformat()

    only_closed = api.dora.get("/api/breaches/export.csv?status=closed")
    assert only_closed.get_data(as_text=True).count("\r\n") == 2  # header and one row


@pytest.mark.parametrize(
    "path",
    ["/api/breaches", "/api/breaches/BR-000001", "/api/breaches/export.csv"],
)
@pytest.mark.parametrize("who", ["rita", "ivan", "olga"])
def test_reporters_and_others_outside_the_register_cannot_read_it(api, register, who, path):
    response = getattr(api, who).get(path)
    assert response.status_code == 403, response.json


def test_the_reporter_never_sees_the_breach_behind_her_incident(api, register):
    incident = get_incident(api.rita, "INC-000003")  # its breach has open steps
    assert incident["breach"] is None
    assert incident["linked_instances"] == []
    assert [t["key"] for t in incident["open_tasks"]] == ["triage"]
    assert [t["key"] for t in get_incident(api.alice, "INC-000003")["open_tasks"]] == [
        "triage",
        "contain_breach",
        "assess_risk",
    ]
    events = api.rita.get("/api/incidents/INC-000003/events").json
    assert [e for e in events if "breach" in e["type"] or e["type"].startswith("instance")] == []
    instance_id = get_incident(api.alice, "INC-000003")["linked_instances"][0]["id"]
    assert api.rita.get(f"/api/instances/{instance_id}").status_code == 404
    assert api.rita.get(f"/api/instances/{instance_id}/diagram.svg").status_code in (403, 404)
    assert all(t["process_id"] != "data_breach" for t in api.rita.get("/api/tasks?state=any").json)
    assert get_incident(api.dora, "INC-000001")["breach"] == register[0]


def test_breaches_start_only_by_flagging_an_incident(api):
    response = api.ivan.post("/api/processes/data_breach/instances", json={"summary": "x"})
    assert response.status_code == 422
    assert "/breach" in response.json["message"]


def test_the_breach_diagram_renders(api, register):
    instance_id = get_incident(api.alice, "INC-000003")["linked_instances"][0]["id"]
    response = api.dora.get(f"/api/instances/{instance_id}/diagram.svg")
    assert response.status_code == 200
    svg = response.get_data(as_text=True)
    assert "Notify the supervisory authority" in svg
    assert "Contain the breach" in svg
