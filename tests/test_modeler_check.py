"""The BPMN files open cleanly in bpmn.io / Camunda Modeler (bpmn-moddle, bpmnlint)."""

from __future__ import annotations

import subprocess

import pytest

from service import modeler
from service.modeler import ModelerCheck, default_tool_dir
from service.workflow import SourceFile
from tests.conftest import PROCESSES

pytestmark = pytest.mark.skipif(
    not ModelerCheck(default_tool_dir()).available,
    reason="modeler check needs Node and `npm ci --prefix tools/modeler-check`",
)


def _source(name: str) -> SourceFile:
    return SourceFile(name, (PROCESSES / name).read_bytes())


def test_the_shipped_processes_have_no_findings():
    files = [SourceFile(p.name, p.read_bytes()) for p in sorted(PROCESSES.glob("*.bpmn"))]
    assert files
    assert ModelerCheck(default_tool_dir()).check(files) == []


def test_a_second_blank_start_event_is_reported_on_its_process():
    text = _source("incident.bpmn").content.decode()
    process_tag = '<bpmn:process id="incident"'
    assert text.count(process_tag) == 1
    broken = text.replace(
        "<bpmn:laneSet", '<bpmn:startEvent id="second_blank_start" />\n    <bpmn:laneSet', 1
    )
    assert broken != text

    problems = ModelerCheck(default_tool_dir()).check(
        [SourceFile("incident.bpmn", broken.encode())]
    )

    [problem] = [p for p in problems if p.element_id == "incident"]
    assert problem.file == "incident.bpmn"
    assert problem.message.startswith("bpmnlint single-blank-start-event: ")
    assert problem.line == text[: text.index(process_tag)].count("\n") + 1
    assert isinstance(problem.line, int)


def test_the_same_bytes_are_checked_once(monkeypatch):
    runs = []
    real_run = subprocess.run

    def counting_run(*args, **kwargs):
        runs.append(args)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(modeler.subprocess, "run", counting_run)
    check = ModelerCheck(default_tool_dir())
    files = [_source("incident.bpmn"), _source("service_request.bpmn")]

    assert check.check(files) == []
    assert check.check([_source("incident.bpmn")]) == []
    assert len(runs) == 1

    # Other bytes under the same name are new work.
    changed = SourceFile("incident.bpmn", files[0].content + b"\n")
    assert check.check([changed]) == []
    assert len(runs) == 2


def test_a_failing_tool_gives_a_problem_instead_of_raising(tmp_path, caplog):
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "check.mjs").write_text(
        "process.stderr.write('broken tool\\n'); process.exit(1);\n"
    )
    check = ModelerCheck(tmp_path)
    assert check.available

    problems = check.check([_source("incident.bpmn"), SourceFile("priority.dmn", b"<x/>")])

    assert [p.file for p in problems] == ["incident.bpmn"]
    assert problems[0].message.startswith("modeler check could not run: exit status 1")
    assert "broken tool" in problems[0].message
    assert "could not run" in caplog.text
    assert "bpmn:definitions" not in caplog.text
