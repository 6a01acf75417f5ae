"""Checks a set of BPMN and DMN files must pass before they are deployed.

SpiffWorkflow compiles no expression, script or timer until it runs it. Here
every one is compiled as the sandbox would (RestrictedPython with the same
policy, `restricted.py`), so what would be refused at run time is refused now,
with the file, the element and the line. These checks only give early errors:
containment holds at run time, in the sandbox, whatever passed them.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterable

from lxml import etree

from ..domain.errors import Problem
from .guards import SAFE_BUILTIN_NAMES
from .loops import check_loops
from .migration import RERUN_PROPERTY
from .restricted import refusal
from .scripting import HELPER_NAMES, KNOWN_OPERATIONS

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "spiff": SPIFF}

SAFE_CALLS = SAFE_BUILTIN_NAMES | HELPER_NAMES
# Python's own functions a script may not call: named early, they would fail at run time.
_UNSAFE_BUILTINS = frozenset(dir(builtins)) - SAFE_CALLS
# Methods that reach an object's internals through a format string.
_FORBIDDEN_METHODS = frozenset({"format", "format_map"})
_DURATION = re.compile(r"^R?\d*/?P(\d|T)", re.IGNORECASE)
_DMN_ANY = ("", "-")
FORM_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename")


def check_expression(text: str, *, script: bool = False) -> str | None:
    """Why an expression (or a script) may not run, or None when it may."""
    mode = "exec" if script else "eval"
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        return f"does not parse: {exc.msg} (line {exc.lineno} of the expression)"
    except (ValueError, MemoryError, RecursionError) as exc:
        return f"does not parse: {exc}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _UNSAFE_BUILTINS:
                return (
                    f"calling {func.id}() is not allowed; allowed: {', '.join(sorted(SAFE_CALLS))}"
                )
        # Called or only taken (`[s.format][0](...)`): either way the sandbox refuses it.
        if isinstance(node, ast.Attribute) and node.attr in _FORBIDDEN_METHODS:
            return f".{node.attr} is not allowed (use an f-string)"
    refused = refusal(text, mode)
    return str(refused) if refused is not None else None


def check_documents(
    documents: dict[str, etree._Element], *, forms: Iterable[str], lanes: Iterable[str]
) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) for BPMN and DMN documents by file name."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    known_forms, known_lanes = set(forms), set(lanes)
    for name, root in documents.items():
        if etree.QName(root).namespace == BPMN:
            _check_bpmn(name, root, known_forms, known_lanes, errors, warnings)
        else:
            _check_dmn(name, root, errors)
    loop_errors, loop_warnings = check_loops(
        {name: root for name, root in documents.items() if etree.QName(root).namespace == BPMN}
    )
    return errors + loop_errors, warnings + loop_warnings


def _check_bpmn(name, root, forms, lanes, errors, warnings) -> None:
    def problem(into, element, message):
        into.append(Problem(name, message, _id_of(element), element.sourceline))

    for lane in root.iterfind(".//bpmn:lane", NS):
        if lane.get("name") not in lanes:
            problem(
                errors,
                lane,
                f"lane {lane.get('name')!r} maps to no group; lanes are named after one of "
                f"{', '.join(sorted(lanes))}",
            )
    for task in root.iterfind(".//bpmn:userTask", NS):
        properties = {p.get("name"): p.get("value") for p in task.iterfind(".//spiff:property", NS)}
        if not properties.get(FORM_PROPERTIES[0]):
            problem(warnings, task, "user task without a form: any JSON object will be accepted")
        for key in FORM_PROPERTIES:
            form = properties.get(key)
            if form and form not in forms:
                problem(errors, task, f"{key} names {form}, which is not deployed")
    for marker in root.iterfind(f".//spiff:property[@name='{RERUN_PROPERTY}']", NS):
        task = marker.getparent().getparent().getparent()
        if etree.QName(task).localname not in ("businessRuleTask", "scriptTask"):
            problem(
                errors,
                marker,
                f"{RERUN_PROPERTY} is for decision (business rule) and script tasks only",
            )
    for task in root.iterfind(".//bpmn:serviceTask", NS):
        operator = task.find(".//spiff:serviceTaskOperator", NS)
        if operator is None or operator.get("id") not in KNOWN_OPERATIONS:
            problem(
                errors,
                task,
                f"service task operator {None if operator is None else operator.get('id')!r} is "
                f"unknown; known: {', '.join(sorted(KNOWN_OPERATIONS))}",
            )
    for end in root.iterfind(".//bpmn:endEvent", NS):
        if end.find("bpmn:signalEventDefinition", NS) is not None:
            problem(
                errors,
                end,
                "SpiffWorkflow 3.2 runs a signal end event as a plain end event (the signal is "
                "never thrown): use an intermediate throw event, then an end event",
            )
    for element in root.iter(
        f"{{{BPMN}}}task",
        f"{{{BPMN}}}userTask",
        f"{{{BPMN}}}scriptTask",
        f"{{{BPMN}}}serviceTask",
        f"{{{BPMN}}}businessRuleTask",
        f"{{{BPMN}}}manualTask",
        f"{{{BPMN}}}callActivity",
    ):
        if not (element.get("name") or "").strip():
            problem(warnings, element, "task without a label")
    _check_bpmn_expressions(root, problem, errors)
    _check_diagram(name, root, warnings)


def _check_bpmn_expressions(root, problem, errors) -> None:
    for condition in root.iterfind(".//bpmn:conditionExpression", NS):
        _expression(condition, condition.text, problem, errors)
    for script in root.iterfind(".//bpmn:script", NS):
        _expression(script, script.text, problem, errors, script=True)
    for hook in ("preScript", "postScript"):
        for script in root.iterfind(f".//spiff:{hook}", NS):
            _expression(script, script.text, problem, errors, script=True)
    for parameter in root.iterfind(".//spiff:parameter", NS):
        _expression(parameter, parameter.get("value"), problem, errors)
    for path in (
        ".//bpmn:loopCardinality",
        ".//bpmn:completionCondition",
        ".//bpmn:conditionalEventDefinition/bpmn:condition",
        ".//bpmn:messagePath",
        ".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression",
        ".//spiff:messagePayload",
        ".//spiff:processVariableCorrelation/spiff:expression",
    ):
        for element in root.iterfind(path, NS):
            _expression(element, element.text, problem, errors)
    for kind in ("timeDate", "timeDuration", "timeCycle"):
        for timer in root.iterfind(f".//bpmn:{kind}", NS):
            text = (timer.text or "").strip()
            if _DURATION.match(text):
                problem(
                    errors, timer, f"timer {kind} {text} is read as Python: quote it, '\"{text}\"'"
                )
            else:
                _expression(timer, text, problem, errors)


def _check_dmn(name, root, errors) -> None:
    def problem(into, element, message):
        into.append(Problem(name, message, _id_of(element), element.sourceline))

    namespace = etree.QName(root).namespace
    dmn = {"dmn": namespace}
    for entry in root.iterfind(".//dmn:inputExpression/dmn:text", dmn):
        _expression(entry, entry.text, problem, errors)
    for entry in root.iterfind(".//dmn:outputEntry/dmn:text", dmn):
        _expression(entry, entry.text, problem, errors, blank_ok=True)
    for entry in root.iterfind(".//dmn:inputEntry/dmn:text", dmn):
        text = (entry.text or "").strip()
        if text in _DMN_ANY:
            continue
        # As SpiffWorkflow's DMN engine reads a cell: `?` is the input; a cell that
        # does not parse alone is an operator applied to the input (`< 5`).
        cell = re.sub(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)", "dmninput", text)
        if check_expression(cell) is not None and check_expression(f"dmninput {cell}") is None:
            cell = f"dmninput {cell}"
        _expression(entry, cell, problem, errors)


def _expression(element, text, problem, errors, *, script=False, blank_ok=False) -> None:
    text = (text or "").strip()
    if not text:
        if not blank_ok:
            problem(errors, element, "empty expression")
        return
    why = check_expression(text, script=script)
    if why:
        kind = "script" if script else "expression"
        problem(errors, element, f"{kind} {_short(text)} {why}")


def _check_diagram(name, root, warnings) -> None:
    drawn = {
        e.get("bpmnElement") for e in root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge")
    }
    if not drawn:
        warnings.append(Problem(name, "no diagram (BPMN DI): modelers will show nothing"))
        return
    for process in root.iterfind(".//bpmn:process", NS):
        for element in process:
            element_id = element.get("id")
            if (
                element_id
                and etree.QName(element).localname not in ("laneSet", "documentation")
                and element_id not in drawn
            ):
                warnings.append(
                    Problem(
                        name, "element has no shape in the diagram", element_id, element.sourceline
                    )
                )


def _id_of(element) -> str | None:
    """The id of the element, or of the nearest ancestor that has one."""
    while element is not None:
        if element.get("id"):
            return element.get("id")
        element = element.getparent()
    return None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")
