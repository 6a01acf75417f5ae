"""Two versions of a process, or of a decision table, side by side: what was added,
removed and changed, and both diagrams marked with it."""

from __future__ import annotations

from dataclasses import dataclass

from ...domain.access import Principal
from ...workflow import diagram
from ...workflow.comparison import ElementDiff, compare_elements, element_facts
from ...workflow.rule_comparison import RuleDiff, compare_tables, table_of
from ..context import Services
from . import catalogue


@dataclass(frozen=True)
class ProcessComparison:
    process_id: str
    before: int
    after: int
    elements: list[ElementDiff]
    before_svg: bytes
    after_svg: bytes


@dataclass(frozen=True)
class DecisionComparison:
    decision_id: str
    before: int
    after: int
    columns: tuple[str, ...]
    rules: list[RuleDiff]


def compare_process(
    svc: Services, principal: Principal, process_id: str, before: int, after: int
) -> ProcessComparison:
    """On the earlier diagram what was removed or changed; on the later what was added or
    changed."""
    old = catalogue.bpmn_source(svc, principal, process_id, before)
    new = catalogue.bpmn_source(svc, principal, process_id, after)
    elements = compare_elements(element_facts(old, process_id), element_facts(new, process_id))
    old_marks = {d.element_id: d.status for d in elements if d.status != "added"}
    new_marks = {d.element_id: d.status for d in elements if d.status != "removed"}
    return ProcessComparison(
        process_id,
        before,
        after,
        elements,
        diagram.render(diagram.layout_of(old, process_id), marks=old_marks),
        diagram.render(diagram.layout_of(new, process_id), marks=new_marks),
    )


def compare_decision(
    svc: Services, principal: Principal, decision_id: str, before: int, after: int
) -> DecisionComparison:
    old = table_of(catalogue.decision_source(svc, principal, decision_id, before), decision_id)
    new = table_of(catalogue.decision_source(svc, principal, decision_id, after), decision_id)
    return DecisionComparison(
        decision_id, before, after, new.columns or old.columns, compare_tables(old, new)
    )
