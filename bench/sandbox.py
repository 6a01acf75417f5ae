"""Benchmark: what the sandbox costs, per evaluation and per engine run, and how fast it stops.

Three parts, all in this process, no database and no HTTP:

    evaluation  one gateway-style expression and one small script, evaluated by
                SpiffWorkflow's own environment (plain eval/exec) and by the
                restricted one (RestrictedPython code, guards, data checks);
                alternating rounds, median microseconds per evaluation and ratio.
    engine run  starting the incident process to its first user task and storing
                its state: in this process with the restricted engine (what the
                sandbox does inside), and through a sandbox process (the same plus
                the pipe, the state both ways and the snapshot); alternating
                rounds, median milliseconds per run, the difference is the
                sandbox's own cost per request.
    stopping    a script that never ends (and one that allocates without end)
                under budgets of 0.5, 1 and 2 s of CPU: wall-clock seconds from the
                request to the ProcessError, the margin over the budget, and the
                time to start a replacement sandbox process.

Nothing is asserted. Run it from the repository root:

    .venv/bin/python bench/sandbox.py
    .venv/bin/python bench/sandbox.py --rounds 9 --runs 300
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bounds
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

from service.domain.errors import ProcessError
from service.services.calendars import compile_calendars
from service.workflow import Instance, Limits, ProcessRuntime, Sandbox, SourceFile
from service.workflow.restricted import RestrictedEnvironment
from service.workflow.scripting import ScriptEngine, helpers, utc_now
from service.workflow.serialization import Serializer

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
EXPRESSION = 'tier == "L2" and priority != "P1" and impact in ("high", "medium")'
SCRIPT = "paused_seconds = paused_seconds + seconds_since(paused_at)\npaused_at = None"
DATA = {
    "tier": "L2",
    "priority": "P3",
    "impact": "medium",
    "paused_seconds": 0,
    "paused_at": "2026-03-02T09:00:00+00:00",
    "title": "Mail is down",
}
START = {
    "incident_number": "INC-000001",
    "title": "Mail is down",
    "description": "Outlook cannot connect since 08:00",
    "reporter_name": "Rita",
    "reporter_contact": "rita@example.org",
    "channel": "api",
    "impact": None,
    "urgency": None,
    "category": None,
}


class NoHost:
    def call(self, operation, params, element_id):
        return {"escalate": False}


def per_call_us(call, count: int) -> float:
    began = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - began) / count * 1e6


def evaluation(rounds: int, count: int) -> None:
    plain = TaskDataEnvironment(helpers(utc_now))
    restricted = RestrictedEnvironment(helpers(utc_now))
    ways = {
        "expression": (
            lambda: plain.evaluate(EXPRESSION, dict(DATA)),
            lambda: restricted.evaluate(EXPRESSION, dict(DATA)),
        ),
        "script": (
            lambda: plain.execute(SCRIPT, dict(DATA)),
            lambda: restricted.execute(SCRIPT, dict(DATA)),
        ),
    }
    print(f"\nevaluation, {rounds} rounds of {count} (median us per evaluation)")
    print(f"{'what':<12}{'plain':>10}{'restricted':>12}{'ratio':>8}")
    for what, (plain_call, restricted_call) in ways.items():
        plain_call(), restricted_call()  # compile caches warm
        pairs = [
            (per_call_us(plain_call, count), per_call_us(restricted_call, count))
            for _ in range(rounds)
        ]
        p = statistics.median(a for a, _ in pairs)
        r = statistics.median(b for _, b in pairs)
        ratio = statistics.median(b / a for a, b in pairs)
        print(f"{what:<12}{p:>10.1f}{r:>12.1f}{ratio:>8.2f}")


def engine_run(rounds: int, runs: int) -> None:
    sandbox = Sandbox(Limits(), size=1)
    runtime = ProcessRuntime(sandbox)
    files = [SourceFile(p.name, p.read_bytes()) for p in sorted(PROCESSES.glob("*.*"))]
    parsed = runtime.parse([f for f in files if f.name.endswith((".bpmn", ".dmn"))])["incident"]
    calendars, _ = compile_calendars(
        {p.name: p.read_bytes() for p in (PROCESSES / "calendars").iterdir()}
    )
    definition = runtime.definition(1, lambda: runtime.dump_spec(parsed, calendars))
    serializer = Serializer()
    data = {**START, "reported_at": datetime.now(UTC).isoformat()}

    def in_process():
        engine = ScriptEngine(NoHost(), calendars=definition.calendars)
        instance = Instance.start(definition, serializer, engine, dict(data))
        instance.dump()
        instance.snapshot()

    def sandboxed():
        execution = runtime.start(definition, dict(data), NoHost())
        execution.dump()
        execution.snapshot()

    in_process(), sandboxed()
    pairs = [
        (per_call_us(in_process, runs) / 1000, per_call_us(sandboxed, runs) / 1000)
        for _ in range(rounds)
    ]
    a = statistics.median(x for x, _ in pairs)
    b = statistics.median(y for _, y in pairs)
    print(f"\nengine run (start to the first user task, state stored), {rounds} rounds of {runs}")
    print(f"  in this process, restricted engine   {a:8.3f} ms")
    print(f"  through a sandbox process            {b:8.3f} ms")
    print(f"  the sandbox's own cost per request   {b - a:8.3f} ms (ratio {b / a:.2f})")
    sandbox.close()


def stopping() -> None:
    print("\nstopping a run that never ends (wall-clock seconds, one run each)")
    print(f"{'budget':>8}{'script':>22}{'stopped after':>15}{'margin':>9}{'respawn':>9}")
    scripts = {"while True: pass": "while True:\n    pass", "10 ** 10 ** 8": "n = 10 ** 10 ** 8"}
    for budget in (0.5, 1.0, 2.0):
        sandbox = Sandbox(Limits(cpu_seconds=budget, memory_bytes=64 * 1024 * 1024), size=1)
        runtime = ProcessRuntime(sandbox)
        for label, script in scripts.items():
            definition = _probe(runtime, script)
            runtime.start(_probe(runtime, "ok = True"), {}, NoHost())  # process started
            began = time.perf_counter()
            try:
                runtime.start(definition, {}, NoHost())
            except ProcessError:
                stopped = time.perf_counter() - began
            else:
                raise RuntimeError("the run was not stopped")
            began = time.perf_counter()
            runtime.start(_probe(runtime, "ok = True"), {}, NoHost())
            respawn = time.perf_counter() - began
            print(
                f"{budget:>7.1f}s{label:>22}{stopped:>14.2f}s{stopped - budget:>8.2f}s"
                f"{respawn:>8.2f}s"
            )
        sandbox.close()
    sandbox = Sandbox(Limits(memory_bytes=64 * 1024 * 1024), size=1)
    runtime = ProcessRuntime(sandbox)
    runtime.start(_probe(runtime, "ok = True"), {}, NoHost())
    began = time.perf_counter()
    try:
        runtime.start(
            _probe(runtime, "x = []\nwhile True:\n    x.append(' ' * 65536)"), {}, NoHost()
        )
    except ProcessError as exc:
        print(
            f"memory budget 64 MB, a list that grows: stopped after "
            f"{time.perf_counter() - began:.2f} s ({exc.message.split(': ', 1)[1]})"
        )
    sandbox.close()


_PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
    targetNamespace="http://incident-desk.org/bpmn">
  <bpmn:process id="probe" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="run" />
    <bpmn:scriptTask id="run"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def _probe(runtime, script: str):
    source = SourceFile("probe.bpmn", _PROBE.format(script=script).encode())
    parsed = runtime.parse([source])["probe"]
    return runtime.definition(hash(script), lambda: runtime.dump_spec(parsed))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds")
    parser.add_argument("--evaluations", type=int, default=20000, help="per round")
    parser.add_argument("--runs", type=int, default=200, help="engine runs per round")
    bounds.add_option(parser, default=900)
    args = parser.parse_args(argv)
    bounds.arm(args.max_seconds)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )
    bounds.stage(f"evaluation: {args.rounds} rounds of {args.evaluations}")
    evaluation(args.rounds, args.evaluations)
    bounds.stage(f"engine run: {args.rounds} rounds of {args.runs}")
    engine_run(args.rounds, args.runs)
    bounds.stage("stopping runs that never end")
    stopping()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
