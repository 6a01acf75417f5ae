"""Loops a process can run round without end, found in the files before they deploy.

A call activity that calls its own process, directly or through others,
starts it again and again: refused, naming the cycle. A cycle of sequence
flows through scripts, decisions, service tasks and gateways only has no wait
state: it ends only when its condition does, so it is reported as a warning
(the CPU budget stops it at run time if it never does).
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable

from lxml import etree

from ..domain.errors import Problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN}
# Elements a token passes through without waiting for a person, a message or time.
_PASS_THROUGH = frozenset(
    {
        "task",
        "scriptTask",
        "serviceTask",
        "businessRuleTask",
        "sendTask",
        "exclusiveGateway",
        "inclusiveGateway",
        "parallelGateway",
        "complexGateway",
        "intermediateThrowEvent",
    }
)


def check_loops(documents: dict[str, etree._Element]) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) for the BPMN documents by file name."""
    errors = _call_cycles(documents)
    warnings: list[Problem] = []
    for name, root in documents.items():
        for process in _containers(root):
            warnings += _waitless_cycles(name, process)
    return errors, warnings


def _call_cycles(documents: dict[str, etree._Element]) -> list[Problem]:
    callees: dict[str, set[str]] = {}
    activities: dict[tuple[str, str], tuple[str, etree._Element]] = {}
    for name, root in documents.items():
        for process in root.iterfind(".//bpmn:process", NS):
            caller = process.get("id")
            for activity in process.iterfind(".//bpmn:callActivity", NS):
                callee = activity.get("calledElement")
                if callee:
                    callees.setdefault(caller, set()).add(callee)
                    activities.setdefault((caller, callee), (name, activity))
    problems = []
    for cycle in _cycles(callees):
        # graphlib lists each node before the one that depends on it: here, callee first.
        chain = list(reversed(cycle))
        name, activity = activities[(chain[0], chain[1])]
        problems.append(
            Problem(
                name,
                f"call activity {activity.get('id')} is part of the cycle "
                f"{' -> '.join(chain)}: a process that calls itself, directly or through "
                "others, never ends",
                activity.get("id"),
                activity.sourceline,
            )
        )
    return problems


def _containers(root: etree._Element) -> Iterable[etree._Element]:
    yield from root.iterfind(".//bpmn:process", NS)
    yield from root.iterfind(".//bpmn:subProcess", NS)


def _waitless_cycles(name: str, container: etree._Element) -> list[Problem]:
    kinds = {
        element.get("id"): etree.QName(element).localname
        for element in container
        if isinstance(element.tag, str) and element.get("id")
    }
    sources: dict[str, set[str]] = {}
    for flow in container.iterfind("bpmn:sequenceFlow", NS):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if kinds.get(source) in _PASS_THROUGH and kinds.get(target) in _PASS_THROUGH:
            sources.setdefault(target, set()).add(source)
    warnings = []
    for cycle in _cycles(sources):
        element = container.find(f"*[@id='{cycle[0]}']")
        warnings.append(
            Problem(
                name,
                f"the loop {' -> '.join(cycle)} has no wait state (no user task, message or "
                "timer): it runs until its condition ends it, and is stopped by the CPU budget "
                "if it never does",
                cycle[0],
                element.sourceline if element is not None else None,
            )
        )
    return warnings


def _cycles(predecessors: dict[str, set[str]]) -> list[list[str]]:
    """Cycles of a graph given as node -> the nodes before it, each path closed
    (first node repeated last). graphlib reports one cycle at a time: each found
    cycle is broken at its first edge and the search goes on."""
    graph = {node: set(before) for node, before in predecessors.items()}
    found = []
    while True:
        try:
            graphlib.TopologicalSorter(graph).prepare()
        except graphlib.CycleError as exc:
            cycle = list(exc.args[1])
            found.append(cycle)
            graph[cycle[1]].discard(cycle[0])
        else:
            return found
