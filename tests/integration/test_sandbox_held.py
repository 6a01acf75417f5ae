"""A sandbox process keeps the instances it ran loaded: the next step of one of them
names its state instead of sending it, and whatever the host stores is what runs.

The host's stored state is the truth: a step that starts from any other state
(an older one, after the host rolled a transaction back) is sent whole, and a
run that failed leaves nothing half changed behind to be taken again.
"""

from __future__ import annotations

import pytest

from service import instruments
from service.domain.errors import ProcessError
from service.workflow import Limits, ProcessRuntime, Sandbox, SourceFile
from service.workflow.sandbox.limits import HELD_INSTANCES

# A user task in a loop: each completion adds its amount to `total`, which a script
# checks, until the total reaches 10. A negative amount fails in the script.
LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="held" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="counting" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_add</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="to_add" sourceRef="start" targetRef="add" />
    <bpmn:userTask id="add" name="Add"><bpmn:incoming>to_add</bpmn:incoming>
      <bpmn:incoming>again</bpmn:incoming><bpmn:outgoing>to_sum</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="to_sum" sourceRef="add" targetRef="sum" />
    <bpmn:scriptTask id="sum" name="Sum"><bpmn:incoming>to_sum</bpmn:incoming>
      <bpmn:outgoing>to_check</bpmn:outgoing>
      <bpmn:script>if amount &lt; 0:
    raise ValueError("no negative amounts")
total = total + amount
steps = steps + [amount]</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="to_check" sourceRef="sum" targetRef="check" />
    <bpmn:exclusiveGateway id="check" default="again"><bpmn:incoming>to_check</bpmn:incoming>
      <bpmn:outgoing>again</bpmn:outgoing><bpmn:outgoing>done</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="again" sourceRef="check" targetRef="add" />
    <bpmn:sequenceFlow id="done" sourceRef="check" targetRef="end">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        >total &gt;= 10</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="end"><bpmn:incoming>done</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def sandbox():
    # One process, so that every step lands where the last one ran.
    pool = Sandbox(Limits(cpu_seconds=2.0), size=1)
    yield pool
    pool.close()


@pytest.fixture
def definition(sandbox):
    runtime = ProcessRuntime(sandbox)
    parsed = next(iter(runtime.parse([SourceFile("held.bpmn", LOOP.encode())]).values()))
    return runtime, runtime.definition(id(parsed), lambda: runtime.dump_spec(parsed))


def counts() -> dict[str, float]:
    counter = instruments.sandbox_states()
    return {how: counter.labels(how)._value.get() for how in ("held", "sent", "asked")}


def moved(before: dict[str, float]) -> dict[str, float]:
    return {how: value - before[how] for how, value in counts().items() if value != before[how]}


def add(runtime, definition, state: str, amount: int):
    execution = runtime.resume(definition, state)
    [task] = execution.snapshot().ready
    execution.complete(task.id, {"amount": amount})
    return execution


def test_the_next_step_runs_on_the_held_instance_and_ends_as_a_fresh_load_would(definition):
    runtime, spec = definition
    started = runtime.start(spec, {"total": 0, "steps": []})
    before = counts()

    first = add(runtime, spec, started.dump(), 4)
    second = add(runtime, spec, first.dump(), 6)

    assert moved(before) == {"held": 2}
    assert second.snapshot().ended
    assert second.snapshot().data["total"] == 10
    assert second.snapshot().data["steps"] == [4, 6]
    # What was stored is a state like any other: read here, it says the same.
    assert runtime.peek(spec, second.dump()).snapshot().data["steps"] == [4, 6]


def test_a_step_from_an_older_state_is_sent_whole_and_runs_from_that_state(definition):
    runtime, spec = definition
    started = runtime.start(spec, {"total": 0, "steps": []})
    first = add(runtime, spec, started.dump(), 4)
    before = counts()

    # As if the host's transaction of `first` rolled back: it still stores `started`.
    again = add(runtime, spec, started.dump(), 3)

    assert moved(before) == {"sent": 1}
    assert again.snapshot().data["steps"] == [3]
    # And the state the host did commit is still runnable from where it was.
    assert add(runtime, spec, first.dump(), 1).snapshot().data["steps"] == [4, 1]


def test_a_failed_run_leaves_nothing_half_done_to_be_taken_again(definition):
    runtime, spec = definition
    started = runtime.start(spec, {"total": 0, "steps": []})
    first = add(runtime, spec, started.dump(), 4)

    with pytest.raises(ProcessError, match="no negative amounts"):
        add(runtime, spec, first.dump(), -1)
    before = counts()
    retried = add(runtime, spec, first.dump(), 2)

    # The held instance went with the failed run: the retry's state came whole.
    assert moved(before) == {"sent": 1}
    assert retried.snapshot().data["steps"] == [4, 2]


def test_a_process_that_no_longer_holds_the_instance_asks_for_its_state(definition, sandbox):
    runtime, spec = definition
    started = runtime.start(spec, {"total": 0, "steps": []})
    first = add(runtime, spec, started.dump(), 4)
    [process] = sandbox._idle
    first_held = next(reversed(process.held))
    # More instances push it out of the process; the host is made to believe
    # otherwise, as it would after the process dropped it for any other reason.
    for _ in range(HELD_INSTANCES):
        runtime.start(spec, {"total": 0, "steps": []})
    process.held[first_held] = None
    before = counts()

    second = add(runtime, spec, first.dump(), 6)

    assert moved(before) == {"held": 1, "asked": 1}
    assert second.snapshot().ended and second.snapshot().data["steps"] == [4, 6]
