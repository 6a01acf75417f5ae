"""A form's texts in another language: `<form>-uischema.<language>.json` beside its UI
schema, deployed and versioned with the form; what it leaves out falls back."""

from __future__ import annotations

import json
import re
from typing import Any

from .validation import SCHEMA_SUFFIX

# `triage-uischema.el.json`: the Greek texts of `triage-schema.json` (see translation_of).
_TRANSLATION = re.compile(r"^(?P<base>.+)-uischema\.(?P<language>[a-z]{2,3})\.json$")
# What a translation may say about a field, or (at its top level) about the whole form.
FIELD_TEXTS = ("ui:title", "ui:description", "ui:help", "ui:placeholder", "ui:enumNames")
FORM_TEXTS = ("ui:title", "ui:description")


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
