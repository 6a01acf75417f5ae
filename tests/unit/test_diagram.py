"""The SVG renderer on files a modeler might produce."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from service.workflow import SourceFile
from service.workflow.diagram import layout_of, render
from tests.conftest import PROCESSES

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d">'
    '<process id="p" name="Tiny" isExecutable="true">'
    '<startEvent id="start" name="Go"/><task id="work" name="Work"/>'
    '<sequenceFlow id="f" sourceRef="start" targetRef="work"/></process>'
)


def test_a_file_without_a_diagram_says_so():
    layout = layout_of(SourceFile("tiny.bpmn", (HEAD + "</definitions>").encode()), "p")
    svg = etree.fromstring(render(layout))
    assert "no diagram" in "".join(svg.itertext())


def test_broken_coordinates_are_left_out_not_fatal():
    di = (
        '<bpmndi:BPMNDiagram id="dd"><bpmndi:BPMNPlane id="pl" bpmnElement="p">'
        '<bpmndi:BPMNShape id="s1" bpmnElement="start"><dc:Bounds x="10" y="10" width="36" '
        'height="36"/></bpmndi:BPMNShape>'
        '<bpmndi:BPMNShape id="s2" bpmnElement="work"><dc:Bounds x="nan" y="oops" width="100" '
        'height="80"/></bpmndi:BPMNShape>'
        '<bpmndi:BPMNEdge id="e" bpmnElement="f"><di:waypoint x="46" y="28"/></bpmndi:BPMNEdge>'
        '<bpmndi:BPMNShape id="s3" bpmnElement="ghost"><dc:Bounds x="0" y="0" width="1" '
        'height="1"/></bpmndi:BPMNShape>'
        "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></definitions>"
    )
    layout = layout_of(SourceFile("tiny.bpmn", (HEAD + di).encode()), "p")
    assert [shape.element_id for shape in layout.shapes] == ["start"]
    assert layout.edges == ()  # one waypoint is no line
    svg = etree.fromstring(render(layout, states={"start": "completed"}))
    # The picture spans what is drawn: the event and its label, plus the margins.
    assert svg.get("viewBox").split() == ["-10", "-10", "240", "106"]


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diagrams"
SVG_NS = {"svg": "http://www.w3.org/2000/svg"}


def drawn_ids(svg) -> set[str]:
    return {g.get("data-element-id") for g in svg.iterfind(".//svg:g", SVG_NS)} - {None}


@pytest.mark.parametrize("path", sorted(PROCESSES.glob("*.bpmn")), ids=lambda p: p.name)
def test_every_shipped_process_is_drawn_whole(path):
    root = etree.fromstring(path.read_bytes())
    [process] = root.iterfind("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
    svg = etree.fromstring(
        render(layout_of(SourceFile(path.name, path.read_bytes()), process.get("id")))
    )
    shapes = {
        s.get("bpmnElement")
        for s in root.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")
    }
    edges = {
        e.get("bpmnElement")
        for e in root.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNEdge")
    }
    assert shapes <= drawn_ids(svg)
    assert edges <= drawn_ids(svg)


def test_a_camunda_collaboration_with_pools_subprocess_and_annotations_is_drawn():
    path = FIXTURES / "camunda_collaboration.bpmn"
    layout = layout_of(SourceFile(path.name, path.read_bytes()), "Process_desk")
    svg = etree.fromstring(
        render(layout, states={"Sub_task": "completed", "Task_vendor": "active"})
    )
    ids = drawn_ids(svg)
    for element in (
        "Participant_desk",
        "Participant_vendor",
        "Lane_first",
        "Lane_second",
        "Sub_triage",
        "Sub_task",
        "Timer_boundary",
        "Error_boundary",
        "Gateway_kind",
        "Gateway_wait",
        "Gateway_join",
        "Catch_answer",
        "Annotation_1",
        "Data_ticket",
        "Flow_msg",
        "Association_1",
        "Flow_3",
    ):
        assert element in ids, element
    text = " ".join(svg.itertext())
    assert "Vendor <support> & co" in text  # read as text, escaped in the markup
    assert "Vendor answers within 4 h" in text
    assert "Escalation" in text  # the group's label, from its category value
    [vendor] = [
        g
        for g in svg.iterfind(".//svg:g", SVG_NS)
        if g.get("data-element-id") == "Participant_vendor"
    ]
    assert vendor.find("svg:text", SVG_NS).get("transform") is None  # across, not sideways
    [group] = [g for g in svg.iterfind(".//svg:g", SVG_NS) if g.get("data-element-id") == "Group_1"]
    assert group.find("svg:rect", SVG_NS).get("class") == "grouping"
    classes = {g.get("data-element-id"): g.get("class") for g in svg.iterfind(".//svg:g", SVG_NS)}
    assert "completed" in classes["Sub_task"] and "active" in classes["Task_vendor"]
    # Everything lies inside the drawing's view box.
    x, y, width, height = (float(v) for v in svg.get("viewBox").split())
    assert x <= 120 and y <= 60 and x + width >= 1220 and y + height >= 600
