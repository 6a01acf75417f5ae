"""Task forms: JSON Schema documents named by the BPMN, validated on the server.

The same files drive the spiff-arena modeler's forms, so they follow its
conventions (`<name>-schema.json`, `<name>-uischema.json`, draft-07). Forms are
deployed with the processes that use them and cached here by content hash:
an incident keeps the forms of the process version it runs on.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any

from jsonschema import exceptions as schema_exceptions
from jsonschema import validators

from .domain.errors import FieldError, InvalidInput, ProcessDefinitionError
from .domain.labels import N_

SCHEMA_SUFFIX = "-schema.json"
# `triage-uischema.el.json`: the Greek texts of `triage-schema.json` (see translation_of).
_TRANSLATION = re.compile(r"^(?P<base>.+)-uischema\.(?P<language>[a-z]{2,3})\.json$")
# What a translation may say about a field, or (at its top level) about the whole form.
FIELD_TEXTS = ("ui:title", "ui:description", "ui:help", "ui:placeholder", "ui:enumNames")
FORM_TEXTS = ("ui:title", "ui:description")


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


def translation_name(schema_name: str, language: str) -> str:
    """The file holding a form's texts in a language: next to its UI schema."""
    return f"{schema_name.removesuffix(SCHEMA_SUFFIX)}-uischema.{language}.json"


def translation_of(name: str) -> tuple[str, str] | None:
    """(schema file, language) for a translation file's name; None for any other file."""
    found = _TRANSLATION.match(name)
    if found is None:
        return None
    return found["base"] + SCHEMA_SUFFIX, found["language"]


def check_translation(
    name: str, document: Any, schema: dict[str, Any] | None, languages: tuple[str, ...]
) -> list[str]:
    """What is wrong with a translation file, in words (empty: nothing). It may only
    name the form's own fields, give texts (strings), and as many option names as
    the field has options."""
    schema_name, language = translation_of(name) or ("", "")
    if language not in languages:
        return [f"{language!r} is not a language the desk speaks ({', '.join(languages)})"]
    if schema is None:
        return [f"translates {schema_name}, which is not deployed"]
    if not isinstance(document, dict):
        return ["a translation must be a JSON object"]
    properties = schema.get("properties", {})
    problems = []
    for key, value in document.items():
        if key in FORM_TEXTS:
            if not isinstance(value, str):
                problems.append(f"{key} must be a string")
            continue
        if key not in properties:
            problems.append(f"{key!r} is not a field of {schema_name}")
            continue
        if not isinstance(value, dict):
            problems.append(f"{key} must be an object of texts")
            continue
        for text_key, text in value.items():
            if text_key not in FIELD_TEXTS:
                problems.append(f"{key}: {text_key} is not a text ({', '.join(FIELD_TEXTS)})")
            elif text_key == "ui:enumNames":
                problems += _option_names(key, text, properties[key])
            elif not isinstance(text, str):
                problems.append(f"{key}: {text_key} must be a string")
    return problems


def _option_names(key: str, names: Any, spec: Any) -> list[str]:
    source = spec.get("items", spec) if isinstance(spec, dict) else {}
    options = [v for v in source.get("enum", []) if v is not None]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return [f"{key}: ui:enumNames must be a list of strings"]
    if len(names) != len(options):
        return [f"{key}: ui:enumNames has {len(names)} names for {len(options)} options"]
    return []


def translated(
    schema: dict[str, Any], ui: dict[str, Any], texts: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The schema and UI schema as a page shows them in the translation's language:
    each text it gives replaces the default one, the rest stay (the fallback)."""
    if not texts:
        return schema, ui
    schema = json.loads(json.dumps(schema))
    ui = json.loads(json.dumps(ui))
    properties = schema.get("properties", {})
    for key, value in texts.items():
        if key in FORM_TEXTS:
            ui[key] = value
            continue
        spec = properties.get(key)
        if not isinstance(spec, dict) or not isinstance(value, dict):
            continue
        if "ui:title" in value:
            spec["title"] = value["ui:title"]
        if "ui:description" in value:
            spec["description"] = value["ui:description"]
        if "ui:enumNames" in value:
            target = spec["items"] if isinstance(spec.get("items"), dict) else spec
            target["enumNames"] = value["ui:enumNames"]
        options = ui.setdefault(key, {})
        for text_key in ("ui:help", "ui:placeholder"):
            if text_key in value:
                options[text_key] = value[text_key]
    return schema, ui


class Form:
    def __init__(self, name: str, schema: dict[str, Any]):
        self.name = name
        self.schema = schema
        cls = validators.validator_for(schema)
        self._validator = cls(schema, format_checker=cls.FORMAT_CHECKER)

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
    yield FieldError(json_path(base), error.message)
