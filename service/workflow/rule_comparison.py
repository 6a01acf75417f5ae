"""Two versions of a DMN decision table compared row by row, rules matched by their id."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .comparison import Change
from .parsing import SourceFile, read_xml


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]  # the inputs' labels, then the outputs' names
    rules: dict[str, tuple[str, ...]]  # rule id -> its cells, in column order


@dataclass(frozen=True)
class RuleDiff:
    rule_id: str
    status: str  # added, removed or changed
    changes: tuple[Change, ...] = ()


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element, name: str):
    return [c for c in element if _local(c) == name]


def _cell(entry) -> str:
    texts = _children(entry, "text")
    return ((texts[0].text or "") if texts else "").strip()


def table_of(source: SourceFile, decision_id: str) -> Table:
    """The decision's table as it reads in the file ((), {} when the file has no such table)."""
    root = read_xml(source)
    decision = next(
        (d for d in root.iter() if _local(d) == "decision" and d.get("id") == decision_id), None
    )
    if decision is None:
        return Table((), {})
    tables = [t for t in decision.iter() if _local(t) == "decisionTable"]
    if not tables:
        return Table((), {})
    table = tables[0]
    inputs = [i.get("label") or i.get("id") or "" for i in _children(table, "input")]
    outputs = [
        o.get("name") or o.get("label") or o.get("id") or "" for o in _children(table, "output")
    ]
    rules = {}
    for index, rule in enumerate(_children(table, "rule"), start=1):
        cells = [_cell(e) for e in _children(rule, "inputEntry")]
        cells += [_cell(e) for e in _children(rule, "outputEntry")]
        rules[rule.get("id") or f"#{index}"] = tuple(cells)
    return Table(tuple(inputs + outputs), rules)


def compare_tables(before: Table, after: Table) -> list[RuleDiff]:
    """Rules added, removed, and changed cell by cell (a column is named by the later table)."""
    found = []
    for rule_id, cells in after.rules.items():
        old = before.rules.get(rule_id)
        if old is None:
            cells_named = (Change(_column(after, before, i), None, c) for i, c in enumerate(cells))
            found.append(RuleDiff(rule_id, "added", tuple(cells_named)))
            continue
        width = max(len(old), len(cells))
        changes = tuple(
            Change(_column(after, before, i), _at(old, i), _at(cells, i))
            for i in range(width)
            if _at(old, i) != _at(cells, i)
        )
        if changes:
            found.append(RuleDiff(rule_id, "changed", changes))
    found += [
        RuleDiff(
            r,
            "removed",
            tuple(Change(_column(before, before, i), c, None) for i, c in enumerate(cells)),
        )
        for r, cells in before.rules.items()
        if r not in after.rules
    ]
    return found


def _at(cells: tuple[str, ...], index: int) -> str | None:
    return cells[index] if index < len(cells) else None


def _column(after: Table, before: Table, index: int) -> str:
    columns = after.columns if index < len(after.columns) else before.columns
    return columns[index] if index < len(columns) else f"#{index + 1}"
