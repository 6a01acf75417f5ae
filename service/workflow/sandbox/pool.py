"""The host's side of the sandbox: a pool of locked-down processes, and one call.

A call sends a request and answers what the child asks meanwhile (a spec it
has not seen, a service task's call) until the child replies. The host
enforces the wall-clock bound from outside; the child's own CPU timer and
address-space limit are enforced by the kernel. A child that was stopped,
crashed or ran out of memory is replaced; what it was doing becomes a
`ProcessError` naming the element and the limit.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ... import instruments
from ...domain.errors import Conflict, ProcessError, Unavailable
from ..migration import Blocker, MigrationRefused
from . import wire
from .limits import HELD_INSTANCES, Limits
from .progress import Progress

log = logging.getLogger(__name__)

Answer = Callable[[dict[str, Any], bytes], tuple[dict[str, Any], bytes]]
Locate = Callable[[str | None], tuple[str | None, int | None]]
START_SECONDS = 60.0
# A process is replaced after this many calls, so that no slow leak of the engine's
# (or of a script's) can add up.
MAX_CALLS = 10_000
# The interpreter finds the same modules as the host; nothing else is passed on.
_BOOT = (
    "import json, sys; config = json.loads(sys.argv[1]); sys.path[:] = config['path']; "
    "from service.workflow.sandbox.child import main; main(config)"
)


def _no_location(element_id: str | None) -> tuple[str | None, int | None]:
    return None, None


class _Process:
    """One sandbox process and its pipes."""

    def __init__(self, limits: Limits):
        to_child, self._to = os.pipe()
        self._from, from_child = os.pipe()
        self.progress, progress_fd = Progress.create()
        config = {
            "path": sys.path,
            "in": to_child,
            "out": from_child,
            "progress": progress_fd,
            "limits": limits.to_wire(),
        }
        try:
            self._popen = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-I", "-c", _BOOT, json.dumps(config)],
                pass_fds=(to_child, from_child, progress_fd),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env={"PATH": os.defpath},
                cwd="/",
            )
        finally:
            for fd in (to_child, from_child, progress_fd):
                os.close(fd)
        self.calls = 0
        # The states whose instances the child said it holds (see child.Child._held).
        self.held: OrderedDict[str, None] = OrderedDict()
        try:
            ready, _ = wire.receive(self._from, time.monotonic() + START_SECONDS)
        except (wire.WireClosed, wire.WireTimeout) as exc:
            self.kill()
            raise Unavailable(f"the sandbox process did not start: {exc}") from None
        if not ready.get("ready"):
            self.kill()
            log.error("sandbox: could not lock down: %s", ready.get("error"))
            raise Unavailable("the sandbox process could not lock itself down (see the log)")
        for note in ready.get("notes", []):
            log.warning("sandbox: %s", note)

    @property
    def pid(self) -> int:
        return self._popen.pid

    def alive(self) -> bool:
        return self._popen.poll() is None

    def send(self, header: dict[str, Any], blob: bytes = b"") -> None:
        wire.send(self._to, header, blob)

    def receive(self, deadline: float) -> tuple[dict[str, Any], bytes]:
        return wire.receive(self._from, deadline)

    def kill(self) -> None:
        if self._popen.poll() is None:
            self._popen.kill()
        self.close()

    def exit_status(self) -> int | None:
        try:
            return self._popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            return self._popen.wait()

    def close(self) -> None:
        for fd in (self._to, self._from):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._to = self._from = -1
        self._popen.wait()
        self.progress.close()


class Sandbox:
    """Sandbox processes with the same limits, shared by the threads of one process."""

    def __init__(self, limits: Limits | None = None, size: int = 4):
        self.limits = limits or Limits()
        self._size = max(1, size)
        self._idle: list[_Process] = []
        self._all: set[_Process] = set()
        self._live = 0
        self._ready = threading.Condition()

    def call(
        self,
        request: dict[str, Any],
        blob: bytes = b"",
        *,
        answer: Answer,
        locate: Locate = _no_location,
    ) -> tuple[dict[str, Any], bytes]:
        """The child's reply to `request`, or the domain error its failure stands for."""
        state_sha = request.get("state_sha")
        process = self._acquire(state_sha)
        reusable = False
        try:
            if state_sha in process.held:
                del process.held[state_sha]
                blob = b""  # the child holds that instance loaded (or asks for it)
                instruments.sandbox_states().labels("held").inc()
            elif state_sha is not None:
                instruments.sandbox_states().labels("sent").inc()
            reply, data = self._exchange(process, request, blob, answer, locate)
            if isinstance(reply.get("held"), str):
                process.held[reply["held"]] = None
                while len(process.held) > HELD_INSTANCES:
                    process.held.popitem(last=False)
            reusable = not reply.get("retire") and process.calls < MAX_CALLS
        finally:
            self._release(process, reusable)
        if not reply.get("ok"):
            raise _domain_error(reply["error"], locate)
        return reply, data

    def warm(self) -> None:
        """Have one idle process ready (started here, unless one is already)."""
        with self._ready:
            if self._all:
                return
        self._release(self._acquire(), reusable=True)

    def processes(self) -> list[int]:
        """Process ids of the live sandbox processes."""
        with self._ready:
            return sorted(process.pid for process in self._all)

    def busy_processes(self) -> list[int]:
        """Process ids of those working on a call now."""
        with self._ready:
            return sorted(p.pid for p in self._all if p not in self._idle)

    def close(self) -> None:
        """Stop the idle processes (those at work stop when they are given back)."""
        with self._ready:
            idle, self._idle = self._idle, []
            self._live -= len(idle)
            self._all.difference_update(idle)
            self._size = 0
        for process in idle:
            process.kill()

    def _exchange(self, process, request, blob, answer, locate):
        process.calls += 1
        budget = self.limits.wall_seconds
        host_error: BaseException | None = None
        try:
            process.send(request, blob)
            while True:
                began = time.monotonic()
                message, data = process.receive(began + budget)
                # Time the host spends answering is not the child's.
                budget -= time.monotonic() - began
                if "ok" in message:
                    break
                if message.get("need") == "state":
                    instruments.sandbox_states().labels("asked").inc()
                if host_error is None:
                    try:
                        header, out = answer(message, data)
                    except Exception as exc:
                        host_error = exc
                        header, out = {"abort": True}, b""
                else:
                    header, out = {"abort": True}, b""
                process.send(header, out)
        except wire.WireTimeout:
            element = process.progress.element()
            process.kill()
            instruments.sandbox_overruns().labels("wall").inc()
            raise _stopped(
                element,
                f"it ran longer than {self.limits.wall_seconds:g} s of wall-clock time",
                locate,
            ) from None
        except wire.WireClosed:
            element = process.progress.element()
            status = process.exit_status()
            instruments.sandbox_overruns().labels(_limit(status)).inc()
            raise _stopped(element, self._why(status), locate) from None
        if host_error is not None:
            raise host_error
        return message, data

    def _why(self, status: int | None) -> str:
        if status == -signal.SIGPROF:
            return f"it used more than its CPU budget of {self.limits.cpu_seconds:g} s"
        if status in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
            return (
                f"the sandbox process was stopped (signal {-status}), most likely over its "
                f"memory budget of {self.limits.memory_bytes // (1024 * 1024)} MB"
            )
        return f"the sandbox process ended unexpectedly (status {status})"

    def _acquire(self, state_sha: str | None = None) -> _Process:
        with self._ready:
            while True:
                holding = [p for p in self._idle if state_sha in p.held] if state_sha else []
                if holding:
                    # The one holding the instance loaded goes next (the last idle one).
                    self._idle.remove(holding[-1])
                    self._idle.append(holding[-1])
                while self._idle:
                    process = self._idle.pop()
                    if process.alive():
                        return process
                    # It died while idle (killed from outside): not this request's fault.
                    self._live -= 1
                    self._all.discard(process)
                    process.close()
                if self._live < self._size:
                    self._live += 1
                    break
                if not self._ready.wait(timeout=START_SECONDS):
                    raise Unavailable("every sandbox process stayed busy; try again")
        try:
            process = _Process(self.limits)
        except BaseException:
            with self._ready:
                self._live -= 1
                self._ready.notify()
            raise
        with self._ready:
            self._all.add(process)
        return process

    def _release(self, process: _Process, reusable: bool) -> None:
        with self._ready:
            if reusable and self._live <= self._size:
                self._idle.append(process)
                self._ready.notify()
                return
            self._live -= 1
            self._all.discard(process)
            self._ready.notify()
        process.kill()


