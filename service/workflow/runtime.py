"""Run process instances: start, resume, complete user tasks, report where they stand.

The engine runs in a sandbox process (`sandbox/`); an `Execution` here holds
the stored state and the snapshot of the last run, and sends each step to
the sandbox with the state, or only its hash when the sandbox process still holds the
instance loaded. The host loads an instance itself only to read it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from ..domain.errors import ProcessError
from .definition import Definition
from .instance import Instance
from .parsing import ParsedProcess, SourceFile, content_hash, parse_sources
from .sandbox import Sandbox, shared
from .scripting import Clock, ServiceHandler, utc_now
from .serialization import Serializer
from .snapshot import Snapshot, from_wire


class ProcessRuntime:
    """Owns SpiffWorkflow for the rest of the application.

    Specs are parsed once per content hash by the caller (it stores them) and
    kept once per version here; the cache is shared by threads. Runs go to
    `sandbox` at the time `clock` says.
    """

    def __init__(self, sandbox: Sandbox | None = None, clock: Clock = utc_now):
        self._sandbox = sandbox or shared()
        self._clock = clock
        self._serializer = Serializer()
        self._definitions: dict[int, Definition] = {}
        self._by_key: dict[str, Definition] = {}
        self._parsed: dict[str, dict[str, ParsedProcess]] = {}
        self._lock = threading.Lock()
        # SpiffWorkflow logs whole task data at INFO when its level is unset:
        # personal data must not reach the logs.
        for name in ("spiff", "spiff.task", "spiff.workflow", "spiff.data", "spiff.dmn"):
            logging.getLogger(name).setLevel(logging.WARNING)

    def parse(self, sources: list[SourceFile]) -> dict[str, ParsedProcess]:
        """Parse a set of files, once per content: the same bytes are not parsed twice."""
        key = content_hash(sources)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = parse_sources(sources)
            with self._lock:
                self._parsed[key] = parsed
        return parsed

    def dump_spec(self, parsed: ParsedProcess, calendars: dict | None = None) -> str:
        return self._serializer.dump_spec(parsed, calendars)

    def definition(self, version_id: int, load_spec_json: Callable[[], str]) -> Definition:
        cached = self._definitions.get(version_id)
        if cached is not None:
            return cached
        definition = Definition(version_id, load_spec_json(), self._serializer)
        with self._lock:
            definition = self._definitions.setdefault(version_id, definition)
            self._by_key.setdefault(definition.key, definition)
        return definition

    def start(
        self, definition: Definition, data: dict[str, Any], handler: ServiceHandler | None = None
    ) -> Execution:
        execution = Execution(self, definition, None, handler)
        execution.send({"kind": "start"}, data=data)
        return execution

    def resume(
        self, definition: Definition, state: str, handler: ServiceHandler | None = None
    ) -> Execution:
        return Execution(self, definition, state, handler)

    def peek(self, definition: Definition, state: str) -> Instance:
        """The instance loaded here to be read (snapshot, trail, task data), never run."""
        try:
            return Instance.load(definition, self._serializer, state)
        except Exception as exc:
            raise ProcessError(f"the instance's stored state cannot be read: {exc}") from exc

    def call(
        self,
        request: dict[str, Any],
        blob: bytes,
        answer: Callable[[dict[str, Any], bytes], tuple[dict[str, Any], bytes]],
        locate=None,
    ) -> tuple[dict[str, Any], bytes]:
        """One request to the sandbox at this runtime's time; its errors as domain errors."""
        request = {**request, "now": self._clock().isoformat()}
        if locate is None:
            return self._sandbox.call(request, blob, answer=answer)
        return self._sandbox.call(request, blob, answer=answer, locate=locate)

    def warm(self) -> None:
        """Start a sandbox process now, so that the first request does not wait for one."""
        self._sandbox.warm()

    def busy(self) -> bool:
        """Whether a run is in a sandbox process now."""
        return bool(self._sandbox.busy_processes())

    def spec_json(self, key: str) -> str:
        definition = self._by_key.get(key)
        if definition is None:
            raise ProcessError("the sandbox asked for a spec this service never sent it")
        return definition.spec_json


