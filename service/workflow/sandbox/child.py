"""The sandbox process: runs process instances and decision tables for the host.

Started by `pool.py` as a fresh interpreter (nothing of the service's memory,
environment or secrets), it imports what it needs, locks itself down
(`lockdown.py`) and then answers requests over its pipes until the host
closes them. It holds no database, no network and no files: it asks the
host for a spec it has not seen, and forwards service-task calls to it.

Every request runs under the CPU timer: when it runs out the kernel stops
the process (SIGPROF) wherever it is, even inside one huge arithmetic
operation, and the host reports the element the progress page names.
"""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import sys
import traceback
from collections import OrderedDict
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from ...domain.errors import Conflict, ProcessError
from .. import decisions
from ..definition import Definition
from ..instance import Instance
from ..migration import MigrationRefused
from ..parsing import SourceFile
from ..restricted import NotData, check_data
from ..scripting import ScriptEngine
from ..serialization import Serializer
from ..snapshot import to_wire
from . import wire
from .limits import HELD_INSTANCES, Limits
from .lockdown import lock_down
from .progress import Progress

# Kept small: what the caches hold counts against the memory budget of every run.
CACHED_SPECS = 16
CACHED_DECISIONS = 16
# A process whose peak grew this far past its start is replaced after the request:
# memory CPython keeps for reuse would shrink the next request's budget.
RETIRE_GROWTH = 0.5


class HostAborted(BaseException):
    """The host failed while answering a service call; unwind without running on.

    A BaseException, so that no `except Exception` inside the engine holds it up.
    """


class _RunClock(datetime):
    """SpiffWorkflow's timers read `datetime.now()`: they read the host's instant instead."""

    instant: datetime | None = None

    @classmethod
    def now(cls, tz=None):
        instant = cls.instant
        if instant is None:
            raise RuntimeError("no request is running")
        value = cls.combine(instant.date(), instant.time(), instant.tzinfo)
        return value.astimezone(tz) if tz is not None else value


class _HostCalls:
    """The process's service tasks, forwarded to the host (a `ServiceHandler`)."""

    def __init__(self, child: Child):
        self._child = child

    def call(self, operation: str, params: dict[str, Any], element_id: str) -> dict[str, Any]:
        answer, _ = self._child.ask({"call": operation, "params": params, "element_id": element_id})
        return answer["result"]


