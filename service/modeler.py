"""Will bpmn.io and Camunda Modeler open the BPMN files we run?

SpiffWorkflow runs files that a modeler would refuse, misread or silently rewrite,
and whoever maintains a process edits it in a modeler: what we run must open there
unchanged. So each BPMN file is also read by the modelers' own libraries, parsed by
bpmn-moddle (whose warnings mean content the modeler would drop) and linted with
bpmnlint's correctness rules, in Node (tools/modeler-check/check.mjs).

The check is optional: without Node or the tool's npm packages it is skipped.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from .domain.errors import Problem

log = logging.getLogger("incident_desk")

SCRIPT = "check.mjs"


class CheckedFile(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def content(self) -> bytes: ...

    @property
    def sha256(self) -> str: ...


class _CouldNotRun(Exception):
    pass


def default_tool_dir() -> Path | None:
    """The repository's tools/modeler-check; None when installed without the repository."""
    tool_dir = Path(__file__).resolve().parent.parent / "tools" / "modeler-check"
    return tool_dir if tool_dir.is_dir() else None


class ModelerCheck:
    def __init__(self, tool_dir: Path | None, *, node: str = "node", timeout: float = 60.0):
        self.tool_dir = tool_dir
        self.node = node
        self.timeout = timeout
        self._results: dict[tuple[str, str], list[Problem]] = {}
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return (
            self.tool_dir is not None
            and shutil.which(self.node) is not None
            and (self.tool_dir / SCRIPT).is_file()
            and (self.tool_dir / "node_modules").is_dir()
        )

    def check(self, files: Iterable[CheckedFile]) -> list[Problem]:
        bpmn = [f for f in files if f.name.endswith(".bpmn")]
        if not bpmn or not self.available:
            return []
        # Held across the Node run, so two threads deploying the same bytes run it once.
        with self._lock:
            todo = {(f.name, f.sha256): f for f in bpmn if (f.name, f.sha256) not in self._results}
            failed: str | None = None
            if todo:
                try:
                    self._results.update(self._run(list(todo.values())))
                except _CouldNotRun as exc:
                    # Not cached: the next deployment tries again.
                    failed = str(exc)
                    log.warning("modeler check could not run: %s", failed)
            problems: list[Problem] = []
            for f in bpmn:
                key = (f.name, f.sha256)
                if key in self._results:
                    problems.extend(self._results[key])
                else:
                    problems.append(Problem(f.name, f"modeler check could not run: {failed}"))
            return problems

    def _run(self, files: list[CheckedFile]) -> dict[tuple[str, str], list[Problem]]:
        assert self.tool_dir is not None
        texts = {f.name: f.content.decode("utf-8-sig", errors="replace") for f in files}
        payload = json.dumps([{"name": name, "content": text} for name, text in texts.items()])
        node = shutil.which(self.node) or self.node
        try:
            result = subprocess.run(  # noqa: S603 - fixed argv, no shell; files go in on stdin
                [node, str(self.tool_dir / SCRIPT)],
                input=payload,
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=self.timeout,
                cwd=self.tool_dir,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise _CouldNotRun(f"timed out after {self.timeout:g} s") from None
        except OSError as exc:
            raise _CouldNotRun(f"cannot start {self.node}: {exc.strerror}") from None
        if result.returncode != 0:
            # Only the last line: check.mjs puts its one-line reason there.
            last = (result.stderr.strip().splitlines() or [""])[-1][:200]
            raise _CouldNotRun(f"exit status {result.returncode}" + (f": {last}" if last else ""))
        try:
            findings = json.loads(result.stdout)
            problems = {name: [] for name in texts}
            for found in findings:
                name = found["file"]
                problems[name].append(_problem(name, texts[name], found))
        except (ValueError, KeyError, TypeError):
            raise _CouldNotRun("its output is not the expected JSON") from None
        return {(f.name, f.sha256): problems[f.name] for f in files}


def _problem(name: str, text: str, found: dict) -> Problem:
    # Parse errors come with tab-indented detail lines; one line reads better.
    message = " ".join(str(found["message"]).split())
    if found["source"] == "bpmnlint":
        message = f"bpmnlint {found['rule']}: {message}"
    else:
        message = f"bpmn-moddle: {message}"
    element_id = found.get("element_id")
    return Problem(name, message, element_id=element_id, line=_line_of(text, element_id))


def _line_of(text: str, element_id: str | None) -> int | None:
    if not element_id:
        return None
    match = re.search(r"\sid\s*=\s*([\"'])" + re.escape(element_id) + r"\1", text)
    return text.count("\n", 0, match.start()) + 1 if match else None
