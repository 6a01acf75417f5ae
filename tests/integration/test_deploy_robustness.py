"""Whatever a modeler (or a fuzzer) makes of a BPMN file, deploying it answers:
it goes live, or it is refused with reasons. It never crashes the server."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from service.domain.errors import DeploymentInvalid, ProcessDefinitionError
from service.services import deployments
from service.workflow import SourceFile
from service.workflow.diagram import layout_of, render
from tests.conftest import PROCESSES

ORIGINAL = (PROCESSES / "incident.bpmn").read_bytes()
ELEMENTS = sum(1 for e in etree.fromstring(ORIGINAL).iter() if isinstance(e.tag, str))


EDITS = st.lists(
    st.tuples(
        st.integers(0, ELEMENTS - 1),
        st.sampled_from(["remove", "drop attribute", "set attribute", "text"]),
        st.integers(0, 5),
        st.sampled_from(["", "x", "-1", "nan", "triage", "1e999", "1/0", '"P1D"', "(("]),
    ),
    min_size=1,
    max_size=3,
)


def edited(edits) -> bytes:
    """The shipped file after a few careless edits (so a failure reads as the edits)."""
    root = etree.fromstring(ORIGINAL)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    for index, action, which, value in edits:
        element = elements[index]
        names = sorted(element.attrib)
        attribute = names[which % len(names)] if names else None
        if action == "remove" and element.getparent() is not None:
            element.getparent().remove(element)
        elif action == "drop attribute" and attribute:
            del element.attrib[attribute]
        elif action == "set attribute" and attribute:
            element.set(attribute, value)
        elif action == "text":
            element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=EDITS)
def test_a_mutated_file_is_deployed_or_refused_never_a_crash(svc, edits):
    content = edited(edits)
    try:
        result = deployments.deploy(svc, [SourceFile("incident.bpmn", content)], actor="fuzz")
    except DeploymentInvalid as exc:
        assert exc.problems
        assert all(problem.file and problem.message for problem in exc.problems)
    else:
        assert {p.process_id for p in result.processes} >= {"service_request"}
    with contextlib.suppress(ProcessDefinitionError):  # unreadable XML: nothing to draw
        render(layout_of(SourceFile("incident.bpmn", content), "incident"))
