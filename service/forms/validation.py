"""Task forms: JSON Schema documents named by the BPMN, validated on the server.

The same files drive the spiff-arena modeler's forms, so they follow its
conventions (`<name>-schema.json`, `<name>-uischema.json`, draft-07). Forms are
deployed with the processes that use them and cached here by content hash:
an incident keeps the forms of the process version it runs on.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from jsonschema import FormatChecker, validators
from jsonschema import exceptions as schema_exceptions

from ..domain.errors import FieldError, InvalidInput, ProcessDefinitionError
from ..domain.labels import N_

SCHEMA_SUFFIX = "-schema.json"
UI_SUFFIX = "-uischema.json"


def format_checker() -> FormatChecker:
    """Every format jsonschema can check here (date-time, email, uri, ...: their checkers
    come with jsonschema[format-nongpl]); a format it cannot check passes any string."""
    return FormatChecker()


def unchecked_formats(schema: Any) -> set[str]:
    """The `format`s a schema names that the server would let any string through for."""
    known = set(format_checker().checkers)
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("format"), str) and node["format"] not in known:
                found.add(node["format"])
            for key, value in node.items():
                if key not in ("enum", "const", "default", "examples"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    return found


def read_json(name: str, content: bytes) -> Any:
    """A form file's JSON; a JSON Schema is checked against its meta-schema too."""
    try:
        document = json.loads(content)
    except UnicodeDecodeError:
        raise ProcessDefinitionError("not UTF-8 text", file=name) from None
    except json.JSONDecodeError as exc:
        raise ProcessDefinitionError(
            f"not valid JSON: {exc.msg}", file=name, line=exc.lineno
        ) from None
    if name.endswith(SCHEMA_SUFFIX):
        if not isinstance(document, dict):
            raise ProcessDefinitionError("a form schema must be a JSON object", file=name)
        try:
            validators.validator_for(document).check_schema(document)
        except schema_exceptions.SchemaError as exc:
            where = "/".join(str(p) for p in exc.path) or "the top level"
            raise ProcessDefinitionError(
                f"not a valid JSON Schema at {where}: {exc.message}", file=name
            ) from None
    return document


class Form:
    def __init__(self, name: str, schema: dict[str, Any]):
        self.name = name
        self.schema = schema
        cls = validators.validator_for(schema)
        # Formats are assertions here, not annotations: "tomorrow 3pm" is no date-time,
        # and letting it through would fail later, inside the process.
        self._validator = cls(schema, format_checker=format_checker())

    def validate(self, data: Any) -> dict[str, Any]:
        """The submission, once it fits the schema; `InvalidInput` lists each failing field."""
        if not isinstance(data, dict):
            raise InvalidInput(
                "the form data must be a JSON object", [FieldError("$", "expected an object")]
            )
        # dict.fromkeys: one entry per field and message (a "required" rule
        # reports once per missing property, each naming the whole list).
        errors = sorted(
            dict.fromkeys(
                field_error
                for error in self._validator.iter_errors(data)
                for field_error in _field_errors(error)
            ),
            key=lambda e: (e.field, e.message),
        )
        if errors:
            raise InvalidInput(f"the form {self.name} was not filled in correctly", errors)
        # Fields left out are left alone: several forms share variables (impact,
        # urgency), and blanking them would undo what another step decided.
        return dict(data)

    def defaults(self, data: dict[str, Any]) -> dict[str, Any]:
        """The values already known for the form's fields, to fill the form in."""
        properties = self.schema.get("properties", {})
        known = {key: data[key] for key in properties if data.get(key) is not None}
        return {
            key: spec["default"]
            for key, spec in properties.items()
            if isinstance(spec, dict) and "default" in spec
        } | known


class FormStore:
    """Parsed forms and UI schemas, cached by the sha256 of their bytes."""

    def __init__(self):
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()

    def form(self, name: str, sha256: str, load: Callable[[], bytes]) -> Form:
        return self._cached(f"form:{sha256}", lambda: Form(name, read_json(name, load())))

    def document(self, name: str, sha256: str, load: Callable[[], bytes]) -> Any:
        return self._cached(f"json:{sha256}", lambda: read_json(name, load()))

    def _cached(self, key: str, build: Callable[[], Any]) -> Any:
        value = self._cache.get(key)
        if value is None:
            value = build()
            with self._lock:
                self._cache[key] = value
        return value


def json_path(parts) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _field_errors(error: schema_exceptions.ValidationError):
    base = list(error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        for name in error.validator_value:
            if name not in instance:
                yield FieldError(json_path([*base, name]), N_("this field is required"))
        return
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = set(error.schema.get("properties", {}))
        for name in instance:
            if name not in allowed:
                yield FieldError(json_path([*base, name]), N_("this field is not part of the form"))
        return
    if error.validator == "format" and error.validator_value in _FORMAT_MESSAGES:
        yield FieldError(json_path(base), _FORMAT_MESSAGES[error.validator_value])
        return
    yield FieldError(json_path(base), error.message)


# What a person can act on, rather than "'x' is not a 'date-time'".
_FORMAT_MESSAGES = {
    "date-time": "not a date and time with its zone, e.g. 2026-03-02T14:00:00+01:00",
    "date": "not a date, e.g. 2026-03-02",
    "time": "not a time with its zone, e.g. 14:00:00+01:00",
    "email": "not an e-mail address",
    "uri": "not a full address (URI), e.g. https://example.org/page",
}
