"""Diagrams drawn on the server: a version as modelled, an instance with where it stands."""

from __future__ import annotations

from lxml import etree

from tests.api.test_deployments_api import INCIDENT, deploy
from tests.helpers import TRIAGE, complete, open_incident

SVG = "{http://www.w3.org/2000/svg}"


def drawing(response) -> etree._Element:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "image/svg+xml"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    return etree.fromstring(response.data)


def groups(svg) -> dict[str, set[str]]:
    """element id -> the classes of its group"""
    return {
        g.get("data-element-id"): set(g.get("class").split())
        for g in svg.iter(f"{SVG}g")
        if g.get("data-element-id")
    }


def texts(svg) -> str:
    """Every label, its wrapped lines joined again."""
    return " ".join(line for t in svg.iter(f"{SVG}text") for line in t.itertext())


def test_a_version_is_drawn_from_its_own_layout(api):
    svg = drawing(api.alice.get("/api/processes/incident/versions/1/diagram.svg"))

    drawn = groups(svg)
    model = etree.fromstring(INCIDENT)
    shapes = {
        s.get("bpmnElement")
        for s in model.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")
    }
    edges = {
        e.get("bpmnElement")
        for e in model.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNEdge")
    }
    assert shapes | edges == set(drawn)
    assert {"shape", "userTask"} <= drawn["triage"]
    assert {"shape", "boundaryEvent", "non-interrupting"} <= drawn["l1_warning_timer"]
    assert {"flow", "sequence"} <= drawn["Flow_triage_kind"]
    words = texts(svg)
    for name in ("Triage ticket", "Reporter", "L1", "L2", "L3", "Incident or request?"):
        assert name in words
    assert not any("completed" in classes or "active" in classes for classes in drawn.values())


def test_an_instance_shows_what_ran_and_where_it_waits(api):
    incident = complete(api.alice, open_incident(api.rita), "triage", TRIAGE)
    instance_id = incident["instance"]["id"]

    drawn = groups(drawing(api.alice.get(f"/api/instances/{instance_id}/diagram.svg")))

    assert "completed" in drawn["triage"]
    assert "completed" in drawn["log_ticket"]
    assert "active" in drawn["l1_diagnose"]
    assert "active" in drawn["l1_breach_timer"]  # armed, waiting
    assert not {"active", "completed"} & drawn["l2_investigate"]
    assert "taken" in drawn["Flow_triage_kind"]
    assert "taken" not in drawn["Flow_kind_request"]
    # Triage's first-response timer was cut short by the triage.
    assert "cancelled" in drawn["first_response_timer"]


def test_who_may_see_diagrams(api):
    incident = open_incident(api.rita)
    instance_id = incident["instance"]["id"]
    assert api.rita.get(f"/api/instances/{instance_id}/diagram.svg").status_code == 403
    assert api.rita.get("/api/processes/incident/versions/1/diagram.svg").status_code == 403
    assert api.ivan.get(f"/api/instances/{instance_id}/diagram.svg").status_code == 404
    assert api.olga.get(f"/api/instances/{instance_id}/diagram.svg").status_code == 200
    assert api.alice.get("/api/instances/999999/diagram.svg").status_code == 404
    assert api.alice.get("/api/processes/incident/versions/9/diagram.svg").status_code == 404
    assert api.anonymous.get("/api/processes/incident/versions/1/diagram.svg").status_code == 401


def test_names_are_text_never_markup(api):
    hostile = INCIDENT.replace(
        b'name="Triage ticket"', b'name="&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"'
    )
    assert deploy(api.olga, {"incident.bpmn": hostile}).status_code == 201

    response = api.alice.get("/api/processes/incident/versions/2/diagram.svg")

    svg = drawing(response)
    assert not [e for e in svg.iter() if etree.QName(e).localname == "script"]
    assert b"&lt;script&gt;" in response.data
    # Shown as typed (wrapped over lines, so compared without the spaces).
    assert "<script>alert(1)</script>&co" in texts(svg).replace(" ", "")
