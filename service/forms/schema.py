"""A form's JSON Schema and UI schema read the way a task page shows them: kinds, fixed
choices and their labels, fields that only conditions bring in, and conditions in words.

The task page and the deployment check both read forms through here, so what the check
calls renderable is what the page renders.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_MISSING = object()


def kinds(spec: dict[str, Any]) -> set[str]:
    """The JSON types a field takes, `null` aside (an empty field is left out anyway)."""
    kind = spec.get("type")
    if kind is None:
        if "properties" in spec:
            return {"object"}
        if "items" in spec:
            return {"array"}
        return {"string"}
    found = set(kind) if isinstance(kind, list) else {kind}
    return (found - {"null"}) or {"null"}


def humanise(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value).replace("_", " ").capitalize()


def label(name: str, spec: dict[str, Any], ui: dict[str, Any]) -> str:
    return ui.get("ui:title") or spec.get("title") or humanise(name)


def choices(spec: dict[str, Any], ui: dict[str, Any]) -> list[tuple[Any, str]] | None:
    """(value, label) of a field with fixed choices, or None: `enum` (labels from the UI
    schema's `ui:enumNames`, react-jsonschema-form's current way, or the older
    `enumNames` in the schema), or `oneOf`/`anyOf` of `const` + `title` alternatives."""
    if isinstance(spec.get("enum"), list):
        values = spec["enum"]
        names = ui.get("ui:enumNames") or spec.get("enumNames")
        if not isinstance(names, list) or len(names) < len(values):
            names = [humanise(value) for value in values]
        return [(v, str(n)) for v, n in zip(values, names, strict=False) if v is not None]
    for key in ("oneOf", "anyOf"):
        alternatives = spec.get(key)
        if not isinstance(alternatives, list) or not alternatives:
            continue
        consts = [_const(alternative) for alternative in alternatives]
        if any(value is _MISSING for value in consts):
            continue
        return [
            (value, str(alternative.get("title") or humanise(value)))
            for value, alternative in zip(consts, alternatives, strict=True)
            if value is not None
        ]
    return None


def _const(alternative: Any) -> Any:
    if not isinstance(alternative, dict):
        return _MISSING
    if "const" in alternative:
        return alternative["const"]
    enum = alternative.get("enum")
    if isinstance(enum, list) and len(enum) == 1:
        return enum[0]
    return _MISSING


def item_choices(spec: dict[str, Any], ui: dict[str, Any]) -> list[tuple[Any, str]] | None:
    """The choices of an array's items (a group of checkboxes), or None."""
    items = spec.get("items")
    if not isinstance(items, dict):
        return None
    item_ui = dict(ui.get("items") or {})
    if "ui:enumNames" in ui:
        item_ui.setdefault("ui:enumNames", ui["ui:enumNames"])
    return choices(items, item_ui)


def properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The object's fields: its `properties`, then those only its conditions name (the
    branches of if/then/else and of `dependencies`), which a page without script shows
    from the start."""
    found = {
        name: spec
        for name, spec in (schema.get("properties") or {}).items()
        if isinstance(spec, dict)
    }
    for branch in _branches(schema):
        for name, spec in (branch.get("properties") or {}).items():
            # A bare `const` only pins a field the object has already.
            if name not in found and isinstance(spec, dict) and set(spec) != {"const"}:
                found[name] = spec
    return found


def _branches(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for rule in rules(schema):
        for part in (rule.get("then"), rule.get("else")):
            if isinstance(part, dict):
                yield part
    for dependency in _schema_dependencies(schema).values():
        yield dependency
        for alternative in dependency.get("oneOf") or []:
            if isinstance(alternative, dict):
                yield alternative


def rules(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every if/then(/else) of the object: at its top level and in `allOf`, nested too."""
    if isinstance(schema.get("if"), dict):
        yield schema
    for part in schema.get("allOf") or []:
        if isinstance(part, dict):
            yield from rules(part)


