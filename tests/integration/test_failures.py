"""A process that fails mid-request changes nothing and loses nothing."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from service.models import ProcessInstance
from service.services import deployments
from tests.conftest import PROCESSES
from tests.helpers import only_task, open_incident


def deploy_crashing_conversion(svc, tmp_path) -> None:
    """A version of the incident process whose conversion to a request divides by zero."""
    folder = tmp_path / "processes"
    shutil.copytree(PROCESSES, folder)
    bpmn = folder / "incident.bpmn"
    bpmn.write_text(
        bpmn.read_text().replace('closure_code = "converted_to_request"', "closure_code = 1 / 0")
    )
    deployments.deploy_paths(svc, [folder], actor="tests")


def test_a_crashing_script_rolls_back_and_keeps_the_submission(api, svc, tmp_path):
    deploy_crashing_conversion(svc, tmp_path)
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")
    with svc.db.read() as uow:
        state_before = uow.session.scalar(
            select(ProcessInstance.state).where(ProcessInstance.id == incident["instance"]["id"])
        )

    submitted = {"kind": "request", "category": "access", "symptoms": "needs a badge"}
    response = api.alice.post(f"/api/tasks/{task['id']}/complete", json=submitted)

    assert response.status_code == 422
    body = response.json
    assert body["error"] == "process_error"
    assert body["element_id"] == "mark_converted"
    assert body["file"] == "incident.bpmn"
    assert isinstance(body["line"], int)
    assert "ZeroDivisionError" in body["message"] or "division" in body["message"]

    after = api.alice.get(f"/api/incidents/{incident['number']}").json
    assert after["status"] == "new"
    assert after["kind"] is None
    assert after["linked_instances"] == []
    assert only_task(after, "triage")["id"] == task["id"]
    with svc.db.read() as uow:
        state_after = uow.session.scalar(
            select(ProcessInstance.state).where(ProcessInstance.id == incident["instance"]["id"])
        )
    assert state_after == state_before

    events = api.alice.get(f"/api/incidents/{incident['number']}/events").json
    failed = [e for e in events if e["type"] == "task.failed"]
    assert len(failed) == 1
    assert failed[0]["data"]["submitted"] == submitted
    assert failed[0]["element_id"] == "mark_converted"
    assert "task.completed" not in [e["type"] for e in events]
