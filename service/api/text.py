"""Refuse text that no database can store: NUL characters and lone UTF-16 surrogates.

PostgreSQL rejects NUL in text and in JSONB, and neither database can encode a lone
surrogate ("\\ud800" in JSON) as UTF-8; both reached the database and came back as
500. They are refused here, before any view, with the usual JSON error body.
"""

from __future__ import annotations

from flask import Flask, request
from flask_smorest import abort


def register(app: Flask) -> None:
    @app.before_request
    def _refuse_unstorable_text():
        places = [("path", request.path)]
        places += [("query", text) for item in request.args.items(multi=True) for text in item]
        places += [("headers", value) for _, value in request.headers.items()]
        if request.is_json:
            places += [("json", text) for text in _strings(request.get_json(silent=True))]
        for location, text in places:
            problem = _problem(text)
            if problem:
                abort(400, message=f"the request has {problem} in its {location}")
        return None


def _problem(text: str) -> str | None:
    if "\x00" in text:
        return "a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone UTF-16 surrogate"
    return None


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
