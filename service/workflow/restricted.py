"""Process owners' Python, compiled by RestrictedPython and run with guards.

Every script, condition, timer expression, DMN cell and parameter that
SpiffWorkflow evaluates comes through `RestrictedEnvironment`. The compiler
refuses names and attributes that start with an underscore, the
introspection attributes (frames, code, tracebacks), imports, classes,
generator functions, decorators, `with`, `global` and `print`. At run time
every attribute access, subscript and write goes through the guards of
`guards.py`, whatever route (a string key, a subscript call, a format
string) leads to it. What a script leaves behind must be JSON data.

This is one fence; the sandbox process that runs it (`sandbox/`) is the
other: no files, no network, no privileges, and CPU and memory budgets the
kernel enforces.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .guards import GUARDS, kind_of, script_builtins

# SpiffWorkflow finds the failing line of a script by this file name in the traceback.
SCRIPT_FILE = "<string>"
MAX_DEPTH = 64
MAX_INT = 2**63
DEFAULT_MAX_DATA_BYTES = 1024 * 1024


class ScriptRefused(Exception):
    """The text does not compile under the restrictions; `lineno` is 1-based when known."""

    def __init__(self, message: str, lineno: int | None = None):
        super().__init__(message)
        self.lineno = lineno


class NotData(Exception):
    """A value is not JSON data (or too large); the message names where it sits."""


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's rules, tightened: what a process owner's script has no use for
    and what would hand it an object with internals is refused at compile time."""

    def _refuse(self, node, what: str):
        self.error(node, f"{what} are not allowed in scripts")

    def visit_Import(self, node):
        self._refuse(node, "imports")

    def visit_ImportFrom(self, node):
        self._refuse(node, "imports")

    def visit_ClassDef(self, node):
        self._refuse(node, "classes")

    def visit_Yield(self, node):
        self._refuse(node, "yield and generator functions")

    def visit_YieldFrom(self, node):
        self._refuse(node, "yield and generator functions")

    def visit_Global(self, node):
        self._refuse(node, "global statements")

    def visit_With(self, node):
        self._refuse(node, "with statements")

    def visit_FunctionDef(self, node):
        if node.decorator_list:
            self._refuse(node, "decorators")
        return super().visit_FunctionDef(node)

    def visit_Name(self, node):
        if node.id in ("print", "printed"):
            self.error(node, "print is not available in scripts: set a variable instead")
            return node
        return super().visit_Name(node)


@functools.lru_cache(maxsize=4096)
def compiled(text: str, mode: str) -> CodeType:
    """The restricted code object for a script (`exec`) or an expression (`eval`)."""
    compile_mode = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    try:
        result = compile_mode(text, filename=SCRIPT_FILE, policy=_Policy)
    except (ValueError, MemoryError, RecursionError) as exc:
        # Null bytes, or nesting too deep for the parser.
        raise ScriptRefused(f"does not compile: {exc}") from None
    if result.errors:
        raise ScriptRefused("; ".join(result.errors), _line_of(result.errors[0]))
    return result.code


def refusal(text: str, mode: str) -> ScriptRefused | None:
    """Why `text` may not run, or None when it compiles under the restrictions."""
    try:
        compiled(text, mode)
    except ScriptRefused as exc:
        return exc
    return None


def _line_of(error: str) -> int | None:
    head = error.split(":", 1)[0]
    if head.startswith("Line "):
        try:
            return int(head[5:])
        except ValueError:
            return None
    return None


# ----------------------------------------------------------------- run-time guards

# ----------------------------------------------------------------- data in, data out


def check_data(name: str, value: Any) -> None:
    """Refuse anything that is not JSON data: strings, finite numbers, booleans, null,
    lists (and tuples) and objects with string keys, nested at most MAX_DEPTH deep."""
    pending = [(name, value, 0)]
    while pending:
        path, item, depth = pending.pop()
        kind = type(item)
        if item is None or kind in (str, bool):
            continue
        if kind is int:
            if not -MAX_INT <= item < MAX_INT:
                raise NotData(f"{path} is an integer too large to store (over 64 bits)")
            continue
        if kind is float:
            if not math.isfinite(item):
                raise NotData(f"{path} is {item}, which JSON cannot hold")
            continue
        if depth >= MAX_DEPTH:
            raise NotData(f"{path} is nested deeper than {MAX_DEPTH} levels")
        if kind in (list, tuple):
            pending.extend((f"{path}[{i}]", element, depth + 1) for i, element in enumerate(item))
        elif kind is dict:
            for key, element in item.items():
                if type(key) is not str:
                    raise NotData(f"{path} has the key {key!r}: keys must be strings")
                pending.append((f"{path}[{key!r}]", element, depth + 1))
        else:
            raise NotData(
                f"{path} holds {kind_of(item)}, which is not JSON data: scripts may leave "
                "strings, numbers, booleans, null, lists and objects with string keys"
            )


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow's hook for every evaluation: restricted code, data-only results."""

    def __init__(
        self, helpers: Mapping[str, Callable], *, max_data_bytes: int = DEFAULT_MAX_DATA_BYTES
    ):
        super().__init__({})
        # Last in every scope: data (a form may send any key) never shadows a guard.
        self._guards = {**GUARDS, "__builtins__": script_builtins(helpers)}
        self._max_data_bytes = max_data_bytes

    def evaluate(self, expression, context, external_context=None):
        scope = {**context, **(external_context or {}), **self._guards}
        return eval(compiled(expression, "eval"), scope)  # noqa: S307 - restricted code

    def execute(self, script, context, external_context=None):
        external = external_context or {}
        scope = {**context, **external, **self._guards}
        exec(compiled(script, "exec"), scope)  # noqa: S102 - restricted code
        for name in [name for name in context if name not in scope]:
            del context[name]
        for name, value in scope.items():
            if name in self._guards or (name in external and external[name] is value):
                continue
            if callable(value):
                # A function the script defined lives for that script only.
                context.pop(name, None)
            else:
                context[name] = value
        # All of it, not only what was assigned: a list can change in place.
        for name, value in context.items():
            check_data(name, value)
        size = len(json.dumps(context, separators=(",", ":")))
        if size > self._max_data_bytes:
            raise NotData(
                f"the task data would be {size} bytes after this script; "
                f"at most {self._max_data_bytes} are allowed"
            )
        return True
