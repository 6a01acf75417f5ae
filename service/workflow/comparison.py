"""What two versions of a BPMN process or a DMN table differ in, read from their files.

Elements are matched by id (the modeler keeps ids across edits); an element
changed when one of the facts an owner edits differs: its name, lane, form,
script, timer, condition or called decision. Decision rules are matched by
rule id, cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .parsing import SourceFile, read_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FACTS = ("kind", "name", "lane", "form", "script", "timer", "condition", "decision")
_NODES = {"task", "subProcess", "callActivity", "transaction", "sequenceFlow"}
_TIMERS = ("timeDuration", "timeDate", "timeCycle")


@dataclass(frozen=True)
class Change:
    """One fact of an element or a rule cell: what it was and what it became."""

    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ElementDiff:
    element_id: str
    kind: str
    name: str
    status: str  # added, removed or changed
    changes: tuple[Change, ...] = ()


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _is_node(element) -> bool:
    name = _local(element)
    if etree.QName(element).namespace != BPMN or not element.get("id"):
        return False
    return name in _NODES or name.endswith(("Task", "Event", "Gateway"))


def _text(element) -> str | None:
    value = (element.text or "").strip() if element is not None else ""
    return value or None


def element_facts(source: SourceFile, process_id: str) -> dict[str, dict[str, str | None]]:
    """Element id -> the facts compared, for every node and flow of the process."""
    root = read_xml(source)
    process = next((p for p in root.iter(f"{{{BPMN}}}process") if p.get("id") == process_id), None)
    if process is None:
        return {}
    lanes = {
        ref.text.strip(): lane.get("name") or lane.get("id")
        for lane in process.iter(f"{{{BPMN}}}lane")
        for ref in lane.iterfind(f"{{{BPMN}}}flowNodeRef")
        if ref.text
    }
    facts = {}
    for element in process.iter():
        if not isinstance(element.tag, str) or not _is_node(element):
            continue
        facts[element.get("id")] = _facts(element, lanes)
    return facts


def _facts(element, lanes) -> dict[str, str | None]:
    props = {p.get("name"): p.get("value") for p in element.iter(f"{{{SPIFF}}}property")}
    scripts = [_text(element.find(f"{{{BPMN}}}script"))]
    scripts += [_text(element.find(f".//{{{SPIFF}}}{tag}")) for tag in ("preScript", "postScript")]
    timer = next(
        (
            _text(found)
            for tag in _TIMERS
            if (found := element.find(f"{{{BPMN}}}timerEventDefinition/{{{BPMN}}}{tag}"))
            is not None
        ),
        None,
    )
    return {
        "kind": _local(element),
        "name": (element.get("name") or "").strip() or None,
        "lane": lanes.get(element.get("id")),
        "form": props.get("formJsonSchemaFilename"),
        "script": "\n".join(s for s in scripts if s) or None,
        "timer": timer,
        "condition": _text(element.find(f"{{{BPMN}}}conditionExpression")),
        "decision": _text(element.find(f".//{{{SPIFF}}}calledDecisionId")),
    }


def compare_elements(
    before: dict[str, dict[str, str | None]], after: dict[str, dict[str, str | None]]
) -> list[ElementDiff]:
    """Added, removed and changed elements, in the order of the later file then the earlier."""
    found = []
    for element_id, facts in after.items():
        old = before.get(element_id)
        if old is None:
            found.append(_diff(element_id, facts, "added"))
            continue
        changes = tuple(
            Change(name, old.get(name), facts.get(name))
            for name in FACTS
            if old.get(name) != facts.get(name)
        )
        if changes:
            found.append(_diff(element_id, facts, "changed", changes))
    found += [_diff(i, f, "removed") for i, f in before.items() if i not in after]
    return found


def _diff(element_id, facts, status, changes=()) -> ElementDiff:
    return ElementDiff(element_id, facts["kind"] or "", facts["name"] or "", status, changes)