def _schema_dependencies(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {
        name: value
        for name, value in (schema.get("dependencies") or {}).items()
        if isinstance(value, dict)
    }
    found.update(
        (name, value)
        for name, value in (schema.get("dependentSchemas") or {}).items()
        if isinstance(value, dict)
    )
    return found


def _property_dependencies(schema: dict[str, Any]) -> dict[str, list[str]]:
    found = {
        name: value
        for name, value in (schema.get("dependencies") or {}).items()
        if isinstance(value, list)
    }
    found.update(
        (name, value)
        for name, value in (schema.get("dependentRequired") or {}).items()
        if isinstance(value, list)
    )
    return found


@dataclass(frozen=True)
class Wording:
    """How conditions are put in words; the pages pass their reader's language."""

    when: str = "Needed when %(condition)s"
    unless: str = "Needed unless %(condition)s"
    equals: str = "%(field)s is %(value)s"
    filled: str = "%(field)s is filled in"
    either: str = "or"
    both: str = "and"


ENGLISH = Wording()


def condition_text(
    test: dict[str, Any],
    fields: dict[str, dict[str, Any]],
    ui: dict[str, Any],
    words: Wording = ENGLISH,
) -> str | None:
    """An `if` in words ("Outcome is Resolved and Impact is High"), or None when it
    tests something other than fixed values or presence."""
    parts = []
    for name, check in (test.get("properties") or {}).items():
        spec = fields.get(name, {})
        title = label(name, spec, ui.get(name, {}))
        labels = dict(choices(spec, ui.get(name, {})) or [])
        if not isinstance(check, dict):
            return None
        if "const" in check:
            values = [check["const"]]
        elif isinstance(check.get("enum"), list) and check["enum"]:
            values = check["enum"]
        else:
            return None
        shown = f" {words.either} ".join(_shown(labels, value) for value in values)
        parts.append(words.equals % {"field": title, "value": shown})
    tested = set(test.get("properties") or {})
    for name in test.get("required") or []:
        if name not in tested:
            title = label(name, fields.get(name, {}), ui.get(name, {}))
            parts.append(words.filled % {"field": title})
    extra = set(test) - {"properties", "required", "type", "title", "description"}
    if extra or not parts:
        return None
    return f" {words.both} ".join(parts)


def _part(rule: dict[str, Any], key: str) -> dict[str, Any]:
    # A branch may be a boolean schema (`"then": false`): it requires nothing by name.
    part = rule.get(key)
    return part if isinstance(part, dict) else {}


def _shown(labels: dict[Any, str], value: Any) -> str:
    for known, name in labels.items():
        if known == value and type(known) is type(value):
            return name
    return humanise(value)


def conditions(
    schema: dict[str, Any], ui: dict[str, Any], words: Wording = ENGLISH
) -> dict[str, list[str]]:
    """Fields that conditions make required, each with its notes ("Needed when ...")."""
    found: dict[str, list[str]] = {}
    fields = properties(schema)

    def note(names: Any, text: str) -> None:
        for name in names if isinstance(names, list) else []:
            if text not in found.setdefault(name, []):
                found[name].append(text)

    def when(condition: str) -> str:
        return words.when % {"condition": condition}

    def filled(name: str) -> str:
        return words.filled % {"field": label(name, fields.get(name, {}), ui.get(name, {}))}

    for rule in rules(schema):
        text = condition_text(rule["if"], fields, ui, words)
        if text is None:
            continue
        note(_part(rule, "then").get("required"), when(text))
        note(_part(rule, "else").get("required"), words.unless % {"condition": text})
    for name, needed in _property_dependencies(schema).items():
        note(needed, when(filled(name)))
    for name, dependency in _schema_dependencies(schema).items():
        note(dependency.get("required"), when(filled(name)))
        for alternative in dependency.get("oneOf") or []:
            if not isinstance(alternative, dict):
                continue
            test = {"properties": {name: (alternative.get("properties") or {}).get(name)}}
            text = condition_text(test, fields, ui, words)
            if text is not None:
                needed = [n for n in alternative.get("required") or [] if n != name]
                note(needed, when(text))
    return found


# The `ui:widget`s a page knows (react-jsonschema-form's names and spiff-arena's
# markdown); the others fall back to the field's type, and deploying warns.
UI_WIDGETS = frozenset(
    {
        "text", "textarea", "markdown", "password", "email", "uri", "url", "date",
        "datetime", "date-time", "time", "hidden", "select", "radio", "checkbox",
        "checkboxes", "updown", "range",
    }
)  # fmt: skip
_BY_WIDGET = {
    "textarea": "textarea",
    "markdown": "textarea",
    "password": "password",
    "datetime": "datetime",
    "date-time": "datetime",
    "date": "date",
    "time": "time",
    "email": "email",
    "uri": "url",
    "url": "url",
}
_BY_FORMAT = {
    "date-time": "datetime",
    "date": "date",
    "time": "time",
    "email": "email",
    "uri": "url",
}


def widget(spec: dict[str, Any], ui: dict[str, Any]) -> str:
    """How the page shows a field: group (an object's fieldset), rows (an array of
    objects), checkboxes, lines (an array of free values, one a line), radio, select,
    yesno, checkbox, number, textarea, password, datetime, date, time, email, url, text;
    or hidden (not shown)."""
    chosen = ui.get("ui:widget")
    if chosen == "hidden":
        return "hidden"
    found = kinds(spec)
    if "object" in found:
        return "group"
    if "array" in found:
        items = spec.get("items")
        if item_choices(spec, ui) is not None:
            return "checkboxes"
        if isinstance(items, dict) and "object" in kinds(items):
            return "rows"
        return "lines"
    if choices(spec, ui) is not None:
        return "radio" if chosen == "radio" else "select"
    if "boolean" in found:
        return "checkbox" if chosen == "checkbox" else "yesno"
    if found & {"integer", "number"}:
        return "number"
    return _BY_WIDGET.get(chosen) or _BY_FORMAT.get(spec.get("format")) or "text"