class Child:
    def __init__(self, fd_in: int, fd_out: int, progress: Progress, limits: Limits):
        self._in, self._out = fd_in, fd_out
        self._progress = progress
        self._limits = limits
        self._serializer = Serializer()
        self._specs: OrderedDict[str, Definition] = OrderedDict()
        self._decisions: OrderedDict[tuple[str, str], Any] = OrderedDict()
        # By the SHA-256 of the state each was dumped to: the host names the state it
        # holds, and only an instance that dumped exactly that state is taken again.
        self._held: OrderedDict[str, Instance] = OrderedDict()
        self._start_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def ask(self, header: dict[str, Any], blob: bytes = b"") -> tuple[dict[str, Any], bytes]:
        """Ask the host something in the middle of a request."""
        wire.send(self._out, header, blob)
        answer, data = wire.receive(self._in)
        if answer.get("abort"):
            raise HostAborted()
        return answer, data

    def serve(self) -> None:
        while True:
            try:
                request, blob = wire.receive(self._in)
            except wire.WireClosed:
                return
            reply, out = self._handle(request, blob)
            wire.send(self._out, reply, out)
            if reply.get("retire"):
                return

    def _handle(self, request: dict[str, Any], blob: bytes) -> tuple[dict[str, Any], bytes]:
        _RunClock.instant = datetime.fromisoformat(request["now"])
        self._progress.clear()
        signal.setitimer(signal.ITIMER_PROF, self._limits.cpu_seconds)
        retire = False
        try:
            if request["op"] == "run":
                reply, out = self._run(request, blob)
            elif request["op"] == "decide":
                reply, out = self._decide(request), b""
            else:
                reply, out = _failure("process", f"unknown request {request['op']!r}"), b""
        except HostAborted:
            reply, out = _failure("aborted", "the host stopped the run"), b""
        except Exception as exc:
            if _caused_by(exc, MemoryError):
                retire = True
                reply = _failure(
                    "budget",
                    f"the run needed more than its memory budget of "
                    f"{self._limits.memory_bytes // (1024 * 1024)} MB",
                    element_id=self._progress.element(),
                    limit="memory",
                )
            else:
                reply = _error_reply(exc, self._progress.element())
            out = b""
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            _RunClock.instant = None
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if retire or peak > self._start_peak + RETIRE_GROWTH * self._limits.memory_bytes:
            reply["retire"] = True
        return reply, out

    def _run(self, request: dict[str, Any], blob: bytes) -> tuple[dict[str, Any], bytes]:
        definition = self._definition(request["spec"])
        action = request["action"]
        # A migration runs its steps again on the target version, with its calendars.
        counted_in = (
            self._definition(action["target"]) if action["kind"] == "migrate" else definition
        )
        engine = ScriptEngine(
            _HostCalls(self),
            clock=_RunClock.now,
            max_data_bytes=self._limits.max_data_bytes,
            on_element=self._progress.mark,
            calendars=counted_in.calendars,
        )
        instance = self._instance(request, blob, definition, engine)
        reply: dict[str, Any] = {"ok": True}
        kind = action["kind"]
        if kind == "run":
            instance.run()
        elif kind == "complete":
            instance.complete(action["task_id"], action["data"])
        elif kind == "message":
            reply["delivered"] = instance.deliver_message(action["name"], action["payload"])
        elif kind == "migrate":
            target = self._definition(action["target"])
            reply["rerun"] = instance.migrate_to(target, action["target_version"])
        elif kind == "revise":
            reply["rerun"] = instance.revise(action["facts"])
        elif kind == "cancel":
            instance.cancel()
        elif kind == "reset":
            instance.reset_to(action["task_id"])
        elif kind != "start":
            raise ProcessError(f"unknown action {kind!r}")
        out = instance.dump().encode()
        snapshot = instance.snapshot()
        for name, value in snapshot.data.items():
            check_data(name, value)
        reply["snapshot"] = to_wire(snapshot)
        # Held only once the run succeeded: a failed one may have left it half changed.
        reply["held"] = held = hashlib.sha256(out).hexdigest()
        self._held[held] = instance
        _trim(self._held, HELD_INSTANCES)
        return reply, out

    def _instance(self, request, blob: bytes, definition: Definition, engine) -> Instance:
        """The instance to work: started, held from an earlier request, or loaded."""
        if not blob and "state_sha" not in request:
            return Instance.start(
                definition, self._serializer, engine, request["data"], self._progress.mark
            )
        if not blob:
            held = self._held.pop(request["state_sha"], None)
            if held is not None and held.definition.key == definition.key:
                held.rebind(engine, self._progress.mark)
                return held
            # The host thought this process held it; it does not (evicted): ask for it.
            _, blob = self.ask({"need": "state"})
        return Instance.load(
            definition, self._serializer, blob.decode(), engine, self._progress.mark
        )

    def _decide(self, request: dict[str, Any]) -> dict[str, Any]:
        key = (request["source"], request["decision"])
        engine = self._decisions.get(key)
        if engine is None:
            _, content = self.ask({"need": "dmn", "key": request["source"]})
            engine = decisions.parse_table(
                SourceFile(request["file"], content), key[1], validate=False
            )
            self._decisions[key] = engine
            _trim(self._decisions, CACHED_DECISIONS)
        self._progress.mark(request["decision"])
        script_engine = ScriptEngine(
            clock=_RunClock.now, max_data_bytes=self._limits.max_data_bytes
        )
        outputs = decisions.evaluate(
            engine, request["decision"], request["file"], request["inputs"], script_engine
        )
        for name, value in outputs.items():
            check_data(name, value)
        return {"ok": True, "outputs": outputs}

    def _definition(self, key: str) -> Definition:
        definition = self._specs.get(key)
        if definition is None:
            _, spec_json = self.ask({"need": "spec", "key": key})
            definition = Definition(0, spec_json.decode(), self._serializer)
            if definition.key != key:
                raise ProcessError("the host sent a spec that does not match its key")
            self._specs[key] = definition
            _trim(self._specs, CACHED_SPECS)
        self._specs.move_to_end(key)
        return definition


def _trim(cache: OrderedDict, size: int) -> None:
    while len(cache) > size:
        cache.popitem(last=False)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether `kind` is anywhere in the chain (SpiffWorkflow wraps what scripts raise)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return True
        pending += [current.__cause__, current.__context__, getattr(current, "exception", None)]
    return False


def _failure(kind: str, message: str, **details: Any) -> dict[str, Any]:
    return {"ok": False, "error": {"kind": kind, "message": message, **details}}


def _error_reply(exc: Exception, element_id: str | None) -> dict[str, Any]:
    """The reply for a failed request; `element_id` is where the run was when it failed."""
    if isinstance(exc, Conflict):
        return _failure("conflict", exc.message)
    if isinstance(exc, MigrationRefused):
        return _failure(
            "migration_refused",
            str(exc),
            blockers=[[b.element_id, b.message] for b in exc.blockers],
        )
    if isinstance(exc, ProcessError):
        return _failure(
            "process", exc.message, element_id=exc.element_id, file=exc.file, line=exc.line
        )
    if isinstance(exc, NotData):
        return _failure("process", str(exc), element_id=element_id)
    # Never let the process die on a bug: the host gets a process error to show.
    return _failure("process", f"the run failed: {exc!r}", element_id=element_id)


def main(config: dict[str, Any]) -> None:
    out = config["out"]
    try:
        limits = Limits.from_wire(config["limits"])
        progress = Progress(config["progress"])
        os.close(config["progress"])  # the mapping keeps a descriptor of its own
        # SpiffWorkflow's timers read the clock of the request, not this process's.
        spiff_timer.datetime = _RunClock
        child = Child(config["in"], out, progress, limits)
        # From here on nothing the sandbox prints (a traceback with task data in it)
        # may reach the service's log; a failure to start is reported on the pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        notes = lock_down(memory_bytes=limits.memory_bytes, seccomp=limits.seccomp)
    except Exception:
        wire.send(out, {"ready": False, "error": traceback.format_exc(limit=-3)})
        sys.exit(1)
    wire.send(out, {"ready": True, "notes": notes})
    child.serve()
    sys.exit(0)
