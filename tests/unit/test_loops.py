"""Loops found in the files before they deploy: self-calling processes, loops with no wait."""

from __future__ import annotations

import itertools

from lxml import etree

from service.workflow.loops import check_loops
from tests.conftest import PROCESSES
from tests.probes import CALLS_ITSELF, LOOP_WITHOUT_WAIT


def documents(**files: bytes) -> dict:
    return {name: etree.fromstring(content) for name, content in files.items()}


def caller(process_id: str, calls: str) -> bytes:
    return (
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        f'<bpmn:process id="{process_id}"><bpmn:callActivity id="{process_id}_call" '
        f'calledElement="{calls}" /></bpmn:process></bpmn:definitions>'
    ).encode()


def test_a_process_that_calls_itself_is_refused_naming_the_cycle():
    errors, _warnings = check_loops(documents(level3=CALLS_ITSELF))
    [error] = errors
    assert (error.file, error.element_id) == ("level3", "l3_again")
    assert "Level3 -> Level3" in error.message and isinstance(error.line, int)


def test_processes_calling_each_other_are_refused_once_for_the_cycle():
    errors, _ = check_loops(documents(a=caller("a", "b"), b=caller("b", "c"), c=caller("c", "a")))
    [error] = errors
    chain = error.message.split("cycle ")[1].split(":")[0].split(" -> ")
    assert chain[0] == chain[-1] and sorted(chain[:-1]) == ["a", "b", "c"]
    # Each process of the chain calls the next one.
    calls = {"a": "b", "b": "c", "c": "a"}
    assert all(calls[x] == y for x, y in itertools.pairwise(chain))


def test_calling_another_process_is_no_cycle():
    assert check_loops(documents(a=caller("a", "b"), b=caller("b", "c"))) == ([], [])


def test_a_loop_without_a_wait_state_is_a_warning():
    errors, warnings = check_loops(documents(spin=LOOP_WITHOUT_WAIT))
    assert errors == []
    [warning] = warnings
    assert set(warning.message.split("loop ")[1].split(" has")[0].split(" -> ")) == {
        "count",
        "again",
    }
    assert warning.element_id in ("count", "again")


def test_the_shipped_processes_have_no_such_loops():
    shipped = {p.name: etree.parse(str(p)).getroot() for p in PROCESSES.glob("*.bpmn")}
    # The incident reopens in a loop, but through user tasks: that waits.
    assert check_loops(shipped) == ([], [])
