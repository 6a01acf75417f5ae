"""Process owners' Python: what the restricted compiler and the run-time guards refuse.

These run the guards in this process, without the sandbox around them, so
each fence is shown to hold on its own; tests/integration/test_sandbox.py
runs the same corpus through real sandbox processes in every place an
expression can sit.
"""

from __future__ import annotations

import pytest

from service.workflow.checks import check_expression
from service.workflow.guards import NotAllowed
from service.workflow.restricted import (
    NotData,
    RestrictedEnvironment,
    ScriptRefused,
    check_data,
)
from service.workflow.scripting import helpers, sla_due, utc_now

# (technique, script) pairs that must never run to the end. Each tries to reach
# something beyond the data: frames, globals, builtins, modules, types.
ESCAPES = {
    "generator frame climb": "g = (x for x in [1])\nf = g.gi_frame.f_back.f_globals",
    "frame climb through a subscript": "g = [(x for x in [1])][0]\nf = [g][0].gi_frame",
    "format string through a subscript call": (
        "k = ['{0.__globals__[json].codecs.sys.modules[flask].current_app.secret_key}'"
        ".format][0](sla_due)"
    ),
    "format from the str type": "k = [str.format][0]('{0.__class__}', 1)",
    "format_map": "k = '{x.__class__}'.format_map({'x': 1})",
    "dunder attribute": "k = ().__class__.__bases__[0].__subclasses__()",
    "dunder name": "k = __builtins__",
    "import": "import os\nos.system('id')",
    "from import": "from os import system",
    "dunder import": "k = __import__('os')",
    "getattr builtin": "k = getattr(sla_due, '__globals__')",
    "type builtin": "k = type(1).mro()",
    "vars builtin": "k = vars()",
    "open builtin": "k = open('/etc/passwd').read()",
    "eval builtin": "k = eval('1')",
    "exec builtin": "exec('k = 1')",
    "compile builtin": "k = compile('1', 'x', 'eval')",
    "function attribute without underscore": "k = [sla_due][0].func_globals",
    "lambda code object": "k = (lambda: 0).__code__",
    "lambda attribute": "f = lambda: 0\nk = f.gi_code",
    "generator function": "def f():\n    yield 1\nk = list(f())",
    "async function": "async def f():\n    pass",
    "decorator": "@sla_due\ndef f():\n    pass",
    "class": "class A:\n    pass",
    "global": "def f():\n    global k\n    k = 1\nf()",
    "traceback": "try:\n    1 / 0\nexcept Exception as e:\n    k = e.__traceback__.tb_frame",
    "exception attributes": "try:\n    1 / 0\nexcept Exception as e:\n    k = e.args",
    "method of a type": "k = dict.fromkeys([1])",
    "method's self": "k = {}.get.__self__",
    "attribute of a builtin function": "k = len.__self__",
    "attribute of a helper through a list": "k = [now][0].func_code",
    "writing to a function": "f = lambda: 0\nf.x = 1",
    "subscripting a function": "k = sla_due['x']",
    "with statement": "with open('x') as f:\n    pass",
    "print": "print(1)",
    "string module walk": "k = 'x'.maketrans",
    "bytes": "k = 'x'.encode().decode",
    "walrus to a dunder": "(__x := 1)",
}


def env(**kwargs) -> RestrictedEnvironment:
    return RestrictedEnvironment(helpers(utc_now), **kwargs)


@pytest.mark.parametrize("script", ESCAPES.values(), ids=list(ESCAPES))
def test_no_escape_runs_as_a_script(script):
    data = {"title": "x"}
    with pytest.raises((ScriptRefused, NotAllowed, NotData, NameError, TypeError)):
        env().execute(script, data)
    assert "k" not in data


@pytest.mark.parametrize(
    "expression",
    [
        "['{0.__globals__}'.format][0](sla_due)",
        "(x for x in [1]).gi_frame",
        "[(x for x in [1])][0].gi_frame",
        "sla_due.__globals__",
        "[sla_due][0].func_globals",
        "().__class__",
        "__import__('os')",
        "[str][0].format",
        "f'{sla_due.__globals__}'",
    ],
)
def test_no_escape_evaluates_as_an_expression(expression):
    with pytest.raises((ScriptRefused, NotAllowed, NameError)):
        env().evaluate(expression, {"title": "x"})


