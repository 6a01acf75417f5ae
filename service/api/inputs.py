"""One rule for what any request may carry, checked before any view, API and pages alike.

Every input path is read the same way: the path, the query string, the
headers, the cookies, a JSON body, form fields, multipart fields and their
file names. None may hold a NUL character or a lone UTF-16 surrogate (no
database stores them: PostgreSQL refuses NUL, neither encodes a surrogate as
UTF-8). A JSON body is nested at most MAX_DEPTH levels, and its numbers are
at most MAX_NUMBER_CHARS characters and finite (Python refuses to convert an
integer of more than 4,300 digits, and a deep nesting exhausts its stack).
The body's size is Flask's MAX_CONTENT_LENGTH (413 above it), or the larger
limit of the one endpoint that takes files, set here too since the gate
reads forms before any view. A refusal is a 400 that names the place; the
views then parse input known to be sane.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from flask import Flask, request
from flask_smorest import abort

from ..config import Settings
from .context import services

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40


class Refused(ValueError):
    def __init__(self, location: str, field: str, message: str):
        super().__init__(message)
        self.location, self.field, self.message = location, field, message


def register(app: Flask, *, larger_bodies: Mapping[str, Callable[[Settings], int]]) -> None:
    """`larger_bodies`: endpoint -> its body limit, where it is not MAX_CONTENT_LENGTH."""

    @app.before_request
    def _refuse_what_no_view_should_see():
        room = larger_bodies.get(request.endpoint or "")
        if room is not None:
            request.max_content_length = room(services().settings)
        try:
            _check_request()
        except Refused as refused:
            # In webargs' shape, which the error handler flattens into fields.
            field = refused.field
            if refused.location == "json":
                field = field.removeprefix("$.") if field != "$" else "_schema"
            abort(
                400,
                message=f"the request has {refused.message} in its {refused.location}",
                errors={refused.location: {field: [refused.message]}},
            )
        return None


def _check_request() -> None:
    _check_text("path", "$", request.path)
    for name, value in request.args.items(multi=True):
        _check_text("query", name, name)
        _check_text("query", name, value)
    for name, value in request.headers.items():
        _check_text("headers", name, value)
    for name, value in request.cookies.items():
        _check_text("cookies", name, name)
        _check_text("cookies", name, value)
    if _is_json(request.mimetype):
        body = request.get_data(cache=True)
        if body:
            for field, text in _json_strings(_parse_json(body)):
                _check_text("json", field, text)
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            _check_text("form", name, name)
            _check_text("form", name, value)
        for name, upload in request.files.items(multi=True):
            _check_text("files", name, name)
            _check_text("files", name, upload.filename or "")


def _is_json(mimetype: str) -> bool:
    # As webargs decides whether a body is JSON (it parses such bodies itself).
    return mimetype == "application/json" or mimetype.endswith("+json")


def _check_text(location: str, field: str, text: str) -> None:
    if "\x00" in text:
        raise Refused(location, field, "a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(location, field, "a lone UTF-16 surrogate") from None


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(
            body, parse_int=_number(int), parse_float=_number(float), parse_constant=_constant
        )
    except Refused:
        raise
    except RecursionError:
        raise Refused("json", "$", f"nesting deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        return None  # not JSON at all: the view says so, with its own message


def _number(kind):
    def parse(text: str):
        if len(text) > MAX_NUMBER_CHARS:
            raise Refused("json", "$", f"a number longer than {MAX_NUMBER_CHARS} characters")
        value = kind(text)
        if kind is float and not math.isfinite(value):
            raise Refused("json", "$", f"the number {text}, which is out of range")
        return value

    return parse


def _constant(name: str):
    raise Refused("json", "$", f"{name}, which is not a JSON number")


def _json_strings(value: Any) -> Iterator[tuple[str, str]]:
    """(JSON path, text) of every key and string, without recursion; refuses deep nesting."""
    pending = [("$", value, 0)]
    while pending:
        path, item, depth = pending.pop()
        if isinstance(item, str):
            yield path, item
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise Refused("json", path, f"nesting deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            for key, element in item.items():
                child = f"{path}.{key}"
                yield child, key
                pending.append((child, element, depth + 1))
        else:
            pending.extend((f"{path}[{i}]", e, depth + 1) for i, e in enumerate(item))
