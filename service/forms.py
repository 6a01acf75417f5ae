"""Task forms: JSON Schema files named by the BPMN, validated on the server.

The same files drive the spiff-arena modeler's forms, so they follow its
conventions (`<name>-schema.json`, `<name>-uischema.json`, draft-07).
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

from jsonschema import exceptions as schema_exceptions
from jsonschema import validators

from .domain.errors import FieldError, InvalidInput, ProcessError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.json$")


class FormStore:
    """Reads form files from one folder; re-reads a file when it changes on disk."""

    def __init__(self, folder: Path):
        self._folder = Path(folder)
        self._cache: dict[str, tuple[tuple[int, int], dict[str, Any], Any]] = {}
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        return self._folder

    def schema(self, name: str) -> dict[str, Any]:
        return self._load(name)[0]

    def ui_schema(self, name: str | None) -> dict[str, Any]:
        return self._load(name)[0] if name else {}

    def validate(self, name: str, data: Any) -> dict[str, Any]:
        """The submission, once it fits the form's schema.

        Raises `InvalidInput` listing each failing field by JSON path.
        """
        _schema, validator = self._load(name)
        if not isinstance(data, dict):
            raise InvalidInput(
                "the form data must be a JSON object", [FieldError("$", "expected an object")]
            )
        # dict.fromkeys: one entry per field and message (a "required" rule
        # reports once per missing property, each naming the whole list).
        errors = sorted(
            dict.fromkeys(
                field_error
                for error in validator.iter_errors(data)
                for field_error in _field_errors(error)
            ),
            key=lambda e: (e.field, e.message),
        )
        if errors:
            raise InvalidInput(f"the form {name} was not filled in correctly", errors)
        # Fields left out are left alone: several forms share variables (impact,
        # urgency), and blanking them would undo what another step decided.
        return dict(data)

    def defaults(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        """The values already known for the form's fields, to fill the form in."""
        properties = self.schema(name).get("properties", {})
        known = {key: data[key] for key in properties if data.get(key) is not None}
        return {
            key: spec["default"]
            for key, spec in properties.items()
            if isinstance(spec, dict) and "default" in spec
        } | known

    def _load(self, name: str):
        if not _SAFE_NAME.match(name or ""):
            raise ProcessError(f"invalid form file name {name!r}")
        path = self._folder / name
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise ProcessError(f"form file {name} not found in {self._folder}") from None
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(name)
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        try:
            schema = json.loads(path.read_bytes())
            cls = validators.validator_for(schema)
            cls.check_schema(schema)
        except (ValueError, schema_exceptions.SchemaError) as exc:
            raise ProcessError(f"form file {name} is not a valid JSON Schema: {exc}") from None
        validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
        with self._lock:
            self._cache[name] = (key, schema, validator)
        return schema, validator


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
                yield FieldError(json_path([*base, name]), "this field is required")
        return
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = set(error.schema.get("properties", {}))
        for name in instance:
            if name not in allowed:
                yield FieldError(json_path([*base, name]), "this field is not part of the form")
        return
    yield FieldError(json_path(base), error.message)