class Execution:
    """One instance being worked by one request: its state, and where the last run left it.

    Not thread-safe: one request works it at a time.
    """

    def __init__(
        self,
        runtime: ProcessRuntime,
        definition: Definition,
        state: str | None,
        handler: ServiceHandler | None,
    ):
        self._runtime = runtime
        self._definition = definition
        self._state = state
        self._handler = handler
        self._snapshot: Snapshot | None = None

    def run(self) -> None:
        """Fire due timers and run every engine step that needs no person."""
        self.send({"kind": "run"})

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        self.send({"kind": "complete", "task_id": task_id, "data": data})

    def deliver_message(self, name: str, payload: dict[str, Any]) -> bool:
        """Hand a message to the catch event waiting for it; False when none waits."""
        return self.send({"kind": "message", "name": name, "payload": payload})["delivered"]

    def migrate_to(self, target: Definition, target_version: int) -> list[str]:
        """Move the instance onto another version of its process, then let it run.

        Returns the ids of the elements run again; raises MigrationRefused when
        the instance cannot move (and this execution is to be thrown away).
        """
        action = {"kind": "migrate", "target": target.key, "target_version": target_version}
        rerun = self.send(action)["rerun"]
        self._definition = target
        return rerun

    def revise(self, facts: dict[str, Any]) -> list[str]:
        """Change facts in the instance's data and run again, on that data, the steps
        marked `rerunOnMigration` (priority, targets, deadlines), re-arming the
        timers whose due time they moved. Returns the ids of the elements run again."""
        return self.send({"kind": "revise", "facts": facts})["rerun"]

    def cancel(self) -> None:
        """End the instance through the engine, its tasks and timers cancelled."""
        self.send({"kind": "cancel"})

    def reset_to(self, task_id: str) -> None:
        """Go back to a completed step (one of the instance's reset points) and run on."""
        self.send({"kind": "reset", "task_id": task_id})

    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            self._snapshot = self._runtime.peek(self._definition, self._state or "").snapshot()
        return self._snapshot

    def dump(self) -> str:
        return self._state or ""

    def send(self, action: dict[str, Any], *, data: dict[str, Any] | None = None) -> dict:
        """Run one step in the sandbox; keep the state and snapshot it leaves."""
        request: dict[str, Any] = {"op": "run", "spec": self._definition.key, "action": action}
        if self._state is None:
            request["data"] = data or {}
        blob = self._state.encode() if self._state is not None else b""
        if blob:
            # Named, so that a sandbox process still holding it loaded need not get the bytes.
            request["state_sha"] = hashlib.sha256(blob).hexdigest()
        reply, state = self._runtime.call(request, blob, self._answer, self._definition.location)
        try:
            snapshot = from_wire(reply["snapshot"])
            self._state = state.decode()
        except (KeyError, TypeError, ValueError) as exc:
            # Only a sandbox process that is no longer ours answers like this.
            raise ProcessError(f"the sandbox answered something unreadable: {exc!r}") from None
        self._snapshot = snapshot
        return reply

    def _answer(self, message: dict[str, Any], _blob: bytes) -> tuple[dict[str, Any], bytes]:
        if message.get("need") == "spec":
            return {}, self._runtime.spec_json(message["key"]).encode()
        if message.get("need") == "state" and self._state is not None:
            return {}, self._state.encode()
        if "call" in message:
            if self._handler is None:
                raise ProcessError(
                    "a service task ran where no host handles it",
                    element_id=message["element_id"],
                )
            result = self._handler.call(message["call"], message["params"], message["element_id"])
            return {"result": result}, b""
        raise ProcessError(f"the sandbox asked for something unknown: {sorted(message)[:5]}")
