"""The diagram of an uploaded BPMN file with the elements its problems name marked,
so a refused or warned deployment shows where in the drawing to look."""

from __future__ import annotations

from ..domain.errors import Problem, ProcessDefinitionError
from ..workflow import SourceFile, diagram
from ..workflow.parsing import read_xml


def problem_diagram(
    name: str, content: bytes, problems: list[Problem], warnings: list[Problem]
) -> bytes | None:
    """SVG with class `error` on elements named by problems and `warning` on those
    named by warnings only; None when the file cannot be read or has no drawing."""
    source = SourceFile(name, content)
    try:
        root = read_xml(source)
        process_ids = [
            p.get("id") for p in root.iterfind(f".//{{{diagram.BPMN}}}process") if p.get("id")
        ]
        layout = diagram.layout_of(source, process_ids[0] if process_ids else "")
    except ProcessDefinitionError:
        return None
    if not layout.shapes:
        return None
    marks = {w.element_id: "warning" for w in warnings if w.file == name and w.element_id}
    marks |= {p.element_id: "error" for p in problems if p.file == name and p.element_id}
    return diagram.render(layout, states=marks)
