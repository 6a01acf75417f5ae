"""The engine in its sandbox processes: escapes refused wherever text is evaluated,
budgets enforced by the kernel, data in and data out, the process locked down.

These go through ProcessRuntime and real sandbox processes but not through a
deployment, so nothing here relies on the deployment's checks: the run-time
fence is the boundary.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from service.domain.errors import ProcessError
from service.workflow import Limits, ProcessRuntime, Sandbox
from tests.probes import (
    CALLS_ITSELF,
    ESCAPE_EXPRESSIONS,
    ESCAPE_SCRIPTS,
    LOOP_WITHOUT_WAIT,
    PLACES,
    Place,
)

DATA = {"severity": "high"}
ROOT = Path(__file__).resolve().parents[2]


class Host:
    """Answers service calls as the service would, minimally; keeps what it was asked."""

    def __init__(self, raise_error: Exception | None = None):
        self.calls = []
        self._raise = raise_error

    def call(self, operation, params, element_id):
        self.calls.append((operation, params, element_id))
        if self._raise is not None:
            raise self._raise
        return {"escalate": False}


@pytest.fixture(scope="module")
def sandbox():
    # Its own pool with small budgets, so that a runaway test ends quickly.
    pool = Sandbox(Limits(cpu_seconds=1.0, memory_bytes=64 * 1024 * 1024), size=2)
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def runtime(sandbox):
    return ProcessRuntime(sandbox)


def run(runtime, files, data=None, host=None):
    parsed = next(iter(runtime.parse(files).values()))
    definition = runtime.definition(id(parsed), lambda: runtime.dump_spec(parsed))
    return runtime.start(definition, dict(DATA if data is None else data), host or Host())


def script_model(script: str) -> list:
    return Place("script task", True, "").files(script)


@pytest.mark.parametrize("place", PLACES, ids=[p.name for p in PLACES])
def test_every_place_runs_harmless_text(runtime, place):
    execution = run(runtime, place.files(place.harmless))
    snapshot = execution.snapshot()
    waiting_at_probe = [t for t in snapshot.timers if t.element_id == "probe"]
    assert [t.key for t in snapshot.ready] == ["wait"] or waiting_at_probe, snapshot


CASES = [
    (place, name, (f"k = {text}" if place.script else text))
    for place in PLACES
    for name, text in ESCAPE_EXPRESSIONS.items()
] + [
    (place, name, text) for place in PLACES if place.script for name, text in ESCAPE_SCRIPTS.items()
]


@pytest.mark.parametrize(
    "place, text", [(p, t) for p, _, t in CASES], ids=[f"{p.name}: {n}" for p, n, _ in CASES]
)
def test_no_escape_runs_anywhere(runtime, place, text):
    host = Host()
    with pytest.raises(ProcessError) as failed:
        run(runtime, place.files(text), host=host)
    assert failed.value.element_id == "probe", failed.value.message
    assert failed.value.file == "probe.bpmn"
    # Nothing past the probe ran: the service task was never called with what it reached.
    assert host.calls == []


def test_the_sandbox_process_holds_nothing_and_may_do_nothing(runtime, sandbox):
    run(runtime, script_model("ran = True"))
    for pid in sandbox.processes():
        _assert_locked_down(pid)


def _assert_locked_down(pid: int) -> None:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert fields["Seccomp"].strip() == "2"  # filter mode
    assert fields["NoNewPrivs"].strip() == "1"
    if os.geteuid() == 0:
        assert fields["Uid"].split()[0] == "65534"  # nobody
    assert Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")[:-1] == [
        f"PATH={os.defpath}".encode()
    ]
    # Its two pipes, its progress page and /dev/null: no database, no socket, no file.
    targets = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    assert all(
        t.startswith(("pipe:", "/dev/null", "/memfd:incident-desk-sandbox")) for t in targets
    ), targets


LOCKED_DOWN = textwrap.dedent(
    """
    import errno, os, socket, subprocess, sys
    from service.workflow.sandbox.lockdown import lock_down
    lock_down(memory_bytes=64 * 1024 * 1024, seccomp=True)
    results = {}
    def attempt(name, action):
        try:
            action()
            results[name] = "done"
        except MemoryError:
            results[name] = "MemoryError"
        except OSError as exc:
            results[name] = errno.errorcode.get(exc.errno, str(exc.errno))
    attempt("open", lambda: open("/etc/hostname").read())
    attempt("socket", lambda: socket.socket())
    attempt("fork", os.fork)
    attempt("exec", lambda: os.execv("/bin/true", ["true"]))
    attempt("kill", lambda: os.kill(os.getppid(), 0))
    attempt("memory", lambda: bytearray(200 * 1024 * 1024))
    os.write(1, repr(results).encode())
    """
)


def test_lockdown_alone_refuses_files_sockets_processes_and_memory():
    """The second fence on its own: plain Python, no RestrictedPython, after lock_down."""
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path[:0] = [{str(ROOT)!r}]\n" + LOCKED_DOWN],
        capture_output=True,
        cwd="/",
        env={"PATH": os.defpath},
        timeout=60,
    )
    results = eval(result.stdout)  # noqa: S307 - our own child's repr of a dict of str
    assert results == {
        "open": "EPERM",
        "socket": "EPERM",
        "fork": "EPERM",
        "exec": "EPERM",
        "kill": "EPERM",
        "memory": "MemoryError",
    }, (results, result.stderr)


@pytest.mark.parametrize(
    "script",
    [
        "while True:\n    pass",
        "n = 10 ** 10 ** 8",  # one C-level operation no Python guard can interrupt
        "k = 0\nwhile True:\n    k = (k + 1) % 7",
    ],
    ids=["endless loop", "huge power", "busy loop"],
)
def test_a_run_past_its_cpu_budget_fails_naming_the_element_and_the_limit(runtime, script):
    with pytest.raises(ProcessError) as failed:
        run(runtime, script_model(script))
    assert failed.value.element_id == "probe"
    assert "CPU budget of 1 s" in failed.value.message
    assert failed.value.file == "probe.bpmn" and isinstance(failed.value.line, int)
    # The pool replaced the process: the next run works.
    assert [t.key for t in run(runtime, script_model("ran = True")).snapshot().ready] == ["wait"]


@pytest.mark.parametrize(
    "script",
    ["x = 'a' * (3 * 10 ** 9)", "x = []\nwhile True:\n    x.append('a' * 1000000)"],
    ids=["one huge string", "growing list"],
)
def test_a_run_past_its_memory_budget_fails_naming_the_element_and_the_limit(runtime, script):
    with pytest.raises(ProcessError) as failed:
        run(runtime, script_model(script))
    assert failed.value.element_id == "probe"
    assert "memory budget of 64 MB" in failed.value.message
    assert [t.key for t in run(runtime, script_model("ran = True")).snapshot().ready] == ["wait"]


def test_deep_recursion_is_a_process_error_not_a_crash(runtime):
    with pytest.raises(ProcessError, match=r"RecursionError|recursion") as failed:
        run(runtime, script_model("def f(n):\n    return f(n + 1)\nf(0)"))
    assert failed.value.element_id == "probe"


def test_a_generator_left_in_the_data_is_named_with_its_type(runtime):
    with pytest.raises(ProcessError) as failed:
        run(runtime, script_model("pending = (x for x in [1, 2])"))
    assert failed.value.element_id == "probe"
    assert "pending holds a generator" in failed.value.message


def test_a_decision_output_that_is_not_data_is_a_process_error(runtime):
    place = next(p for p in PLACES if p.name == "decision output")
    with pytest.raises(ProcessError, match="set"):
        run(runtime, place.files("{1, 2}"))


def test_a_service_parameter_that_is_not_data_names_the_parameter(runtime):
    place = next(p for p in PLACES if p.name == "service task parameter")
    host = Host()
    with pytest.raises(ProcessError, match="parameter event holds a generator"):
        run(runtime, place.files("(x for x in [1])"), host=host)
    assert host.calls == []


@pytest.mark.parametrize(
    "files, elements",
    [
        ({"level3.bpmn": CALLS_ITSELF}, {"l3_again", "l3_start", "l3_end"}),
        ({"spin.bpmn": LOOP_WITHOUT_WAIT}, {"count", "again"}),
    ],
    ids=["call activity calling its own process", "loop without a wait state"],
)
def test_an_engine_run_that_never_waits_is_stopped_by_the_budget(runtime, files, elements):
    from service.workflow import SourceFile

    sources = [SourceFile(name, content) for name, content in files.items()]
    with pytest.raises(ProcessError) as failed:
        run(runtime, sources, data={})
    assert "budget" in failed.value.message
    assert failed.value.element_id in elements, failed.value.message


def test_a_host_error_in_a_service_call_reaches_the_caller_as_it_was(runtime):
    place = next(p for p in PLACES if p.name == "service task parameter")
    refused = ProcessError("the host refused", element_id="probe")
    with pytest.raises(ProcessError) as failed:
        run(runtime, place.files("'warning'"), host=Host(raise_error=refused))
    assert failed.value is refused
    assert [t.key for t in run(runtime, script_model("ran = True")).snapshot().ready] == ["wait"]


def test_a_sandbox_that_stops_making_progress_is_killed_at_the_wall_clock_bound(sandbox):
    runtime = ProcessRuntime(sandbox)
    place = next(p for p in PLACES if p.name == "service task parameter")

    class Freezer:
        """Stops the sandbox process (as if it never got the CPU again) while answering."""

        def call(self, operation, params, element_id):
            for pid in sandbox.busy_processes():
                os.kill(pid, signal.SIGSTOP)
            return {"escalate": False}

    with pytest.raises(ProcessError) as failed:
        run(runtime, place.files("'warning'"), host=Freezer())
    assert "wall-clock" in failed.value.message
    assert failed.value.element_id == "probe"
