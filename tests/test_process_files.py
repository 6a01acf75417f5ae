"""Every file in processes/ and forms/ is valid and fits the rest."""

from __future__ import annotations

import json

import pytest
from jsonschema import validators
from lxml import etree

from service.domain.alerts import ALERT_SEVERITY_DECISION
from service.domain.enums import REPORTER_LANE, Group
from service.domain.major import MAJOR_TRIGGER_DECISION
from service.services.calendars import compile_calendars
from service.workflow import ProcessRuntime, SourceFile
from tests.conftest import FORMS, PROCESSES

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"))
FORM_FILES = sorted(FORMS.glob("*.json"))
CALENDAR_FILES = sorted((PROCESSES / "calendars").glob("*"))


def test_all_process_files_parse_together():
    files = [p for p in sorted(PROCESSES.iterdir()) if p.is_file()]
    sources = [SourceFile(p.name, p.read_bytes()) for p in files]
    parsed = ProcessRuntime().parse(sources)
    assert {"incident", "service_request"} <= set(parsed)
    used = {name for process in parsed.values() for name in process.files}
    # Decision tables the service evaluates itself, outside any process.
    used |= {f"{decision}.dmn" for decision in (ALERT_SEVERITY_DECISION, MAJOR_TRIGGER_DECISION)}
    assert used == {p.name for p in files}, "every file is used"


def test_every_calendar_file_compiles():
    files = {p.name: p.read_bytes() for p in CALENDAR_FILES}
    compiled, problems = compile_calendars(files)
    assert problems == []
    assert "athens-business" in compiled


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: p.name)
def test_every_form_file_is_valid_json(path):
    document = json.loads(path.read_text())
    if path.name.endswith("-schema.json"):
        validators.validator_for(document).check_schema(document)
        assert document.get("type") == "object"
        assert document.get("title")


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_every_form_a_task_names_exists(path):
    tree = etree.parse(str(path))
    names = tree.xpath(
        "//spiffworkflow:property"
        "[@name='formJsonSchemaFilename' or @name='formUiSchemaFilename']/@value",
        namespaces=NS,
    )
    user_tasks = tree.xpath("//bpmn:userTask", namespaces=NS)
    assert len(names) == 2 * len(user_tasks)
    for name in names:
        assert (FORMS / name).is_file(), name


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_every_lane_maps_to_a_group(path):
    known = {g.value for g in Group} | {REPORTER_LANE}
    for lane in etree.parse(str(path)).xpath("//bpmn:lane/@name", namespaces=NS):
        assert lane in known, lane


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_every_shape_and_edge_has_diagram_information(path):
    tree = etree.parse(str(path))
    elements = tree.xpath(
        "//bpmn:process/*[@id and not(self::bpmn:laneSet) and not(self::bpmn:documentation)]"
        " | //bpmn:lane | //bpmn:participant",
        namespaces=NS,
    )
    drawn = set(
        tree.xpath(
            "//bpmndi:BPMNShape/@bpmnElement | //bpmndi:BPMNEdge/@bpmnElement", namespaces=NS
        )
    )
    missing = [e.get("id") for e in elements if e.get("id") not in drawn]
    assert missing == []
    edges = tree.xpath("//bpmndi:BPMNEdge", namespaces=NS)
    for edge in edges:
        assert len(edge.xpath("*[local-name()='waypoint']")) >= 2, edge.get("id")
