"""What a script may touch at run time: the guards RestrictedPython's code calls.

Every attribute read, subscript and write in restricted code goes through
these. They allow the public methods of values of exactly the plain data
types, and nothing of anything else: a function, a generator, a type, a
module or an exception has no attribute a script can read. `format` and
`format_map` are absent: a format string walks attributes.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Callable, Mapping
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

# The builtins a script may call. Anything that reaches objects' internals
# (getattr, type, vars, dir, globals, open, compile, __import__, ...) is absent.
SAFE_BUILTIN_NAMES = frozenset(
    {
        "abs",
        "all",
        "any",
        "bool",
        "chr",
        "dict",
        "divmod",
        "enumerate",
        "filter",
        "float",
        "int",
        "isinstance",
        "len",
        "list",
        "map",
        "max",
        "min",
        "ord",
        "pow",
        "range",
        "reversed",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
        "ArithmeticError",
        "Exception",
        "IndexError",
        "KeyError",
        "TypeError",
        "ValueError",
        "ZeroDivisionError",
    }
)

_STR_METHODS = frozenset(
    {
        "capitalize",
        "casefold",
        "center",
        "count",
        "endswith",
        "find",
        "index",
        "isalnum",
        "isalpha",
        "isascii",
        "isdecimal",
        "isdigit",
        "islower",
        "isnumeric",
        "isspace",
        "istitle",
        "isupper",
        "join",
        "ljust",
        "lower",
        "lstrip",
        "partition",
        "removeprefix",
        "removesuffix",
        "replace",
        "rfind",
        "rindex",
        "rjust",
        "rpartition",
        "rsplit",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "upper",
        "zfill",
    }
)
_SET_METHODS = frozenset(
    {
        "add",
        "clear",
        "copy",
        "difference",
        "discard",
        "intersection",
        "isdisjoint",
        "issubset",
        "issuperset",
        "pop",
        "remove",
        "symmetric_difference",
        "union",
        "update",
    }
)
# type -> the attributes a script may read on a value of exactly that type.
# `format` and `format_map` are absent on purpose: a format string walks attributes.
DATA_ATTRIBUTES: Mapping[type, frozenset[str]] = {
    str: _STR_METHODS,
    dict: frozenset(
        {
            "clear",
            "copy",
            "get",
            "items",
            "keys",
            "pop",
            "popitem",
            "setdefault",
            "update",
            "values",
        }
    ),
    list: frozenset(
        {"append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove"}
        | {"reverse", "sort"}
    ),
    tuple: frozenset({"count", "index"}),
    set: _SET_METHODS,
    int: frozenset({"bit_length"}),
    float: frozenset({"is_integer"}),
    bool: frozenset(),
}
_SUBSCRIPTABLE = (dict, list, tuple, str, range)
_WRITABLE = (dict, list, set)


class NotAllowed(Exception):
    """A script reached for something outside its data."""


def _getattr(obj: Any, name: str) -> Any:
    allowed = DATA_ATTRIBUTES.get(type(obj))
    if allowed is None or name not in allowed:
        raise NotAllowed(f"{kind_of(obj)} has no attribute {name!r} that scripts may use")
    return getattr(obj, name)


def _getitem(obj: Any, key: Any) -> Any:
    if type(obj) not in _SUBSCRIPTABLE:
        raise NotAllowed(f"{kind_of(obj)} cannot be indexed in scripts")
    return obj[key]


def _write(obj: Any) -> Any:
    if type(obj) not in _WRITABLE:
        raise NotAllowed(f"{kind_of(obj)} cannot be changed in scripts")
    return obj


def _apply(function: Callable, *args, **kwargs) -> Any:
    return function(*args, **kwargs)


_INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


def kind_of(obj: Any) -> str:
    """A value's type as a process owner would understand it, never its contents."""
    return f"a {type(obj).__name__}"


GUARDS = {
    "_getattr_": _getattr,
    "_getitem_": _getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": _write,
    "_apply_": _apply,
    "_inplacevar_": _inplacevar,
}


def script_builtins(helpers: Mapping[str, Callable]) -> dict[str, Any]:
    """The `__builtins__` of a script: the safe builtins and the helpers."""
    names = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}
    return {**names, **helpers}
