"""Deploying process files: versions per content, and instances that keep theirs."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from service.models import ProcessFile, ProcessInstance, ProcessVersion
from service.services import deployments
from tests.conftest import PROCESSES
from tests.helpers import RESOLVED, TRIAGE, complete, open_incident


def versions(svc):
    with svc.db.read() as uow:
        rows = uow.session.execute(
            select(ProcessVersion.process_id, ProcessVersion.version).order_by(
                ProcessVersion.process_id, ProcessVersion.version
            )
        ).all()
        return [tuple(row) for row in rows]


def test_deploying_the_same_files_again_changes_nothing(svc):
    live = [
        ("call", 1),
        ("data_breach", 1),
        ("incident", 1),
        ("major_incident", 1),
        ("satisfaction", 1),
        ("service_request", 1),
    ]
    assert versions(svc) == live
    again = deployments.deploy_paths(svc, [PROCESSES], actor="t").processes
    assert sorted((d.process_id, d.version, d.created) for d in again) == [
        ("call", 1, False),
        ("data_breach", 1, False),
        ("incident", 1, False),
        ("major_incident", 1, False),
        ("satisfaction", 1, False),
        ("service_request", 1, False),
    ]
    assert versions(svc) == live


def test_the_original_bytes_are_kept(svc):
    with svc.db.read() as uow:
        stored = uow.session.scalar(select(ProcessFile).where(ProcessFile.name == "sla.dmn"))
        assert stored.content == (PROCESSES / "sla.dmn").read_bytes()


def test_running_incidents_keep_their_version_after_a_change(api, svc, tmp_path):
    old = open_incident(api.rita)
    old = complete(api.alice, old, "triage", TRIAGE)
    assert old["resolution_target"] == "PT24H"

    folder = tmp_path / "processes"
    shutil.copytree(PROCESSES, folder)
    sla = folder / "sla.dmn"
    sla.write_text(
        sla.read_text().replace(
            '<outputEntry id="rule_P3_resolution"><text>"PT24H"</text>',
            '<outputEntry id="rule_P3_resolution"><text>"PT12H"</text>',
        )
    )
    result = deployments.deploy_paths(svc, [folder], actor="t")
    deployed = {d.process_id: d for d in result.processes}
    assert (deployed["incident"].version, deployed["incident"].created) == (2, True)
    assert (deployed["service_request"].version, deployed["service_request"].created) == (1, False)

    new = open_incident(api.rita)
    assert new["instance"]["version"] == 2
    new = complete(api.alice, new, "triage", TRIAGE)
    assert new["resolution_target"] == "PT12H"

    # The old incident still runs on version 1 and finishes there.
    old = complete(api.alice, old, "l1_diagnose", RESOLVED)
    old = complete(api.rita, old, "confirm_resolution", {"confirmed": True})
    assert old["status"] == "closed"
    assert old["instance"]["version"] == 1
    with svc.db.read() as uow:
        by_version = dict(
            uow.session.execute(
                select(ProcessInstance.id, ProcessVersion.version)
                .join(ProcessVersion)
                .where(ProcessInstance.process_id == "incident")
            ).all()
        )
    assert sorted(by_version.values()) == [1, 2]