def _limit(status: int | None) -> str:
    """Which limit a sandbox process that ended with `status` went past (see `_why`)."""
    if status == -signal.SIGPROF:
        return "cpu"
    if status in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
        return "memory"
    return "crash"


def _stopped(element_id: str | None, why: str, locate: Locate) -> ProcessError:
    file, line = locate(element_id)
    return ProcessError(
        f"the process was stopped at {element_id or 'an unknown element'}: {why}",
        element_id=element_id,
        file=file,
        line=line,
    )


def _domain_error(error: dict[str, Any], locate: Locate) -> Exception:
    kind, message = error["kind"], error["message"]
    if kind == "conflict":
        return Conflict(message)
    if kind == "migration_refused":
        return MigrationRefused([Blocker(e, m) for e, m in error["blockers"]])
    if kind == "budget":
        return _stopped(error.get("element_id"), message, locate)
    element_id = error.get("element_id")
    file, line = error.get("file"), error.get("line")
    if file is None:
        file, line = locate(element_id)
    return ProcessError(message, element_id=element_id, file=file, line=line)


_shared: dict[tuple[int, Limits, int], Sandbox] = {}
_shared_lock = threading.Lock()


def shared(limits: Limits | None = None, size: int = 4) -> Sandbox:
    """This process's pool for these limits, made on first use (a forked child makes its own)."""
    key = (os.getpid(), limits or Limits(), size)
    with _shared_lock:
        sandbox = _shared.get(key)
        if sandbox is None:
            sandbox = _shared[key] = Sandbox(key[1], size)
        return sandbox
