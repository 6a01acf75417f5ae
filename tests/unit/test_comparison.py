"""Comparing versions and the heat map, on the shipped files: what is added, removed or
changed, and how the diagram shows it (names stay escaped)."""

from __future__ import annotations

from lxml import etree

from service.workflow import SourceFile
from service.workflow.comparison import compare_elements, element_facts
from service.workflow.diagram import layout_of, render
from service.workflow.rule_comparison import compare_tables, table_of
from tests.conftest import PROCESSES

INCIDENT = SourceFile("incident.bpmn", (PROCESSES / "incident.bpmn").read_bytes())
SLA = SourceFile("sla.dmn", (PROCESSES / "sla.dmn").read_bytes())
SVG = {"s": "http://www.w3.org/2000/svg"}


def test_the_facts_of_an_element_are_read_from_the_file():
    facts = element_facts(INCIDENT, "incident")
    assert facts["triage"]["name"] == "Triage ticket"
    assert facts["triage"]["lane"] == "L1"
    assert facts["triage"]["form"] == "triage-schema.json"
    assert facts["auto_close_timer"]["timer"] == "auto_close_after"
    assert facts["Flow_kind_request"]["condition"] == 'kind == "request"'
    assert facts["prov_targets"]["decision"] == "sla_targets"
    assert element_facts(INCIDENT, "no_such_process") == {}


def test_elements_only_in_one_version_are_added_or_removed():
    before = element_facts(INCIDENT, "incident")
    after = {k: v for k, v in before.items() if k != "triage"}
    after["new_step"] = before["triage"] | {"name": "New step"}
    found = {d.element_id: d.status for d in compare_elements(before, after)}
    assert found == {"new_step": "added", "triage": "removed"}
    assert compare_elements(before, before) == []


def test_rules_are_compared_row_by_row():
    table = table_of(SLA, "sla_targets")
    assert "rule_P3" in table.rules and table.columns[0] == "Priority"
    changed = dict(table.rules)
    changed["rule_new"] = changed.pop("rule_P3")
    after = type(table)(table.columns, changed)
    found = {d.rule_id: d for d in compare_tables(table, after)}
    assert {k: d.status for k, d in found.items()} == {"rule_new": "added", "rule_P3": "removed"}
    assert found["rule_new"].changes[0].before is None
    assert found["rule_P3"].changes[0].after is None


def test_heat_badges_and_marks_are_classes_on_the_drawing():
    layout = layout_of(INCIDENT, "incident")
    svg = etree.fromstring(
        render(
            layout,
            heat={"triage": 9, "l1_diagnose": 1},
            badges={"triage": "<3>"},
            marks={"confirm_resolution": "changed", "Flow_kind_request": "added"},
        )
    )

    def classes(element_id):
        found = svg.find(f".//s:g[@data-element-id='{element_id}']", SVG)
        return found.get("class").split()

    assert "heat-4" in classes("triage")  # capped at the hottest
    assert "heat-1" in classes("l1_diagnose")
    assert "changed" in classes("confirm_resolution")
    assert "added" in classes("Flow_kind_request")
    badge = svg.find(".//s:g[@data-badge-for='triage']", SVG)
    assert "".join(badge.itertext()) == "<3>"  # text, not markup
    assert b"&lt;3&gt;" in etree.tostring(badge)
