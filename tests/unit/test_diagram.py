"""The SVG renderer on files a modeler might produce."""

from __future__ import annotations

from lxml import etree

from service.workflow import SourceFile
from service.workflow.diagram import layout_of, render

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