def test_ordinary_scripts_keep_working():
    data = {"items": [3, 1, 2], "name": " Mail ", "impact": "high", "paused_seconds": 0}
    env().execute(
        "ordered = sorted(items, key=lambda v: -v)\n"
        "label = f'{name.strip().lower()}-{len(items)}'\n"
        "counts = {}\n"
        "for i in items:\n"
        "    counts[str(i)] = counts.get(str(i), 0) + 1\n"
        "items.append(4)\n"
        "total = sum(x for x in items if x > 1)\n"
        "paused_seconds += 30\n"
        "due = sla_due('2026-03-02T09:00:00+00:00', 'PT4H')\n"
        "def double(v):\n"
        "    return v * 2\n"
        "doubled = [double(i) for i in items]\n"
        "try:\n"
        "    x = 1 / 0\n"
        "except ZeroDivisionError:\n"
        "    x = None\n"
        "a, b = items[0], items[-1]\n"
        "high = impact in ('high', 'medium')\n",
        data,
    )
    assert data["ordered"] == [3, 2, 1]
    assert data["label"] == "mail-3"
    assert data["counts"] == {"3": 1, "1": 1, "2": 1}
    assert data["items"] == [3, 1, 2, 4]
    assert data["total"] == 9
    assert data["paused_seconds"] == 30
    assert data["due"] == sla_due("2026-03-02T09:00:00+00:00", "PT4H")
    assert data["doubled"] == [6, 2, 4, 8]
    assert "double" not in data  # a function lives for its script only
    assert data["x"] is None and (data["a"], data["b"]) == (3, 4) and data["high"] is True
    assert env().evaluate('impact == "high" and len(items) > 3', data) is True


def test_a_deleted_variable_leaves_the_data():
    data = {"keep": 1, "drop": 2}
    env().execute("del drop", data)
    assert data == {"keep": 1}


@pytest.mark.parametrize(
    "script, where, what",
    [
        ("g = (x for x in [1])", "g", "generator"),
        ("s = {1, 2}", "s", "set"),
        ("r = range(3)", "r", "range"),
        ("m = map(str, [1])", "m", "map"),
        ("d = {'a': [1, {'b': (x for x in [])}]}", "d['a'][1]['b']", "generator"),
        ("d = {1: 'one'}", "d", "keys must be strings"),
        ("f = float('nan')", "f", "JSON cannot hold"),
        ("n = 2 ** 70", "n", "64 bits"),
        ("items.append(items.copy)", "items[1]", "builtin_function_or_method"),
    ],
)
def test_what_a_script_leaves_must_be_json_data(script, where, what):
    data = {"items": [1]}
    with pytest.raises(NotData) as refused:
        env().execute(script, data)
    assert refused.value.args[0].startswith(f"{where} ")
    assert what in refused.value.args[0]


def test_deeply_nested_data_is_refused_without_a_crash():
    with pytest.raises(NotData, match="nested deeper"):
        env().execute("x = []\nfor i in range(100000):\n    x = [x]", {})


def test_data_over_the_limit_is_refused():
    with pytest.raises(NotData, match="at most 2048"):
        env(max_data_bytes=2048).execute("big = 'a' * 5000", {})
    data = {}
    env(max_data_bytes=2048).execute("small = 'a' * 100", data)
    assert data == {"small": "a" * 100}


def test_data_shadowing_a_guard_cannot_disarm_it():
    # Form data may use any key; a name the compiler refuses is never looked up by a script.
    data = {"_getattr_": "oops", "s": "x"}
    with pytest.raises(NotAllowed):
        env().evaluate("s.format", data)


def test_check_data_accepts_json_data():
    check_data("v", {"a": [1, 2.5, None, True, "x", {"b": []}], "t": (1, 2)})


@pytest.mark.parametrize(
    "text, script, words",
    [
        ("['{0.__globals__}'.format][0](sla_due)", False, ".format"),
        ("(x for x in [1]).gi_frame", False, "gi_frame"),
        ("import os", True, "imports are not allowed"),
        ("class A:\n    pass", True, "classes are not allowed"),
        ("def f():\n    yield 1", True, "yield"),
        ("@sla_due\ndef f():\n    pass", True, "decorators"),
        ("print(1)", True, "print"),
        ("getattr(x, 'y')", False, "getattr()"),
        ("open('/etc/passwd')", False, "open()"),
        ("x ==", False, "does not parse"),
    ],
)
def test_deployment_checks_refuse_what_the_sandbox_would(text, script, words):
    why = check_expression(text, script=script)
    assert why is not None and words in why, why


def test_deployment_checks_pass_ordinary_expressions():
    for text in (
        'impact == "high"',
        "sla_due(reported_at, first_response_target)",
        "sorted(items, key=lambda v: v)",
        "f'{a}-{b}'",
    ):
        assert check_expression(text) is None, text
